// Builders of realistic raw objects: Node, NodeNetworkConfig (per mode), the azure-cns DaemonSet and
// its Windows twin azure-cns-win, their pods and the cns-config ConfigMap. Shapes follow the seed dump
// and DOMAIN.md.
import { createHash } from "node:crypto";
import { formatCidr, intToIp, ipToInt, parseCidr, type SubnetPool } from "./ipv4.js";
import { Rng } from "./rng.js";
import { type LabelOp, type LabelRequirement, matchesLabels } from "./selectors.js";
import type { ClusterProfile, ClusterState } from "./state.js";
import type {
  ContainerStatus,
  DaemonSetObject,
  KObject,
  NncNetworkContainer,
  NodeCondition,
  NncObject,
  NodeObject,
  PodObject,
} from "./types.js";

export const KUBE_SYSTEM = "kube-system";
export const CNS_DAEMONSET = "azure-cns";
export const CNS_LABEL = { "k8s-app": "azure-cns" } as const;
/** Windows nodes run CNS from their own DaemonSet (DOMAIN.md §4). */
export const CNS_WIN_DAEMONSET = "azure-cns-win";
export const CNS_WIN_LABEL = { "k8s-app": "azure-cns-win" } as const;
export type CnsDaemonSetName = typeof CNS_DAEMONSET | typeof CNS_WIN_DAEMONSET;
export type NodeOs = "linux" | "windows";
export const CNS_CONFIGMAP = "cns-config";
export const NNC_FINALIZER = "finalizers.acn.azure.com/dnc-operations";
export const DEFAULT_SCALER = { batchSize: 16, maxIPCount: 250, releaseThresholdPercent: 150, requestThresholdPercent: 50 };

/** RFC 3339 without fractions, as the apiserver writes timestamps. */
export const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Label values must be <= 63 chars of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

export function nodeName(p: ClusterProfile, index: number): string {
  return `aks-${p.pool}-${p.poolHash}-vmss${index.toString(36).padStart(6, "0")}`;
}

/** AKS names Windows nodes aks<pool><index>: a Windows computer name holds 15 characters. */
export function windowsNodeName(p: ClusterProfile, index: number): string {
  if (!p.windows) throw new Error("the cluster has no Windows node pool");
  return `aks${p.windows.pool}${index.toString(36).padStart(6, "0")}`;
}

/** What a node's labels, image and kubelet say about its OS and pool. */
function osTraits(p: ClusterProfile, os: NodeOs): { pool: string; mode: string; labels: Record<string, string>; image: string; kernelVersion: string; osImage: string; containerRuntimeVersion: string } {
  if (os === "windows") {
    return {
      pool: p.windows?.pool ?? "npwin",
      mode: "user",
      labels: { "kubernetes.azure.com/os-sku": "Windows2022", "node.kubernetes.io/windows-build": "10.0.20348" },
      image: "AKSWindows-2022-containerd-20348.2762.241009",
      kernelVersion: "10.0.20348.2762",
      osImage: "Windows Server 2022 Datacenter",
      containerRuntimeVersion: "containerd://1.7.20+azure",
    };
  }
  return {
    pool: p.pool,
    mode: "system",
    labels: { "kubernetes.azure.com/os-sku": "Ubuntu" },
    image: "AKSUbuntu-2204gen2containerd-202410.15.0",
    kernelVersion: "5.15.0-1073-azure",
    osImage: "Ubuntu 22.04.5 LTS",
    containerRuntimeVersion: "containerd://1.7.22-1",
  };
}

function nodeResourceGroup(st: ClusterState): string {
  const p = st.profile;
  return `MC_${p.resourceGroup}_${st.name}_${p.location}`;
}

export function podNetworkType(p: ClusterProfile): string | undefined {
  switch (p.mode) {
    case "vnetblock":
      return "vnetblock";
    case "dynamic":
      return "vnet";
    case "overlay":
      return "overlay";
    default:
      return undefined;
  }
}

