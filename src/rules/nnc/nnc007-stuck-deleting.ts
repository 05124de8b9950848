import { resource } from "../../model/finding.js";
import { clustersWithData } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "NNC007",
    title: "NNC stuck deleting",
    family: "NNC",
    severity: "warning",
    description: "An NNC has had a deletionTimestamp for longer than the threshold: its finalizer (finalizers.acn.azure.com/dnc-operations) is not being removed, and its addresses stay held.",
    remediation: "Check DNC-RC can reach the subnet (its release is what removes the finalizer); remove the finalizer by hand only once the node is gone and its addresses are known to be free.",
    reference: "DOMAIN.md §1",
    thresholds: { stuckMinutes: 30 },
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const limitMs = ctx.threshold("NNC007", "stuckMinutes", c.name) * 60_000;
      const takenAt = Date.parse(c.snapshot.takenAt);
      for (const nnc of c.snapshot.nncs) {
        if (!nnc.deletionTimestamp) continue;
        const since = Date.parse(nnc.deletionTimestamp);
        if (Number.isNaN(since) || takenAt - since < limitMs) continue;
        const minutes = Math.floor((takenAt - since) / 60_000);
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("nnc", nnc.name),
          message: `NNC ${nnc.name} has been deleting for ${formatMinutes(minutes)} (since ${nnc.deletionTimestamp}): its finalizer is not being removed and its addresses stay held.`,
          data: { deletingMinutes: minutes },
        };
      }
    }
  },
);

function formatMinutes(m: number): string {
  if (m < 120) return `${m} minutes`;
  if (m < 48 * 60) return `${Math.floor(m / 60)} hours`;
  return `${Math.floor(m / 1440)} days`;
}
