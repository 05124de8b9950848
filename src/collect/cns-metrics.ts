// CNS metrics through the API server's pod proxy (DOMAIN.md §3: /metrics on port 10092). A cluster
// runs one CNS pod per node, so scraping all of them would dominate the scan: a per-cluster budget
// picks pods on suspicious nodes first, then a sample that rotates from scan to scan. Failures are
// notes; they never change the cluster's status.
import pLimit from "p-limit";
import type { ClusterSnapshot, CnsPod, CnsPodMetrics } from "../model/snapshot.js";
import { ClusterScanError, statusMessageOf } from "./errors.js";
import { SOCKETS_PER_CLUSTER } from "./http-get.js";
import type { KubeSession } from "./kube-session.js";
import type { RetryPolicy } from "./retry.js";

/** Pods scraped per cluster: a number (0 = off) or "all". */
export type CnsMetricsBudget = number | "all";

export const DEFAULT_CNS_METRICS_BUDGET = 10;
export const CNS_METRICS_PORT = 10092;
/** Scrapes in flight per cluster: one per connection of the session. */
const CONCURRENCY = SOCKETS_PER_CLUSTER;
/** Pods in the first wave: when all of them fail, the proxy is taken to be down for the cluster. */
const GIVE_UP_AFTER = 3;
/** A proxy error is one more try at most: the budget is better spent on another pod. */
const METRICS_RETRY: RetryPolicy = { retries: 1, baseDelayMs: 200, maxDelayMs: 2_000 };
/** A /metrics page is ~20 KB; anything far larger is not CNS. */
const MAX_BODY = 4 * 1024 * 1024;
const MAX_SERIES = 200;

/** Families kept: pool gauges, the v2 counts, NNC and reconciler state, NC programming. */
const KEEP = /^(cx_ipam_\w+|cx_\w+_v2|nnc_\w+|cns_nnc_\w+|sync_host_nc_version_total)$/;
/** Labels that only describe (the subnet a pool draws from); series differing only in them are summed. */
const DESCRIPTIVE_LABELS = new Set(["customer_metric", "subnet", "subnet_cidr", "podnet_arm_id"]);

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;

/**
 * Parses Prometheus text exposition into `name` or `name{label="v"}` → value for the kept families.
 * Malformed lines are skipped, never thrown on.
 */
export function parseCnsMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let series = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parsed = parseLine(line);
    if (!parsed || !KEEP.test(parsed.name)) continue;
    const labels = Object.entries(parsed.labels)
      .filter(([k]) => !DESCRIPTIVE_LABELS.has(k))
      .sort(([a], [b]) => a.localeCompare(b));
    const key = labels.length ? `${parsed.name}{${labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}` : parsed.name;
    if (!(key in out)) {
      if (++series > MAX_SERIES) break;
      out[key] = 0;
    }
    out[key]! += parsed.value;
  }
  return out;
}

function parseLine(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  NAME.lastIndex = 0;
  const m = NAME.exec(line);
  if (!m) return undefined;
  const name = m[0];
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === "{") {
    i++;
    for (;;) {
      while (line[i] === " " || line[i] === ",") i++;
      if (line[i] === "}") {
        i++;
        break;
      }
      LABEL.lastIndex = i;
      const l = LABEL.exec(line);
      if (!l || line[i + l[0].length] !== "=" || line[i + l[0].length + 1] !== '"') return undefined;
      i += l[0].length + 2;
      let v = "";
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === "\\") {
          const n = line[++i];
          v += n === "n" ? "\n" : (n ?? "");
        } else v += line[i];
      }
      if (line[i] !== '"') return undefined;
      i++;
      labels[l[0]] = v;
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  const value = Number(rest[0]);
  if (rest[0] === undefined || rest[0] === "" || !Number.isFinite(value)) return undefined;
  return { name, labels, value };
}

/** Why a node's CNS pod deserves a look first (higher = more suspicious); 0 = nothing known. */
function suspicion(pod: CnsPod, snap: ClusterSnapshot, nodes: Map<string, { ready: boolean; pendingPods?: number | undefined }>, nncNames: Set<string>, troubledNncs: Set<string>): number {
  let s = 0;
  const node = pod.node ? nodes.get(pod.node) : undefined;
  if (!pod.ready) s += 8;
  if (pod.node && !nncNames.has(pod.node) && snap.nncs.length > 0) s += 8;
  if (pod.node && troubledNncs.has(pod.node)) s += 4;
  if (node && !node.ready) s += 4;
  if (node?.pendingPods) s += 2;
  if (pod.restarts > 0) s += 1;
  return s;
}