export function makeNode(st: ClusterState, index: number, internalIP: string, createdAt: number, os: NodeOs = "linux"): NodeObject {
  const p = st.profile;
  const name = os === "windows" ? windowsNodeName(p, index) : nodeName(p, index);
  const traits = osTraits(p, os);
  const zone = st.shared(`zone${index % 3}`, () => `${p.location}-${(index % 3) + 1}`);
  const labels: Record<string, string> = {
    agentpool: traits.pool,
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/instance-type": "Standard_D4s_v5",
    "beta.kubernetes.io/os": os,
    "failure-domain.beta.kubernetes.io/region": p.location,
    "failure-domain.beta.kubernetes.io/zone": zone,
    "kubernetes.azure.com/agentpool": traits.pool,
    "kubernetes.azure.com/cluster": st.shared("clusterLabel", () => labelValue(nodeResourceGroup(st))),
    "kubernetes.azure.com/mode": traits.mode,
    "kubernetes.azure.com/node-image-version": traits.image,
    ...traits.labels,
    "kubernetes.azure.com/role": "agent",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": os,
    "kubernetes.io/role": "agent",
    "node-role.kubernetes.io/agent": "",
    "node.kubernetes.io/instance-type": "Standard_D4s_v5",
    "topology.kubernetes.io/region": p.location,
    "topology.kubernetes.io/zone": zone,
  };
  const type = podNetworkType(p);
  if (type) labels["kubernetes.azure.com/podnetwork-type"] = type;
  if (p.podSubnet) {
    labels["kubernetes.azure.com/podnetwork-delegationguid"] = p.delegationGuid ?? "";
    labels["kubernetes.azure.com/podnetwork-name"] = labelValue(p.podSubnet.vnet);
    labels["kubernetes.azure.com/podnetwork-resourcegroup"] = labelValue(p.podSubnet.resourceGroup);
    labels["kubernetes.azure.com/podnetwork-subnet"] = labelValue(p.podSubnet.name);
    labels["kubernetes.azure.com/podnetwork-subscription"] = p.podSubnet.subscription;
  }
  const t = iso(createdAt);
  // Kubelets report every few seconds, so heartbeats sit just before the fleet's "now".
  const heartbeat = st.shared("heartbeat", () => iso(Math.max(createdAt, p.epoch - 40_000)));
  const pressure = st.shared("pressureConditions", () => {
    const since = iso(p.createdAt + 5 * 60_000);
    const c = (type: string, reason: string, message: string): NodeCondition => ({
      type,
      status: "False",
      lastHeartbeatTime: heartbeat,
      lastTransitionTime: since,
      reason,
      message,
    });
    return [
      c("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
      c("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
      c("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ];
  });
  const capacity = st.shared("nodeCapacity", () => ({
    cpu: "4",
    "ephemeral-storage": "129886128Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: "16375828Ki",
    pods: String(p.maxPods),
  }));
  const allocatable = st.shared("nodeAllocatable", () => ({ ...capacity, cpu: "3860m", "ephemeral-storage": "119703055367", memory: "12880532Ki" }));
  const spec: NodeObject["spec"] = {
    providerID:
      st.shared(`vmssId/${os}`, () => `azure:///subscriptions/${p.subscription}/resourceGroups/${nodeResourceGroup(st).toLowerCase()}` +
        `/providers/Microsoft.Compute/virtualMachineScaleSets/${os === "windows" ? `aks${traits.pool}` : `aks-${p.pool}-${p.poolHash}-vmss`}/virtualMachines/`) + index,
  };
  if (p.mode === "kubenet" && p.podCidrPool) {
    const block = p.podCidrPool.allocate(256);
    if (block !== undefined) {
      spec.podCIDR = formatCidr(block, 24);
      spec.podCIDRs = [spec.podCIDR];
    }
  }
  return {
    kind: "Node",
    apiVersion: "v1",
    metadata: {
      name,
      uid: st.rng.uuid(),
      resourceVersion: "",
      creationTimestamp: t,
      labels,
      annotations: {
        "csi.volume.kubernetes.io/nodeid": `{"disk.csi.azure.com":"${name}","file.csi.azure.com":"${name}"}`,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec,
    status: {
      capacity,
      allocatable,
      conditions: [
        ...pressure,
        { type: "Ready", status: "True", lastHeartbeatTime: heartbeat, lastTransitionTime: t, reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      addresses: [
        { type: "InternalIP", address: internalIP },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: st.shared("daemonEndpoints", () => ({ kubeletEndpoint: { Port: 10250 } })),
      nodeInfo: {
        machineID: st.rng.hex(32),
        systemUUID: st.rng.uuid(),
        bootID: st.rng.uuid(),
        kernelVersion: traits.kernelVersion,
        osImage: traits.osImage,
        containerRuntimeVersion: traits.containerRuntimeVersion,
        kubeletVersion: p.kubernetesVersion,
        kubeProxyVersion: p.kubernetesVersion,
        operatingSystem: os,
        architecture: "amd64",
      },
    },
  };
}

function nncMeta(st: ClusterState, node: NodeObject, createdAt: number): NncObject["metadata"] {
  const p = st.profile;
  const labels: Record<string, string> = {};
  if (p.podSubnet) {
    labels["kubernetes.azure.com/podnetwork-delegationguid"] = p.delegationGuid ?? "";
    labels["kubernetes.azure.com/podnetwork-subnet"] = labelValue(p.podSubnet.name);
  }
  labels["kubernetes.azure.com/podnetwork-type"] = podNetworkType(p) ?? "";
  labels["managed"] = "true";
  labels["owner"] = node.metadata.name;
  return {
    name: node.metadata.name,
    namespace: KUBE_SYSTEM,
    uid: st.rng.uuid(),
    resourceVersion: "",
    generation: 1,
    creationTimestamp: iso(createdAt),
    labels,
    finalizers: st.shared("nncFinalizers", () => [NNC_FINALIZER]),
    ownerReferences: [
      { apiVersion: "v1", kind: "Node", name: node.metadata.name, uid: node.metadata.uid ?? "", controller: true, blockOwnerDeletion: true },
    ],
  };
}

export function internalIP(node: NodeObject): string | undefined {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/**
 * Builds the node's NNC the way DNC-RC would, allocating from the (possibly shared) pod subnet.
 * When the subnet cannot hold what the node asks for, the NC says NCUpdateSubnetFullError.
 */
export function makeNnc(st: ClusterState, node: NodeObject, index: number, createdAt: number): NncObject | undefined {
  const p = st.profile;
  const nodeIP = internalIP(node) ?? "";
  const rng = st.rng;
  const metadata = nncMeta(st, node, createdAt);
  if (p.mode === "vnetblock" && p.podPool && p.podSubnet) {
    const blocks = Math.ceil((p.maxPods + 1) / 16);
    const primary = p.podPool.allocate(16);
    const ncs: NncNetworkContainer[] = [];
    let addresses = 0;
    if (primary !== undefined) {
      const assignments: { name: string; ip: string }[] = [];
      for (let b = 1; b < blocks; b++) {
        const blk = p.podPool.allocate(16);
        if (blk === undefined) break;
        assignments.push({ name: rng.uuid(), ip: formatCidr(blk, 28) });
      }
      addresses = 16 * (assignments.length + 1);
      const nc: NncNetworkContainer = {
        id: rng.uuid(),
        assignmentMode: "static",
        type: "vnetblock",
        defaultGateway: p.podPool.gateway,
        primaryIP: formatCidr(primary, 28),
        nodeIP,
        ipAssignments: assignments,
        resourceGroupID: p.podSubnet.resourceGroup,
        subcriptionID: p.podSubnet.subscription,
        subnetAddressSpace: p.podPool.text,
        subnetID: p.podSubnet.name,
        subnetName: p.podSubnet.name,
        version: 0,
        vnetID: p.podSubnet.vnet,
      };
      if (assignments.length + 1 < blocks) nc.status = "NCUpdateSubnetFullError";
      ncs.push(nc);
    }
    return {
      apiVersion: "acn.azure.com/v1alpha",
      kind: "NodeNetworkConfig",
      metadata,
      spec: { requestedIPCount: p.maxPods },
      // Every block address minus the reserved primary, as in the seed (255 for 16 blocks).
      status: { assignedIPCount: Math.max(0, addresses - 1), networkContainers: ncs },
    };
  }
  if (p.mode === "dynamic" && p.podPool && p.podSubnet) {
    const requested = p.requestedIPs[Math.min(index, p.requestedIPs.length - 1)] ?? 16;
    const primary = p.podPool.allocate(1);
    const ips: { name: string; ip: string }[] = [];
    if (primary !== undefined) {
      for (let i = 0; i < requested; i++) {
        const a = p.podPool.allocate(1);
        if (a === undefined) break;
        ips.push({ name: rng.uuid(), ip: intToIp(a) });
      }
      // DNC-RC hands out whole batches: give back a partial one.
      const whole = ips.length - (ips.length % DEFAULT_SCALER.batchSize);
      for (const x of ips.splice(ips.length < requested ? whole : ips.length)) p.podPool.release(ipToInt(x.ip), 1);
    }
    const nc: NncNetworkContainer = {
      id: rng.uuid(),
      assignmentMode: "dynamic",
      type: "vnet",
      defaultGateway: p.podPool.gateway,
      primaryIP: primary === undefined ? "" : intToIp(primary),
      nodeIP,
      ipAssignments: ips,
      resourceGroupID: p.podSubnet.resourceGroup,
      subcriptionID: p.podSubnet.subscription,
      subnetAddressSpace: p.podPool.text,
      subnetID: p.podSubnet.name,
      subnetName: p.podSubnet.name,
      version: rng.int(2, 40),
      vnetID: p.podSubnet.vnet,
    };
    if (ips.length < requested) nc.status = "NCUpdateSubnetFullError";
    return {
      apiVersion: "acn.azure.com/v1alpha",
      kind: "NodeNetworkConfig",
      metadata,
      spec: { requestedIPCount: requested },
      status: { assignedIPCount: ips.length, scaler: { ...DEFAULT_SCALER }, networkContainers: [nc] },
    };
  }
  if (p.mode === "overlay" && p.podCidrPool) {
    const block = p.podCidrPool.allocate(256);
    const nc: NncNetworkContainer = {
      id: rng.uuid(),
      assignmentMode: "static",
      type: "overlay",
      primaryIP: block === undefined ? "" : formatCidr(block, 24),
      nodeIP,
      subnetAddressSpace: p.podCidrPool.text,
      subnetName: `routingdomain_${p.routingDomain}_overlaysubnet`,
      subnetID: `routingdomain_${p.routingDomain}_overlaysubnet`,
      version: 0,
    };
    if (block === undefined) nc.status = "NCUpdateSubnetFullError";
    return {
      apiVersion: "acn.azure.com/v1alpha",
      kind: "NodeNetworkConfig",
      metadata,
      spec: { requestedIPCount: 0 },
      status: { assignedIPCount: block === undefined ? 0 : 256, networkContainers: [nc] },
    };
  }
  return undefined;
}

/** Address ranges an NNC holds: [first address, size][] per NC. */
export function nncRanges(nnc: NncObject): { addr: number; size: number; overlay: boolean }[] {
  const out: { addr: number; size: number; overlay: boolean }[] = [];
  for (const nc of nnc.status?.networkContainers ?? []) {
    // Hand-made garbage NNCs (fault tests) may hold nulls or scalars where an NC belongs.
    if (!nc || typeof nc !== "object") continue;
    const overlay = nc.type === "overlay";
    const add = (ip: string | undefined): void => {
      if (!ip) return;
      try {
        if (ip.includes("/")) {
          const c = parseCidr(ip);
          // The vnetblock primary block and overlay /24 belong to the node whole.
          out.push({ addr: c.base, size: c.size, overlay });
        } else out.push({ addr: ipToInt(ip), size: 1, overlay });
      } catch {
        // garbage in a hand-made object: nothing to account for
      }
    };
    add(nc.primaryIP);
    for (const a of Array.isArray(nc.ipAssignments) ? nc.ipAssignments : []) add(a?.ip);
  }
  return out;
}

function poolFor(st: ClusterState, overlay: boolean): SubnetPool | undefined {
  return overlay ? st.profile.podCidrPool : st.profile.podPool;
}

/** Gives an NNC's addresses back to the allocator (node deleted, NNC gone). */
export function releaseNncAddresses(st: ClusterState, nnc: NncObject): void {
  for (const r of nncRanges(nnc)) {
    const pool = poolFor(st, r.overlay);
    if (pool?.contains(r.addr)) pool.release(r.addr, r.size);
  }
}

/** Marks an injected NNC's addresses as taken so generated nodes do not collide with it. */
export function claimNncAddresses(st: ClusterState, nnc: NncObject): void {
  for (const r of nncRanges(nnc)) {
    const pool = poolFor(st, r.overlay);
    if (pool?.contains(r.addr)) pool.claim(r.addr, r.size);
  }
}

function cnsVolumes(): { mounts: unknown[]; volumes: unknown[] } {
  const hp = (name: string, path: string, type: string): unknown => ({ name, hostPath: { path, type } });
  return {
    mounts: [
      { name: "log", mountPath: "/var/log" },
      { name: "cns-state", mountPath: "/var/lib/azure-network" },
      { name: "azure-endpoints", mountPath: "/var/run/azure-cns/" },
      { name: "cns-config", mountPath: "/etc/azure-cns" },
      { name: "cni-bin", mountPath: "/opt/cni/bin" },
      { name: "azure-vnet", mountPath: "/var/run/azure-vnet" },
      { name: "cni-conflist", mountPath: "/etc/cni/net.d" },
    ],
    volumes: [
      hp("log", "/var/log", "Directory"),
      hp("cns-state", "/var/lib/azure-network", "DirectoryOrCreate"),
      hp("azure-endpoints", "/var/run/azure-cns/", "DirectoryOrCreate"),
      { name: "cns-config", configMap: { name: CNS_CONFIGMAP, defaultMode: 420 } },
      hp("cni-bin", "/opt/cni/bin", "Directory"),
      hp("azure-vnet", "/var/run/azure-vnet", "DirectoryOrCreate"),
      hp("cni-conflist", "/etc/cni/net.d", "Directory"),
    ],
  };
}

/** How cns-container finds its API listener (DOMAIN.md §4), the same on Linux and Windows. */
const CNS_API_ENV = [
  { name: "CNSIpAddress", value: "127.0.0.1" },
  { name: "CNSPort", value: "10090" },
  { name: "CNSLogTarget", value: "stdoutfile" },
];
const NODENAME_ENV = { name: "NODENAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } };

function cnsPodSpec(p: ClusterProfile): NonNullable<PodObject["spec"]> {
  const v = cnsVolumes();
  return {
    containers: [
      {
        name: "cns-container",
        image: p.cnsImage,
        imagePullPolicy: "IfNotPresent",
        args: ["-c", "tcp://$(CNSIpAddress):$(CNSPort)", "-t", "$(CNSLogTarget)", "-o", "$(CNSLogDir)"],
        env: [
          ...CNS_API_ENV,
          { name: "CNSLogDir", value: "/var/log" },
          { name: "CNS_CONFIGURATION_PATH", value: "/etc/azure-cns/cns_config.json" },
          NODENAME_ENV,
          { name: "NODE_IP", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.hostIP" } } },
        ],
        ports: [
          { containerPort: 10090, hostPort: 10090, name: "api", protocol: "TCP" },
          { containerPort: 10092, hostPort: 10092, name: "metrics", protocol: "TCP" },
        ],
        readinessProbe: {
          failureThreshold: 3,
          httpGet: { path: "/readyz", port: "metrics", scheme: "HTTP" },
          initialDelaySeconds: 10,
          periodSeconds: 1,
          successThreshold: 1,
          timeoutSeconds: 1,
        },
        resources: { limits: { cpu: "40m", memory: "250Mi" }, requests: { cpu: "40m", memory: "250Mi" } },
        securityContext: { capabilities: { add: ["NET_ADMIN", "NET_RAW"] } },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        volumeMounts: v.mounts,
      },
    ],
    initContainers: [
      {
        name: "cni-installer",
        image: p.installerImage,
        imagePullPolicy: "IfNotPresent",
        command: ["/dropgz"],
        args: ["deploy", "--skip-verify", "azure-vnet", "-o", "/opt/cni/bin/azure-vnet", "azure-vnet-telemetry", "-o", "/opt/cni/bin/azure-vnet-telemetry"],
        resources: {},
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        volumeMounts: [{ name: "cni-bin", mountPath: "/opt/cni/bin" }],
      },
    ],
    ...cnsPlacement("linux", {}),
    volumes: v.volumes,
  };
}

/** The node affinity AKS gives both CNS DaemonSets: AKS nodes that are not virtual, of one OS. */
function cnsNodeSelector(os: NodeOs): { matchExpressions: { key: string; operator: string; values?: string[] }[] } {
  return {
    matchExpressions: [
      { key: "kubernetes.azure.com/cluster", operator: "Exists" },
      { key: "type", operator: "NotIn", values: ["virtual-kubelet"] },
      { key: "kubernetes.io/os", operator: "In", values: [os] },
    ],
  };
}

/** The DaemonSet of `os`'s node affinity as label requirements: the apiserver's own matcher judges a node. */
function cnsNodeRequirements(os: NodeOs): LabelRequirement[] {
  return cnsNodeSelector(os).matchExpressions.map((e) => ({ key: e.key, op: e.operator.toLowerCase() as LabelOp, values: e.values ?? [] }));
}

/** Where and how a CNS pod runs: the same for both DaemonSets but for the OS and the security context. */
function cnsPlacement(os: NodeOs, securityContext: object) {
  return {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [cnsNodeSelector(os)] } } },
    dnsPolicy: "ClusterFirstWithHostNet",
    hostNetwork: true,
    priorityClassName: "system-node-critical",
    restartPolicy: "Always",
    schedulerName: "default-scheduler",
    securityContext,
    serviceAccount: "azure-cns",
    serviceAccountName: "azure-cns",
    terminationGracePeriodSeconds: 30,
    tolerations: [
      { key: "CriticalAddonsOnly", operator: "Exists" },
      { effect: "NoExecute", operator: "Exists" },
      { effect: "NoSchedule", operator: "Exists" },
    ],
  };
}

/** azure-cns-win's pod: a HostProcess container with the same name, cns-container (ACN cns/azure-cns-windows.yaml). */
function cnsWinPodSpec(p: ClusterProfile): NonNullable<PodObject["spec"]> {
  return {
    containers: [
      {
        name: "cns-container",
        image: p.windows?.cnsImage ?? p.cnsImage,
        imagePullPolicy: "IfNotPresent",
        command: ["%CONTAINER_SANDBOX_MOUNT_POINT%/usr/local/bin/azure-cns.exe"],
        args: ["-cns-url", "tcp://$(CNSIpAddress):$(CNSPort)", "-log-target", "$(CNSLogTarget)", "-log-location", "$(CNSLogDirectory)", "-store-file-path", "$(CNSStoreFilePath)", "-config-path", "%CONTAINER_SANDBOX_MOUNT_POINT%$(CNS_CONFIGURATION_PATH)"],
        env: [
          ...CNS_API_ENV,
          { name: "CNSLogDirectory", value: "C:\\k" },
          { name: "CNSStoreFilePath", value: "C:\\k\\" },
          { name: "CNS_CONFIGURATION_PATH", value: "etc\\azure-cns\\cns_config.json" },
          NODENAME_ENV,
        ],
        ports: [{ containerPort: 10090, hostPort: 10090, name: "api", protocol: "TCP" }],
        resources: { limits: { cpu: "40m", memory: "250Mi" }, requests: { cpu: "40m", memory: "250Mi" } },
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        volumeMounts: [
          { name: "log", mountPath: "/k" },
          { name: "cns-config", mountPath: "etc/azure-cns" },
        ],
      },
    ],
    ...cnsPlacement("windows", { windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } }),
    volumes: [
      { name: "log", hostPath: { path: "/k", type: "Directory" } },
      { name: "cns-config", configMap: { name: CNS_CONFIGMAP, defaultMode: 420 } },
    ],
  };
}

export function makeCnsDaemonSet(st: ClusterState): DaemonSetObject {
  const p = st.profile;
  const t = iso(p.createdAt + 60_000);
  return {
    kind: "DaemonSet",
    apiVersion: "apps/v1",
    metadata: {
      name: CNS_DAEMONSET,
      namespace: KUBE_SYSTEM,
      uid: p.dsUid,
      resourceVersion: "",
      generation: 1,
      creationTimestamp: t,
      labels: { "addonmanager.kubernetes.io/mode": "Reconcile", ...CNS_LABEL, "kubernetes.azure.com/managedby": "aks" },
      annotations: { "deprecated.daemonset.template.generation": "1" },
    },
    spec: {
      selector: { matchLabels: { ...CNS_LABEL } },
      template: {
        metadata: {
          labels: { ...CNS_LABEL, "kubernetes.azure.com/managedby": "aks" },
          annotations: { "cluster-autoscaler.kubernetes.io/daemonset-pod": "true", "prometheus.io/port": "10092" },
        },
        // AKS schedules azure-cns by node affinity; `kubectl get ds` shows NODE SELECTOR <none> (seed).
        spec: cnsPodSpec(p),
      },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
    },
    status: {
      currentNumberScheduled: 0,
      desiredNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
      observedGeneration: 1,
      updatedNumberScheduled: 0,
      numberAvailable: 0,
    },
  };
}

/** The Windows twin that AKS also installs; it schedules nothing on Linux-only pools. */
export function makeCnsWinDaemonSet(st: ClusterState): DaemonSetObject {
  const p = st.profile;
  return {
    kind: "DaemonSet",
    apiVersion: "apps/v1",
    metadata: {
      name: CNS_WIN_DAEMONSET,
      namespace: KUBE_SYSTEM,
      uid: st.rng.uuid(),
      resourceVersion: "",
      generation: 1,
      creationTimestamp: iso(p.createdAt + 60_000),
      labels: { "addonmanager.kubernetes.io/mode": "Reconcile", ...CNS_WIN_LABEL, "kubernetes.azure.com/managedby": "aks" },
    },
    spec: {
      selector: { matchLabels: { ...CNS_WIN_LABEL } },
      template: {
        metadata: { labels: { ...CNS_WIN_LABEL, "kubernetes.azure.com/managedby": "aks" } },
        spec: cnsWinPodSpec(p),
      },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    },
    // As syncDaemonSetStatus writes it for no Windows node, so a Linux-only cluster never rewrites it.
    status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: 1, updatedNumberScheduled: 0, numberAvailable: 0 },
  };
}

function containerId(st: ClusterState): string {
  return `containerd://${st.rng.hex(64)}`;
}

/** What is the same on every pod of one CNS DaemonSet: one shared frozen object each (25k pods). */
function cnsPodTemplate(st: ClusterState, ds: CnsDaemonSetName) {
  const p = st.profile;
  if (ds === CNS_WIN_DAEMONSET) {
    const image = p.windows?.cnsImage ?? p.cnsImage;
    return {
      spec: st.shared("cnsWinPodSpec", () => cnsWinPodSpec(p)),
      image,
      meta: st.shared("cnsWinPodMeta", () => ({
        labels: { "controller-revision-hash": st.rng.podSuffix(10), ...CNS_WIN_LABEL, "kubernetes.azure.com/managedby": "aks", "pod-template-generation": "1" },
        annotations: { "cluster-autoscaler.kubernetes.io/daemonset-pod": "true" },
        ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds, uid: st.daemonsets.get(ds, KUBE_SYSTEM)?.metadata.uid ?? "", controller: true, blockOwnerDeletion: true }],
        cnsImageID: `${image.split(":")[0]}@sha256:${st.rng.hex(64)}`,
        installerImageID: undefined,
      })),
    };
  }
  return {
    spec: st.shared("cnsPodSpec", () => cnsPodSpec(p)),
    image: p.cnsImage,
    meta: st.shared("cnsPodMeta", () => ({
      labels: {
        "controller-revision-hash": p.dsRevisionHash,
        ...CNS_LABEL,
        "kubernetes.azure.com/managedby": "aks",
        "pod-template-generation": "1",
      },
      annotations: { "cluster-autoscaler.kubernetes.io/daemonset-pod": "true", "prometheus.io/port": "10092" },
      ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: ds, uid: p.dsUid, controller: true, blockOwnerDeletion: true }],
      cnsImageID: `${p.cnsImage.split(":")[0]}@sha256:${st.rng.hex(64)}`,
      installerImageID: `${p.installerImage.split(":")[0]}@sha256:${st.rng.hex(64)}`,
    })),
  };
}

/** A Running, Ready pod of CNS DaemonSet `ds` on `node` (Windows CNS has no CNI installer init container). */
export function makeCnsPod(st: ClusterState, node: NodeObject, createdAt: number, ds: CnsDaemonSetName = CNS_DAEMONSET): PodObject {
  const p = st.profile;
  let name: string;
  do name = `${ds}-${st.rng.podSuffix()}`;
  while (st.pods.get(name, KUBE_SYSTEM));
  const ip = internalIP(node) ?? "";
  const ips = [{ ip }];
  const t = iso(createdAt), started = iso(createdAt + 4000), ready = iso(createdAt + 15_000);
  const { spec: base, image, meta } = cnsPodTemplate(st, ds);
  const spec: NonNullable<PodObject["spec"]> = {
    ...base,
    nodeName: node.metadata.name,
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: [node.metadata.name] }] }],
        },
      },
    },
  };
  const cond = (type: string, at: string): { type: string; status: string; lastProbeTime: null; lastTransitionTime: string } => ({
    type,
    status: "True",
    lastProbeTime: null,
    lastTransitionTime: at,
  });
  const cnsStatus: ContainerStatus = {
    name: "cns-container",
    state: { running: { startedAt: started } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID: meta.cnsImageID,
    containerID: containerId(st),
    started: true,
  };
  const initStatuses: ContainerStatus[] = [];
  if (meta.installerImageID) {
    initStatuses.push({
      name: "cni-installer",
      state: { terminated: { exitCode: 0, reason: "Completed", startedAt: t, finishedAt: started, containerID: containerId(st) } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: p.installerImage,
      imageID: meta.installerImageID,
      containerID: containerId(st),
      started: false,
    });
  }
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name,
      generateName: `${ds}-`,
      namespace: KUBE_SYSTEM,
      uid: st.rng.uuid(),
      resourceVersion: "",
      creationTimestamp: t,
      labels: meta.labels,
      annotations: meta.annotations,
      ownerReferences: meta.ownerReferences,
    },
    spec,
    status: {
      phase: "Running",
      conditions: [
        cond("PodReadyToStartContainers", started),
        cond("Initialized", started),
        cond("Ready", ready),
        cond("ContainersReady", ready),
        cond("PodScheduled", t),
      ],
      hostIP: ip,
      hostIPs: ips,
      podIP: ip,
      podIPs: ips,
      startTime: t,
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      containerStatuses: [cnsStatus],
      qosClass: "Guaranteed",
    },
  };
}

