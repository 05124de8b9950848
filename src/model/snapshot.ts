// The snapshot is what one scan learned about one cluster. Collectors produce it, stores keep it,
// rules and reports read it. It holds normalised domain data only: never tokens, certificates or
// kubeconfigs.

/** How a cluster's scan ended. `stopped`: ARM says the cluster is stopped, so it was not connected to. */
export type ScanStatus = "ok" | "unreachable" | "unauthorized" | "not-cns" | "error" | "stopped";
export const SCAN_STATUSES: readonly ScanStatus[] = ["ok", "unreachable", "unauthorized", "not-cns", "error", "stopped"];

/**
 * Whether the scan failed to read the cluster. A cluster without the NNC API (not-cns) or one ARM
 * says is stopped was judged as it is: neither is a failure.
 */
export function scanFailed(status: ScanStatus): boolean {
  return status !== "ok" && status !== "not-cns" && status !== "stopped";
}

/** IPAM mode of a pod subnet / NC, in the words of CONTRACT.md (NC type `vnet` is dynamic mode). */
export type IpamMode = "vnetblock" | "dynamic" | "overlay";

export const SNAPSHOT_SCHEMA_VERSION = 1;

export interface NodeInfo {
  name: string;
  uid: string;
  /** status.addresses[type=InternalIP] */
  internalIP?: string;
  ready: boolean;
  unschedulable: boolean;
  createdAt?: string;
  /** Only the labels the analysis needs (os, agent pool, podnetwork-*, virtual-kubelet type, zone). */
  labels: Record<string, string>;
  /** Pods bound to this node that are still Pending (ContainerCreating hangs show up here). */
  pendingPods?: number;
}

/** One entry of status.networkContainers of an NNC. */
export interface NetworkContainer {
  id: string;
  /** `dynamic` | `static` (CRD default dynamic) */
  assignmentMode: string;
  /** `vnet` | `vnetblock` | `overlay` (CRD default vnet; not enum-validated) */
  type: string;
  primaryIP?: string;
  nodeIP?: string;
  subnetName?: string;
  subnetAddressSpace?: string;
  /** The CRD's JSON tag is really `subcriptionID`. */
  subscriptionID?: string;
  resourceGroupID?: string;
  vnetID?: string;
  subnetID?: string;
  defaultGateway?: string;
  /** NC status, e.g. NCUpdateSubnetFullError */
  status?: string;
  version: number;
  /** ipAssignments[].ip: single addresses (dynamic) or CIDR blocks (vnetblock). */
  ipAssignments: string[];
}

export interface ScalerSettings {
  batchSize: number;
  requestThresholdPercent: number;
  releaseThresholdPercent: number;
  maxIPCount: number;
}

/** A NodeNetworkConfig (acn.azure.com/v1alpha), normalised. */
export interface Nnc {
  name: string;
  namespace: string;
  uid: string;
  createdAt?: string;
  deletionTimestamp?: string;
  /** The controller owner reference (a Node on real NNCs). */
  owner?: { kind: string; name: string; uid: string };
  labels: Record<string, string>;
  requestedIPCount: number;
  /** len(spec.ipsNotInUse): IPs CNS asked DNC-RC to take back. */
  ipsNotInUse: number;
  availabilityZone?: number;
  assignedIPCount: number;
  scaler?: ScalerSettings;
  /** .status.status: Updating | Updated | Error, often absent */
  status?: string;
  networkContainers: NetworkContainer[];
  /** Fields that were present but unusable (garbage from the API): kept so a rule can say so. */
  problems?: string[];
}

/** A ClusterSubnetState (acn.azure.com/v1alpha1): DNC-RC's per-subnet word on exhaustion (DOMAIN.md §1). */
export interface ClusterSubnetState {
  /** DNC-RC names it after the subnet. */
  name: string;
  namespace: string;
  exhausted: boolean;
  /** status.timestamp as written (a string; older writers used epoch seconds). */
  timestamp?: string;
}

/** AKS runs CNS from two DaemonSets (DOMAIN.md §4): azure-cns on Linux nodes, azure-cns-win on Windows nodes. */
export const CNS_DAEMONSET = "azure-cns";
export const CNS_WIN_DAEMONSET = "azure-cns-win";
export type CnsDaemonSetName = typeof CNS_DAEMONSET | typeof CNS_WIN_DAEMONSET;

export interface CnsDaemonSet {
  name: string;
  desired: number;
  current: number;
  ready: number;
  updated: number;
  available: number;
  misscheduled: number;
  generation?: number;
  observedGeneration?: number;
  /** Images of the pod template's containers (cns-container first). */
  images: string[];
}

export interface CnsPod {
  name: string;
  node?: string;
  phase: string;
  ready: boolean;
  /** Waiting/terminated reason of cns-container when not running (e.g. CrashLoopBackOff). */
  reason?: string;
  /** Why an init container cannot finish, kubectl style: its waiting reason or failed exit (Init:CrashLoopBackOff, Init:Error). */
  initReason?: string;
  restarts: number;
  lastTerminationReason?: string;
  image?: string;
  startedAt?: string;
  createdAt?: string;
  deletionTimestamp?: string;
  /** The DaemonSet the pod belongs to (its k8s-app label); absent: azure-cns, all that snapshots held before azure-cns-win was read. */
  daemonset?: CnsDaemonSetName;
}

/** Watched keys of cns_config.json; scalars only (the file also holds telemetry keys we do not keep). */
export type CnsConfig = Record<string, string | number | boolean>;

