import { resource, type RuleResult } from "../../model/finding.js";
import { defineRule } from "../rule.js";
import { DEFAULT_SCAN_INTERVAL_MINUTES, MINUTE, scanIntervalMinutes } from "../scan-interval.js";

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
    thresholds: { intervals: 3, scanIntervalMinutes: DEFAULT_SCAN_INTERVAL_MINUTES },
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
