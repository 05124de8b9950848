import { resource } from "../../model/finding.js";
import { clustersWithData, nodesByName } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "NNC005",
    title: "NC nodeIP differs from the node",
    family: "NNC",
    severity: "critical",
    description: "An NC's nodeIP is not the Node's InternalIP, so CNS on that node skips the NC (\"node IP doesn't match\") and its pods get no addresses from it.",
    remediation: "The NNC describes another machine: delete it so DNC-RC recreates it for this node (or reimage the node); check for a node replaced under the same name.",
    reference: "DOMAIN.md §5.8",
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const nodes = nodesByName(c.snapshot);
      for (const nnc of c.snapshot.nncs) {
        const node = nodes.get(nnc.name);
        if (!node?.internalIP) continue;
        const wrong = nnc.networkContainers.filter((nc) => nc.nodeIP && nc.nodeIP !== node.internalIP);
        if (wrong.length === 0) continue;
        const first = wrong[0]!;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("nnc", nnc.name),
          message: `NNC ${nnc.name}: NC ${first.id || "(no id)"} says nodeIP ${first.nodeIP} but node ${node.name} has InternalIP ${node.internalIP}${wrong.length > 1 ? ` (${wrong.length} NCs differ)` : ""}: CNS there skips the NC, so new pods on the node get no IP.`,
          data: { ncNodeIP: first.nodeIP ?? null, nodeInternalIP: node.internalIP, ncs: wrong.length },
        };
      }
    }
  },
);
