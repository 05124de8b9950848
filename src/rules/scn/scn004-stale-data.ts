import { resource, type RuleResult } from "../../model/finding.js";
import { policyThreshold } from "../../policy/policy.js";
import type { FleetContext } from "../context.js";
import { defineRule } from "../rule.js";

const MINUTE = 60_000;
/**
 * Gaps between evaluations shorter than this are re-scans (a manual scan just after a scheduled one,
 * back-to-back runs), not the schedule: left out, so a burst of them cannot make everything stale.
 */
const MIN_INFERRED_MINUTES = 5;

/** How many of the latest gaps between evaluations the interval is inferred from. */
const INFERRED_GAPS = 48;

/**
 * Minutes between scans: the policy's scanIntervalMinutes, else the median of the latest gaps between
 * evaluations (re-scans left out), in whole minutes, else the rule's default. A median of gaps, not of
 * time: a pause in scanning (rounds missed for a day) is one long gap among many, so it cannot stretch
 * the interval and put off SCN004 for clusters that stopped being scanned. The lower middle of an even
 * count, for the same reason.
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
      .filter((g) => g >= MIN_INFERRED_MINUTES * MINUTE)
      .sort((a, b) => a - b);
    if (gaps.length < 2) return undefined;
    return Math.round(gaps[Math.floor((gaps.length - 1) / 2)]! / MINUTE);
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
    description: "The cluster's last good snapshot is older than `intervals` scan intervals: every report about it shows old data. The interval is the policy's scanIntervalMinutes, else the median of the recent gaps between scans (gaps under 5 minutes, re-scans, left out; a pause in scanning does not stretch it), else 60 minutes.",
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
