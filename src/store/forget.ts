// Clusters the fleet no longer has: a deleted cluster, or one that left the kubeconfig, fleet file or
// subscriptions, keeps its last data (and SCN004 warns about it) until it is forgotten. The CLI's
// `forget` and the Functions app's daily retention timer choose them the same way.
import { UsageError } from "../errors.js";
import type { LatestEntry, SnapshotStore } from "./store.js";

/** Days from text, at least one; a bad value is a UsageError naming `what` (an option or app setting). */
export function parseNotSeenDays(value: string, what: string): number {
  const v = value.trim();
  if (!/^\d{1,6}$/.test(v) || Number(v) < 1) throw new UsageError(`${what} must be a whole number of days from 1, not ${JSON.stringify(v.slice(0, 40))}`);
  return Number(v);
}

/**
 * Latest-view entries of clusters not scanned at all for `days`: their newest snapshot, whatever its
 * status, is older. A cluster that is scanned but fails keeps getting newer (failed) snapshots, so it
 * is never chosen here: SCN001/SCN002 report it instead.
 */
export async function clustersNotSeenFor(store: SnapshotStore, days: number, now: Date): Promise<LatestEntry[]> {
  return notSeenSince(await store.listLatest(), forgetCutoff(days, now));
}

export function forgetCutoff(days: number, now: Date): Date {
  return new Date(now.getTime() - days * 86_400_000);
}

export function notSeenSince(latest: readonly LatestEntry[], cutoff: Date): LatestEntry[] {
  return latest.filter((e) => Date.parse(e.latest.takenAt) < cutoff.getTime());
}
