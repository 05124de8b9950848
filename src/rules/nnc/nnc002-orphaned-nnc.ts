import { resource } from "../../model/finding.js";
import { clustersWithData, nncsByName, nodesByName, ownedByOtherNode } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "NNC002",
    title: "Orphaned NNC",
    family: "NNC",
    severity: "warning",
    description: "An NNC with no Node of its name in this scan and, when there is one, the previous one, or whose owner UID is not the live Node's UID (the name was reused by a new node).",
    remediation:
      "An NNC without a node still holds its addresses: delete it (kubectl -n kube-system delete nnc NAME; remove the dnc-operations finalizer only if it hangs). On a UID mismatch, delete the stale NNC so DNC-RC creates one for the new node before CNS loads stale state.",
    reference: "DOMAIN.md §5.5",
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const nodes = nodesByName(c.snapshot);
      const before = c.previous && { nodes: nodesByName(c.previous), nncs: nncsByName(c.previous) };
      for (const nnc of c.snapshot.nncs) {
        // Being deleted is NNC007's business.
        if (nnc.deletionTimestamp) continue;
        const node = nodes.get(nnc.name);
        if (!node) {
          // A node deleted between the NNC and Node lists, or whose NNC the GC has yet to delete, is not an orphan:
          // only an NNC that was node-less in the previous scan too. Without a previous snapshot (a cluster's
          // first scan) there is nothing to wait for: that race lasts seconds, an orphan may have sat for weeks.
          const res = resource("nnc", nnc.name);
          if (before && !(before.nncs.has(nnc.name) && !before.nodes.has(nnc.name))) continue;
          yield {
            severity: "warning",
            cluster: c.name,
            resource: res,
            message: `NNC ${nnc.name} has no Node of that name${nnc.owner?.uid ? ` (its owner, UID ${nnc.owner.uid}, is gone)` : ""}${c.previous ? `, nor had it at ${c.previous.takenAt}` : ""}: its addresses stay held until it is deleted.`,
            data: { reason: "no-node", ownerUid: nnc.owner?.uid ?? null, nodeUid: null },
          };
          continue;
        }
        const owner = nnc.owner;
        if (owner && ownedByOtherNode(nnc, node)) {
          yield {
            severity: "critical",
            cluster: c.name,
            resource: resource("nnc", nnc.name),
            message: `NNC ${nnc.name} belongs to an earlier node of that name (owner UID ${owner.uid}, live node UID ${node.uid}): CNS on the new node will not reconcile it, or will load stale state. Delete the NNC so DNC-RC creates a fresh one.`,
            data: { reason: "uid-mismatch", ownerUid: owner.uid, nodeUid: node.uid },
          };
        }
      }
    }
  },
);
