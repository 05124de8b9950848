import { resource } from "../../model/finding.js";
import type { Nnc, NodeInfo } from "../../model/snapshot.js";
import { clustersWithData, isCnsManaged, isVirtualNode, nncsByName, NODE_GRACE_MINUTES, ownedByOtherNode, within } from "../context.js";
import { defineRule } from "../rule.js";

/**
 * Why the node has no NNC CNS would reconcile, or undefined if it has one: CNS reconciles only an NNC
 * whose controller owner is the node and that is not being deleted (DOMAIN.md §1), so a reused name
 * with the old node's NNC still there (terminating or not) leaves CNS as if it had none.
 */
function unusable(nnc: Nnc | undefined, node: NodeInfo): string | undefined {
  if (!nnc) return "NodeNetworkConfig";
  if (nnc.deletionTimestamp) return `usable NodeNetworkConfig (NNC ${nnc.name} is being deleted since ${nnc.deletionTimestamp})`;
  if (ownedByOtherNode(nnc, node)) return `usable NodeNetworkConfig (NNC ${nnc.name} belongs to an earlier node of that name: owner UID ${nnc.owner!.uid}, node UID ${node.uid})`;
  return undefined;
}

export default defineRule(
  {
    id: "NNC001",
    title: "Node without an NNC",
    family: "NNC",
    severity: "critical",
    description: "A node of a CNS-managed cluster has no NodeNetworkConfig CNS would reconcile (none, one being deleted, or one owned by an earlier node of that name), so CNS on it cannot become Ready and pods there get no IP.",
    remediation: "Check the node's azure-cns pod log for \"NNC reconciler has not started\"; reimage or delete the node so DNC-RC recreates its NNC, and open a support case if it persists.",
    reference: "DOMAIN.md §5.4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const graceMs = ctx.threshold("NNC001", "graceMinutes", c.name) * 60_000;
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const nncs = nncsByName(s);
      for (const node of s.nodes) {
        if (isVirtualNode(node)) continue;
        const why = unusable(nncs.get(node.name), node);
        if (!why) continue;
        // DNC-RC creates the NNC shortly after the node joins; a brand-new node is not a problem yet.
        if (within(s.takenAt, node.createdAt, graceMs)) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("node", node.name),
          message: `node ${node.name} has no ${why}: CNS there cannot become Ready and new pods on it will hang in ContainerCreating.`,
          data: { ready: node.ready },
        };
      }
    }
  },
);
