// One cluster's connection: its own KubeConfig (never a shared one whose context could switch users
// under us), client-node's auth, a per-request timeout and the cluster deadline on every call, retries, and
// a keep-alive agent (client-node 1.x opens a new TLS connection per request otherwise).
import { readFileSync } from "node:fs";
import https from "node:https";
import { createSecureContext } from "node:tls";
import * as k8s from "@kubernetes/client-node";
import pLimit from "p-limit";
import { classify, ClusterScanError, credentialFailure, noAnswerError } from "./errors.js";
import { beforeAbort } from "./before-abort.js";
import { credentialStep, withExecPlugin } from "./exec-plugin.js";
import { httpsGet, SOCKETS_PER_CLUSTER } from "./http-get.js";
import { legacyAuthProviderProblem } from "./legacy-auth-provider.js";
import type { ListKind, Normalized } from "./normalize/lists.js";
import { parseListPageAsync, ParsePoolFailure } from "./parse-pool.js";
import { DEFAULT_RETRY, type RetryPolicy, withRetry } from "./retry.js";
import { CredentialError } from "../sources/target.js";

export interface SessionOptions {
  requestTimeoutMs: number;
  /** Epoch ms after which nothing more is attempted for this cluster. */
  deadline: number;
  retry?: RetryPolicy;
  /** Aborts every request of the session (the cluster deadline, or a fleet-level cancel). */
  signal: AbortSignal;
}

export interface ListPage<T> {
  items?: T[];
  metadata?: { _continue?: string; continue?: string };
}

/** How many times a list restarts after its continue token expired (410) before giving up. */
const MAX_LIST_RESTARTS = 2;

export class KubeSession {
  private readonly callOptions: k8s.ConfigurationOptions;
  private readonly http = new k8s.IsomorphicFetchHttpLibrary();
  /** One slot per connection the agent keeps: a request's timeout starts when it has one (getBody). */
  private readonly slots = pLimit(SOCKETS_PER_CLUSTER);
  /** Requests made, for diagnostics and tests. */
  requests = 0;

  private constructor(
    readonly kubeConfig: k8s.KubeConfig,
    private readonly opts: SessionOptions,
    private readonly agent: https.Agent | undefined,
  ) {
    const session = this;
    this.callOptions = {
      middlewareMergeStrategy: "append",
      middleware: [
        {
          pre(ctx: k8s.RequestContext) {
            session.requests++;
            ctx.setSignal(AbortSignal.any([opts.signal, AbortSignal.timeout(opts.requestTimeoutMs)]));
            if (session.agent) ctx.setAgent(session.agent);
            return new k8s.Observable(Promise.resolve(ctx));
          },
          post(rsp: k8s.ResponseContext) {
            return new k8s.Observable(Promise.resolve(rsp));
          },
        },
      ],
    };
  }

  static async open(given: k8s.KubeConfig, opts: SessionOptions): Promise<KubeSession> {
    const cluster = given.getCurrentCluster();
    if (!cluster) throw new ClusterScanError("error", "the kubeconfig context names no cluster");
    const legacy = legacyAuthProviderProblem(given);
    if (legacy) throw credentialFailure(new CredentialError("error", legacy));
    const kubeConfig = withExecPlugin(given, opts.signal);
    let agent: https.Agent | undefined;
    if (cluster.server.startsWith("https:") && !cluster.proxyUrl) {
      const tls: https.RequestOptions = {};
      try {
        // An Entra token or exec plugin that hangs must not hold the cluster past its deadline.
        const late = () => new ClusterScanError("error", `getting credentials: ${credentialStep(given)} did not finish within the cluster deadline`);
        await beforeAbort(kubeConfig.applyToHTTPSOptions(tls), opts.signal, late);
      } catch (e) {
        throw credentialFailure(e);
      }
      (tls.agent as https.Agent | undefined)?.destroy();
      // One secure context per cluster: building it (parsing CA, cert and key) per connection is
      // measurable across a fleet. The CA and server name come from the cluster itself: client-node
      // applies them only for a context with a user, so an anonymous one would fail TLS.
      const ca = clusterCa(cluster);
      const secureContext = createSecureContext({
        ...(ca ? { ca } : {}),
        ...(tls.cert ? { cert: tls.cert } : {}),
        ...(tls.key ? { key: tls.key } : {}),
      });
      const agentOptions: https.AgentOptions = { keepAlive: true, maxSockets: SOCKETS_PER_CLUSTER, secureContext };
      if (cluster.tlsServerName) agentOptions.servername = cluster.tlsServerName;
      if (cluster.skipTLSVerify) agentOptions.rejectUnauthorized = false;
      agent = new https.Agent(agentOptions);
    }
    return new KubeSession(kubeConfig, opts, agent);
  }

