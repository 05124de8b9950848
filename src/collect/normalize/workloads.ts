// Nodes, the azure-cns and azure-cns-win DaemonSets and their pods, and cns-config → snapshot shapes.
import type { V1ConfigMap, V1Container, V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import { type CnsConfig, type CnsDaemonSet, type CnsPod, CNS_WIN_DAEMONSET, type NodeInfo } from "../../model/snapshot.js";
import { arr, intern, type Json, obj, pickLabels, str, time } from "./fields.js";

export const CNS_CONTAINER = "cns-container";

const NODE_LABEL =
  /^kubernetes\.io\/os$|^type$|^agentpool$|^kubernetes\.azure\.com\/(agentpool|podnetwork-|mode$|cluster$)|^topology\.kubernetes\.io\/zone$|^node\.kubernetes\.io\/instance-type$/;

/**
 * The first entry of a list field that matches, or undefined: lists are read as plain JSON, so a field
 * that is not a list (or holds non-objects) is taken as empty rather than thrown on.
 */
function findIn(list: Json, match: (o: Record<string, Json>) => boolean): Record<string, Json> | undefined {
  for (const item of arr(list) ?? []) {
    const o = obj(item);
    if (o && match(o)) return o;
  }
  return undefined;
}

/** `status.conditions` says Ready=True; anything else (missing, Unknown, garbage) is not ready. */
function readyOf(status: Json): boolean {
  return findIn(obj(status)?.conditions, (c) => c.type === "Ready")?.status === "True";
}

export function normalizeNode(raw: V1Node): NodeInfo | undefined {
  const n = raw as Json as Record<string, Json>;
  const meta = obj(n?.metadata);
  const status = obj(n?.status);
  const name = str(meta?.name);
  if (!name) return undefined;
  const node: NodeInfo = {
    name: intern(name),
    uid: str(meta?.uid) ?? "",
    ready: readyOf(status),
    unschedulable: obj(n.spec)?.unschedulable === true,
    labels: pickLabels(meta?.labels, (k) => NODE_LABEL.test(k)),
  };
  const ip = str(findIn(status?.addresses, (a) => a.type === "InternalIP")?.address);
  if (ip) node.internalIP = ip;
  const created = time(meta?.creationTimestamp);
  if (created) node.createdAt = created;
  return node;
}

export function normalizeDaemonSet(ds: V1DaemonSet): CnsDaemonSet {
  // Read as plain JSON: a garbage spec must not throw here.
  const listed: unknown = ds.spec?.template?.spec?.containers;
  const containers = Array.isArray(listed) ? (listed.filter((c) => obj(c)) as V1Container[]) : [];
  const ordered = [...containers].sort((a, b) => Number(b.name === CNS_CONTAINER) - Number(a.name === CNS_CONTAINER));
  const out: CnsDaemonSet = {
    name: ds.metadata?.name ?? "azure-cns",
    desired: ds.status?.desiredNumberScheduled ?? 0,
    current: ds.status?.currentNumberScheduled ?? 0,
    ready: ds.status?.numberReady ?? 0,
    updated: ds.status?.updatedNumberScheduled ?? 0,
    available: ds.status?.numberAvailable ?? 0,
    misscheduled: ds.status?.numberMisscheduled ?? 0,
    images: ordered.map((c) => str(c.image) ?? "").filter((i) => i !== ""),
  };
  if (ds.metadata?.generation !== undefined) out.generation = ds.metadata.generation;
  if (ds.status?.observedGeneration !== undefined) out.observedGeneration = ds.status.observedGeneration;
  return out;
}

/** Waiting reasons of a container on its way up, not stuck. */
const STARTING = new Set(["ContainerCreating", "PodInitializing"]);

/**
 * Why the pod cannot finish its init containers, as kubectl shows it after "Init:": the first init
 * container not done, waiting (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError) or
 * terminated without success (Error, OOMKilled). Undefined while they complete or are just starting.
 */
function initFailure(statuses: Json): string | undefined {
  for (const item of arr(statuses) ?? []) {
    const state = obj(obj(item)?.state);
    const done = obj(state?.terminated);
    if (done) {
      const code = done.exitCode;
      if (code === 0 || (code === undefined && done.reason === "Completed")) continue;
      return str(done.reason) ?? (typeof code === "number" ? `ExitCode:${code}` : "Error");
    }
    const waiting = str(obj(state?.waiting)?.reason);
    return waiting && !STARTING.has(waiting) ? waiting : undefined;
  }
  return undefined;
}

export function normalizeCnsPod(raw: V1Pod): CnsPod | undefined {
  const p = raw as Json as Record<string, Json>;
  const meta = obj(p?.metadata);
  const status = obj(p?.status);
  const spec = obj(p?.spec);
  const name = str(meta?.name);
  if (!name) return undefined;
  const cs = findIn(status?.containerStatuses, (c) => c.name === CNS_CONTAINER) ?? findIn(status?.containerStatuses, () => true);
  const state = obj(cs?.state);
  const restarts = cs?.restartCount;
  const pod: CnsPod = {
    name,
    phase: intern(str(status?.phase)) ?? "Unknown",
    ready: readyOf(status),
    restarts: typeof restarts === "number" && Number.isInteger(restarts) && restarts >= 0 ? restarts : 0,
  };
  const node = str(spec?.nodeName);
  if (node) pod.node = intern(node);
  const reason = str(obj(state?.waiting)?.reason) ?? str(obj(state?.terminated)?.reason);
  if (reason) pod.reason = intern(reason);
  const initReason = initFailure(status?.initContainerStatuses);
  if (initReason) pod.initReason = `Init:${initReason}`;
  const last = str(obj(obj(cs?.lastState)?.terminated)?.reason);
  if (last) pod.lastTerminationReason = last;
  const image = str(cs?.image) ?? str(findIn(spec?.containers, (c) => c.name === CNS_CONTAINER)?.image);
  if (image) pod.image = intern(image);
  const started = time(obj(state?.running)?.startedAt);
  if (started) pod.startedAt = started;
  const created = time(meta?.creationTimestamp);
  if (created) pod.createdAt = created;
  const deleting = time(meta?.deletionTimestamp);
  if (deleting) pod.deletionTimestamp = deleting;
  // Both DaemonSets label their pods k8s-app=<DaemonSet name>; azure-cns is left implicit, as older snapshots have it.
  if (obj(meta?.labels)?.["k8s-app"] === CNS_WIN_DAEMONSET) pod.daemonset = CNS_WIN_DAEMONSET;
  return pod;
}

/** Keys of cns_config.json worth comparing across a fleet; the file also holds telemetry keys we leave out. */
export const WATCHED_CNS_CONFIG_KEYS = [
  "ChannelMode",
  "EnableSubnetScarcity",
  "EnableIPAMv2",
  "InitializeFromCNI",
  "ManageEndpointState",
  "EnableCNIConflistGeneration",
  "CNIConflistScenario",
  "CNIConflistFilepath",
  "MetricsBindAddress",
  "EnableSwiftV2",
  "EnableAPIServerHealthPing",
  "ProgramSNATIPTables",
  "EnableAsyncPodDelete",
  "EnableStateMigration",
  "SyncHostNCVersionIntervalMs",
  "SyncHostNCTimeoutMs",
  "WatchPods",
  "EnablePprof",
] as const;

/** Parses cns_config.json; a config that is not JSON yields a note instead of data. */
export function normalizeCnsConfig(cm: V1ConfigMap): { config: CnsConfig | null; note?: string } {
  const text = cm.data?.["cns_config.json"];
  if (text === undefined) return { config: null, note: "ConfigMap kube-system/cns-config has no cns_config.json key" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { config: null, note: `ConfigMap kube-system/cns-config: cns_config.json is not valid JSON (${(e as Error).message})` };
  }
  const config: CnsConfig = {};
  if (parsed && typeof parsed === "object") {
    for (const k of WATCHED_CNS_CONFIG_KEYS) {
      const v = (parsed as Record<string, unknown>)[k];
      if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") config[k] = v;
    }
  }
  return { config };
}
