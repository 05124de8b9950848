import { resource, type RuleResult } from "../../model/finding.js";
import { clustersWithData, isCnsManaged } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS001",
    title: "azure-cns DaemonSet not converged",
    family: "CNS",
    severity: "critical",
    description: "The azure-cns DaemonSet has fewer Ready or updated pods than nodes it should run on, has not observed its latest spec, or is missing in a cluster that has NNCs.",
    remediation: "Find the azure-cns pods that are not Ready (CNS002) and why; a rollout stuck on updatedNumberScheduled usually has one pod that cannot start. A missing DaemonSet on a CNS cluster needs an AKS support case.",
    reference: "DOMAIN.md §4, §5.7",
    thresholds: { toleratedUnready: 0 },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const ds = s.cns.daemonset;
      if (!ds) {
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("daemonset", "azure-cns"),
          message: `DaemonSet kube-system/azure-cns is missing, yet the cluster has ${s.nncs.length} NodeNetworkConfig(s): nothing serves pod IPs to new pods.`,
          data: { nncs: s.nncs.length },
        };
        continue;
      }
      const unready = ds.desired - ds.ready;
      const outdated = ds.desired - ds.updated;
      const unobserved = ds.generation !== undefined && ds.observedGeneration !== undefined && ds.observedGeneration < ds.generation;
      const problems: string[] = [];
      if (unready > ctx.threshold("CNS001", "toleratedUnready", c.name)) problems.push(`${ds.ready} of ${ds.desired} pods Ready`);
      if (outdated > 0) problems.push(`${ds.updated} of ${ds.desired} pods on the current template (rollout lagging)`);
      if (unobserved) problems.push(`generation ${ds.generation} not yet observed (controller at ${ds.observedGeneration})`);
      if (problems.length === 0) continue;
      yield {
        severity: "critical",
        cluster: c.name,
        resource: resource("daemonset", "azure-cns"),
        message: `DaemonSet azure-cns has not converged: ${problems.join("; ")}. Nodes without a Ready CNS cannot give new pods an IP.`,
        data: { desired: ds.desired, ready: ds.ready, updated: ds.updated, available: ds.available },
      };
    }
  },
);
