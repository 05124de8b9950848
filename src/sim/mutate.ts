// Small, generic edits of a running simulated cluster, each keeping the related objects coherent
// (NNC ↔ node ↔ CNS pod ↔ DaemonSet status ↔ subnet allocator) and bumping resourceVersions.
import {
  CNS_DAEMONSET,
  CNS_WIN_DAEMONSET,
  KUBE_SYSTEM,
  type NodeOs,
  cnsPodOnNode,
  cnsPods,
  internalIP,
  iso,
  makeCnsPod,
  makeNamespace,
  makeNnc,
  makePodEvent,
  makeSubnetState,
  makeNode,
  makePendingPod,
  nodeName,
  windowsNodeName,
  releaseNncAddresses,
  syncDaemonSetStatus,
} from "./objects.js";
import { intToIp, ipToInt, parseCidr } from "./ipv4.js";
import { cnsPoolNumbers } from "./metrics.js";
import type { ClusterState } from "./state.js";
import type { NodeObject, PodObject, SimProblem } from "./types.js";

function requireNode(st: ClusterState, name: string): NodeObject {
  const n = st.nodes.get(name);
  if (!n) throw new Error(`${st.name}: no node ${name}`);
  return n;
}

export interface AddNodeOptions {
  /** Create the node's NNC (default true on CNS clusters). */
  withNnc?: boolean;
  /** Creation time (epoch ms), default now. */
  at?: number;
  /** A node of the Windows pool (it runs an azure-cns-win pod); the cluster must have one. */
  os?: NodeOs;
}

/** Creates node + NNC + CNS pod without touching the DaemonSet status (generation batches it). */
export function createNode(st: ClusterState, opts: AddNodeOptions = {}): NodeObject {
  const p = st.profile;
  const os = opts.os ?? "linux";
  if (os === "windows" && !p.windows) throw new Error(`${st.name}: the cluster has no Windows node pool`);
  const index = os === "windows" ? p.windows!.nextNodeIndex++ : p.nextNodeIndex++;
  const at = opts.at ?? Date.now();
  const ipNum = p.nodeSubnet.allocate(1);
  if (ipNum === undefined) throw new Error(`${st.name}: node subnet ${p.nodeSubnet.text} is full`);
  const node = st.nodes.put(makeNode(st, index, intToIp(ipNum), at, os));
  if (st.hasNncCrd) {
    if (opts.withNnc ?? true) {
      const nnc = makeNnc(st, node, index, at + 6000);
      if (nnc) st.nncs.put(nnc);
    }
    st.pods.put(makeCnsPod(st, node, at + 20_000, os === "windows" ? CNS_WIN_DAEMONSET : CNS_DAEMONSET));
  }
  const requested = st.nncs.get(node.metadata.name, KUBE_SYSTEM)?.spec?.requestedIPCount ?? 0;
  // A converged node's demand sits between the scale-down and scale-up thresholds (DOMAIN §2).
  const inUse = p.mode === "dynamic" ? st.rng.int(Math.max(0, requested - 23), Math.max(0, requested - 8)) : st.rng.int(8, 40);
  st.podIPsInUse.set(node.metadata.name, inUse);
  return node;
}

/** Adds a node the way a scale-out would: Node, its NNC (allocated from the shared subnet) and its CNS pod. */
export function addNode(st: ClusterState, opts: AddNodeOptions = {}): NodeObject {
  const node = createNode(st, opts);
  syncDaemonSetStatus(st);
  return node;
}

export interface RemoveNodeOptions {
  /** Leave the NNC behind (an orphan whose owner no longer exists). */
  keepNnc?: boolean;
}

/** Deletes a node and its CNS pod; the NNC too (addresses released) unless keepNnc. */
export function removeNode(st: ClusterState, name: string, opts: RemoveNodeOptions = {}): void {
  const node = requireNode(st, name);
  st.nodes.delete(name);
  const ip = internalIP(node);
  if (ip && st.profile.nodeSubnet.contains(ipToInt(ip))) st.profile.nodeSubnet.release(ipToInt(ip), 1);
  for (const pod of st.pods.list().filter((p) => p.spec?.nodeName === name)) st.pods.delete(pod.metadata.name, pod.metadata.namespace);
  if (!opts.keepNnc) deleteNnc(st, name, { cnsNotReady: false });
  st.podIPsInUse.delete(name);
  syncDaemonSetStatus(st);
}

/** Removes the node but keeps its NNC: the NNC's owner reference now points at nothing. */
export function orphanNnc(st: ClusterState, name: string): void {
  removeNode(st, name, { keepNnc: true });
}

export interface DeleteNncOptions {
  /** CNS on that node cannot reconcile and reports not Ready (default true). */
  cnsNotReady?: boolean;
  /** The node also goes NotReady (no CNI conflist yet), default false. */
  nodeNotReady?: boolean;
}

