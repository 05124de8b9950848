import { isFailing, needsCnsPod } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import type { ClusterSnapshot, CnsDaemonSet, CnsPod } from "../../model/snapshot.js";
import { clustersWithData, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

/** Nodes without a Ready CNS pod for a normal reason: the node just joined, or its pod was just created or deleted (a failing pod is no reason). */
function settling(s: ClusterSnapshot, graceMs: number): number {
  // Grouped once: a 5,000-node cluster must not cost 5,000² scans of its pods.
  const byNode = new Map<string | undefined, CnsPod[]>();
  for (const p of s.cns.pods) {
    const on = byNode.get(p.node);
    if (on) on.push(p);
    else byNode.set(p.node, [p]);
  }
  let n = 0;
  for (const node of s.nodes) {
    if (!needsCnsPod(node)) continue;
    const pods = byNode.get(node.name) ?? [];
    if (pods.some((p) => (p.ready && !p.deletionTimestamp) || isFailing(p))) continue;
    if (within(s.takenAt, node.createdAt, graceMs) || pods.some((p) => within(s.takenAt, p.deletionTimestamp ?? p.createdAt, graceMs))) n++;
  }
  return n;
}

function unobserved(d: CnsDaemonSet): boolean {
  return d.generation !== undefined && d.observedGeneration !== undefined && d.observedGeneration < d.generation;
}

/** The previous DaemonSet when it was rolling out the same template (same generation, else the same images). */
function sameRollout(prev: CnsDaemonSet | null | undefined, ds: CnsDaemonSet): CnsDaemonSet | undefined {
  if (!prev) return undefined;
  const same = prev.generation !== undefined && ds.generation !== undefined ? prev.generation === ds.generation : prev.images.join() === ds.images.join();
  return same ? prev : undefined;
}

export default defineRule(
  {
    id: "CNS001",
    title: "azure-cns DaemonSet not converged",
    family: "CNS",
    severity: "critical",
    description:
      "The azure-cns DaemonSet has fewer Ready pods than nodes it should run on (nodes and pods younger than `graceMinutes` aside), a rollout that has not moved since the previous scan, a spec it has not observed since then, or is missing in a cluster that has NNCs.",
    remediation: "Find the azure-cns pods that are not Ready (CNS002) and why; a rollout stuck on updatedNumberScheduled usually has one pod that cannot start. A missing DaemonSet on a CNS cluster needs an AKS support case.",
    reference: "DOMAIN.md §4, §5.7",
    thresholds: { toleratedUnready: 0, graceMinutes: NODE_GRACE_MINUTES },
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
      const graceMs = ctx.threshold("CNS001", "graceMinutes", c.name) * 60_000;
      const before = sameRollout(c.previous?.cns.daemonset, ds);
      // A rollout that moved since the previous scan replaces pods a few at a time: their brief unreadiness is its churn.
      const progressing = before !== undefined && ds.updated > before.updated;
      const unready = progressing || ds.ready >= ds.desired ? 0 : ds.desired - ds.ready - settling(s, graceMs);
      // Stuck only against a scan old enough that a moving rollout would have moved since; without one, unknown.
      const stale = before && c.previous && !within(s.takenAt, c.previous.takenAt, graceMs) ? { ds: before, at: c.previous.takenAt } : undefined;
      const problems: string[] = [];
      if (unready > ctx.threshold("CNS001", "toleratedUnready", c.name)) problems.push(`${ds.ready} of ${ds.desired} pods Ready`);
      if (stale && ds.updated < ds.desired && ds.updated <= stale.ds.updated) problems.push(`${ds.updated} of ${ds.desired} pods on the current template, no more than at ${stale.at} (rollout stuck)`);
      if (stale && unobserved(ds) && unobserved(stale.ds)) problems.push(`generation ${ds.generation} not observed since ${stale.at} (controller at ${ds.observedGeneration})`);
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
