// Turns a SimClusterSpec into a populated ClusterState.
import { SubnetPool, SubnetPools, podSubnetKey, type PodSubnet } from "./ipv4.js";
import { applyProblem, createNode } from "./mutate.js";
import {
  claimNncAddresses,
  labelValue,
  makeCnsConfigMap,
  makeServices,
  makeCnsDaemonSet,
  makeCnsWinDaemonSet,
  makeNamespace,
  makeSubnetState,
  syncDaemonSetStatus,
} from "./objects.js";
import { Rng } from "./rng.js";
import { ClusterState, type ClusterProfile } from "./state.js";
import { SIM_MODES, type NncObject, type SimClusterSpec } from "./types.js";

export const DEFAULT_CNS_IMAGE = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25";
export const DEFAULT_INSTALLER_IMAGE = "mcr.microsoft.com/containernetworking/azure-cni:v1.6.21";
export const DEFAULT_K8S_VERSION = "v1.30.6";

const DAY_MS = 86_400_000;

export interface GenerateOptions {
  /** Allocators shared by the whole fleet; clusters on one pod subnet must share this. */
  pools?: SubnetPools;
  /** Reference time for clusters without createdAt (epoch ms), default now. */
  epoch?: number;
}

/** The default pod subnet of a cluster that names none: its own, so nothing is shared by accident. */
export function defaultPodSubnet(spec: SimClusterSpec, subscription: string): PodSubnet {
  const slug = labelValue(spec.name).toLowerCase() || "cluster";
  return {
    name: "podsubnet",
    cidr: spec.mode === "vnetblock" ? "10.40.0.0/13" : "10.241.0.0/16",
    vnet: `vnet-${slug}`,
    resourceGroup: `rg-${slug}`,
    subscription,
  };
}

function validate(spec: SimClusterSpec): void {
  if (typeof spec.name !== "string" || spec.name === "") throw new Error("cluster spec: name is required");
  if (!SIM_MODES.includes(spec.mode)) throw new Error(`cluster ${spec.name}: unknown mode ${String(spec.mode)}`);
  if (!Number.isInteger(spec.nodes) || spec.nodes < 0) throw new Error(`cluster ${spec.name}: nodes must be a non-negative integer`);
  const win = spec.windows;
  if (win && (!Number.isInteger(win.nodes) || win.nodes < 0)) throw new Error(`cluster ${spec.name}: windows.nodes must be a non-negative integer`);
  if (win?.pool !== undefined && !/^[a-z][a-z0-9]{0,5}$/.test(win.pool)) throw new Error(`cluster ${spec.name}: a Windows pool name is 1-6 lowercase letters and digits`);
}

export function generateCluster(spec: SimClusterSpec, opts: GenerateOptions = {}): ClusterState {
  validate(spec);
  const pools = opts.pools ?? new SubnetPools();
  const rng = new Rng(spec.seed ?? spec.name);
  const epoch = opts.epoch ?? Date.now();
  const createdAt = spec.createdAt ? Date.parse(spec.createdAt) : epoch - 30 * DAY_MS - rng.int(0, 20 * DAY_MS);
  if (Number.isNaN(createdAt)) throw new Error(`cluster ${spec.name}: createdAt is not a date`);
  const subscription = spec.podSubnet?.subscription ?? rng.uuid();
  const usesPodSubnet = spec.mode === "vnetblock" || spec.mode === "dynamic";
  const podSubnet = usesPodSubnet ? (spec.podSubnet ?? defaultPodSubnet(spec, subscription)) : undefined;
  const requested = spec.requestedIPs ?? 16;
  const profile: ClusterProfile = {
    mode: spec.mode,
    pool: spec.pool ?? "nodepool1",
    poolHash: rng.digits(8),
    location: spec.location ?? "westeurope",
    kubernetesVersion: spec.kubernetesVersion ?? DEFAULT_K8S_VERSION,
    cnsImage: spec.cnsImage ?? DEFAULT_CNS_IMAGE,
    installerImage: DEFAULT_INSTALLER_IMAGE,
    subscription,
    resourceGroup: podSubnet?.resourceGroup ?? `rg-${labelValue(spec.name).toLowerCase() || "cluster"}`,
    createdAt,
    epoch,
    maxPods: spec.maxPods ?? (spec.mode === "dynamic" || spec.mode === "kubenet" ? 110 : 250),
    requestedIPs: Array.isArray(requested) ? (requested.length > 0 ? requested : [16]) : [requested],
    nodeSubnet: new SubnetPool(spec.nodeSubnetCidr ?? "10.240.0.0/16", { azureReserved: true }),
    dsUid: rng.uuid(),
    dsRevisionHash: rng.podSuffix(10),
    nextNodeIndex: 0,
  };
  if (spec.windows && spec.mode !== "kubenet") {
    profile.windows = { pool: spec.windows.pool ?? "npwin", cnsImage: spec.windows.cnsImage ?? profile.cnsImage, nextNodeIndex: 0 };
  }
  if (podSubnet) {
    profile.podSubnet = podSubnet;
    profile.podPool = pools.get(podSubnet);
    profile.delegationGuid = new Rng(podSubnetKey(podSubnet)).uuid();
  }
  if (spec.mode === "overlay" || spec.mode === "kubenet") {
    profile.podCidrPool = new SubnetPool(spec.podCidr ?? "10.244.0.0/16", { azureReserved: false });
    profile.routingDomain = rng.uuid();
  }

  const st = new ClusterState(spec, rng, pools, profile);
  for (const ns of ["default", "kube-node-lease", "kube-public", "kube-system"]) st.namespaces.put(makeNamespace(st, ns));
  // Recorded objects first, so generated nodes allocate around their addresses.
  for (const obj of spec.objects ?? []) {
    const stored = st.putObject(structuredClone(obj), true);
    if (stored.kind === "NodeNetworkConfig") claimNncAddresses(st, stored as NncObject);
  }
  if (st.hasNncCrd) {
    st.daemonsets.put(makeCnsDaemonSet(st));
    st.daemonsets.put(makeCnsWinDaemonSet(st));
    st.configmaps.put(makeCnsConfigMap(st));
  }
  for (let i = 0; i < spec.nodes; i++) createNode(st, { at: createdAt + 5 * 60_000 + i * 11_000 });
  // The Windows pool comes after: a cluster without one draws the same random values as ever.
  for (let i = 0; i < (profile.windows ? spec.windows!.nodes : 0); i++) createNode(st, { at: createdAt + 20 * 60_000 + i * 11_000, os: "windows" });
  syncDaemonSetStatus(st);
  for (const problem of spec.problems ?? []) applyProblem(st, problem);
  if (st.hasSubnetStateCrd) {
    const css = makeSubnetState(st, spec.subnetState === "exhausted");
    if (css) st.subnetStates.put(css);
  }
  // Last: what came before keeps the resourceVersions it always had.
  for (const svc of makeServices(st)) st.services.put(svc);
  return st;
}