/** A workload pod stuck in ContainerCreating on a node (what IP starvation looks like). */
export function makePendingPod(st: ClusterState, nodeName: string, createdAt: number): PodObject {
  const hash = st.rng.hex(10).replace(/[aeiou]/g, "b");
  const name = `web-${hash}-${st.rng.podSuffix()}`;
  const t = iso(createdAt);
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: {
      name,
      generateName: `web-${hash}-`,
      namespace: "default",
      uid: st.rng.uuid(),
      resourceVersion: "",
      creationTimestamp: t,
      labels: { app: "web", "pod-template-hash": hash },
    },
    spec: { nodeName, containers: [{ name: "web", image: "mcr.microsoft.com/azurelinux/base/nginx:1.25" }] },
    status: {
      phase: "Pending",
      conditions: [
        { type: "PodReadyToStartContainers", status: "False", lastProbeTime: null, lastTransitionTime: t },
        { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: t },
        { type: "Ready", status: "False", lastProbeTime: null, lastTransitionTime: t, reason: "ContainersNotReady", message: "containers with unready status: [web]" },
        { type: "ContainersReady", status: "False", lastProbeTime: null, lastTransitionTime: t, reason: "ContainersNotReady", message: "containers with unready status: [web]" },
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: t },
      ],
      hostIP: "",
      containerStatuses: [
        {
          name: "web",
          state: { waiting: { reason: "ContainerCreating" } },
          lastState: {},
          ready: false,
          restartCount: 0,
          image: "mcr.microsoft.com/azurelinux/base/nginx:1.25",
          imageID: "",
          started: false,
        },
      ],
      qosClass: "BestEffort",
      startTime: t,
    },
  };
}

