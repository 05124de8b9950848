// Timer handlers: start a scan round (discover, register, enqueue one job per cluster), sweep rounds
// past their deadline so a round with a lost job is still evaluated, and prune old history daily.
import type { InvocationContext, Timer } from "@azure/functions";
import { housekeepingDeps, roundStartDeps, sweepDeps } from "../deps.js";

// The fan-out (collector, queue and Azure SDKs) loads with the first timer, not with the app.
const fanout = () => import("../../src/fanout/index.js");

/**
 * The jobs go through the queue SDK rather than an output binding: the round must be registered
 * before its first job exists, a failed send is recorded per cluster, and the same code (tested
 * against Azurite) serves `fleet-audit scan --enqueue`.
 */
export async function startScanRound(timer: Timer, ctx: InvocationContext): Promise<void> {
  if (timer.isPastDue) ctx.warn("the scan schedule is running late (isPastDue)");
  const [deps, { startRound }] = await Promise.all([roundStartDeps(ctx), fanout()]);
  // startRound logs the round once (clusters, queue, deadline); only the failed sends are added here.
  const r = await startRound(deps);
  for (const f of r.notEnqueued) ctx.warn(`round ${r.round}: ${f.cluster}: ${f.reason}`);
}

/**
 * Once a day: clusters not scanned for FLEET_AUDIT_FORGET_AFTER_DAYS are forgotten, then history older
 * than FLEET_AUDIT_RETENTION_DAYS goes (each nothing when unset). Both look at every cluster, which is
 * worth doing daily, not at every 15-minute round of a big fleet. Last, always: round records past the
 * sweep's week, which would otherwise grow by a row per cluster and round.
 */
export async function pruneScanHistory(_timer: Timer, ctx: InvocationContext): Promise<void> {
  const [deps, { forgetGoneClusters, pruneHistory, pruneRounds }] = await Promise.all([housekeepingDeps(ctx), fanout()]);
  await forgetGoneClusters(deps);
  await pruneHistory(deps);
  await pruneRounds(deps);
}

export async function sweepScanRounds(_timer: Timer, ctx: InvocationContext): Promise<void> {
  const [deps, { sweepRounds }] = await Promise.all([sweepDeps(ctx), fanout()]);
  const swept = await sweepRounds(deps);
  for (const s of swept) if (s.completion.state === "evaluated") ctx.log(`round ${s.round}: evaluated by the sweep`);
}
