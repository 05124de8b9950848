import { resource, type RuleResult } from "../../model/finding.js";
import { policyThreshold } from "../../policy/policy.js";
import type { FleetContext } from "../context.js";
import { defineRule } from "../rule.js";

const MINUTE = 60_000;
/** An inferred interval never goes below this: back-to-back manual scans would make everything stale. */
const MIN_INFERRED_MINUTES = 5;

/** How many of the latest gaps between evaluations the interval is inferred from. */
const INFERRED_GAPS = 48;

/**
 * Minutes between scans: the policy's scanIntervalMinutes, else the time-weighted median of the latest
 * gaps between evaluations (at least 5 minutes), else the rule's default. Weighted by time, ad-hoc
 * re-scans minutes apart barely count: the interval is the gap that most of the recent time was
 * spent in, so a handful of manual scans cannot make every cluster look stale.
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
    const half = gaps.reduce((sum, g) => sum + g, 0) / 2;
    let covered = 0;
    const median = gaps.find((g) => (covered += g) >= half)!;
    return Math.max(MIN_INFERRED_MINUTES, median / MINUTE);
  });
  if (inferred !== undefined) return { minutes: inferred, source: "history" };
  return { minutes: ctx.threshold("SCN004", "scanIntervalMinutes", cluster), source: "default" };
}

function duration(ms: number): string {
  const m = Math.round(ms / MINUTE);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 72 ? `${h} h${m % 60 ? ` ${m % 60} min` : ""}` : `${Math.round(m / 1440)} days`;
}

export default defineRule(
  {
    id: "SCN004",
    title: "Stale data",
    family: "SCN",
    severity: "warning",
    description: "The cluster's last good snapshot is older than `intervals` scan intervals: every report about it shows old data. The interval is the policy's scanIntervalMinutes, else the time-weighted median gap between recent scans (ad-hoc re-scans barely count), else 60 minutes.",
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
        message: `the last good snapshot is ${duration(ageMs)} old (${c.snapshot.takenAt}), more than ${duration(limitMs)} (${ctx.threshold("SCN004", "intervals", c.name)} scan intervals of ${duration(interval.minutes * MINUTE)}, ${interval.source})${latest}.`,
        data: { lastGood: c.snapshot.takenAt, ageMinutes: Math.round(ageMs / MINUTE), intervalMinutes: Math.round(interval.minutes * 10) / 10, intervalSource: interval.source },
      };
    }
  },
);
