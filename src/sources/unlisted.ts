// Clusters the store knows in a subscription that could not be listed this time (403, throttling past
// the retries). Left out of the scan, they would keep passing for current with their old data; scanned
// as that failure instead, they are shown from their last good snapshot and the SCN rules name them.
import type { LatestEntry } from "../store/store.js";
import type { DiscoveryProblem } from "./azure/managed-clusters.js";
import { parseClusterId } from "./azure/managed-clusters.js";
import { knownArmId } from "./known-names.js";

export interface UnlistedCluster {
  name: string;
  /** The ARM resource id its history holds. */
  id: string;
  reason: string;
}

/** Known clusters of the subscriptions `problems` name, that no listed cluster (`listed`, by name) already is. */
export function unlistedClusters(latest: readonly LatestEntry[] | undefined, listed: ReadonlySet<string>, problems: readonly DiscoveryProblem[]): UnlistedCluster[] {
  const failed = new Map(problems.filter((p) => p.subscription).map((p) => [p.subscription!.toLowerCase(), p]));
  if (!latest || failed.size === 0) return [];
  const out: UnlistedCluster[] = [];
  for (const e of latest) {
    if (listed.has(e.cluster)) continue;
    const id = knownArmId(e);
    const p = id ? failed.get(parseClusterId(id)?.subscriptionId.toLowerCase() ?? "") : undefined;
    if (id && p) out.push({ name: e.cluster, id, reason: `not scanned: its ${p.source} could not be listed (${p.message})` });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Discovery problems as evaluation notes. */
export function discoveryNotes(problems: readonly DiscoveryProblem[]): string[] {
  return problems.map((p) => `discovery: ${p.source}: ${p.message}`);
}
