// What the rules that compare clusters (scope "fleet") know of each cluster: a few facts and its part of
// the pod-subnet accounting, taken from the judged snapshot when the cluster is added to an evaluation.
// The evaluation keeps these until the end instead of every cluster's snapshot, so its memory grows by
// ~15 bytes per address field in the fleet, not by whole snapshots.
import { cnsVersionOf } from "../analysis/cns.js";
import { clampScaler, isDynamicNnc } from "../analysis/scaler.js";
import { contributeSubnets, type SubnetContribution } from "../analysis/subnet-contribution.js";
import { ncSubnetKey, overlayPodCidrs } from "../analysis/subnet-keys.js";
import type { ArmCluster, CnsConfig, IpamMode, ScanStatus, SnapshotSummary } from "../model/snapshot.js";
import { agentPoolOf, type ClusterView, clusterMode, isCnsManaged, isVirtualNode } from "./context.js";

/** NCs report this status when DNC-RC cannot allocate from their subnet. */
export const SUBNET_FULL = "NCUpdateSubnetFullError";

export interface FleetView {
  name: string;
  /** Outcome of the cluster's newest scan. */
  latest: SnapshotSummary;
  /** Status of the data judged: "ok" when the cluster has a good snapshot. */
  status: ScanStatus;
  arm?: ArmCluster;
  cnsManaged: boolean;
  /** The most common NC type, null without NCs. */
  mode: IpamMode | null;
  cnsVersion?: string;
  cnsConfig?: CnsConfig;
  /**
   * scaler.maxIPCount by agent pool (NNC → its node → the node's agentpool label): it is set per node
   * from the pool's maxPods, so pools of one cluster differ. The largest where a pool's NNCs disagree.
   */
  maxIPCountByPool: Map<string, number>;
  /** The smallest scaler batch (as CNS clamps it) of the dynamic NNCs: what a node asks the subnet for at once. */
  batchSize?: number;
  /** NCs in NCUpdateSubnetFullError: their NNC and the subnet key they name (null: none). */
  subnetFullNcs: Array<{ nnc: string; key: string | null }>;
  /** ClusterSubnetStates that say exhausted. */
  exhaustedSubnetStates: string[];
  /** Linux/Windows nodes (not virtual) without an NNC of their name: on overlay, waiting for a /24. */
  nodesWithoutNnc: number;
  /**
   * This cluster's NCs and address fields for the accounting; present when status is "ok", also from a
   * last good snapshot while later scans fail (its nodes may still hold them): its takenAt tells NNC006.
   */
  subnets?: SubnetContribution;
}

/** The fleet rules' view of one cluster. Of the snapshot it keeps strings, typed arrays and the small ARM and cns-config objects. */
export function fleetView(v: ClusterView): FleetView {
  const s = v.snapshot;
  const out: FleetView = {
    name: v.name,
    latest: v.latest,
    status: s.status,
    cnsManaged: isCnsManaged(s),
    mode: clusterMode(s),
    subnetFullNcs: [],
    exhaustedSubnetStates: [],
    nodesWithoutNnc: 0,
    maxIPCountByPool: new Map(),
  };
  if (s.arm) out.arm = s.arm;
  const version = cnsVersionOf(s);
  if (version !== undefined) out.cnsVersion = version;
  if (s.cns.config) out.cnsConfig = s.cns.config;
  const podCidrOf = overlayPodCidrs(s);
  const poolOfNode = new Map(s.nodes.map((n) => [n.name, agentPoolOf(n)]));
  for (const nnc of s.nncs) {
    if (nnc.scaler && isDynamicNnc(nnc)) {
      const scaler = clampScaler(nnc.scaler);
      out.batchSize = Math.min(out.batchSize ?? Infinity, scaler.batchSize);
      const pool = poolOfNode.get(nnc.name);
      if (pool !== undefined) out.maxIPCountByPool.set(pool, Math.max(out.maxIPCountByPool.get(pool) ?? 0, scaler.maxIPCount));
    }
    for (const nc of nnc.networkContainers) if (nc.status === SUBNET_FULL) out.subnetFullNcs.push({ nnc: nnc.name, key: ncSubnetKey(v.name, nc, podCidrOf) });
  }
  for (const css of s.subnetStates ?? []) if (css.exhausted) out.exhaustedSubnetStates.push(css.name);
  const nncNames = new Set(s.nncs.map((n) => n.name));
  out.nodesWithoutNnc = s.nodes.filter((n) => !nncNames.has(n.name) && !isVirtualNode(n)).length;
  if (s.status === "ok") out.subnets = contributeSubnets(s);
  return out;
}
