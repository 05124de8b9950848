import { needsCnsPod } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { clustersWithData, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS004",
    title: "Node without an azure-cns pod",
    family: "CNS",
    severity: "critical",
    description: "A schedulable Linux node (not virtual-kubelet) older than `graceMinutes` runs no azure-cns pod (one deleted less than `graceMinutes` ago still counts), so pods scheduled there get no IP.",
    remediation: "Check the DaemonSet's node affinity and the node's taints and labels (kubernetes.azure.com/cluster must exist); kubectl -n kube-system get pods -l k8s-app=azure-cns -o wide shows which nodes have one.",
    reference: "DOMAIN.md §4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      // Without the DaemonSet every node lacks a pod: CNS001 says that once.
      if (!isCnsManaged(s) || s.cns.daemonset === null) continue;
      const graceMs = ctx.threshold("CNS004", "graceMinutes", c.name) * 60_000;
      // A pod deleted less than the grace ago still counts: in a rollout its replacement follows it.
      const withPod = new Set(s.cns.pods.filter((p) => !p.deletionTimestamp || within(s.takenAt, p.deletionTimestamp, graceMs)).map((p) => p.node));
      for (const n of s.nodes) {
        if (withPod.has(n.name) || n.unschedulable || !needsCnsPod(n)) continue;
        if (within(s.takenAt, n.createdAt, graceMs)) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("node", n.name),
          message: `node ${n.name} is schedulable but runs no azure-cns pod: pods scheduled there will hang in ContainerCreating.`,
          data: { ready: n.ready, pendingPods: n.pendingPods ?? 0 },
        };
      }
    }
  },
);
