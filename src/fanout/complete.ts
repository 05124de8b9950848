// Round completion: when every cluster of a round has settled, or its deadline has passed, one worker
// claims the round (etag) and runs the fleet evaluation and alerts. Clusters still pending at the
// deadline get a failed snapshot, so the SCN rules say which part of the fleet went unseen.
import { hostname } from "node:os";
import { type AlertOutcome, describeOutcomes, sendAlerts } from "../alerts/send.js";
import { runEvaluation } from "../evaluate/run.js";
import type { FleetEvaluation } from "../model/evaluation.js";
import { failureSnapshot } from "../model/snapshot.js";
import { listSome } from "../rules/scope.js";
import { ALERT_DELIVERY_DEADLINE_MS, type BookkeepingDeps, CLAIM_TTL_MS, nowOf, ROUND_LOOKBACK_MS, SILENT } from "./deps.js";

export type Completion =
  | { state: "unknown" | "already" | "not-ready" | "taken" }
  | { state: "evaluated"; evaluation: FleetEvaluation; missed: string[]; alerts: AlertOutcome[] };


export async function completeRound(round: string, deps: BookkeepingDeps): Promise<Completion> {
  const log = deps.log ?? SILENT;
  if (deps.evaluationError) throw deps.evaluationError;
  const h = await deps.rounds.header(round);
  if (!h) return { state: "unknown" };
  if (h.state === "evaluated") return { state: "already" };
  const now = nowOf(deps);
  if (h.state === "evaluating" && h.claimedAt && now.getTime() - Date.parse(h.claimedAt) < CLAIM_TTL_MS) return { state: "taken" };
  const pastDeadline = now.getTime() >= Date.parse(h.deadline);
  if (!pastDeadline && !(await deps.rounds.settled(round))) return { state: "not-ready" };
  if (!(await deps.rounds.claim(h, deps.workerId ?? `${hostname()}:${process.pid}`, now))) return { state: "taken" };

  try {
    const missed: string[] = [];
    if (pastDeadline) {
      const reason = `no result by the scan round's deadline (${h.deadline}): the job for this cluster was still queued or its worker stopped`;
      for (const row of await deps.rounds.clusters(round, "pending")) {
        // A job that settles the row meanwhile wins: its etag check makes this a no-op.
        if (!(await deps.rounds.markMissed(round, row, reason, now))) continue;
        // The job may have stored its snapshot and not settled yet: that result stands.
        if (await deps.store.putSnapshotIfAbsent(failureSnapshot(row.cluster, round, row.kind, reason, now))) missed.push(row.cluster);
      }
    }
    const notes = [...(h.notes ?? []), ...(missed.length ? [`round ${round} was evaluated at its deadline without ${missed.length} cluster(s): ${listSome(missed, 20)}`] : [])];
    // Each is a failed scan: named in a warning, as a job's failure is.
    if (missed.length) log.warn(`round ${round}: ${missed.length} cluster(s) missed the deadline (${h.deadline}): ${listSome(missed, 20)}`);
    const evaluation = await runEvaluation(deps.store, { scanId: round, now, notes, ...(deps.policy ? { policy: deps.policy } : {}) });
    let alerts: AlertOutcome[] = [];
    try {
      const settings = deps.alerts ? await deps.alerts() : undefined;
      if (settings && settings.destinations.length > 0 && deps.alertState) {
        alerts = await sendAlerts(evaluation, settings, deps.alertState, { now, deadlineMs: deps.alertDeadlineMs ?? ALERT_DELIVERY_DEADLINE_MS });
        // Undelivered alerts are a warning, as a failed scan is: the on-call channel may be missing them.
        for (const o of alerts) for (const line of describeOutcomes([o])) (o.pending || o.errors.length ? log.warn : log.info)(line);
      }
    } catch (e) {
      // Misconfigured alerts must not undo an evaluation; what was not sent is planned next round.
      log.warn(`round ${round}: alerts not sent: ${(e as Error).message.split("\n", 1)[0]}`);
    }
    await deps.rounds.finish(round, { state: "evaluated", evaluatedAt: nowOf(deps).toISOString(), findings: evaluation.findings.length });
    log.info(`round ${round}: evaluated ${evaluation.clusters.length} cluster(s), ${evaluation.findings.length} finding(s)${missed.length ? `, ${missed.length} missed the deadline` : ""}`);
    return { state: "evaluated", evaluation, missed, alerts };
  } catch (e) {
    // Hand the round back so the next job or sweep tries again, instead of waiting out the claim.
    await deps.rounds.finish(round, { state: "open" }).catch(() => {});
    throw e;
  }
}

/** For a timer: completes every unfinished round of the last week that is due. */
export async function sweepRounds(deps: BookkeepingDeps, lookbackMs = ROUND_LOOKBACK_MS): Promise<Array<{ round: string; completion: Completion }>> {
  const out: Array<{ round: string; completion: Completion }> = [];
  for (const round of await deps.rounds.unfinished(new Date(nowOf(deps).getTime() - lookbackMs))) {
    try {
      const completion = await completeRound(round, deps);
      // Its index row missed the evaluation's last write: correct it, so the next sweep skips it.
      if (completion.state === "already") await deps.rounds.index(round, "evaluated");
      out.push({ round, completion });
    } catch (e) {
      (deps.log ?? SILENT).warn(`round ${round}: evaluation failed: ${(e as Error).message.split("\n", 1)[0]}`);
    }
  }
  return out;
}
