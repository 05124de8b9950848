import { subnetAccounting, subnetForecast } from "../analyses.js";
import { defineRule } from "../rule.js";
import { subnetLabel, subnetScope } from "../scope.js";

const DAY = 86_400_000;

export default defineRule(
  {
    id: "IPX004",
    title: "Exhaustion forecast",
    family: "IPX",
    severity: "warning",
    description:
      "At the growth rate seen in the scan history (least squares over the last week), the pod subnet or overlay pod CIDR runs out within the horizon. Without enough history it says so and raises nothing.",
    remediation: "Plan the address space now: add a pod subnet for new pools, expand the overlay pod CIDR, or stop the growth (scale-down, lower maxPods on static-block pools) before the date.",
    thresholds: { warningDays: 14, criticalDays: 3 },
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      const warnMs = ctx.threshold("IPX004", "warningDays", s.clusters) * DAY;
      const critMs = ctx.threshold("IPX004", "criticalDays", s.clusters) * DAY;
      // Already full is IPX001's finding; a forecast of "now" adds nothing.
      if (s.used >= s.capacity) continue;
      const f = subnetForecast(ctx, s);
      if (!f.exhaustionAt || f.ratePerDay === null) continue;
      const inMs = f.exhaustionAt.getTime() - ctx.now.getTime();
      if (inMs >= warnMs) continue;
      const days = Math.max(0, inMs / DAY);
      yield {
        severity: inMs < critMs ? "critical" : "warning",
        ...subnetScope(s),
        message: `${subnetLabel(s)} grows by about ${formatRate(f.ratePerDay)} addresses a day (fit over ${f.points} scans) and will be full around ${f.exhaustionAt.toISOString().slice(0, 16)}Z, in ${days.toFixed(1)} days: ${s.used} of ${s.capacity} usable addresses are held now.`,
        data: { exhaustionAt: f.exhaustionAt.toISOString(), ratePerDay: Number(f.ratePerDay.toFixed(2)), days: Number(days.toFixed(2)), used: s.used, capacity: s.capacity, points: f.points },
      };
    }
  },
);

function formatRate(perDay: number): string {
  return perDay >= 10 ? String(Math.round(perDay)) : String(+perDay.toPrecision(2));
}