/**
 * FNV-1a: a well-spread order that changes with the scan id. Not a security boundary, and a SHA per pod
 * cost ~1.5 ms per 250-node cluster.
 */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A pod can answer only while cns-container runs. Only azure-cns pods are asked: azure-cns-win declares
 * no metrics port (ACN cns/azure-cns-windows.yaml), and a first wave of Windows pods that fail would
 * stop the scrapes of the Linux ones.
 */
function canAnswer(p: CnsPod): boolean {
  return p.phase === "Running" && p.node !== undefined && p.reason === undefined && p.deletionTimestamp === undefined && p.daemonset === undefined;
}

/**
 * Pods to scrape: suspicious ones first (not Ready, on nodes without an NNC or with NC errors, on
 * NotReady nodes, with pending pods, restarted), then the rest in an order that changes with each scan
 * so that over time every node is sampled.
 */
export function selectMetricsPods(snap: ClusterSnapshot, budget: CnsMetricsBudget): CnsPod[] {
  if (budget === 0) return [];
  const nodes = new Map(snap.nodes.map((n) => [n.name, n]));
  const nncNames = new Set(snap.nncs.map((n) => n.name));
  const troubled = new Set(
    snap.nncs.filter((n) => n.status === "Error" || (n.problems?.length ?? 0) > 0 || n.networkContainers.some((nc) => nc.status && nc.status !== "NCUpdateSuccess")).map((n) => n.name),
  );
  const rotation = (p: CnsPod) => fnv1a(`${snap.scanId}\u0000${p.name}`);
  const ranked = snap.cns.pods
    .filter(canAnswer)
    .map((p) => ({ p, s: suspicion(p, snap, nodes, nncNames, troubled), r: rotation(p) }))
    .sort((a, b) => b.s - a.s || a.r - b.r || a.p.name.localeCompare(b.p.name));
  return (budget === "all" ? ranked : ranked.slice(0, budget)).map((x) => x.p);
}

function shortError(e: unknown): string {
  const status = (e as { code?: unknown }).code;
  const msg = statusMessageOf(e);
  if (typeof status === "number") return `HTTP ${status}${msg ? ` ${msg}` : ""}`;
  if (e instanceof ClusterScanError) return e.message;
  return (e as Error).message ?? String(e);
}

/** Reads CNS metrics of up to `budget` pods into `snap.cns.metrics`; problems become one note. */
export async function scrapeCnsMetrics(snap: ClusterSnapshot, session: KubeSession, budget: CnsMetricsBudget): Promise<void> {
  const pods = selectMetricsPods(snap, budget);
  snap.cns.metricsScope = { budget, selected: pods.length, scraped: 0, failed: 0 };
  if (pods.length === 0) return;
  const metrics: CnsPodMetrics[] = [];
  const errors: string[] = [];
  let stop = false;
  const scrape = async (pod: CnsPod): Promise<void> => {
    if (stop) return;
    const path = `/api/v1/namespaces/kube-system/pods/${encodeURIComponent(pod.name)}:${CNS_METRICS_PORT}/proxy/metrics`;
    try {
      const text = await session.call(`reading metrics of ${pod.name}`, (o) => session.getText(path, {}, o), METRICS_RETRY);
      if (text.length > MAX_BODY) throw new Error(`the /metrics answer is ${text.length} bytes, not CNS metrics`);
      const m: CnsPodMetrics = { pod: pod.name, values: parseCnsMetrics(text) };
      if (pod.node) m.node = pod.node;
      metrics.push(m);
    } catch (e) {
      errors.push(shortError(e));
      // The cluster deadline is shared with everything else, and a refusal (no pods/proxy access) is the same for every pod.
      if (e instanceof ClusterScanError && (/deadline/.test(e.message) || e.status === "unauthorized")) stop = true;
    }
  };
  const limit = pLimit(CONCURRENCY);
  // A first small wave tells whether the proxy works at all: when it fails for all of them, the rest is not tried.
  const first = pods.slice(0, GIVE_UP_AFTER);
  await Promise.all(first.map((p) => limit(() => scrape(p))));
  if (metrics.length === 0 && errors.length >= first.length) stop = true;
  await Promise.all(pods.slice(first.length).map((p) => limit(() => scrape(p))));
  metrics.sort((a, b) => a.pod.localeCompare(b.pod));
  snap.cns.metrics = metrics;
  snap.cns.metricsScope = { budget, selected: pods.length, scraped: metrics.length, failed: errors.length };
  if (errors.length > 0) {
    const skipped = pods.length - metrics.length - errors.length;
    snap.notes.push(
      `CNS metrics: the API server's pod proxy (port ${CNS_METRICS_PORT}) failed for ${errors.length} of ${pods.length} azure-cns pods` +
        (skipped > 0 ? `, ${skipped} more not tried` : "") +
        ` (${errors[0]}); the scan carried on without them`,
    );
  }
}