  /** One API call with timeout, deadline, retries and classification of what went wrong. */
  async call<T>(what: string, fn: (options: k8s.ConfigurationOptions) => Promise<T>, retry?: RetryPolicy): Promise<T> {
    this.checkDeadline(what);
    try {
      return await withRetry(what, () => fn(this.callOptions), {
        policy: retry ?? this.opts.retry ?? DEFAULT_RETRY,
        signal: this.opts.signal,
        deadline: this.opts.deadline,
      });
    } catch (e) {
      if (this.opts.signal.aborted) throw noAnswerError(`${what}: the cluster deadline passed before it answered`);
      throw classify(e, what);
    }
  }

  /** Like `call`, but a 404 is an answer (the object or API does not exist). */
  async callOptional<T>(what: string, fn: (options: k8s.ConfigurationOptions) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(what, fn);
    } catch (e) {
      if (e instanceof ClusterScanError && e.httpStatus === 404) return undefined;
      throw e;
    }
  }

  /**
   * Reads every page of a list. An expired continue token (410) restarts the list from the beginning,
   * so the result is one consistent list, a bounded number of times.
   */
  async listAll<T>(what: string, page: (cont: string | undefined, options: k8s.ConfigurationOptions) => Promise<ListPage<T>>): Promise<T[]> {
    for (let restart = 0; ; restart++) {
      const items: T[] = [];
      let cont: string | undefined;
      try {
        do {
          const p = await this.call(what, (o) => page(cont, o));
          if (p.items) for (const i of p.items) items.push(i);
          cont = p.metadata?._continue ?? p.metadata?.continue ?? undefined;
        } while (cont);
        return items;
      } catch (e) {
        const expired = e instanceof ClusterScanError && e.httpStatus === 410;
        if (!expired || restart >= MAX_LIST_RESTARTS) {
          if (expired) throw new ClusterScanError("error", `${what}: the continue token expired (410) ${restart + 1} times; the list is changing faster than it can be read`, 410);
          throw e;
        }
      }
    }
  }

  /**
   * GET a path as plain JSON through client-node's auth, skipping its typed clients: their model
   * deserialisation costs more than the network for lists of thousands of Nodes and Pods, and their
   * fetch stack ~2 ms a call even for one DaemonSet. Lists go through `listPages`.
   */
  async getJson<T>(path: string, query: Record<string, string | number | undefined>, options: k8s.ConfigurationOptions = this.callOptions): Promise<T> {
    return JSON.parse((await this.getBody(path, query, options, "application/json")).body.toString("utf8")) as T;
  }

  /** GET a path as text (e.g. a pod's /metrics through the API server's proxy). */
  async getText(path: string, query: Record<string, string | number | undefined>, options: k8s.ConfigurationOptions = this.callOptions, accept = "text/plain"): Promise<string> {
    return (await this.getBody(path, query, options, accept)).body.toString("utf8");
  }

  /** A 2xx body; still gzip (`gzipped`) only when `keepGzip` asks for it. */
  private async getBody(path: string, query: Record<string, string | number | undefined>, options: k8s.ConfigurationOptions, accept: string, keepGzip = false): Promise<{ body: Buffer; gzipped: boolean }> {
    const ctx = new k8s.RequestContext(requestBase(this.kubeConfig.getCurrentCluster()!.server) + path, k8s.HttpMethod.GET);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) ctx.setQueryParam(k, String(v));
    ctx.setHeaderParam("Accept", accept);
    try {
      await this.kubeConfig.applySecurityAuthentication(ctx);
    } catch (e) {
      // As on the https path (open): a credential that fails is no answer of the API server's.
      throw credentialFailure(e);
    }
    // The reads after the NNC list start together and queue for the cluster's few connections. The
    // middleware starts the per-request timeout, so it runs only once this call has a slot: time spent
    // queued behind a slow server's other answers is no sign it is gone (the cluster deadline covers it).
    return this.slots(async () => {
      for (const m of options.middleware ?? []) await m.pre(ctx).toPromise();
      let status: number;
      let headers: Record<string, string>;
      let body: Buffer;
      let gzipped = false;
      const agent = ctx.getAgent();
      if (agent instanceof https.Agent) {
        ({ status, headers, body, gzipped = false } = await httpsGet(ctx.getUrl(), { agent, headers: ctx.getHeaders(), signal: ctx.getSignal(), keepGzip }));
      } else {
        // Plain http or a proxy: client-node's own fetch knows those.
        const rsp = await this.http.send(ctx).toPromise();
        [status, headers, body] = [rsp.httpStatusCode, rsp.headers, await rsp.body.binary()];
      }
      if (status < 200 || status > 299) {
        throw new k8s.ApiException(status, `HTTP ${status} for GET ${path}`, body.toString("utf8"), headers);
      }
      return { body, gzipped };
    });
  }

  /**
   * A page function for `listAll` over a list path, read like `getJson` and normalised page by page as
   * `kind` says, so raw pages never pile up (normalize/lists.ts); big pages are inflated, parsed and
   * normalised on a worker thread (parse-pool.ts).
   */
  listPages<K extends ListKind>(path: string, query: Record<string, string | number | undefined>, kind: K): (cont: string | undefined, options: k8s.ConfigurationOptions) => Promise<ListPage<Normalized<K>>> {
    const read = async (cont: string | undefined, options: k8s.ConfigurationOptions): Promise<ListPage<Normalized<K>>> => {
      const { body, gzipped } = await this.getBody(path, { ...query, continue: cont }, options, "application/json", true);
      return parseListPageAsync(body, kind, gzipped);
    };
    return async (cont, options) => {
      try {
        return await read(cont, options);
      } catch (e) {
        // A parse worker died with the page, whose body went with it: read it once more (the pool
        // parses in place from then on). Any other failure is the call's, to retry or classify.
        if (!(e instanceof ParsePoolFailure)) throw e;
        return read(cont, options);
      }
    };
  }

  close(): void {
    this.agent?.destroy();
  }

  private checkDeadline(what: string): void {
    if (this.opts.signal.aborted || Date.now() >= this.opts.deadline) {
      throw new ClusterScanError("unreachable", `${what}: the cluster deadline passed`);
    }
  }
}

/**
 * What request paths follow: the server URL with its path, without a query or fragment, which client-go
 * drops too. Kept, they would swallow the path (`https://host?x=1/api/v1/nodes` asks for `/`).
 */
function requestBase(server: string): string {
  let base = server;
  try {
    const u = new URL(server);
    u.search = "";
    u.hash = "";
    base = u.href;
  } catch {
    // No URL: the request fails and is classified as before.
  }
  return base.replace(/\/+$/, "");
}

/** A cluster's CA as client-node reads it: the file (checked at discovery, see cluster-ca.ts) wins over the data. */
function clusterCa(cluster: k8s.Cluster): Buffer | undefined {
  if (cluster.caFile) return readFileSync(cluster.caFile);
  return cluster.caData ? Buffer.from(cluster.caData, "base64") : undefined;
}
