// One simulated cluster's HTTPS API server: routing, auth, paging, tables, pod proxy and faults.
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import {
  AUTHZ_GROUP,
  NNC_GROUP,
  SSAR_PATH,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  fieldGetter,
  groupVersion,
  isFieldSupported,
  nncGroupVersions,
  qualifiedResource,
  resourcesOf,
  versionInfo,
  type ResourceDef,
} from "./discovery.js";
import { FaultSet, type FaultKind, type FaultSpec } from "./faults.js";
import { cnsMetricsText } from "./metrics.js";
import { openApiReply } from "./openapi/serve.js";
import { CNS_LABEL, isPodReady } from "./objects.js";
import { SelectorError, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.js";
import type { ClusterState } from "./state.js";
import { lowerBound } from "./store.js";
import { EXPIRED_MESSAGE, NOT_FOUND_PATH, statusBody } from "./status.js";
import { toTable, type IncludeObject } from "./tables.js";
import type { KObject, PodObject } from "./types.js";

export interface RequestLogEntry {
  method: string;
  /** Path and query as sent. */
  path: string;
  /** 0 while unanswered (and forever for a hung request). */
  status: number;
  /** Epoch ms the request arrived. */
  time: number;
  durationMs?: number;
  /** The fault that shaped the answer, if any. */
  fault?: FaultKind;
}

interface Reply {
  status: number;
  body: string | Buffer;
  contentType: string;
  headers?: Record<string, string>;
  /** Body is gzip-encoded already (headers say so). */
  gzipped?: boolean;
  /** Store the final (possibly gzipped) reply under this page-cache key. */
  cacheKey?: string;
}

/** The apiserver gzips responses over 128 KiB at level 1 for clients that accept it. */
const GZIP_THRESHOLD = 128 * 1024;
const gzipAsync = promisify(gzip);

export interface TlsMaterial {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface CachedPage {
  body: Buffer;
  gzipped: boolean;
}

/**
 * Serialized list pages (gzipped when the client takes gzip, ~10x smaller), shared by all clusters,
 * bounded in bytes; the least recently used page goes first. Keys carry the snapshot's
 * resourceVersion, so a change simply stops hitting old pages.
 */
export class PageCache {
  private readonly map = new Map<string, CachedPage>();
  private bytes = 0;
  constructor(private readonly budget: number) {}
  get(key: string): CachedPage | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: CachedPage): void {
    if (value.body.length > this.budget / 4) return;
    const old = this.map.get(key);
    if (old) this.bytes -= old.body.length;
    this.map.set(key, value);
    this.bytes += value.body.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= v.body.length;
    }
  }
}

const JSON_TYPE = "application/json";
const DEFAULT_MESSAGES: Record<number, string> = {
  401: "Unauthorized",
  404: NOT_FOUND_PATH,
  500: "Internal error occurred: simulated failure",
  503: "the server is currently unable to handle the request",
  504: "the server was unable to return a response in the time allotted, but may still be processing the request",
};
const FORBIDDEN_USER = "system:serviceaccount:kube-system:fleet-audit";

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; start: string } | undefined {
  try {
    const o = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { v?: unknown; rv?: unknown; start?: unknown };
    if (o.v !== "meta.k8s.io/v1" || typeof o.rv !== "number" || typeof o.start !== "string") return undefined;
    return { rv: o.rv, start: o.start };
  } catch {
    return undefined;
  }
}

/** The meta.k8s.io Table version the client asked for, if it asked for a Table at all. */
function tableVersion(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  for (const range of accept.split(",")) {
    const params = new Map(
      range.split(";").slice(1).map((p) => {
        const [k, v] = p.trim().split("=");
        return [k ?? "", v ?? ""] as [string, string];
      }),
    );
    if (params.get("as") === "Table" && params.get("g") === "meta.k8s.io") {
      const v = params.get("v");
      if (v === "v1" || v === "v1beta1") return `meta.k8s.io/${v}`;
    }
  }
  return undefined;
}