export function cnsConfig(st: ClusterState): Record<string, unknown> {
  const overlay = st.profile.mode === "overlay";
  return {
    AsyncPodDeletePath: "/var/run/azure-vnet/deleteIDs",
    CNIConflistFilepath: overlay ? "/etc/cni/net.d/15-azure-swift-overlay.conflist" : "/etc/cni/net.d/15-azure-swift.conflist",
    CNIConflistScenario: overlay ? "v4overlay" : "swift",
    ChannelMode: "CRD",
    EnableAsyncPodDelete: true,
    EnableCNIConflistGeneration: true,
    EnableIPAMv2: false,
    EnablePprof: false,
    EnableStateMigration: false,
    EnableSubnetScarcity: false,
    EnableSwiftV2: false,
    InitializeFromCNI: true,
    ManageEndpointState: false,
    ManagedSettings: { PrivateEndpoint: "", InfrastructureNetworkID: "", NodeID: "", NodeSyncIntervalInSeconds: 30 },
    MetricsBindAddress: ":10092",
    ProgramSNATIPTables: false,
    SyncHostNCTimeoutMs: 500,
    SyncHostNCVersionIntervalMs: 1000,
    TelemetrySettings: {
      TelemetryBatchSizeBytes: 16384,
      TelemetryBatchIntervalInSecs: 15,
      RefreshIntervalInSecs: 15,
      DisableAll: false,
      HeartBeatIntervalInMins: 30,
      DebugMode: false,
      SnapshotIntervalInMins: 60,
    },
    WireserverIP: "168.63.129.16",
    ...st.spec.cnsConfig,
  };
}

