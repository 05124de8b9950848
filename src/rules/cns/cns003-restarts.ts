import { daemonSetOf } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { clustersWithData, isCnsManaged } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS003",
    title: "cns-container restarts",
    family: "CNS",
    severity: "warning",
    description: "The cns-container of a CNS pod (azure-cns, or azure-cns-win on a Windows node) restarted since the previous snapshot, or has restarted at least `totalRestarts` times in all.",
    remediation: "Read kubectl -n kube-system logs --previous of the pod: panics on a stale NC, failed scale-down patches, and liveness failures under API server load (AKS#5145) are the known causes.",
    reference: "DOMAIN.md §5.7",
    thresholds: { totalRestarts: 5 },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const total = ctx.threshold("CNS003", "totalRestarts", c.name);
      const before = new Map((c.previous?.cns.pods ?? []).map((p) => [p.name, p.restarts]));
      for (const p of s.cns.pods) {
        const prev = before.get(p.name);
        const grew = prev !== undefined && p.restarts > prev ? p.restarts - prev : 0;
        if (grew === 0 && p.restarts < total) continue;
        const since = grew > 0 ? `${grew} restart(s) since ${c.previous!.takenAt}, ${p.restarts} in all` : `${p.restarts} restarts in all`;
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("pod", p.name),
          message: `cns-container of ${p.name}${p.node ? ` on ${p.node}` : ""} keeps restarting: ${since}${p.lastTerminationReason ? ` (last exit: ${p.lastTerminationReason})` : ""}.`,
          data: { node: p.node ?? null, restarts: p.restarts, restartsSincePrevious: prev === undefined ? null : Math.max(0, p.restarts - prev), daemonset: daemonSetOf(p) },
        };
      }
    }
  },
);
