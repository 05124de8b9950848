// Real @kubernetes/client-node clients for simulated clusters, one KubeConfig per cluster
// (a shared KubeConfig switches auth under existing clients: ECOSYSTEM.md §3).
import https from "node:https";
import * as k8s from "@kubernetes/client-node";
import type { KubeconfigOptions, Simulator } from "../../src/sim/index.js";

export interface SimClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
}

/** A KubeConfig holding only `context`, taken from a (multi-context) kubeconfig YAML. */
export function kubeConfigForContext(yaml: string, context: string): k8s.KubeConfig {
  const base = new k8s.KubeConfig();
  base.loadFromString(yaml);
  const ctx = base.getContextObject(context);
  if (!ctx) throw new Error(`no context ${context}`);
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: base.clusters.filter((c) => c.name === ctx.cluster),
    users: base.users.filter((u) => u.name === ctx.user),
    contexts: [ctx],
    currentContext: ctx.name,
  });
  return kc;
}

export function clientsFor(sim: Simulator, cluster: string, auth: KubeconfigOptions["auth"] = "token"): SimClients {
  const kc = kubeConfigForContext(sim.kubeconfig({ clusters: [cluster], auth }), cluster);
  return {
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

/** Per-call options that abort the request after `ms` (client-node 1.x has no timeout of its own). */
export function withTimeout(ms: number): k8s.ConfigurationOptions {
  return {
    middlewareMergeStrategy: "append",
    middleware: [
      {
        pre: (ctx: k8s.RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(ms));
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (r: k8s.ResponseContext) => new k8s.Observable(Promise.resolve(r)),
      },
    ],
  };
}

export const NNC = { group: "acn.azure.com", version: "v1alpha", plural: "nodenetworkconfigs" } as const;

interface ListPage {
  metadata?: { continue?: string; remainingItemCount?: number; resourceVersion?: string };
  items: { metadata: { name: string } }[];
}

/** Reads a paged NNC list to the end; returns every page. */
export async function listNncPages(custom: k8s.CustomObjectsApi, limit: number, namespace?: string): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let _continue: string | undefined;
  do {
    const page = (namespace
      ? await custom.listNamespacedCustomObject({ ...NNC, namespace, limit, _continue })
      : await custom.listClusterCustomObject({ ...NNC, limit, _continue })) as ListPage;
    pages.push(page);
    _continue = page.metadata?.continue;
  } while (_continue);
  return pages;
}

/** The ApiException (or other error) a promise rejects with. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: number | string; body?: unknown; headers?: Record<string, string> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: number };
  }
  throw new Error("expected the call to fail");
}

export interface RawResponse {
  status: number;
  headers: import("node:http").IncomingHttpHeaders;
  /** The body as UTF-8 text (meaningless when gzip-encoded: use `raw`). */
  body: string;
  raw: Buffer;
}

/** A plain HTTPS GET against a simulated cluster with its token (for raw JSON, Tables, errors). */
export function rawGet(
  sim: Simulator,
  cluster: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const c = sim.cluster(cluster);
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${c.url}${path}`,
      { ca: sim.caPem, headers: { authorization: `Bearer ${c.token}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (d: Buffer) => chunks.push(d));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString("utf8"), raw });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
  });
}
