import { clampScaler, isDynamicNnc } from "../../analysis/scaler.js";
import { resource } from "../../model/finding.js";
import { clustersWithData, nodesByName } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "IPX006",
    title: "Dynamic node at its IP cap",
    family: "IPX",
    severity: "warning",
    description: "A dynamic-mode node requests scaler.maxIPCount secondary IPs: CNS will not ask for more, so pods beyond what it holds wait for an IP.",
    remediation: "Lower the pool's maxPods below the cap (or spread the pods with more nodes); pods beyond the cap on this node hang in ContainerCreating.",
    reference: "DOMAIN.md §2 (dynamic)",
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const nodes = nodesByName(c.snapshot);
      for (const nnc of c.snapshot.nncs) {
        if (!nnc.scaler || !isDynamicNnc(nnc)) continue;
        const max = clampScaler(nnc.scaler).maxIPCount;
        if (nnc.requestedIPCount !== max) continue;
        const pending = nodes.get(nnc.name)?.pendingPods ?? 0;
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("nnc", nnc.name),
          message: `NNC ${nnc.name} requests ${nnc.requestedIPCount} IPs, its scaler's maxIPCount: CNS will not request more for this node${pending > 0 ? `, and ${pending} pod(s) there are Pending` : ""}.`,
          data: { requested: nnc.requestedIPCount, maxIPCount: max, pendingPods: pending },
        };
      }
    }
  },
  (v) => (v.snapshot.nncs.some(isDynamicNnc) ? true : "no dynamic-mode NNCs"),
);
