import { resource, type RuleResult } from "../../model/finding.js";
import { policyThreshold } from "../../policy/policy.js";
import type { FleetContext } from "../context.js";
import { defineRule } from "../rule.js";

const MINUTE = 60_000;
/** An inferred interval never goes below this: back-to-back manual scans would make everything stale. */
const MIN_INFERRED_MINUTES = 5;

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
 * evaluations, else the rule's default. Inferred: the time-weighted median of the gaps, so re-scans
 * minutes apart (however many) carry little weight, after leaving out pauses, which a weight by time
 * would let stretch the interval and put off SCN004 the longer scanning stopped. In whole minutes, at
 * least 5: the floor is on the result, so a timer's jitter around 5 minutes still reads as 5.
 */
export function scanIntervalMinutes(ctx: FleetContext, cluster: string): { minutes: number; source: "policy" | "history" | "default" } {
  const configured = policyThreshold(ctx.policy, "SCN004", "scanIntervalMinutes", { cluster, subscription: ctx.clusters.find((c) => c.name === cluster)?.snapshot.arm?.subscriptionId });
  if (configured !== undefined) return { minutes: configured, source: "policy" };
  const inferred = ctx.memo("scn004-interval", () => {
    const times = [ctx.now.getTime(), ...ctx.history.map((h) => Date.parse(h.generatedAt))]
      .filter((t) => !Number.isNaN(t))
      .sort((a, b) => b - a)
      .slice(0, INFERRED_GAPS + 1);
    const gaps = times
      .slice(1)
      .map((t, i) => times[i]! - t)
      .filter((g) => g > 0)
      .sort((a, b) => a - b);
    if (gaps.length < 2) return undefined;
    return Math.max(MIN_INFERRED_MINUTES, Math.round(timeWeightedMedian(withoutPauses(gaps)) / MINUTE));
  });
  if (inferred !== undefined) return { minutes: inferred, source: "history" };
  return { minutes: ctx.threshold("SCN004", "scanIntervalMinutes", cluster), source: "default" };
}

/**
 * A duration at minute precision (hours past 3 days). `round` is Math.ceil for the age and Math.floor
 * for the limit it exceeds, so the age never reads as equal to, or below, the limit.
 */
function duration(ms: number, round: (x: number) => number = Math.round): string {
  const m = round(ms / MINUTE);
  if (m < 120) return `${m} min`;
  if (m < 72 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
  const h = round(ms / (60 * MINUTE));
  return `${Math.floor(h / 24)} days${h % 24 ? ` ${h % 24} h` : ""}`;
}

export default defineRule(
  {
    id: "SCN004",
    title: "Stale data",
    family: "SCN",
    severity: "warning",
    description: "The cluster's last good snapshot is older than `intervals` scan intervals: every report about it shows old data. The interval is the policy's scanIntervalMinutes, else the time-weighted median of the recent gaps between scans (re-scans minutes apart barely count; a pause in scanning is left out, so it does not stretch it; at least 5 minutes), else 60 minutes.",
    remediation: "Find out why recent scans fail (SCN001/SCN002 give the reason) or why the cluster is no longer scanned (removed from the kubeconfig, fleet file or subscription); remove clusters that are gone from the store with `fleet-audit forget NAME` (or `--not-seen-days N`).",
    reference: "RULES.md SCN",
    thresholds: { intervals: 3, scanIntervalMinutes: 60 },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of ctx.clusters) {
      // Stopped in ARM: old data is expected, and the cluster row says why.
      if (c.latest.status === "stopped") continue;
      if (c.snapshot.status !== "ok") continue; // never scanned well: SCN001-SCN003 say why
      const interval = scanIntervalMinutes(ctx, c.name);
      const limitMs = ctx.threshold("SCN004", "intervals", c.name) * interval.minutes * MINUTE;
      const ageMs = ctx.now.getTime() - Date.parse(c.snapshot.takenAt);
      if (!(ageMs > limitMs)) continue;
      const latest = c.latest.takenAt !== c.snapshot.takenAt ? `; the latest scan (${c.latest.takenAt}) ended ${c.latest.status}${c.latest.reason ? `: ${c.latest.reason}` : ""}` : "; it has not been scanned since";
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("cluster", c.name),
        message: `the last good snapshot is ${duration(ageMs, Math.ceil)} old (${c.snapshot.takenAt}), more than ${duration(limitMs, Math.floor)} (${ctx.threshold("SCN004", "intervals", c.name)} scan intervals of ${duration(interval.minutes * MINUTE)}, ${interval.source})${latest}.`,
        data: { lastGood: c.snapshot.takenAt, ageMinutes: Math.round(ageMs / MINUTE), intervalMinutes: Math.round(interval.minutes * 10) / 10, intervalSource: interval.source },
      };
    }
  },
);