/** Deletes a node's NNC (a node without NNC), releasing its addresses. */
export function deleteNnc(st: ClusterState, nodeName: string, opts: DeleteNncOptions = {}): void {
  const nnc = st.nncs.get(nodeName, KUBE_SYSTEM);
  if (nnc) {
    releaseNncAddresses(st, nnc);
    st.nncs.delete(nodeName, KUBE_SYSTEM);
  }
  if (opts.cnsNotReady ?? true) {
    const pod = cnsPodOnNode(st, nodeName);
    if (pod) {
      st.pods.update(pod.metadata.name, (d) => setPodReady(d, false, "running"), KUBE_SYSTEM);
      syncDaemonSetStatus(st);
    }
  }
  if (opts.nodeNotReady) setNodeReady(st, nodeName, false);
}

/**
 * Drops the last `count` ipAssignments of a node's first NC (a /28 block in vnetblock, one IP in
 * dynamic), returns them to the allocator and fixes assignedIPCount. Returns how many were dropped.
 */
export function releaseIPs(st: ClusterState, nodeName: string, count: number): number {
  let dropped = 0;
  st.nncs.update(
    nodeName,
    (d) => {
      const nc = d.status?.networkContainers?.[0];
      if (!nc?.ipAssignments || !d.status) return;
      const gone = nc.ipAssignments.splice(Math.max(0, nc.ipAssignments.length - count));
      dropped = gone.length;
      for (const a of gone) {
        const c = a.ip.includes("/") ? parseCidr(a.ip) : { base: ipToInt(a.ip), size: 1 };
        if (st.profile.podPool?.contains(c.base)) st.profile.podPool.release(c.base, c.size);
      }
      d.status.assignedIPCount =
        nc.type === "vnetblock" ? Math.max(0, 16 * (nc.ipAssignments.length + 1) - 1) : nc.ipAssignments.length;
    },
    KUBE_SYSTEM,
  );
  return dropped;
}

/** vnetblock wording of releaseIPs. */
export const releaseBlocks = releaseIPs;

/** Sets (or clears, with undefined) an NC's status, e.g. NCUpdateSubnetFullError. */
export function setNcStatus(st: ClusterState, nodeName: string, status: string | undefined, ncIndex = 0): void {
  st.nncs.update(
    nodeName,
    (d) => {
      const nc = d.status?.networkContainers?.[ncIndex];
      if (!nc) throw new Error(`${st.name}: NNC ${nodeName} has no NC #${ncIndex}`);
      if (status === undefined) delete nc.status;
      else nc.status = status;
    },
    KUBE_SYSTEM,
  );
}

function setPodReady(pod: PodObject, ready: boolean, state: "running" | "crashloop", at = Date.now()): void {
  const t = iso(at);
  for (const c of pod.status?.conditions ?? []) {
    if (c.type !== "Ready" && c.type !== "ContainersReady") continue;
    c.status = ready ? "True" : "False";
    c["lastTransitionTime"] = t;
    if (ready) {
      delete c["reason"];
      delete c["message"];
    } else {
      c["reason"] = "ContainersNotReady";
      c["message"] = "containers with unready status: [cns-container]";
    }
  }
  const cs = pod.status?.containerStatuses?.find((c) => c.name === "cns-container");
  if (cs) {
    cs.ready = ready;
    if (state === "running" && !cs.state?.running) cs.state = { running: { startedAt: t } };
  }
}

/**
 * The node runs no CNS pod: it lacks the kubernetes.azure.com/cluster label that both DaemonSets'
 * node affinity requires, so the DaemonSet neither places a pod there nor counts the node as desired.
 */
export function evictCnsPod(st: ClusterState, nodeName: string): void {
  requireNode(st, nodeName);
  st.nodes.update(nodeName, (d) => void delete d.metadata.labels?.["kubernetes.azure.com/cluster"]);
  for (const pod of cnsPods(st).filter((p) => p.spec?.nodeName === nodeName)) st.pods.delete(pod.metadata.name, KUBE_SYSTEM);
  syncDaemonSetStatus(st);
}

