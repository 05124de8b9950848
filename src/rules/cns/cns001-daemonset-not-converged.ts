import { cnsDaemonSet, cnsDemand, daemonSetOf, isFailing, managedWindowsNode } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { type ClusterSnapshot, CNS_DAEMONSET, CNS_WIN_DAEMONSET, type CnsDaemonSet, type CnsDaemonSetName, type CnsPod } from "../../model/snapshot.js";
import { clustersWithData, type ClusterView, type FleetContext, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

/**
 * Nodes without a Ready pod of `name`, by why: `failing` has a failing pod (never excused), `settling`
 * for a normal reason: the node just joined, or its pod was just created or deleted.
 */
function unreadyNodes(s: ClusterSnapshot, name: CnsDaemonSetName, graceMs: number): { failing: number; settling: number } {
  // Grouped once: a 5,000-node cluster must not cost 5,000² scans of its pods.
  const byNode = new Map<string | undefined, CnsPod[]>();
  for (const p of s.cns.pods) {
    if (daemonSetOf(p) !== name) continue;
    const on = byNode.get(p.node);
    if (on) on.push(p);
    else byNode.set(p.node, [p]);
  }
  const needs = cnsDemand(s);
  const n = { failing: 0, settling: 0 };
  for (const node of s.nodes) {
    if (needs(node) !== name) continue;
    const pods = byNode.get(node.name) ?? [];
    if (pods.some((p) => p.ready && !p.deletionTimestamp)) continue;
    if (pods.some(isFailing)) n.failing++;
    else if (within(s.takenAt, node.createdAt, graceMs) || pods.some((p) => within(s.takenAt, p.deletionTimestamp ?? p.createdAt, graceMs))) n.settling++;
  }
  return n;
}

/** Pods a rollout replaced since `before`: new nodes get the current template too, so a scale-out's growth of `updated` is no progress. */
function rolledOut(before: CnsDaemonSet, ds: CnsDaemonSet): number {
  return ds.updated - before.updated - Math.max(0, ds.desired - before.desired);
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

/** Whether one CNS DaemonSet has converged: Ready pods, a rollout that moves, a spec its controller observed. */
function converged(ctx: FleetContext, c: ClusterView, name: CnsDaemonSetName, ds: CnsDaemonSet): RuleResult | undefined {
  const s = c.snapshot;
  const graceMs = ctx.threshold("CNS001", "graceMinutes", c.name) * 60_000;
  const before = sameRollout(c.previous && cnsDaemonSet(c.previous, name), ds);
  // A rollout that moved since the previous scan replaces pods a few at a time: their brief unreadiness is its churn, a failing pod's is not.
  const progressing = before !== undefined && rolledOut(before, ds) > 0;
  const nodes = ds.ready >= ds.desired ? undefined : unreadyNodes(s, name, graceMs);
  const unready = !nodes ? 0 : progressing ? Math.min(nodes.failing, ds.desired - ds.ready) : ds.desired - ds.ready - nodes.settling;
  // Stuck only against a scan old enough that a moving rollout would have moved since; without one, unknown.
  const stale = before && c.previous && !within(s.takenAt, c.previous.takenAt, graceMs) ? { ds: before, at: c.previous.takenAt } : undefined;
  const problems: string[] = [];
  if (unready > ctx.threshold("CNS001", "toleratedUnready", c.name)) problems.push(`${ds.ready} of ${ds.desired} pods Ready`);
  if (stale && ds.updated < ds.desired && rolledOut(stale.ds, ds) <= 0) problems.push(`${ds.updated} of ${ds.desired} pods on the current template, none replaced since ${stale.at} (rollout stuck)`);
  if (stale && unobserved(ds) && unobserved(stale.ds)) problems.push(`generation ${ds.generation} not observed since ${stale.at} (controller at ${ds.observedGeneration})`);
  if (problems.length === 0) return undefined;
  const where = name === CNS_WIN_DAEMONSET ? "Windows nodes" : "Nodes";
  return {
    severity: "critical",
    cluster: c.name,
    resource: resource("daemonset", name),
    message: `DaemonSet ${name} has not converged: ${problems.join("; ")}. ${where} without a Ready CNS cannot give new pods an IP.`,
    data: { desired: ds.desired, ready: ds.ready, updated: ds.updated, available: ds.available },
  };
}

export default defineRule(
  {
    id: "CNS001",
    title: "azure-cns DaemonSet not converged",
    family: "CNS",
    severity: "critical",
    description:
      "A CNS DaemonSet (azure-cns on Linux nodes, azure-cns-win on Windows nodes, each its own finding) has fewer Ready pods than nodes it should run on (nodes and pods younger than `graceMinutes` aside, and pods a moving rollout is replacing, but never a failing pod), a rollout that has replaced no pod since the previous scan (nodes joining are no progress), a spec it has not observed since then; or azure-cns is missing in a cluster that has NNCs, or azure-cns-win in one whose Windows nodes have NNCs.",
    remediation:
      "Find the CNS pods that are not Ready (CNS002) and why; a rollout stuck on updatedNumberScheduled usually has one pod that cannot start. A missing DaemonSet on a CNS cluster (azure-cns, or azure-cns-win beside a Windows pool) needs an AKS support case.",
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
          resource: resource("daemonset", CNS_DAEMONSET),
          message: `DaemonSet kube-system/azure-cns is missing, yet the cluster has ${s.nncs.length} NodeNetworkConfig(s): nothing serves pod IPs to new pods.`,
          data: { nncs: s.nncs.length },
        };
      } else {
        const r = converged(ctx, c, CNS_DAEMONSET, ds);
        if (r) yield r;
      }
      const win = s.cns.windowsDaemonset;
      // undefined: the scan did not read azure-cns-win, so there is nothing to say about it.
      if (win) {
        const r = converged(ctx, c, CNS_WIN_DAEMONSET, win);
        if (r) yield r;
      } else if (win === null) {
        const nodes = s.nodes.filter(managedWindowsNode(s)).length;
        if (nodes === 0) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("daemonset", CNS_WIN_DAEMONSET),
          message: `DaemonSet kube-system/azure-cns-win is missing, yet ${nodes} Windows node(s) have a NodeNetworkConfig: nothing serves pod IPs to new pods on them.`,
          data: { windowsNodesWithNnc: nodes },
        };
      }
    }
  },
);