export function makeCnsConfigMap(st: ClusterState): KObject {
  return {
    kind: "ConfigMap",
    apiVersion: "v1",
    metadata: {
      name: CNS_CONFIGMAP,
      namespace: KUBE_SYSTEM,
      uid: st.rng.uuid(),
      resourceVersion: "",
      creationTimestamp: iso(st.profile.createdAt + 60_000),
      labels: { "addonmanager.kubernetes.io/mode": "Reconcile", "kubernetes.azure.com/managedby": "aks" },
    },
    data: { "cns_config.json": JSON.stringify(cnsConfig(st), null, 2) },
  };
}

/**
 * The ClusterSubnetState DNC-RC writes for the cluster's pod subnet (named after the subnet). Its uid
 * comes from its own Rng so adding it leaves every other generated value as it was.
 */
export function makeSubnetState(st: ClusterState, exhausted: boolean, at = st.profile.epoch - 10 * 60_000): KObject | undefined {
  const subnet = st.profile.podSubnet;
  if (!subnet) return undefined;
  return {
    kind: "ClusterSubnetState",
    apiVersion: "acn.azure.com/v1alpha1",
    metadata: {
      name: subnet.name,
      namespace: KUBE_SYSTEM,
      uid: new Rng(`${st.spec.seed ?? st.name}/clustersubnetstate`).uuid(),
      resourceVersion: "",
      creationTimestamp: iso(st.profile.createdAt + 60_000),
    },
    status: { exhausted, timestamp: iso(at) },
  };
}

