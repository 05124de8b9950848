import { roomWords } from "../../analysis/headroom.js";
import { saysAlreadyFull } from "../../analysis/forecast.js";
import { isFull, reportedFull, subnetAccounting, subnetForecast, subnetRoom } from "../analyses.js";
import { fleetWithData } from "../context.js";
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
      // Already full is IPX001's finding (or IPX002's: the forecast then has no rate); a forecast of "now" adds nothing.
      if (isFull(s)) continue;
      const room = subnetRoom(s);
      const f = subnetForecast(ctx, s);
      if (!f.exhaustionAt || f.ratePerDay === null) continue;
      const inMs = f.exhaustionAt.getTime() - ctx.now.getTime();
      if (inMs >= warnMs) continue;
      const days = Math.max(0, inMs / DAY);
      yield {
        severity: inMs < critMs ? "critical" : "warning",
        ...subnetScope(s),
        message: `${subnetLabel(ctx, s)} grows by about ${formatRate(f.ratePerDay)} addresses a day (fit over ${f.points} scans) and will be full around ${f.exhaustionAt.toISOString().slice(0, 16)}Z, in ${days.toFixed(1)} days: ${s.used} of ${roomWords(room, s.capacity)} ${f.asOf ? `were held in the newest data, of ${f.asOf.toISOString().slice(0, 16)}Z` : "are held now"}.`,
        data: { exhaustionAt: f.exhaustionAt.toISOString(), ratePerDay: Number(f.ratePerDay.toFixed(2)), days: Number(days.toFixed(2)), used: s.used, capacity: s.capacity, room, points: f.points, ...(f.asOf ? { dataAt: f.asOf.toISOString() } : {}) },
      };
    }
  },
  undefined,
  // A missing input is unknown, never ok: raising nothing is a pass only where a forecast was made.
  function* (ctx) {
    const forecast = new Set<string>();
    const unforecast = new Map<string, string[]>();
    for (const s of subnetAccounting(ctx).subnets) {
      const f = subnetForecast(ctx, s);
      // A rate is a forecast (growing, flat or shrinking). Without one there was too little history, or
      // the subnet is full already: IPX004 leaves that to IPX001 (or IPX002 where CNS reports it full),
      // so it is no pass of IPX004's either.
      const judge = !saysAlreadyFull(f.note) ? "" : !isFull(s) && reportedFull(ctx).has(s.key) ? " (IPX002 judges it)" : " (IPX001 judges it)";
      const why = f.ratePerDay !== null ? null : `${subnetLabel(ctx, s)}: ${f.note ?? "no forecast"}${judge}`;
      for (const cluster of s.clusters) {
        if (why === null) forecast.add(cluster);
        else unforecast.set(cluster, [...(unforecast.get(cluster) ?? []), why]);
      }
    }
    for (const c of fleetWithData(ctx)) {
      if (forecast.has(c.name)) continue;
      const why = unforecast.get(c.name);
      if (!why) yield [c.name, "no forecast: none of its NCs is on a pod subnet the accounting could place"];
      else yield [c.name, `no forecast for ${why.slice(0, 2).join("; ")}${why.length > 2 ? `; and ${why.length - 2} more subnet(s)` : ""}`];
    }
  },
);

function formatRate(perDay: number): string {
  return perDay >= 10 ? String(Math.round(perDay)) : String(+perDay.toPrecision(2));
}
