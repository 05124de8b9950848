// How often the fleet is scanned, as the rules that judge the age of data read it: SCN004 (stale data)
// and NNC006 (whether two clusters' data were read close enough together to compare). The policy sets
// it as SCN004's scanIntervalMinutes.
import { policyThreshold } from "../policy/policy.js";
import type { FleetContext } from "./context.js";

export const MINUTE = 60_000;
/** SCN004's default scanIntervalMinutes: what a fleet without a policy or history of its own is taken to do. */
export const DEFAULT_SCAN_INTERVAL_MINUTES = 60;
/** An inferred interval never goes below this: back-to-back manual scans would make everything stale. */
export const MIN_INFERRED_MINUTES = 5;

/** How many of the latest gaps between evaluations the interval is inferred from. */
const INFERRED_GAPS = 48;

/** A gap this many times the typical one below it is a pause in scanning (missed rounds), not the schedule. */
const PAUSE_RATIO = 3;
/**
 * Pauses are rare: at most this share of the scheduled gaps (re-scans minutes apart are not counted, however
 * many), and at least one, can be one, so a schedule that slowed down is not cut off.
 */
const PAUSE_SHARE = 1 / 4;

/** The gap that half of the time between evaluations was spent in: re-scans minutes apart barely weigh. */
function timeWeightedMedian(sorted: readonly number[]): number {
  const half = sorted.reduce((sum, g) => sum + g, 0) / 2;
  let covered = 0;
  return sorted.find((g) => (covered += g) >= half) ?? sorted[sorted.length - 1]!;
}

/** The gaps (sorted) without the longest ones that are pauses: each far longer than the typical gap below it. */
function withoutPauses(sorted: readonly number[]): readonly number[] {
  const scheduled = sorted.filter((g) => g >= MIN_INFERRED_MINUTES * MINUTE).length;
  const pauses = Math.max(1, Math.floor(scheduled * PAUSE_SHARE));
  for (let j = Math.max(1, sorted.length - pauses); j < sorted.length; j++) {
    if (sorted[j]! > PAUSE_RATIO * timeWeightedMedian(sorted.slice(0, j))) return sorted.slice(0, j);
  }
  return sorted;
}

/**
 * Minutes between scans: the policy's scanIntervalMinutes, else inferred from the latest gaps between
 * evaluations, else SCN004's default. Inferred: the time-weighted median of the gaps, so re-scans
 * minutes apart (however many) carry little weight, after leaving out pauses, which a weight by time
 * would let stretch the interval and put off SCN004 the longer scanning stopped. In whole minutes, at
 * least 5: the floor is on the result, so a timer's jitter around 5 minutes still reads as 5.
 */
export function scanIntervalMinutes(ctx: FleetContext, cluster: string): { minutes: number; source: "policy" | "history" | "default" } {
  const configured = policyThreshold(ctx.policy, "SCN004", "scanIntervalMinutes", { cluster, subscription: subscriptionOf(ctx, cluster) });
  if (configured !== undefined) return { minutes: configured, source: "policy" };
  const inferred = ctx.memo("scn004-interval", () => inferredIntervalMinutes([ctx.now.getTime(), ...ctx.history.map((h) => Date.parse(h.generatedAt))]));
  if (inferred !== undefined) return { minutes: inferred, source: "history" };
  return { minutes: DEFAULT_SCAN_INTERVAL_MINUTES, source: "default" };
}

/** Evaluations read to infer the interval, newest first: one more than its gaps. */
export const INFERRED_EVALUATIONS = INFERRED_GAPS + 1;

/** The interval scanIntervalMinutes infers from evaluation times (ms, any order); undefined with fewer than two gaps. */
export function inferredIntervalMinutes(evaluatedAt: readonly number[]): number | undefined {
  const times = evaluatedAt
    .filter((t) => !Number.isNaN(t))
    .sort((a, b) => b - a)
    .slice(0, INFERRED_EVALUATIONS);
  const gaps = times
    .slice(1)
    .map((t, i) => times[i]! - t)
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  if (gaps.length < 2) return undefined;
  return Math.max(MIN_INFERRED_MINUTES, Math.round(timeWeightedMedian(withoutPauses(gaps)) / MINUTE));
}

/** The cluster's subscription, for the policy's overrides: from its snapshot, or its fleet view at an evaluation's end. */
function subscriptionOf(ctx: FleetContext, cluster: string): string | undefined {
  if (ctx.scope === "fleet") return ctx.fleet.find((c) => c.name === cluster)?.arm?.subscriptionId;
  return ctx.clusters.find((c) => c.name === cluster)?.snapshot.arm?.subscriptionId;
}
