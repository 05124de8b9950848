import { assignedIPs, isDynamicNnc } from "../../analysis/scaler.js";
import { resource } from "../../model/finding.js";
import type { Nnc } from "../../model/snapshot.js";
import { clustersWithData, foundBefore, nncsByName, NODE_GRACE_MINUTES, nodesByName, within } from "../context.js";
import { defineRule } from "../rule.js";

/** Secondary IPs requested but not yet assigned; 0 for static block and overlay (their counts differ by design). */
function pendingIPs(n: Nnc): number {
  if (!isDynamicNnc(n)) return 0;
  return Math.max(0, n.requestedIPCount - assignedIPs(n).count);
}

export default defineRule(
  {
    id: "NNC003",
    title: "Allocation pending",
    family: "NNC",
    severity: "warning",
    description:
      "A dynamic-mode NNC requests more secondary IPs than DNC-RC has assigned (assignedIPCount, or the number of ipAssignments when it is 0). Static block and overlay NNCs never trigger it, nor does an NNC or node younger than `graceMinutes` (its first batch is on its way). Critical when it persists across two scans.",
    remediation:
      "Check the NC status on the NNC (NCUpdateSubnetFullError means the subnet is full) and the pod subnet's free addresses; if the subnet has room, look for DNC-RC errors and open a support case. Pods on the node wait for IPs until it converges.",
    reference: "DOMAIN.md §2, §5.1",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const graceMs = ctx.threshold("NNC003", "graceMinutes", c.name) * 60_000;
      const nodes = nodesByName(c.snapshot);
      const before = c.previous ? nncsByName(c.previous) : undefined;
      for (const nnc of c.snapshot.nncs) {
        const pending = pendingIPs(nnc);
        if (pending === 0) continue;
        // DNC-RC assigns a new node's first batch shortly after it creates the NNC: pending then is no problem yet.
        const { takenAt } = c.snapshot;
        if (within(takenAt, nnc.createdAt, graceMs) || within(takenAt, nodes.get(nnc.name)?.createdAt, graceMs)) continue;
        const res = resource("nnc", nnc.name);
        const prevNnc = before?.get(nnc.name);
        let persisted: boolean;
        if (before) persisted = prevNnc !== undefined && pendingIPs(prevNnc) > 0;
        // No earlier snapshot loaded: a finding from an evaluation of an earlier scan counts.
        else persisted = foundBefore(ctx, "NNC003", { cluster: c.name, resource: res }, c.snapshot.takenAt);
        const { count, fromAssignments } = assignedIPs(nnc);
        const pods = nodes.get(nnc.name)?.pendingPods ?? 0;
        const since = persisted && c.previous ? ` It was already pending in the scan of ${c.previous.takenAt}.` : persisted ? " It persists since the previous scan." : "";
        yield {
          severity: persisted ? "critical" : "warning",
          cluster: c.name,
          resource: res,
          message:
            `NNC ${nnc.name} requests ${nnc.requestedIPCount} IPs but has ${count} assigned${fromAssignments ? " (assignedIPCount is 0; counted its ipAssignments)" : ""}: ${pending} pending.` +
            `${pods > 0 ? ` ${pods} pod(s) on the node are Pending.` : ""}${since}`,
          data: { requested: nnc.requestedIPCount, assigned: count, pending, pendingPods: pods, persisted },
        };
      }
    }
  },
);
