// What rules see: for each cluster its newest scan outcome and the data to judge (the newest good
// snapshot), the snapshot before it, thresholds from the policy, and shared analyses computed once.
import type { EvaluationSummary } from "../model/evaluation.js";
import { type Finding, findingId, type RuleResult } from "../model/finding.js";
import type { ClusterSnapshot, IpamMode, NodeInfo, Nnc, SnapshotSummary } from "../model/snapshot.js";
import { ncMode } from "../analysis/subnet-keys.js";
import type { FleetView } from "./fleet-view.js";
import type { Policy } from "../policy/policy.js";

export interface ClusterView {
  name: string;
  /** Outcome of the cluster's newest scan. */
  latest: SnapshotSummary;
  /** The data to judge: the newest snapshot if it is ok, else the newest ok one, else the failed newest. */
  snapshot: ClusterSnapshot;
  /** The ok snapshot taken before `snapshot`, for rules about change. */
  previous?: ClusterSnapshot;
  /** The newest good snapshot, also where `snapshot` is not it (a cluster judged as it is now: it left CNS). */
  lastOk?: SnapshotSummary;
}

export interface FleetContext {
  /** `cluster`: a context holding one cluster for the rules that judge one at a time (fleet analyses refuse it). */
  scope: "fleet" | "cluster";
  now: Date;
  scanId: string;
  /** The clusters with their snapshots, for the rules that judge one cluster at a time. */
  clusters: readonly ClusterView[];
  /**
   * Every cluster as the rules that compare clusters see it (scope "fleet" only). An evaluation's fleet
   * context holds only these: reading `clusters` there is an error, because the snapshots are gone.
   */
  fleet: readonly FleetView[];
  policy: Policy;
  /** Findings of the previous evaluation by id (for persistence, e.g. NNC003 escalation). */
  previousFindings: ReadonlyMap<string, Finding>;
  /** Evaluation summaries, newest first (trends, forecasts). */
  history: readonly EvaluationSummary[];
  /**
   * Threshold `key` of `rule`: the policy's value (its per-cluster / per-subscription overrides when
   * `cluster` is given), else the rule's default.
   */
  threshold(rule: string, key: string, cluster?: string | readonly string[]): number;
  /** Computes an analysis once per evaluation and shares it among rules. */
  memo<T>(key: string, compute: () => T): T;
}

/** Fleet analyses compare clusters: a context holding one cluster would give them a wrong answer, not an error. */
export function requireFleet(ctx: FleetContext, analysis: string): void {
  if (ctx.scope !== "fleet") throw new Error(`${analysis} compares clusters: only a rule with scope "fleet" may use it`);
}

/**
 * Whether the previous evaluation, of a scan before `takenAt`, had this finding: what stands for the
 * previous snapshot when none was loaded, for rules about persistence.
 */
export function foundBefore(ctx: FleetContext, rule: string, r: Pick<RuleResult, "cluster" | "resource">, takenAt: string): boolean {
  const prev = ctx.previousFindings.get(findingId(rule, r));
  return prev !== undefined && prev.lastSeen < takenAt;
}

/** When the data of `v` were read (its last good snapshot), or null when no scan has read the cluster. */
export function lastOkAt(v: ClusterView): string | null {
  return v.snapshot.status === "ok" ? v.snapshot.takenAt : null;
}

/** Clusters whose data can be judged (a good snapshot exists). */
export function* clustersWithData(ctx: FleetContext): Iterable<ClusterView> {
  for (const c of ctx.clusters) if (c.snapshot.status === "ok") yield c;
}

/** `clustersWithData` for the fleet rules. */
export function* fleetWithData(ctx: FleetContext): Iterable<FleetView> {
  for (const c of ctx.fleet) if (c.status === "ok") yield c;
}

/** A cluster runs CNS as IPAM when it has NNCs or the azure-cns DaemonSet. */
export function isCnsManaged(s: ClusterSnapshot): boolean {
  return s.status === "ok" && (s.nncs.length > 0 || s.cns.daemonset !== null);
}

/** Whether any NNC of the cluster carries an overlay NC (mixed clusters included). */
export function hasOverlayNcs(s: ClusterSnapshot): boolean {
  return s.nncs.some((n) => n.networkContainers.some((nc) => ncMode(nc) === "overlay"));
}

/** Mode of a cluster from its NCs: the most common NC type. */
export function clusterMode(s: ClusterSnapshot): IpamMode | null {
  const counts = new Map<IpamMode, number>();
  for (const n of s.nncs) for (const nc of n.networkContainers) {
    const m = ncMode(nc);
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  let best: IpamMode | null = null;
  let bestCount = 0;
  for (const [m, c] of counts) if (c > bestCount) [best, bestCount] = [m, c];
  return best;
}


export function nodesByName(s: ClusterSnapshot): Map<string, NodeInfo> {
  return new Map(s.nodes.map((n) => [n.name, n]));
}

export function nncsByName(s: ClusterSnapshot): Map<string, Nnc> {
  return new Map(s.nncs.map((n) => [n.name, n]));
}

/**
 * Minutes a new node (or a pod the DaemonSet just replaced) is given before its missing NNC or CNS pod
 * counts: DNC-RC creates the NNC shortly after the node joins, and CNS becomes Ready only after that.
 */
export const NODE_GRACE_MINUTES = 5;

/** Whether `since` is less than `graceMs` before `at` (false when `since` is unknown). */
export function within(at: string, since: string | undefined, graceMs: number): boolean {
  return since !== undefined && Date.parse(at) - Date.parse(since) < graceMs;
}

/** The NNC's controller owner is a Node other than `node` (the name was reused): CNS will not reconcile it. */
export function ownedByOtherNode(nnc: Nnc, node: NodeInfo): boolean {
  const owner = nnc.owner;
  return owner !== undefined && owner.kind === "Node" && owner.uid !== "" && node.uid !== "" && owner.uid !== node.uid;
}

/** The AKS agent pool a node belongs to, by its labels. */
export function agentPoolOf(n: NodeInfo): string | undefined {
  return n.labels["kubernetes.azure.com/agentpool"] ?? n.labels.agentpool;
}

export function isVirtualNode(n: NodeInfo): boolean {
  return n.labels.type === "virtual-kubelet";
}
