// Spec and raw-object types of the cluster simulator. The simulator serves raw Kubernetes JSON;
// these types only name the fields the simulator itself reads or writes.
import type { PodSubnet } from "./ipv4.js";
import type { FaultSpec } from "./faults.js";

export type { PodSubnet } from "./ipv4.js";

/** IPAM mode of a simulated cluster. `kubenet` has no NNC API and no azure-cns. */
export type SimMode = "vnetblock" | "dynamic" | "overlay" | "kubenet";
export const SIM_MODES: readonly SimMode[] = ["vnetblock", "dynamic", "overlay", "kubenet"];

/**
 * Something wrong in a generated cluster, applied after generation through the mutate helpers. `node`
 * is a VMSS index in the Linux pool, or in the Windows pool with `windows: true`.
 */
export type SimProblem = { windows?: boolean } & (
  | { kind: "crashLoopCns"; node: number; restarts?: number }
  /** The node runs no CNS pod (taints or affinity keep the DaemonSet off it). */
  | { kind: "missingCnsPod"; node: number }
  | { kind: "missingNnc"; node: number; nodeNotReady?: boolean }
  | { kind: "orphanNnc"; node: number }
  | { kind: "ncStatus"; node: number; status: string }
  | { kind: "nodeIP"; node: number; ip: string }
  /** Adds `ip` (a /28 block in vnetblock, one address in dynamic) to the node's first NC without taking it from the allocator. */
  | { kind: "extraAssignment"; node: number; ip: string }
  | { kind: "pendingPods"; node: number; count: number }
);

/** A Windows node pool (DOMAIN.md §4): nodes labelled kubernetes.io/os=windows, each with an NNC and an azure-cns-win pod. */
export interface SimWindowsPool {
  nodes: number;
  /** At most 6 characters (Windows computer names are 15): nodes are aks<pool><index>. Default npwin. */
  pool?: string;
  /** cns-container image of azure-cns-win, default the cluster's cnsImage. */
  cnsImage?: string;
}

export interface SimClusterSpec {
  /** Any string; it becomes the kubeconfig context name as-is. */
  name: string;
  mode: SimMode;
  nodes: number;
  /** Pod subnet (vnetblock, dynamic). Equal descriptors share one address allocator across clusters. */
  podSubnet?: PodSubnet;
  /** Overlay (and kubenet) pod CIDR, default 10.244.0.0/16. */
  podCidr?: string;
  /** Node subnet; nodes get InternalIPs from its 5th address on. Default 10.240.0.0/16. */
  nodeSubnetCidr?: string;
  /** e.g. "v1.30.6" */
  kubernetesVersion?: string;
  /** cns-container image, default mcr.microsoft.com/containernetworking/azure-cns:v1.6.25 */
  cnsImage?: string;
  /** Agent pool name, default nodepool1. */
  pool?: string;
  /** A Windows node pool beside the Linux one (CNS clusters only). */
  windows?: SimWindowsPool;
  location?: string;
  /** vnetblock: blocks per node = ceil((maxPods+1)/16). Default 250. */
  maxPods?: number;
  /** dynamic: spec.requestedIPCount per node (index i uses [i], the last value repeats). Default 16. */
  requestedIPs?: number | number[];
  /** Keys merged over the generated cns_config.json. */
  cnsConfig?: Record<string, unknown>;
  /** Seed for names, uids and versions; default: the cluster name. */
  seed?: string;
  /** ISO time the cluster was created; default: 30 days before start. */
  createdAt?: string;
  problems?: SimProblem[];
  /** Faults active from the start (can be changed at runtime). */
  faults?: FaultSpec[];
  /**
   * ClusterSubnetState (acn.azure.com/v1alpha1): "none" = CRD not installed; otherwise served, with one
   * object per pod subnet (vnetblock, dynamic) saying `exhausted` when "exhausted". Default "ok".
   */
  subnetState?: "none" | "ok" | "exhausted";
  /** Raw objects served as-is (resourceVersion kept), e.g. a recorded NNC. */
  objects?: KObject[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [k: string]: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export interface NncNetworkContainer {
  id?: string;
  assignmentMode?: string;
  type?: string;
  defaultGateway?: string;
  primaryIP?: string;
  nodeIP?: string;
  ipAssignments?: { name: string; ip: string }[];
  resourceGroupID?: string;
  /** The CRD's JSON tag really is misspelled. */
  subcriptionID?: string;
  subnetAddressSpace?: string;
  subnetID?: string;
  subnetName?: string;
  status?: string;
  version?: number;
  vnetID?: string;
  [k: string]: unknown;
}

export interface NncObject extends KObject {
  spec?: { requestedIPCount?: number; ipsNotInUse?: string[]; availabilityZone?: number; [k: string]: unknown };
  status?: {
    assignedIPCount?: number;
    scaler?: { batchSize: number; maxIPCount: number; releaseThresholdPercent: number; requestThresholdPercent: number };
    status?: string;
    networkContainers?: NncNetworkContainer[];
    [k: string]: unknown;
  };
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeObject extends KObject {
  spec?: { providerID?: string; podCIDR?: string; podCIDRs?: string[]; unschedulable?: boolean; [k: string]: unknown };
  status?: {
    addresses?: { type: string; address: string }[];
    conditions?: NodeCondition[];
    nodeInfo?: Record<string, string>;
    [k: string]: unknown;
  };
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID?: string;
  containerID?: string;
  started?: boolean;
  [k: string]: unknown;
}

export interface PodObject extends KObject {
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    containers?: { name: string; image: string; [k: string]: unknown }[];
    initContainers?: { name: string; image: string; [k: string]: unknown }[];
    readinessGates?: unknown[];
    [k: string]: unknown;
  };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: { type: string; status: string; [k: string]: unknown }[];
    hostIP?: string;
    podIP?: string;
    nominatedNodeName?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
}

export interface DaemonSetObject extends KObject {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    template?: { metadata?: Partial<ObjectMeta>; spec?: PodObject["spec"] & { nodeSelector?: Record<string, string> } };
    [k: string]: unknown;
  };
  status?: {
    currentNumberScheduled: number;
    desiredNumberScheduled: number;
    numberMisscheduled: number;
    numberReady: number;
    numberAvailable?: number;
    numberUnavailable?: number;
    updatedNumberScheduled?: number;
    observedGeneration?: number;
    [k: string]: unknown;
  };
}
