// The HTTP API of CONTRACT.md as plain functions of (request) → response, independent of any server:
// `fleet-audit serve` mounts them on node:http, the Azure Functions adapters on app.http.
import { NotFoundError, StoreError, UsageError } from "../errors.js";
import { MAX_CLUSTER_NAME } from "../model/cluster-name.js";
import type { FleetEvaluation } from "../model/evaluation.js";
import type { SnapshotSummary } from "../model/snapshot.js";
import { REPORT_KINDS, reportKind } from "../reports/catalogue.js";
import { checkClusterFilter, matchesCluster, parseFilter } from "../reports/filter.js";
import { REPORT_CSP } from "../reports/formats/html.js";
import { type Format, FORMATS, parseFormat } from "../reports/render.js";
import { renderStored, reportRequest } from "../reports/stored.js";
import { judgedSummary, type SnapshotStore } from "../store/store.js";
import { type DashboardPage, renderDashboard, renderNoClusterMatches } from "./dashboard.js";
import { DASHBOARD_TREND } from "./dashboard-data.js";
import { latestEvaluationOf } from "./latest-evaluation.js";
import { staleScans } from "./stale-scans.js";

export interface ApiRequest {
  method: string;
  /** Path below the host, starting with /api/. */
  path: string;
  query: URLSearchParams;
  /** The Accept header: a browser's (text/html) gets an error page where a route has one. */
  accept?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiDeps {
  store: SnapshotStore;
  now?: () => Date;
  /** Where the cause of a 5xx goes (the response says only as much as a client may know). */
  log?: (line: string) => void;
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

/** For documents that are not pages (JSON, CSV, Markdown): nothing may load or run if one is opened as one. */
const DOCUMENT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** The longest a scan round may last (scan --round-deadline is at most 1440 minutes). */
const MAX_ROUND_MS = 24 * 3_600_000;

export function json(status: number, body: unknown): ApiResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", "content-security-policy": DOCUMENT_CSP, ...SECURITY_HEADERS }, body: JSON.stringify(body) };
}

export function apiError(status: number, code: string, message: string): ApiResponse {
  return json(status, { error: { code, message } });
}

/** Every report format but `table`, which is for terminals. */
const HTTP_FORMATS: readonly Format[] = FORMATS.filter((f) => f !== "table");

/** Query parameters each route accepts; anything else is a 400, so typos do not silently match all. */
const REPORT_PARAMS = new Set(["format", "cluster", "severity", "rule", "since", "table", "code"]);
const HISTORY_PARAMS = new Set(["since", "limit", "code"]);

function checkParams(q: URLSearchParams, allowed: Set<string>): void {
  for (const k of q.keys()) if (!allowed.has(k)) throw new UsageError(`unknown query parameter ${JSON.stringify(k.slice(0, 40))}`);
  for (const k of allowed) if (q.getAll(k).length > 1) throw new UsageError(`query parameter ${k} given more than once`);
}

async function latestEvaluation(store: SnapshotStore): Promise<FleetEvaluation> {
  const e = await latestEvaluationOf(store).get();
  if (!e) throw new NotFoundError("no scan has been evaluated yet: run `fleet-audit scan` first");
  return e;
}

export async function handleReport(req: ApiRequest, kind: string, deps: ApiDeps): Promise<ApiResponse> {
  reportKind(kind); // an unknown kind is a 404 whatever else the request says
  checkParams(req.query, REPORT_PARAMS);
  const format = parseFormat(req.query.get("format") ?? "json", HTTP_FORMATS);
  const { report, filter } = reportRequest(
    kind,
    { cluster: req.query.get("cluster") ?? undefined, severity: req.query.get("severity") ?? undefined, rule: req.query.get("rule") ?? undefined, since: req.query.get("since") ?? undefined },
    deps.now?.() ?? new Date(),
  );
  const evaluation = await latestEvaluation(deps.store);
  const table = req.query.get("table") ?? undefined;
  const r = await renderStored(deps.store, evaluation, kind, filter, format, table !== undefined ? { table } : {});
  const csp = r.contentType.startsWith("text/html") ? `${REPORT_CSP}; frame-ancestors 'none'` : DOCUMENT_CSP;
  // A browser saves a CSV under a name that says what it is; the kind is one of the catalogue's names.
  const download: Record<string, string> = format === "csv" ? { "content-disposition": `attachment; filename="fleet-audit-${report.name}-${evaluation.scanId.replace(/[^\w.-]/g, "_")}.csv"` } : {};
  return { status: 200, headers: { "content-type": r.contentType, "content-security-policy": csp, ...download, ...SECURITY_HEADERS }, body: r.body };
}

/** `GET /api/reports`: the report kinds and formats this build serves. */
export function handleReportList(req: ApiRequest): ApiResponse {
  checkParams(req.query, new Set(["code"]));
  return json(200, {
    reports: [...REPORT_KINDS.values()].map((k) => ({ name: k.name, title: k.title, path: `/api/reports/${k.name}` })),
    formats: HTTP_FORMATS,
  });
}

export async function handleClusters(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  checkParams(req.query, new Set(["code", "cluster"]));
  const filter = parseFilter({ cluster: req.query.get("cluster") ?? undefined });
  const all = await deps.store.listLatest();
  checkClusterFilter(filter, all.map((e) => e.cluster));
  const latest = all.filter((e) => matchesCluster(filter, e.cluster));
  const clusters = latest
    .map((e) => {
      // The counts the evaluation judges, as of lastOkAt: a failed scan counted nothing. A cluster no
      // scan has read, or found stopped or without CNS, keeps the 0 CONTRACT.md types as a number;
      // lastOkAt null says it counts nothing, as in the evaluation's row.
      const read = judgedSummary(e);
      const ok = read.status === "ok" ? read : undefined;
      return {
        cluster: e.cluster,
        status: e.latest.status,
        ...(e.latest.reason ? { reason: e.latest.reason } : {}),
        lastScanAt: e.latest.takenAt,
        lastOkAt: ok?.takenAt ?? null,
        nodes: ok?.nodes ?? 0,
        nncs: ok?.nncs ?? 0,
      };
    })
    .sort((a, b) => a.cluster.localeCompare(b.cluster));
  return json(200, { clusters });
}

/**
 * Snapshot summaries one history answer holds without `limit`: the newest 100, or with `since` every one
 * since then up to the most a page should carry (a week of 2-minute scans).
 */
const HISTORY_DEFAULT = 100;
const HISTORY_MAX = 5000;

export async function handleHistory(req: ApiRequest, cluster: string, deps: ApiDeps): Promise<ApiResponse> {
  checkParams(req.query, HISTORY_PARAMS);
  const sinceRaw = req.query.get("since");
  const limitRaw = req.query.get("limit");
  let limit: number | undefined;
  if (limitRaw !== null) {
    if (!/^\d{1,4}$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > 1000) throw new UsageError("limit must be an integer from 1 to 1000");
    limit = Number(limitRaw);
  }
  // `since` becomes a Date here and a row-key bound in the store (through odata), never query text.
  const { since } = parseFilter({ since: sinceRaw ?? undefined }, deps.now?.() ?? new Date());
  if (cluster.length === 0 || cluster.length > MAX_CLUSTER_NAME) throw new UsageError(`cluster name must be 1 to ${MAX_CLUSTER_NAME} characters`);
  const entry = await deps.store.getLatest(cluster);
  if (!entry) throw new NotFoundError(`unknown cluster ${JSON.stringify(cluster.slice(0, 80))}`);
  const cap = limit ?? (since ? HISTORY_MAX : HISTORY_DEFAULT);
  // One row more than the answer holds tells whether it was cut. `since` is about when a snapshot was
  // taken (the takenAt shown); the store orders history by the round's start, up to a round deadline
  // earlier for a cluster a queue worker reached late.
  const history = since
    ? (await deps.store.listHistory(cluster, { limit: cap + 1, since: new Date(since.getTime() - MAX_ROUND_MS) })).filter((h) => Date.parse(h.takenAt) >= since.getTime())
    : await deps.store.listHistory(cluster, { limit: cap + 1 });
  return json(200, { cluster, history: history.slice(0, cap).map(historyRow), ...(history.length > cap ? { truncated: true } : {}) });
}

/**
 * A snapshot that did not read its cluster counted nothing: its counts stay the numbers CONTRACT.md types
 * (0), and countsKnown: false says so, for a chart to leave a gap rather than plot a drop.
 */
function historyRow({ ref: _ref, ...h }: SnapshotSummary) {
  return { ...h, countsKnown: h.status === "ok" };
}

export async function handleHealth(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  checkParams(req.query, new Set(["code"]));
  try {
    await deps.store.ping();
  } catch (e) {
    deps.log?.(`GET /api/health → 503: ${firstLine(e)}`);
    return json(503, { status: "unavailable", error: { code: "store_unavailable", message: `the store does not answer: ${firstLine(e)}` } });
  }
  // Still 200: the API serves; a platform health check would only recycle instances, which scans no cluster.
  // The store answered, so an evaluation it cannot decode is no outage: logged, not told the anonymous caller.
  const stale = await staleScans(deps.store, deps.now?.() ?? new Date()).catch((e: unknown) => {
    deps.log?.(`GET /api/health: whether scans are evaluated on time is unknown: ${firstLine(e)}`);
    return { unknown: true, message: "whether scans are evaluated on time is unknown: the newest evaluations could not be read (the API's log says why)" };
  });
  return json(200, { status: "ok", ...(stale ? { stale } : {}) });
}

export async function handleDashboard(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  checkParams(req.query, new Set(["code", "cluster"]));
  // ?cluster=team-a-* gives a team its slice of the fleet; a value that matches nothing is a 404.
  const scope = parseFilter({ cluster: req.query.get("cluster") ?? undefined });
  // The trends' window ends at the newest evaluation, thinned as the store reads it. Scoped, the findings
  // trend counts the scope's findings: the summaries say which clusters each was about.
  const [newest] = await deps.store.listEvaluations({ limit: 1 });
  const since = newest && new Date(Date.parse(newest.generatedAt) - DASHBOARD_TREND.windowMs);
  const history = since ? await deps.store.listEvaluations({ since, thin: DASHBOARD_TREND.thin, limit: DASHBOARD_TREND.reads, ...(scope.cluster !== undefined ? { findingClusters: true } : {}) }) : [];
  const evaluation = newest ? await latestEvaluationOf(deps.store).get(newest) : undefined;
  const code = req.query.get("code") ?? undefined;
  try {
    if (evaluation) checkClusterFilter(scope, evaluation.clusters.map((c) => c.cluster));
  } catch (e) {
    // A person opening an alert's link gets a page; a script (no text/html in Accept) CONTRACT.md's JSON error.
    if (e instanceof NotFoundError && scope.cluster !== undefined && req.accept?.includes("text/html")) return htmlPage(404, renderNoClusterMatches(scope.cluster, code));
    throw e;
  }
  return htmlPage(200, renderDashboard(evaluation, history, scope, code));
}

function htmlPage(status: number, page: DashboardPage): ApiResponse {
  return { status, headers: { "content-type": "text/html; charset=utf-8", "content-security-policy": page.csp, ...SECURITY_HEADERS }, body: page.html };
}

type Handler = (req: ApiRequest, deps: ApiDeps, seg: string[]) => Promise<ApiResponse> | ApiResponse;

/** The routes by path shape (`literalCase`); every one is read-only (GET and HEAD). */
function handlerFor(seg: readonly string[]): Handler | undefined {
  if (seg.length === 1 && seg[0] === "health") return (req, deps) => handleHealth(req, deps);
  if (seg.length === 1 && seg[0] === "dashboard") return handleDashboard;
  if (seg.length === 1 && seg[0] === "reports") return handleReportList;
  if (seg.length === 2 && seg[0] === "reports") return (req, deps, s) => handleReport(req, s[1]!, deps);
  if (seg.length === 1 && seg[0] === "clusters") return handleClusters;
  if (seg.length === 3 && seg[0] === "clusters" && seg[2] === "history") return (req, deps, s) => handleHistory(req, s[1]!, deps);
  return undefined;
}

const ALLOW = "GET, HEAD";

/** Routes one request; every error becomes the JSON error shape of CONTRACT.md. */
export async function route(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    const parts = req.path.split("/").filter((p) => p !== "");
    if (parts[0]?.toLowerCase() !== "api") return apiError(404, "not_found", "no such route");
    const seg = parts.slice(1).map((p) => decodeSegment(p));
    const shape = literalCase(seg);
    const handler = handlerFor(shape);
    if (!handler) return apiError(404, "not_found", "no such route");
    if (req.method !== "GET" && req.method !== "HEAD") {
      const r = apiError(405, "method_not_allowed", `${req.method.slice(0, 20)} is not supported; the API is read-only`);
      r.headers.allow = ALLOW;
      return r;
    }
    // The page links to reports/KIND relative to itself: below /api/dashboard/ they would miss.
    if (shape.length === 1 && shape[0] === "dashboard" && req.path.endsWith("/")) {
      const query = req.query.toString();
      return { status: 308, headers: { location: `/${parts.join("/")}${query ? `?${query}` : ""}`, ...SECURITY_HEADERS }, body: "" };
    }
    return await handler(req, deps, seg);
  } catch (e) {
    const r = errorResponse(e);
    if (r.status >= 500) deps.log?.(`${req.method} ${req.path.slice(0, 200)} → ${r.status}: ${firstLine(e)}`);
    return r;
  }
}

/**
 * The Functions host matches routes case-insensitively (`/api/Health` reaches the handler), so the
 * route's literal segments are lowercased; the second is always a value and keeps its case here: a
 * cluster name is matched exactly, a report kind in any case (reportKind lowercases it).
 */
function literalCase(seg: readonly string[]): string[] {
  return seg.map((s, i) => (i === 1 ? s : s.toLowerCase()));
}

export function errorResponse(e: unknown): ApiResponse {
  if (e instanceof UsageError) return apiError(400, "bad_request", e.message);
  if (e instanceof NotFoundError) return apiError(404, "not_found", e.message);
  // Store messages name the table and the failure (our own text, no secrets): the client can act on them.
  if (e instanceof StoreError) return e.unavailable ? apiError(503, "store_unavailable", `the store does not answer: ${firstLine(e)}`) : apiError(500, "store_error", firstLine(e));
  return apiError(500, "internal", "internal error");
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n", 1)[0]!.slice(0, 500);
}

function decodeSegment(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new UsageError("malformed percent-encoding in the path");
  }
}