/** `cx_ipam_*` / `nnc_*` gauges read from one CNS pod through the API server's pod proxy. */
export interface CnsPodMetrics {
  pod: string;
  node?: string;
  values: Record<string, number>;
}

/** Which CNS pods the scan asked for metrics, out of how many: a bounded sample, not a census. */
export interface CnsMetricsScope {
  /** The per-cluster budget: a pod count, or "all". */
  budget: number | "all";
  /** Pods chosen for scraping (suspicious nodes first). */
  selected: number;
  scraped: number;
  failed: number;
}

export interface CnsState {
  /** azure-cns, the Linux nodes' CNS. */
  daemonset: CnsDaemonSet | null;
  /** azure-cns-win, the Windows nodes' CNS: null when the cluster has none, absent when it was not read (older snapshots, or the scan was refused it). */
  windowsDaemonset?: CnsDaemonSet | null;
  pods: CnsPod[];
  config: CnsConfig | null;
  metrics?: CnsPodMetrics[];
  metricsScope?: CnsMetricsScope;
}

/** ARM view of one agent pool (DOMAIN.md §6). */
export interface ArmAgentPool {
  name: string;
  count?: number;
  minCount?: number;
  maxCount?: number;
  enableAutoScaling?: boolean;
  maxPods?: number;
  vnetSubnetID?: string;
  podSubnetID?: string;
  podIPAllocationMode?: string;
  maxSurge?: string;
  /** upgradeSettings.maxUnavailable: with maxSurge "0", how many nodes an upgrade drains in place. */
  maxUnavailable?: string;
  osType?: string;
  mode?: string;
}

/** ARM view of one managed cluster. */
export interface ArmCluster {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location?: string;
  kubernetesVersion?: string;
  fqdn?: string;
  aad: boolean;
  networkPlugin?: string;
  networkPluginMode?: string;
  networkDataplane?: string;
  podCidr?: string;
  podCidrs?: string[];
  serviceCidr?: string;
  /** ARM's powerState.code: Running, or Stopped after `az aks stop`. */
  powerState?: string;
  /** apiServerAccessProfile.enablePrivateCluster: the API server is reachable only from its network. */
  privateCluster?: boolean;
  pools: ArmAgentPool[];
}

/** Stopped in ARM (`az aks stop`): ARM's codes are compared without case, as ARM itself does. */
export function isStopped(arm: Pick<ArmCluster, "powerState"> | undefined): boolean {
  return arm?.powerState?.toLowerCase() === "stopped";
}

export interface SnapshotSource {
  kind: "kubeconfig" | "fleet" | "arm" | "sim";
  context?: string;
  /** API server URL: scheme, host, port and path only (userinfo and query may hold credentials). */
  server?: string;
}

export interface ClusterSnapshot {
  schemaVersion: number;
  cluster: string;
  /** The scan round this snapshot belongs to; a retried job rewrites the same snapshot. */
  scanId: string;
  takenAt: string;
  durationMs: number;
  status: ScanStatus;
  /** Why the status is not ok, in words that name the thing that failed. */
  reason?: string;
  source: SnapshotSource;
  kubernetesVersion?: string;
  nodes: NodeInfo[];
  nncs: Nnc[];
  cns: CnsState;
  arm?: ArmCluster;
  /** ClusterSubnetStates in kube-system; absent when the CRD is not served (or was not read). */
  subnetStates?: ClusterSubnetState[];
  /** Non-fatal notes from collection: metrics unreachable, TLS verification disabled, ... */
  notes: string[];
}

/** What the latest view and history listings return without loading whole snapshots. */
export interface SnapshotSummary {
  cluster: string;
  scanId: string;
  takenAt: string;
  status: ScanStatus;
  reason?: string;
  durationMs: number;
  nodes: number;
  nncs: number;
  cnsPods: number;
  requestedIPs: number;
  assignedIPs: number;
  /** Store-specific pointer to the full snapshot. */
  ref: string;
  /** The cluster's ARM resource id, when it was found in ARM: which cluster a name belongs to when namesakes appear. */
  armId?: string;
}

export function summarize(s: ClusterSnapshot, ref: string): SnapshotSummary {
  let requestedIPs = 0;
  let assignedIPs = 0;
  for (const n of s.nncs) {
    requestedIPs += n.requestedIPCount;
    assignedIPs += n.assignedIPCount;
  }
  const out: SnapshotSummary = {
    cluster: s.cluster,
    scanId: s.scanId,
    takenAt: s.takenAt,
    status: s.status,
    durationMs: s.durationMs,
    nodes: s.nodes.length,
    nncs: s.nncs.length,
    cnsPods: s.cns.pods.length,
    requestedIPs,
    assignedIPs,
    ref,
  };
  if (s.reason !== undefined) out.reason = s.reason;
  if (s.arm?.id) out.armId = s.arm.id;
  return out;
}

/** A scan that read nothing of the cluster, and why. */
export function failureSnapshot(cluster: string, scanId: string, kind: SnapshotSource["kind"], reason: string, at: Date): ClusterSnapshot {
  const snap = emptySnapshot(cluster, scanId, { kind }, at);
  snap.status = "error";
  snap.reason = reason;
  return snap;
}

export function emptySnapshot(cluster: string, scanId: string, source: SnapshotSource, takenAt = new Date()): ClusterSnapshot {
  return {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    cluster,
    scanId,
    takenAt: takenAt.toISOString(),
    durationMs: 0,
    status: "ok",
    source,
    nodes: [],
    nncs: [],
    cns: { daemonset: null, pods: [], config: null },
    notes: [],
  };
}