/** CNS on a node keeps crashing: CrashLoopBackOff, restarts up, not Ready; DS numberReady drops. */
export function crashLoopCnsPod(st: ClusterState, nodeName: string, restarts = 7): PodObject {
  const pod = cnsPodOnNode(st, nodeName);
  if (!pod) throw new Error(`${st.name}: no CNS pod on ${nodeName}`);
  const now = Date.now();
  const updated = st.pods.update(
    pod.metadata.name,
    (d) => {
      setPodReady(d, false, "crashloop", now);
      const cs = d.status?.containerStatuses?.find((c) => c.name === "cns-container");
      if (!cs) return;
      cs.restartCount += restarts;
      cs.started = false;
      cs.state = {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off 5m0s restarting failed container=cns-container pod=${d.metadata.name}_${KUBE_SYSTEM}(${d.metadata.uid})`,
        },
      };
      cs.lastState = {
        terminated: {
          exitCode: 2,
          reason: "Error",
          startedAt: iso(now - 95_000),
          finishedAt: iso(now - 80_000),
          containerID: cs.containerID,
        },
      };
    },
    KUBE_SYSTEM,
  );
  st.events.put(makePodEvent(updated, { type: "Warning", reason: "BackOff", message: "Back-off restarting failed container cns-container in pod " + `${updated.metadata.name}_${KUBE_SYSTEM}(${updated.metadata.uid})`, count: restarts, at: now, fieldPath: "spec.containers{cns-container}" }));
  syncDaemonSetStatus(st);
  return updated;
}

/**
 * Adds `ip` to a node's NC ipAssignments without taking it from the allocator: with an address or
 * block another NC holds, that is a duplicate assignment (NNC006).
 */
export function addIpAssignment(st: ClusterState, nodeName: string, ip: string, ncIndex = 0): void {
  st.nncs.update(
    nodeName,
    (d) => {
      const nc = d.status?.networkContainers?.[ncIndex];
      if (!nc) throw new Error(`${st.name}: NNC ${nodeName} has no NC #${ncIndex}`);
      (nc.ipAssignments ??= []).push({ name: st.rng.uuid(), ip });
    },
    KUBE_SYSTEM,
  );
}

/** DNC-RC flips the pod subnet's ClusterSubnetState (creating it if needed). */
export function setSubnetExhausted(st: ClusterState, exhausted: boolean, at = Date.now()): void {
  const css = makeSubnetState(st, exhausted, at);
  if (!css) throw new Error(`${st.name}: no pod subnet, so no ClusterSubnetState`);
  if (!st.hasSubnetStateCrd) throw new Error(`${st.name}: the ClusterSubnetState CRD is not installed`);
  const existing = st.subnetStates.get(css.metadata.name, KUBE_SYSTEM);
  if (existing) st.subnetStates.update(css.metadata.name, (d) => void (d["status"] = css["status"]), KUBE_SYSTEM);
  else st.subnetStates.put(css);
}

/** Changes a node's InternalIP (its NC's nodeIP no longer matches). */
export function setNodeInternalIP(st: ClusterState, nodeName: string, ip: string): void {
  ipToInt(ip);
  requireNode(st, nodeName);
  st.nodes.update(nodeName, (d) => {
    const a = d.status?.addresses?.find((x) => x.type === "InternalIP");
    if (a) a.address = ip;
  });
}

export function setNodeReady(st: ClusterState, nodeName: string, ready: boolean, message?: string): void {
  requireNode(st, nodeName);
  const t = iso(Date.now());
  st.nodes.update(nodeName, (d) => {
    const c = d.status?.conditions?.find((x) => x.type === "Ready");
    if (!c) return;
    c.status = ready ? "True" : "False";
    c.lastTransitionTime = t;
    c.reason = ready ? "KubeletReady" : "KubeletNotReady";
    c.message = ready
      ? "kubelet is posting ready status"
      : (message ??
        "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized");
  });
}

/** Sets how many pod IPs are in use on a node (drives the CNS metrics). */
export function setPodIPsInUse(st: ClusterState, nodeName: string, count: number): void {
  requireNode(st, nodeName);
  st.podIPsInUse.set(nodeName, count);
}

/** Adds workload pods stuck in ContainerCreating on a node. */
export function addPendingPods(st: ClusterState, nodeName: string, count: number, at = Date.now()): PodObject[] {
  requireNode(st, nodeName);
  if (!st.namespaces.get("default")) st.namespaces.put(makeNamespace(st, "default"));
  const out: PodObject[] = [];
  for (let i = 0; i < count; i++) out.push(st.pods.put(makePendingPod(st, nodeName, at)));
  return out;
}

/** Applies one declarative problem from a spec; `node` is the node's VMSS index. */
export function applyProblem(st: ClusterState, problem: SimProblem): void {
  const name = problem.windows ? windowsNodeName(st.profile, problem.node) : nodeName(st.profile, problem.node);
  switch (problem.kind) {
    case "crashLoopCns":
      crashLoopCnsPod(st, name, problem.restarts);
      return;
    case "missingCnsPod":
      evictCnsPod(st, name);
      return;
    case "missingNnc":
      deleteNnc(st, name, { nodeNotReady: problem.nodeNotReady ?? false });
      return;
    case "orphanNnc":
      orphanNnc(st, name);
      return;
    case "ncStatus":
      setNcStatus(st, name, problem.status);
      return;
    case "nodeIP":
      setNodeInternalIP(st, name, problem.ip);
      return;
    case "extraAssignment":
      addIpAssignment(st, name, problem.ip);
      return;
    case "pendingPods": {
      addPendingPods(st, name, problem.count, st.profile.epoch - 12 * 60_000);
      // Pods wait because every IP the node holds is taken.
      const nnc = st.nncs.get(name, KUBE_SYSTEM);
      if (nnc) st.podIPsInUse.set(name, cnsPoolNumbers(nnc, Number.MAX_SAFE_INTEGER).assigned);
      return;
    }
  }
}

