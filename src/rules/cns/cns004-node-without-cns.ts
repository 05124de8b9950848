import { cnsDaemonSet, cnsDemand, daemonSetOf } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { clustersWithData, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS004",
    title: "Node without an azure-cns pod",
    family: "CNS",
    severity: "critical",
    description:
      "A schedulable node (not virtual-kubelet) older than `graceMinutes` runs no pod of its CNS DaemonSet (one deleted less than `graceMinutes` ago still counts), so pods scheduled there get no IP: azure-cns on a Linux node; azure-cns-win on a Windows node, judged where the scan read azure-cns-win. A pod of the other DaemonSet does not count; a missing DaemonSet is CNS001's finding, not one per node.",
    remediation:
      "Check the DaemonSet's node affinity and the node's taints and labels (kubernetes.azure.com/cluster must exist); kubectl -n kube-system get pods -l 'k8s-app in (azure-cns,azure-cns-win)' -o wide shows which nodes have one.",
    reference: "DOMAIN.md §4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const graceMs = ctx.threshold("CNS004", "graceMinutes", c.name) * 60_000;
      // A pod deleted less than the grace ago still counts: in a rollout its replacement follows it.
      const withPod = new Set(s.cns.pods.filter((p) => !p.deletionTimestamp || within(s.takenAt, p.deletionTimestamp, graceMs)).map((p) => `${daemonSetOf(p)}/${p.node}`));
      const needs = cnsDemand(s);
      for (const n of s.nodes) {
        const ds = needs(n);
        // Without its DaemonSet every node of that OS lacks a pod: CNS001 says that once.
        if (ds === undefined || cnsDaemonSet(s, ds) === null) continue;
        if (withPod.has(`${ds}/${n.name}`) || n.unschedulable) continue;
        if (within(s.takenAt, n.createdAt, graceMs)) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("node", n.name),
          message: `node ${n.name} is schedulable but runs no ${ds} pod: pods scheduled there will hang in ContainerCreating.`,
          data: { ready: n.ready, pendingPods: n.pendingPods ?? 0 },
        };
      }
    }
  },
);