/**
 * A core/v1 Event about a pod, as the kubelet records it. Its name and uid derive from the pod and the
 * reason, not from the fleet's random stream, so adding events leaves every seeded fleet as it was.
 */
export function makePodEvent(pod: PodObject, e: { type: "Normal" | "Warning"; reason: string; message: string; count: number; at: number; fieldPath?: string }): KObject {
  const id = createHash("sha256").update(`${pod.metadata.uid}/${e.reason}`).digest("hex");
  const first = iso(e.at - Math.max(0, e.count - 1) * 60_000);
  return {
    kind: "Event",
    apiVersion: "v1",
    metadata: { name: `${pod.metadata.name}.${id.slice(0, 16)}`, namespace: pod.metadata.namespace ?? KUBE_SYSTEM, uid: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`, resourceVersion: "", creationTimestamp: first },
    involvedObject: { kind: "Pod", namespace: pod.metadata.namespace ?? KUBE_SYSTEM, name: pod.metadata.name, uid: pod.metadata.uid, apiVersion: "v1", ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}) },
    reason: e.reason,
    message: e.message,
    source: { component: "kubelet", host: pod.spec?.nodeName ?? "" },
    firstTimestamp: first,
    lastTimestamp: iso(e.at),
    count: e.count,
    type: e.type,
    eventTime: null,
    reportingComponent: "kubelet",
    reportingInstance: pod.spec?.nodeName ?? "",
  } as KObject;
}

/**
 * The API server's own Service and CoreDNS's, as AKS has them (service CIDR 10.0.0.0/16): `kubectl
 * cluster-info` lists kube-system services labelled kubernetes.io/cluster-service. Uids come from their
 * own Rng, so adding them leaves every other generated value as it was.
 */
export function makeServices(st: ClusterState): KObject[] {
  const svc = (namespace: string, name: string, labels: Record<string, string>, clusterIP: string, ports: object[]): KObject =>
    ({
      kind: "Service",
      apiVersion: "v1",
      metadata: { name, namespace, uid: new Rng(`${st.spec.seed ?? st.name}/service/${namespace}/${name}`).uuid(), resourceVersion: "", creationTimestamp: iso(st.profile.createdAt), labels },
      spec: { type: "ClusterIP", clusterIP, clusterIPs: [clusterIP], ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", sessionAffinity: "None", ports },
      status: { loadBalancer: {} },
    }) as KObject;
  return [
    svc("default", "kubernetes", { component: "apiserver", provider: "kubernetes" }, "10.0.0.1", [{ name: "https", protocol: "TCP", port: 443, targetPort: 443 }]),
    svc(KUBE_SYSTEM, "kube-dns", { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS", "addonmanager.kubernetes.io/mode": "Reconcile" }, "10.0.0.10", [
      { name: "dns", protocol: "UDP", port: 53, targetPort: 53 },
      { name: "dns-tcp", protocol: "TCP", port: 53, targetPort: 53 },
    ]),
  ];
}

export function makeNamespace(st: ClusterState, name: string): KObject {
  return {
    kind: "Namespace",
    apiVersion: "v1",
    metadata: {
      name,
      uid: st.rng.uuid(),
      resourceVersion: "",
      creationTimestamp: iso(st.profile.createdAt),
      labels: { "kubernetes.io/metadata.name": name },
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function isPodReady(pod: PodObject): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Pods of one CNS DaemonSet, or of both. */
export function cnsPods(st: ClusterState, ds?: CnsDaemonSetName): PodObject[] {
  const apps = ds ? [ds] : [CNS_DAEMONSET, CNS_WIN_DAEMONSET];
  return st.pods.list(KUBE_SYSTEM).filter((p) => apps.includes(p.metadata.labels?.["k8s-app"] ?? ""));
}

/** The CNS pod on a node, Linux or Windows. */
export function cnsPodOnNode(st: ClusterState, node: string): PodObject | undefined {
  return cnsPods(st).find((p) => p.spec?.nodeName === node);
}

/** Recomputes both CNS DaemonSets' status from nodes and CNS pods, as the DS controller would. */
export function syncDaemonSetStatus(st: ClusterState): void {
  syncStatusOf(st, CNS_DAEMONSET, "linux");
  syncStatusOf(st, CNS_WIN_DAEMONSET, "windows");
}

function syncStatusOf(st: ClusterState, name: CnsDaemonSetName, os: NodeOs): void {
  const ds = st.daemonsets.get(name, KUBE_SYSTEM);
  if (!ds) return;
  // The DS controller counts the nodes its affinity admits: a node without the cluster label gets no pod and is not desired.
  const admits = cnsNodeRequirements(os);
  const nodes = new Set(st.nodes.list().filter((n) => matchesLabels(admits, n.metadata.labels)).map((n) => n.metadata.name));
  const pods = cnsPods(st, name);
  const scheduled = pods.filter((p) => nodes.has(p.spec?.nodeName ?? ""));
  const ready = scheduled.filter(isPodReady).length;
  const desired = nodes.size;
  const status: NonNullable<DaemonSetObject["status"]> = {
    currentNumberScheduled: scheduled.length,
    desiredNumberScheduled: desired,
    numberMisscheduled: pods.length - scheduled.length,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: scheduled.length,
    numberAvailable: ready,
  };
  if (desired - ready > 0) status.numberUnavailable = desired - ready;
  const cur = ds.status;
  if (cur && JSON.stringify(cur) === JSON.stringify(status)) return;
  st.daemonsets.update(name, (d) => void (d.status = status), KUBE_SYSTEM);
}