/** What a request path addresses. */
type Target =
  | { t: "doc"; body: () => object | undefined }
  | { t: "text"; body: string }
  | { t: "resource"; def: ResourceDef; ns?: string; name?: string; sub: string[] }
  | { t: "openapi"; segs: string[] }
  | { t: "notfound" };

export class SimCluster {
  readonly faults: FaultSet;
  private readonly log: RequestLogEntry[] = [];
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private listening = false;
  private closed = false;
  private portNumber = 0;

  constructor(
    readonly state: ClusterState,
    /** Bearer token this cluster accepts. */
    readonly token: string,
    private readonly tls: TlsMaterial,
    private readonly cache: PageCache,
    private readonly cacheId: string,
    /** Request-log entries kept (oldest dropped in halves). */
    private readonly logLimit = 10_000,
  ) {
    this.faults = new FaultSet(state.spec.faults ?? []);
    this.server = https.createServer(
      { cert: tls.certPem, key: tls.keyPem, ca: [tls.caPem], requestCert: true, rejectUnauthorized: false },
      (req, res) => void this.handle(req, res),
    );
    this.server.keepAliveTimeout = 30_000;
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
    // A client that hangs up mid-handshake is not our problem.
    this.server.on("tlsClientError", () => undefined);
  }

  get name(): string {
    return this.state.name;
  }
  get port(): number {
    return this.portNumber;
  }
  get url(): string {
    return `https://127.0.0.1:${this.portNumber}`;
  }
  get caPem(): string {
    return this.tls.caPem;
  }
  /** Every request seen, oldest first. */
  get requests(): readonly RequestLogEntry[] {
    return this.log;
  }
  clearRequests(): void {
    this.log.length = 0;
  }

  async start(): Promise<void> {
    await this.listen(0);
    await this.syncListening();
  }

