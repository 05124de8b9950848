// Clusters the store knows in a subscription that could not be listed this time (403, throttling past
// the retries). Left out of the scan, they would keep passing for current with their old data; scanned
// as that failure instead, they are shown from their last good snapshot and the SCN rules name them.
// One that was stopped or not CNS has no CNS data to go stale: it keeps that status, so a passing 429
// pages no one.
import { type ClusterSnapshot, emptySnapshot, failureSnapshot, type SnapshotSummary } from "../model/snapshot.js";
import type { LatestEntry, SnapshotStore } from "../store/store.js";
import type { DiscoveryError, DiscoveryProblem } from "./azure/managed-clusters.js";
import { parseClusterId } from "./azure/managed-clusters.js";
import { knownArmId } from "./known-names.js";

export interface UnlistedCluster {
  name: string;
  /** The ARM resource id its history holds. */
  id: string;
  /** Why it was not scanned: a failed one's reason, a kept one's note. */
  reason: string;
  /** Its latest snapshot, when that was stopped or not-cns: the status it keeps this round. */
  kept?: SnapshotSummary;
}

/**
 * Known clusters of the subscriptions `problems` name (of every subscription, for a problem that is
 * `everySubscription`), that no listed cluster (`listed`, by name) already is.
 */
export function unlistedClusters(latest: readonly LatestEntry[] | undefined, listed: ReadonlySet<string>, problems: readonly DiscoveryProblem[]): UnlistedCluster[] {
  const failed = new Map(problems.filter((p) => p.subscription).map((p) => [p.subscription!.toLowerCase(), p]));
  const every = problems.find((p) => p.everySubscription);
  if (!latest || (failed.size === 0 && !every)) return [];
  /** The problem of a subscription: its own, else the one that left every subscription unlisted. */
  const problemOf = (subscription: string): DiscoveryProblem | undefined =>
    failed.get(subscription.toLowerCase()) ?? (every ? { source: `subscription ${subscription}`, message: `${every.source}: ${every.message}` } : undefined);
  const out: UnlistedCluster[] = [];
  for (const e of latest) {
    if (listed.has(e.cluster)) continue;
    const id = knownArmId(e);
    const subscription = id ? parseClusterId(id)?.subscriptionId : undefined;
    const p = subscription ? problemOf(subscription) : undefined;
    if (!id || !p) continue;
    const kept = e.latest.status === "stopped" || e.latest.status === "not-cns" ? e.latest : undefined;
    const why = `its ${p.source} could not be listed`;
    if (kept) out.push({ name: e.cluster, id, kept, reason: `${why} this round (${p.message}): ${kept.status} as found before` });
    else out.push({ name: e.cluster, id, reason: `not scanned: ${why} (${p.message})` });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * This round's snapshot of an unlisted cluster: a failure, or the kept status with the ARM data its
 * latest snapshot holds (a stopped cluster's pools still count in its subnets' headroom), and why in a note.
 */
export async function unlistedSnapshot(u: UnlistedCluster, scanId: string, at: Date, store: Pick<SnapshotStore, "getSnapshot">): Promise<ClusterSnapshot> {
  if (!u.kept) return failureSnapshot(u.name, scanId, "arm", u.reason, at);
  const snap = emptySnapshot(u.name, scanId, { kind: "arm" }, at);
  snap.status = u.kept.status;
  if (u.kept.reason !== undefined) snap.reason = u.kept.reason;
  snap.notes.push(u.reason);
  const arm = (await store.getSnapshot(u.name, u.kept.ref).catch(() => undefined))?.arm;
  if (arm) snap.arm = arm;
  return snap;
}

/**
 * The known ARM clusters of the subscriptions the scan asked for, when discovery listed nothing at all
 * (ARM unreachable, every subscription refused): left out, they would pass for current and a round would
 * not even be registered. Those are the subscriptions the error names, or every one when it is
 * `everySubscription` (`all`, its listing failed): a subscription the scan no longer asks for is left as it was.
 * Throws `error` when the store knows no such cluster: then there is nothing to scan as failed.
 */
export function undiscoveredClusters(latest: readonly LatestEntry[] | undefined, error: DiscoveryError): UnlistedCluster[] {
  const unlisted = unlistedClusters(latest, new Set(), error.problems);
  if (unlisted.length === 0) throw error;
  return unlisted;
}

/**
 * The known clusters a scan or round records without collecting: those of the subscriptions that could
 * not be listed, or, when discovery listed nothing (`undiscovered`), those of every subscription it asked for.
 */
export function clustersNotListed(latest: readonly LatestEntry[] | undefined, listed: ReadonlySet<string>, problems: readonly DiscoveryProblem[], undiscovered?: DiscoveryError): UnlistedCluster[] {
  return undiscovered ? undiscoveredClusters(latest, undiscovered) : unlistedClusters(latest, listed, problems);
}

/** Discovery problems as evaluation notes. */
export function discoveryNotes(problems: readonly DiscoveryProblem[]): string[] {
  return problems.map((p) => `discovery: ${p.source}: ${p.message}`);
}
