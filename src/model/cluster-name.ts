// The one limit on a cluster's name, for every stage that handles one: discovery refuses a longer name
// (saying so), so that any name scanned is also stored, queued and usable in every HTTP route.
import { displaySafe } from "../display-safe.js";

/**
 * Longest cluster name (UTF-16 units) the auditor takes. Percent-encoded in a URL path (up to 9 bytes a
 * unit) it stays under Node's 16 KB request head and the Functions host's URL limit; twice in a queue
 * message (name and context), JSON-escaped, well under its 48 KB; in Table Storage a long name is
 * hashed into its keys and kept whole in properties (≤ 32K units).
 */
export const MAX_CLUSTER_NAME = 1024;

/** Why `name` cannot be a cluster's name, or undefined when it can. */
export function clusterNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a cluster name must not be empty";
  if (name.length > MAX_CLUSTER_NAME) return `cluster name ${describeCluster(name)} is longer than ${MAX_CLUSTER_NAME} characters, the most a cluster name may have`;
  return undefined;
}

/** A cluster name fit for an error message or a log line: quoted, escaped, cut short. */
export function describeCluster(cluster: string): string {
  const q = displaySafe(JSON.stringify(cluster.length > 80 ? cluster.slice(0, 80) + "…" : cluster));
  return cluster.length > 80 ? `${q} (${cluster.length} chars)` : q;
}
