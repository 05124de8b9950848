// Health: the azure-cns view of each cluster and node: DaemonSets (azure-cns, and azure-cns-win for
// Windows nodes), pods, restarts, metrics, config.
import { cnsDaemonSetOfNode, cnsDemand, cnsPodState, cnsVersionOf, daemonSetOf, metricsOfPod, podImages } from "../../analysis/cns.js";
import type { CnsClusterHealth, CnsDaemonSetHealth, CnsNodeHealth, HealthSection } from "../../model/sections.js";
import { CNS_WIN_DAEMONSET, type CnsDaemonSet, type CnsPod, type NodeInfo } from "../../model/snapshot.js";
import { clusterMode, type ClusterView, isCnsManaged, isVirtualNode, lastOkAt } from "../../rules/context.js";

/** The node column of a CNS pod no node holds yet. */
export const UNSCHEDULED_NODE = "(unscheduled)";

/** Lookups by node name, built once per cluster: a 5,000-node cluster must not cost 5,000² finds. */
interface ClusterIndex {
  nodes: Map<string, NodeInfo>;
  nncs: Set<string>;
  /** Whether the node needs a CNS pod (cnsDemand). */
  needsPod: (n: NodeInfo) => boolean;
}

function nodeRow(v: ClusterView, ix: ClusterIndex, nodeName: string, pod: CnsPod | undefined, prevRestarts: Map<string, number>, hasNncs: boolean): CnsNodeHealth {
  const s = v.snapshot;
  const node = ix.nodes.get(nodeName);
  const nnc = ix.nncs.has(nodeName);
  const row: CnsNodeHealth = {
    node: nodeName,
    nodeReady: node?.ready ?? false,
    schedulable: node ? !node.unschedulable : false,
    nnc,
    pendingPods: node?.pendingPods ?? 0,
    pod: pod?.name ?? null,
    phase: pod?.phase ?? null,
    podReady: pod?.ready ?? false,
    restarts: pod?.restarts ?? 0,
    status: "ok",
  };
  if (pod) {
    const reason = pod.initReason ?? pod.reason;
    if (reason) row.reason = reason;
    if (pod.lastTerminationReason) row.lastTerminationReason = pod.lastTerminationReason;
    if (pod.image) row.image = pod.image;
    const before = prevRestarts.get(pod.name);
    if (before !== undefined) row.restartsDelta = Math.max(0, pod.restarts - before);
    const m = metricsOfPod(s, pod.name);
    if (m) row.metrics = m;
  }
  const podState = pod ? cnsPodState(pod) : undefined;
  if (!pod) row.status = node && ix.needsPod(node) && !node.unschedulable ? "missing" : "not-needed";
  else if (podState !== "ok") row.status = podState!;
  else if (hasNncs && !nnc) row.status = "no-nnc";
  else if (node && !node.ready) row.status = "node-not-ready";
  else if (row.restartsDelta) row.status = "restarted";
  return row;
}

