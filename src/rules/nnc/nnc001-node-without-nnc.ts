import { resource } from "../../model/finding.js";
import { clustersWithData, isCnsManaged, isVirtualNode, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "NNC001",
    title: "Node without an NNC",
    family: "NNC",
    severity: "critical",
    description: "A node of a CNS-managed cluster has no NodeNetworkConfig, so CNS on it cannot become Ready and pods there get no IP.",
    remediation: "Check the node's azure-cns pod log for \"NNC reconciler has not started\"; reimage or delete the node so DNC-RC recreates its NNC, and open a support case if it persists.",
    reference: "DOMAIN.md §5.4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const graceMs = ctx.threshold("NNC001", "graceMinutes", c.name) * 60_000;
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const nncs = new Set(s.nncs.map((n) => n.name));
      for (const node of s.nodes) {
        if (nncs.has(node.name) || isVirtualNode(node)) continue;
        // DNC-RC creates the NNC shortly after the node joins; a brand-new node is not a problem yet.
        if (within(s.takenAt, node.createdAt, graceMs)) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("node", node.name),
          message: `node ${node.name} has no NodeNetworkConfig: CNS there cannot become Ready and new pods on it will hang in ContainerCreating.`,
          data: { ready: node.ready },
        };
      }
    }
  },
);
