// Retention for the Functions app: once a day (its own timer), history older than `deps.retentionDays`
// is pruned (the CLI's `prune` command calls the store directly).
import { retentionCutoff } from "../store/retention.js";
import type { PruneResult } from "../store/store.js";
import { type FanoutDeps, nowOf, SILENT } from "./deps.js";

/**
 * Deletes history older than `deps.retentionDays`. A failure is logged and left for the next day; it
 * never touches a scan.
 */
export async function pruneHistory(deps: FanoutDeps): Promise<PruneResult | undefined> {
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
