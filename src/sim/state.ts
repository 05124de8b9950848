// The raw objects of one simulated cluster plus the constants its objects are generated from.
import type { PodSubnet, SubnetPool, SubnetPools } from "./ipv4.js";
import type { Rng } from "./rng.js";
import { Collection, ResourceClock, deepFreeze } from "./store.js";
import type { DaemonSetObject, KObject, NncObject, NodeObject, PodObject, SimClusterSpec, SimMode } from "./types.js";

/** Per-cluster constants that every generated object (and every node added later) follows. */
export interface ClusterProfile {
  mode: SimMode;
  pool: string;
  /** The 8 digits in aks-<pool>-<digits>-vmss... */
  poolHash: string;
  location: string;
  kubernetesVersion: string;
  cnsImage: string;
  installerImage: string;
  subscription: string;
  resourceGroup: string;
  /** Epoch ms the cluster was created. */
  createdAt: number;
  /** The fleet's reference "now" at generation (epoch ms); recent events are placed just before it. */
  epoch: number;
  maxPods: number;
  requestedIPs: number[];
  nodeSubnet: SubnetPool;
  podSubnet?: PodSubnet;
  podPool?: SubnetPool;
  delegationGuid?: string;
  /** Overlay / kubenet pod CIDR, one /24 per node. */
  podCidrPool?: SubnetPool;
  routingDomain?: string;
  dsUid: string;
  dsRevisionHash: string;
  /** VMSS instance index of the next node. */
  nextNodeIndex: number;
  /** The Windows node pool, when the cluster has one. */
  windows?: { pool: string; cnsImage: string; nextNodeIndex: number };
}

export type ResourceName = "nodes" | "pods" | "daemonsets" | "configmaps" | "services" | "nodenetworkconfigs" | "clustersubnetstates" | "namespaces" | "events";

export class ClusterState {
  readonly clock = new ResourceClock();
  readonly nodes = new Collection<NodeObject>("nodes", false, this.clock);
  readonly pods = new Collection<PodObject>("pods", true, this.clock);
  readonly daemonsets = new Collection<DaemonSetObject>("daemonsets", true, this.clock);
  readonly configmaps = new Collection<KObject>("configmaps", true, this.clock);
  /** `kubernetes` and `kube-dns`: what `kubectl cluster-info` lists. */
  readonly services = new Collection<KObject>("services", true, this.clock);
  readonly nncs = new Collection<NncObject>("nodenetworkconfigs", true, this.clock);
  readonly subnetStates = new Collection<KObject>("clustersubnetstates", true, this.clock);
  readonly namespaces = new Collection<KObject>("namespaces", false, this.clock);
  /** core/v1 Events, as `kubectl get events` and `describe` read them (the simulator's own mutations add some). */
  readonly events = new Collection<KObject>("events", true, this.clock);
  /** Pod IPs in use per node: the CNS metrics' "assigned" count. Not a Kubernetes object. */
  readonly podIPsInUse = new Map<string, number>();
  private readonly sharedParts = new Map<string, unknown>();

  constructor(
    readonly spec: SimClusterSpec,
    readonly rng: Rng,
    readonly pools: SubnetPools,
    readonly profile: ClusterProfile,
  ) {}

  /**
   * A frozen sub-object built once and shared by many stored objects (e.g. the CNS pod spec):
   * stored objects are immutable, so sharing saves memory and GC time at 25k pods.
   */
  shared<T>(key: string, build: () => T): T {
    let v = this.sharedParts.get(key) as T | undefined;
    if (v === undefined) {
      v = deepFreeze(build());
      this.sharedParts.set(key, v);
    }
    return v;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether acn.azure.com is installed (faults can still hide it). */
  get hasNncCrd(): boolean {
    return this.profile.mode !== "kubenet";
  }

  /** Whether the optional ClusterSubnetState CRD (acn.azure.com/v1alpha1) is installed. */
  get hasSubnetStateCrd(): boolean {
    return this.hasNncCrd && this.spec.subnetState !== "none";
  }

  collection(resource: ResourceName): Collection<KObject> {
    switch (resource) {
      case "nodes":
        return this.nodes as unknown as Collection<KObject>;
      case "pods":
        return this.pods as unknown as Collection<KObject>;
      case "daemonsets":
        return this.daemonsets as unknown as Collection<KObject>;
      case "configmaps":
        return this.configmaps;
      case "services":
        return this.services;
      case "nodenetworkconfigs":
        return this.nncs as unknown as Collection<KObject>;
      case "clustersubnetstates":
        return this.subnetStates;
      case "namespaces":
        return this.namespaces;
      case "events":
        return this.events;
    }
  }

  /** The collection an object of this kind belongs in. */
  collectionForKind(kind: string): Collection<KObject> {
    const byKind: Record<string, ResourceName> = {
      Node: "nodes",
      Pod: "pods",
      DaemonSet: "daemonsets",
      ConfigMap: "configmaps",
      Service: "services",
      NodeNetworkConfig: "nodenetworkconfigs",
      ClusterSubnetState: "clustersubnetstates",
      Namespace: "namespaces",
      Event: "events",
    };
    const r = byKind[kind];
    if (!r) throw new Error(`the simulator does not serve kind ${kind}`);
    return this.collection(r);
  }

  /** Stores any supported object; `asIs` keeps its metadata (resourceVersion included). */
  putObject(obj: KObject, asIs = false): KObject {
    return this.collectionForKind(obj.kind).put(obj, { asIs });
  }
}