  /** Replaces the active faults (counters restart). */
  async setFaults(faults: readonly FaultSpec[]): Promise<void> {
    this.faults.set(faults);
    await this.syncListening();
  }
  async addFault(fault: FaultSpec): Promise<void> {
    this.faults.add(fault);
    await this.syncListening();
  }
  async clearFaults(): Promise<void> {
    await this.setFaults([]);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.stopListening();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once("error", onError);
      this.server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
        this.server.off("error", onError);
        this.listening = true;
        const addr = this.server.address();
        if (addr && typeof addr === "object") this.portNumber = addr.port;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** `refuse` means a closed port; lifting it listens again on the same port. */
  private async syncListening(): Promise<void> {
    if (this.closed) return;
    const refuse = this.faults.has("refuse");
    if (refuse && this.listening) await this.stopListening();
    else if (!refuse && !this.listening) await this.listen(this.portNumber);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private nncApi(): boolean {
    return this.state.hasNncCrd && !this.faults.has("noNncApi");
  }

  private cssApi(): boolean {
    return this.nncApi() && this.state.hasSubnetStateCrd;
  }

  /**
   * Decides which bearer tokens this cluster accepts instead of its own static token: an AAD cluster
   * accepts the Entra tokens the simulated identity endpoint issued (src/sim/arm).
   */
  bearerAuth: ((token: string) => boolean) | undefined;

  private authenticated(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith("Bearer ")) {
      const token = auth.slice("Bearer ".length);
      if (this.bearerAuth ? this.bearerAuth(token) : token === this.token) return true;
    }
    // A client certificate only counts if our CA signed it (requestCert without rejectUnauthorized).
    return (req.socket as TLSSocket).authorized === true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? "/";
    const entry: RequestLogEntry = { method: req.method ?? "GET", path: url, status: 0, time: Date.now() };
    // A long-running `fleet-audit sim` must not grow without bound: keep the newest entries.
    if (this.log.length >= this.logLimit) this.log.splice(0, this.log.length - Math.floor(this.logLimit / 2));
    this.log.push(entry);
    try {
      const delay = this.faults.delayFor(url);
      if (delay > 0) {
        await this.sleep(delay);
        if (this.closed) return;
      }
      if (this.faults.has("hang", url)) {
        entry.fault = "hang";
        return;
      }
      const q = url.indexOf("?");
      const rawPath = q < 0 ? url : url.slice(0, q);
      const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
      if (!this.authenticated(req)) return this.send(req, res, entry, this.status(401, "Unauthorized"));
      const fired = this.faults.fire(url, query.has("continue"));
      if (fired) {
        entry.fault = fired.kind;
        return this.send(req, res, entry, this.faultReply(fired, req, rawPath, query));
      }
      const malformed = this.faults.has("malformed", url);
      const truncated = this.faults.find("truncated", url);
      // Faults that damage the body work on plain JSON.
      const gz = !malformed && !truncated && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
      const reply = req.method === "POST" && rawPath === SSAR_PATH ? this.accessReview(await readJson(req)) : this.route(req, rawPath, query, gz);
      let body = typeof reply.body === "string" ? Buffer.from(reply.body) : reply.body;
      if (gz && !reply.gzipped && body.length > GZIP_THRESHOLD) {
        body = await gzipAsync(body, { level: 1 });
        reply.gzipped = true;
        reply.headers = { ...reply.headers, "Content-Encoding": "gzip" };
        if (this.closed) return;
      }
      if (reply.cacheKey) this.cache.set(reply.cacheKey, { body, gzipped: reply.gzipped === true });
      reply.body = body;
      if (malformed) {
        entry.fault = "malformed";
        reply.body = body.subarray(0, Math.max(1, Math.floor(body.length / 2)));
        reply.status = 200;
        reply.contentType = JSON_TYPE;
      }
      if (truncated) {
        entry.fault = "truncated";
        return this.sendTruncated(res, entry, reply, truncated.mode ?? "chunked");
      }
      this.send(req, res, entry, reply);
    } catch (e) {
      this.send(req, res, entry, this.status(500, `Internal error occurred: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private headers(r: Reply, length: number): Record<string, string> {
    return {
      "Audit-Id": randomUUID(),
      "Cache-Control": "no-cache, private",
      "Content-Type": r.contentType,
      "Content-Length": String(length),
      ...r.headers,
    };
  }

  private send(req: IncomingMessage, res: ServerResponse, entry: RequestLogEntry, r: Reply): void {
    const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
    entry.status = r.status;
    entry.durationMs = Date.now() - entry.time;
    if (res.destroyed) return;
    res.writeHead(r.status, this.headers(r, body.length));
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** Sends half the body, then drops the connection. */
  private sendTruncated(res: ServerResponse, entry: RequestLogEntry, r: Reply, mode: "chunked" | "content-length"): void {
    const body = typeof r.body === "string" ? Buffer.from(r.body) : r.body;
    entry.status = r.status;
    entry.durationMs = Date.now() - entry.time;
    const headers = this.headers(r, body.length);
    if (mode === "chunked") delete headers["Content-Length"];
    res.writeHead(r.status, headers);
    res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => res.socket?.destroy());
  }

  private status(code: number, message: string, opts: Parameters<typeof statusBody>[2] = {}, headers?: Record<string, string>): Reply {
    const r: Reply = { status: code, body: JSON.stringify(statusBody(code, message, opts)), contentType: JSON_TYPE };
    if (headers) r.headers = headers;
    return r;
  }

  private json(body: object): Reply {
    return { status: 200, body: JSON.stringify(body), contentType: JSON_TYPE };
  }

  /**
   * `kubectl auth can-i`: allowed unless a 403 fault covers the request the review describes, so a
   * test that forbids `pods/proxy` (CNS metrics) is seen the same way by the scan and by kubectl.
   */
  private accessReview(body: unknown): Reply {
    const spec = (body as { spec?: { resourceAttributes?: Record<string, string>; nonResourceAttributes?: { path?: string } } } | undefined)?.spec;
    const ra = spec?.resourceAttributes;
    let path = spec?.nonResourceAttributes?.path ?? "/";
    if (ra) {
      const base = ra.group ? `/apis/${ra.group}/${ra.version || "v1"}` : "/api/v1";
      path = `${base}${ra.namespace ? `/namespaces/${ra.namespace}` : ""}/${ra.resource ?? ""}${ra.name ? `/${ra.name}` : ra.subresource ? "/x" : ""}${ra.subresource ? `/${ra.subresource}` : ""}`;
    }
    const denied = this.faults.find("status", path);
    const allowed = !(denied && denied.code === 403);
    return this.json({
      kind: "SelfSubjectAccessReview",
      apiVersion: `${AUTHZ_GROUP}/v1`,
      metadata: { creationTimestamp: null },
      spec: spec ?? {},
      status: { allowed },
    });
  }

  private faultReply(f: FaultSpec, req: IncomingMessage, rawPath: string, query: URLSearchParams): Reply {
    switch (f.kind) {
      case "status":
        if (f.code === 403 && !f.message) return this.forbidden(req, rawPath);
        return this.status(f.code, f.message ?? DEFAULT_MESSAGES[f.code] ?? `simulated ${f.code}`);
      case "body":
        return { status: 200, body: f.body, contentType: f.contentType ?? JSON_TYPE };
      case "flaky":
        return this.status(f.code ?? 500, "Internal error occurred: etcdserver: request timed out", {
          details: { causes: [{ message: "etcdserver: request timed out" }] },
        });
      case "throttle": {
        const s = f.retryAfter ?? 1;
        return this.status(429, "Too many requests, please try again later.", { details: { retryAfterSeconds: s } }, { "Retry-After": String(s) });
      }
      case "expiredContinue": {
        const tok = decodeContinue(query.get("continue") ?? "");
        const target = this.target(rawPath);
        const coll = target.t === "resource" ? this.state.collection(target.def.store) : undefined;
        const fresh = coll && tok ? encodeContinue(coll.freshRv(), tok.start) : undefined;
        return this.status(410, EXPIRED_MESSAGE, fresh ? { continueToken: fresh } : {});
      }
      default:
        return this.status(500, "Internal error occurred");
    }
  }

  private forbidden(req: IncomingMessage, rawPath: string): Reply {
    const t = this.target(rawPath);
    if (t.t !== "resource") {
      return this.status(403, `forbidden: User "${FORBIDDEN_USER}" cannot get path "${rawPath}"`, { details: {} });
    }
    const verb = t.sub.length > 0 ? "get" : t.name ? "get" : new URLSearchParams(req.url?.split("?")[1] ?? "").get("watch") ? "watch" : "list";
    const resource = t.sub.length > 0 ? `${t.def.plural}/${t.sub[0]}` : t.def.plural;
    const scope = t.ns ? `in the namespace "${t.ns}"` : "at the cluster scope";
    const details: Record<string, unknown> = { kind: t.def.plural };
    if (t.def.group) details["group"] = t.def.group;
    if (t.name) details["name"] = t.name;
    return this.status(
      403,
      `${qualifiedResource(t.def)}${t.name ? ` "${t.name}"` : ""} is forbidden: User "${FORBIDDEN_USER}" cannot ${verb} resource "${resource}" in API group "${t.def.group}" ${scope}`,
      { details },
    );
  }

  private notFoundPath(): Reply {
    return this.status(404, NOT_FOUND_PATH, { details: {} });
  }

  /** Maps a raw path to what it addresses. */
  private target(rawPath: string): Target {
    let segs: string[];
    try {
      segs = rawPath.split("/").filter((s) => s !== "").map(decodeURIComponent);
    } catch {
      return { t: "notfound" };
    }
    const nnc = this.nncApi();
    const css = this.cssApi();
    const [a, b, c] = segs;
    if (segs.length === 0) {
      const acn = nnc ? [`/apis/${NNC_GROUP}`, ...nncGroupVersions(css).map((v) => `/apis/${NNC_GROUP}/${v}`)] : [];
      return { t: "doc", body: () => ({ paths: ["/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", `/apis/${AUTHZ_GROUP}`, `/apis/${AUTHZ_GROUP}/v1`, ...acn, "/healthz", "/livez", "/openapi/v2", "/openapi/v3", "/readyz", "/version"] }) };
    }
    if (segs.length === 1 && a === "version") return { t: "doc", body: () => versionInfo(this.state.profile.kubernetesVersion) };
    if (segs.length === 1 && (a === "healthz" || a === "livez" || a === "readyz")) return { t: "text", body: "ok" };
    if (a === "openapi") return { t: "openapi", segs: segs.slice(1) };
    if (a === "api") {
      if (segs.length === 1) return { t: "doc", body: () => apiVersions() };
      if (b !== "v1") return { t: "notfound" };
      return this.resourceTarget("", "v1", segs.slice(2));
    }
    if (a === "apis") {
      if (segs.length === 1) return { t: "doc", body: () => apiGroupList(nnc, css) };
      if (segs.length === 2) return { t: "doc", body: () => apiGroup(b ?? "", nnc, css) };
      return this.resourceTarget(b ?? "", c ?? "", segs.slice(3));
    }
    return { t: "notfound" };
  }

  private resourceTarget(group: string, version: string, rest: string[]): Target {
    const nnc = this.nncApi();
    const css = this.cssApi();
    if (rest.length === 0) return { t: "doc", body: () => apiResourceList(group, version, nnc, css) };
    const defs = resourcesOf(group, version, nnc, css);
    let ns: string | undefined;
    let parts = rest;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      ns = rest[1];
      parts = rest.slice(2);
    }
    const def = defs.find((d) => d.plural === parts[0]);
    if (!def) return { t: "notfound" };
    if (ns !== undefined && !def.namespaced) return { t: "notfound" };
    const name = parts[1];
    // /api/v1/pods/x is not a thing: named namespaced objects need their namespace.
    if (def.namespaced && ns === undefined && name !== undefined) return { t: "notfound" };
    const t: Target = { t: "resource", def, sub: parts.slice(2) };
    if (ns !== undefined) t.ns = ns;
    if (name !== undefined) t.name = name;
    return t;
  }

  private route(req: IncomingMessage, rawPath: string, query: URLSearchParams, gz: boolean): Reply {
    const t = this.target(rawPath);
    if (t.t === "notfound") return this.notFoundPath();
    if (req.method !== "GET" && req.method !== "HEAD") {
      return this.status(405, "the server does not allow this method on the requested resource", { details: {} });
    }
    if (t.t === "text") return { status: 200, body: t.body, contentType: "text/plain; charset=utf-8" };
    if (t.t === "openapi") {
      const apis = { nncApi: this.nncApi(), css: this.cssApi(), kubernetesVersion: this.state.profile.kubernetesVersion };
      return openApiReply({ segs: t.segs, query, accept: req.headers.accept, ifNoneMatch: req.headers["if-none-match"] }, apis) ?? this.notFoundPath();
    }
    if (t.t === "doc") {
      const body = t.body();
      return body ? this.json(body) : this.notFoundPath();
    }
    if (query.get("watch") === "true" || query.get("watch") === "1") {
      return this.status(405, "watch is not supported by the simulator", { details: {} });
    }
    if (t.sub.length > 0) return this.subresource(t.def, t.ns, t.name ?? "", t.sub, rawPath);
    const accept = req.headers.accept;
    if (t.name !== undefined) return this.get(t.def, t.ns, t.name, accept, query);
    return this.list(t.def, t.ns, query, accept, gz);
  }

  private notFound(def: ResourceDef, name: string): Reply {
    const details: Record<string, unknown> = { name };
    if (def.group) details["group"] = def.group;
    details["kind"] = def.plural;
    return this.status(404, `${qualifiedResource(def)} "${name}" not found`, { details });
  }

  private includeObject(query: URLSearchParams): IncludeObject {
    const v = query.get("includeObject");
    return v === "None" || v === "Object" ? v : "Metadata";
  }

  private get(def: ResourceDef, ns: string | undefined, name: string, accept: string | undefined, query: URLSearchParams): Reply {
    const coll = this.state.collection(def.store);
    const obj = coll.get(name, ns);
    if (!obj) return this.notFound(def, name);
    const tv = tableVersion(accept);
    if (tv) {
      return this.json(toTable(def, [obj], { resourceVersion: obj.metadata.resourceVersion ?? "" }, { includeObject: this.includeObject(query), apiVersion: tv }));
    }
    return { status: 200, body: JSON.stringify(obj), contentType: JSON_TYPE };
  }

  private list(def: ResourceDef, ns: string | undefined, query: URLSearchParams, accept: string | undefined, gz: boolean): Reply {
    const coll = this.state.collection(def.store);
    const labelSel = query.get("labelSelector") ?? "";
    const fieldSel = query.get("fieldSelector") ?? "";
    let labels, fields;
    try {
      labels = parseLabelSelector(labelSel);
      fields = parseFieldSelector(fieldSel);
    } catch (e) {
      if (e instanceof SelectorError) return this.status(400, e.message);
      throw e;
    }
    const unsupported = fields.find((f) => !isFieldSupported(def, f.field));
    if (unsupported) {
      return this.status(
        400,
        `Unable to find "${groupVersion(def) === "v1" ? "/v1" : groupVersion(def)}, Resource=${def.plural}" that match label selector "${labelSel}", field selector "${fieldSel}": field label not supported: ${unsupported.field}`,
      );
    }
    const limitN = Number(query.get("limit") ?? "0");
    const limit = Number.isInteger(limitN) && limitN > 0 ? limitN : 0;
    const cont = query.get("continue");
    let snap = coll.snapshot();
    let start: string | undefined;
    if (cont) {
      const tok = decodeContinue(cont);
      if (!tok) return this.status(400, `continue key is not valid: illegal base64 data or unknown version`);
      const at = coll.snapshotAt(tok.rv);
      if (!at) return this.status(410, EXPIRED_MESSAGE, { continueToken: encodeContinue(coll.freshRv(), tok.start) });
      snap = at;
      start = tok.start;
    }
    const tv = tableVersion(accept);
    const nsKey = def.namespaced ? (ns ?? "") : "";
    // Tables carry ages, so only JSON pages are cached.
    const cacheKey = tv ? undefined : `${this.cacheId}|${def.plural}|${snap.rv}|${nsKey}|${labelSel}|${fieldSel}|${start ?? ""}|${limit}|${gz ? "gz" : "id"}`;
    if (cacheKey) {
      const hit = this.cache.get(cacheKey);
      if (hit) {
        const r: Reply = { status: 200, body: hit.body, contentType: JSON_TYPE, gzipped: hit.gzipped };
        if (hit.gzipped) r.headers = { "Content-Encoding": "gzip" };
        return r;
      }
    }
    const [from, to] = def.namespaced && ns !== undefined ? coll.namespaceRange(snap, ns) : [0, snap.keys.length];
    const begin = start === undefined ? from : Math.max(from, lowerBound(snap.keys, start));
    const filtered = labels.length > 0 || fields.length > 0;
    const items: KObject[] = [];
    let lastIdx = -1;
    let more = false;
    for (let i = begin; i < to; i++) {
      const o = snap.items[i] as KObject;
      if (filtered && !(matchesLabels(labels, o.metadata.labels) && matchesFields(fields, fieldGetter(def, o)))) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(o);
      lastIdx = i;
    }
    const meta: Record<string, unknown> = { resourceVersion: String(snap.rv) };
    if (more) {
      meta["continue"] = encodeContinue(snap.rv, `${snap.keys[lastIdx]}\u0000`);
      // The apiserver only counts what is left when it need not filter.
      if (!filtered) meta["remainingItemCount"] = to - lastIdx - 1;
    }
    if (tv) return this.json(toTable(def, items, meta, { includeObject: this.includeObject(query), apiVersion: tv }));
    const body = JSON.stringify({ kind: `${def.kind}List`, apiVersion: groupVersion(def), metadata: meta, items });
    const r: Reply = { status: 200, body, contentType: JSON_TYPE };
    if (cacheKey) r.cacheKey = cacheKey;
    return r;
  }

  private subresource(def: ResourceDef, ns: string | undefined, name: string, sub: string[], rawPath: string): Reply {
    if (def.plural !== "pods" || ns === undefined) return this.notFoundPath();
    if (sub[0] === "proxy") return this.podProxy(ns, name, sub.slice(1), rawPath);
    if (sub[0] === "log" && sub.length === 1) {
      const pod = this.state.pods.get(name, ns);
      if (!pod) return this.notFound(def, name);
      return { status: 200, body: this.podLog(pod), contentType: "text/plain" };
    }
    return this.notFoundPath();
  }

  /** GET pods/{name[:port]}/proxy/{path}: CNS answers /metrics, /healthz and /readyz on 10092. */
  private podProxy(ns: string, nameAndPort: string, path: string[], rawPath: string): Reply {
    const parts = nameAndPort.split(":");
    const [name, port] = parts.length === 3 ? [parts[1] ?? "", parts[2]] : [parts[0] ?? "", parts[1]];
    const pod = this.state.pods.get(name, ns);
    const podsDef = resourcesOf("", "v1", true).find((d) => d.plural === "pods") as ResourceDef;
    if (!pod) return this.notFound(podsDef, name);
    const ip = pod.status?.podIP || pod.status?.hostIP || "";
    const target = `${ip}:${port ?? "80"}`;
    const unreachable = this.faults.find("proxyUnreachable", rawPath);
    if (unreachable) {
      return this.status(503, unreachable.message ?? `error trying to reach service: dial tcp ${target}: i/o timeout`);
    }
    const isCns = pod.metadata.labels?.["k8s-app"] === CNS_LABEL["k8s-app"];
    const running = pod.status?.containerStatuses?.find((c) => c.name === "cns-container")?.state?.running !== undefined;
    if (!isCns || !running || port !== "10092" || pod.status?.phase !== "Running") {
      return this.status(503, `error trying to reach service: dial tcp ${target}: connect: connection refused`);
    }
    const p = path.join("/");
    if (p === "metrics") {
      const text = cnsMetricsText(this.state, pod);
      if (text !== undefined) return { status: 200, body: text, contentType: "text/plain; version=0.0.4; charset=utf-8" };
    }
    if (p === "healthz") return { status: 200, body: "ok", contentType: "text/plain; charset=utf-8" };
    if (p === "readyz") {
      return isPodReady(pod)
        ? { status: 200, body: "ok", contentType: "text/plain; charset=utf-8" }
        : { status: 500, body: "[-]nnc-reconciler failed: nnc reconciler has not started\nreadyz check failed\n", contentType: "text/plain; charset=utf-8" };
    }
    return { status: 404, body: "404 page not found\n", contentType: "text/plain; charset=utf-8" };
  }

  private podLog(pod: PodObject): string {
    if (pod.metadata.labels?.["k8s-app"] !== CNS_LABEL["k8s-app"]) return "";
    const started = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? pod.metadata.creationTimestamp ?? "";
    const ts = started.replace(/-/g, "/").replace("T", " ").replace("Z", "");
    const node = pod.spec?.nodeName ?? "";
    const nnc = this.state.nncs.get(node, "kube-system");
    const lines = [
      `${ts} [1] [Configuration] Using config path: /etc/azure-cns/cns_config.json`,
      `${ts} [1] [Utils] Initializing HTTP client with connection timeout: 7, response header timeout: 7`,
      `${ts} [1] [Azure CNS] Initialize HTTPRemoteRestService`,
      `${ts} [1] Reconciling initial CNS state`,
      nnc
        ? `${ts} [1] Retrieved NNC: ${nnc.metadata.name} (uid ${nnc.metadata.uid}, ${nnc.status?.networkContainers?.length ?? 0} NCs)`
        : `${ts} [1] NNC reconciler has not started, does the NNC exist?`,
    ];
    return lines.join("\n") + "\n";
  }
}

/** A small JSON request body (an access review); anything else reads as undefined. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(c as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}
