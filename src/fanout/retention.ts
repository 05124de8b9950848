// Retention for the Functions app: once a day (its own timer), history older than `deps.retentionDays`
// is pruned, clusters not scanned for `deps.forgetAfterDays` are forgotten (the CLI's `prune` and
// `forget` commands call the store directly), and round records past the sweep's look-back go.
import { dropFromLatestEvaluation } from "../evaluate/forget.js";
import { forgetCutoff, notSeenSince } from "../store/forget.js";
import { retentionCutoff } from "../store/retention.js";
import type { PruneResult } from "../store/store.js";
import { describeCluster } from "../store/summary.js";
import { type BookkeepingDeps, nowOf, ROUND_LOOKBACK_MS, SILENT } from "./deps.js";
import { REJECTED_KEPT } from "./rounds.js";

/**
 * Deletes history older than `deps.retentionDays`. A failure is logged and left for the next day; it
 * never touches a scan.
 */
export async function pruneHistory(deps: BookkeepingDeps): Promise<PruneResult | undefined> {
  if (deps.retentionDays === undefined) return undefined;
  const log = deps.log ?? SILENT;
  const before = retentionCutoff(deps.retentionDays, nowOf(deps));
  try {
    const r = await deps.store.pruneHistory(before);
    if (r.snapshots || r.evaluations) log.info(`retention (${deps.retentionDays} days): deleted ${r.snapshots} snapshot(s) and ${r.evaluations} evaluation(s) of rounds before ${before.toISOString()}`);
    return r;
  } catch (e) {
    log.warn(`retention (${deps.retentionDays} days): history not pruned this time: ${(e as Error).message.split("\n", 1)[0]}`);
    return undefined;
  }
}

/**
 * Forgets the clusters not scanned at all for `deps.forgetAfterDays` (deleted, or gone from discovery):
 * their latest-view entry, snapshots and alert-state rows; never every known cluster at once. A failure is logged
 * and left for the next day; whatever was forgotten before it stays forgotten.
 */
export async function forgetGoneClusters(deps: BookkeepingDeps): Promise<void> {
  const days = deps.forgetAfterDays;
  if (days === undefined) return;
  const log = deps.log ?? SILENT;
  const gone = new Set<string>();
  try {
    const latest = await deps.store.listLatest();
    const cutoff = forgetCutoff(days, nowOf(deps));
    const unseen = notSeenSince(latest, cutoff);
    // Not one cluster scanned since the cutoff: scanning stopped (rounds that could not start), not the
    // fleet. Forgetting then would wipe every cluster's history; only a person decides that.
    if (unseen.length > 0 && unseen.length === latest.length) {
      log.warn(`clusters not scanned for ${days} days: none forgotten, since no cluster at all has been scanned since ${cutoff.toISOString()}: scanning stopped, which says nothing about the ${latest.length} cluster(s); \`fleet-audit forget\` removes clusters by hand`);
      return;
    }
    for (const e of unseen) {
      // Alert rows first, as `fleet-audit forget` does: a failure leaves the cluster for tomorrow's run.
      const announced = (await deps.alertState?.forgetCluster(e.cluster)) ?? 0;
      const r = await deps.store.forgetCluster(e.cluster);
      gone.add(e.cluster);
      const told = announced ? `; ${announced} announced finding(s) dropped without a resolved notice` : "";
      log.info(`forgot cluster ${describeCluster(e.cluster)}: not scanned for ${days} days (last at ${e.latest.takenAt}); ${r?.snapshots ?? 0} snapshot(s) deleted${told}`);
    }
    if (gone.size > 0) await dropFromLatestEvaluation(deps.store, gone);
  } catch (e) {
    log.warn(`clusters not scanned for ${days} days: not all forgotten this time: ${(e as Error).message.split("\n", 1)[0]}`);
  }
}

/**
 * Deletes the records of rounds older than the sweep's look-back (nothing reads them again), whatever
 * the history retention, and keeps rejected-message records as long, at most the newest `keepRejected`.
 * A failure is logged and left for the next day.
 */
export async function pruneRounds(deps: BookkeepingDeps, keepRejected = REJECTED_KEPT): Promise<{ rounds: number; rejected: number } | undefined> {
  const log = deps.log ?? SILENT;
  const before = new Date(nowOf(deps).getTime() - ROUND_LOOKBACK_MS);
  try {
    const r = await deps.rounds.prune(before, keepRejected);
    if (r.rounds || r.rejected) log.info(`round records: deleted ${r.rounds} round(s) started before ${before.toISOString()} and ${r.rejected} rejected message record(s)`);
    return r;
  } catch (e) {
    log.warn(`round records: not pruned this time: ${(e as Error).message.split("\n", 1)[0]}`);
    return undefined;
  }
}
