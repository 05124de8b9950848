// Kubeconfig contexts on one API server are one cluster: `az aks get-credentials` and its `--admin`
// twin, or one context per namespace. Scanned once per context, every NNC would be held twice (a false
// NNC006) and a shared pod subnet would count the cluster twice.
import { withoutCredentials } from "../url-credentials.js";

/**
 * The API server a kubeconfig `server` names, for comparison: scheme, lower-case host, port (a
 * default one made explicit) and path; no userinfo, query or fragment. Undefined for no http(s) URL.
 */
export function serverKey(server: string | undefined): string | undefined {
  const safe = withoutCredentials(server);
  if (safe === undefined) return undefined;
  const u = new URL(safe);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return `${u.protocol}//${u.hostname}:${port}${u.pathname.replace(/\/+$/, "")}`;
}

export interface SameServer<T> {
  server: string;
  kept: T;
  skipped: T[];
}

/**
 * One item per API server, the first by `rank` (never by file order or current-context, so the same one
 * is kept scan after scan), the others left out; items with no server are all kept. The kept ones stay
 * in their order.
 */
export function onePerServer<T>(items: readonly T[], serverOf: (it: T) => string | undefined, rank: (a: T, b: T) => number): { kept: T[]; twins: SameServer<T>[] } {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const key = serverKey(serverOf(it));
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), it]);
  }
  const twins: SameServer<T>[] = [];
  const left = new Set<T>();
  for (const [server, group] of groups) {
    if (group.length < 2) continue;
    const [kept, ...skipped] = [...group].sort(rank);
    twins.push({ server, kept: kept!, skipped });
    for (const s of skipped) left.add(s);
  }
  return { kept: items.filter((it) => !left.has(it)), twins };
}