export function clusterHealth(v: ClusterView): CnsClusterHealth {
  const s = v.snapshot;
  const ok = s.status === "ok";
  const prevRestarts = new Map((v.previous?.cns.pods ?? []).map((p) => [p.name, p.restarts]));
  const podByNode = new Map<string, CnsPod>();
  const orphanPods: CnsPod[] = [];
  const needs = cnsDemand(s);
  const ix: ClusterIndex = { nodes: new Map(s.nodes.map((n) => [n.name, n])), nncs: new Set(s.nncs.map((n) => n.name)), needsPod: (n) => needs(n) !== undefined };
  for (const p of s.cns.pods) {
    const on = p.node === undefined ? undefined : ix.nodes.get(p.node);
    if (!p.node) orphanPods.push(p);
    // A node's row shows the pod of its own OS's DaemonSet (a Linux pod on a Windows node serves nothing there).
    // A node whose OS maps to no DaemonSet (virtual-kubelet, another os label) shows whichever CNS pod runs there:
    // every pod counted in pods.total has a row.
    else if (on && isOtherOsPod(on, p)) continue;
    // A terminating pod and its replacement can share a node: show the live one.
    else if (!podByNode.has(p.node) || podByNode.get(p.node)!.deletionTimestamp) podByNode.set(p.node, p);
  }
  const hasNncs = s.nncs.length > 0;
  const rows = ok && isCnsManaged(s) ? s.nodes.map((n) => nodeRow(v, ix, n.name, podByNode.get(n.name), prevRestarts, hasNncs)) : [];
  for (const p of orphanPods) rows.push(nodeRow(v, ix, UNSCHEDULED_NODE, p, prevRestarts, false));
  // A pod on a node the node list did not hold (deleted between the two lists): its own row, so every
  // pod counted in pods.total has one.
  if (ok && isCnsManaged(s)) for (const [node, p] of podByNode) if (!ix.nodes.has(node)) rows.push({ ...nodeRow(v, ix, node, p, prevRestarts, false), node: `${node} (not listed)` });
  const states = s.cns.pods.map(cnsPodState);
  const ds = s.cns.daemonset;
  return {
    cluster: v.name,
    status: v.latest.status,
    lastOkAt: lastOkAt(v),
    mode: ok ? clusterMode(s) : null,
    takenAt: s.takenAt,
    daemonset: ds ? daemonSetHealth(ds) : null,
    // Only where the scan read it: an older snapshot says nothing of the Windows nodes' CNS.
    ...(s.cns.windowsDaemonset !== undefined
      ? {
          windowsDaemonset: s.cns.windowsDaemonset && daemonSetHealth(s.cns.windowsDaemonset),
          windowsNodesNeedingPod: s.nodes.filter((n) => needs(n) === CNS_WIN_DAEMONSET).length,
        }
      : {}),
    version: cnsVersionOf(s) ?? null,
    images: podImages(s),
    pods: {
      total: s.cns.pods.length,
      ready: s.cns.pods.filter((p) => p.ready).length,
      notReady: s.cns.pods.filter((p) => !p.ready).length,
      crashLooping: states.filter((x) => x === "crashloop" || x === "init-crashloop").length,
      pending: states.filter((x) => x === "pending").length,
      restarts: s.cns.pods.reduce((a, p) => a + p.restarts, 0),
    },
    nodes: {
      total: s.nodes.length,
      withoutCnsPod: rows.filter((r) => r.status === "missing").length,
      // As NNC001 counts them: virtual-kubelet nodes never get an NNC.
      withoutNnc: hasNncs ? s.nodes.filter((n) => !ix.nncs.has(n.name) && !isVirtualNode(n)).length : 0,
      notReady: s.nodes.filter((n) => !n.ready).length,
    },
    metrics: s.cns.metricsScope ? { ...s.cns.metricsScope } : null,
    config: s.cns.config ? { ...s.cns.config } : null,
    notes: [...s.notes],
    nodeRows: rows.sort((a, b) => Number(a.status === "ok") - Number(b.status === "ok") || a.node.localeCompare(b.node)),
  };
}

/** A pod of one OS's CNS DaemonSet on a node of the other OS. */
function isOtherOsPod(on: NodeInfo, p: CnsPod): boolean {
  const own = cnsDaemonSetOfNode(on);
  return own !== undefined && own !== daemonSetOf(p);
}

function daemonSetHealth(ds: CnsDaemonSet): CnsDaemonSetHealth {
  return { ...daemonSetCounts(ds), images: ds.images };
}

/** A DaemonSet's counts without its images: what the dashboard shows (the images stay in the health report). */
export function daemonSetCounts(ds: Omit<CnsDaemonSetHealth, "images">): Omit<CnsDaemonSetHealth, "images"> {
  return { desired: ds.desired, ready: ds.ready, updated: ds.updated, available: ds.available };
}

/** A row the fleet must look at: what the stored evaluation keeps of each cluster's nodes. */
function needsAttention(r: CnsNodeHealth): boolean {
  return r.status !== "ok" && r.status !== "not-needed";
}

/**
 * The cluster's health as the evaluation stores it: healthy rows (~280 bytes a node) are only counted.
 * A one-cluster report rebuilds them from the snapshot (reports/health-rows.ts).
 */
export function compactHealth(h: CnsClusterHealth): CnsClusterHealth {
  const nodeRows = h.nodeRows.filter(needsAttention);
  return { ...h, nodeRows, nodeRowsOmitted: h.nodeRows.length - nodeRows.length };
}

export function buildHealth(clusters: readonly CnsClusterHealth[]): HealthSection {
  return { clusters: [...clusters].sort((a, b) => a.cluster.localeCompare(b.cluster)) };
}
