// Nodes, the azure-cns DaemonSet and its pods, and cns-config → snapshot shapes.
import type { V1ConfigMap, V1Container, V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import type { CnsConfig, CnsDaemonSet, CnsPod, NodeInfo } from "../../model/snapshot.js";
import { intern, pickLabels, time } from "./fields.js";

export const CNS_CONTAINER = "cns-container";

const NODE_LABEL =
  /^kubernetes\.io\/os$|^type$|^agentpool$|^kubernetes\.azure\.com\/(agentpool|podnetwork-|mode$|cluster$)|^topology\.kubernetes\.io\/zone$|^node\.kubernetes\.io\/instance-type$/;

export function normalizeNode(n: V1Node): NodeInfo | undefined {
  const name = n.metadata?.name;
  if (!name) return undefined;
  const ready = n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const node: NodeInfo = {
    name: intern(name),
    uid: n.metadata?.uid ?? "",
    ready,
    unschedulable: n.spec?.unschedulable === true,
    labels: pickLabels(n.metadata?.labels, (k) => NODE_LABEL.test(k)),
  };
  const ip = n.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  if (ip) node.internalIP = ip;
  const created = time(n.metadata?.creationTimestamp);
  if (created) node.createdAt = created;
  return node;
}

export function normalizeDaemonSet(ds: V1DaemonSet): CnsDaemonSet {
  // Read as plain JSON: a garbage spec must not throw here.
  const listed: unknown = ds.spec?.template?.spec?.containers;
  const containers = Array.isArray(listed) ? (listed as V1Container[]) : [];
  const ordered = [...containers].sort((a, b) => Number(b.name === CNS_CONTAINER) - Number(a.name === CNS_CONTAINER));
  const out: CnsDaemonSet = {
    name: ds.metadata?.name ?? "azure-cns",
    desired: ds.status?.desiredNumberScheduled ?? 0,
    current: ds.status?.currentNumberScheduled ?? 0,
    ready: ds.status?.numberReady ?? 0,
    updated: ds.status?.updatedNumberScheduled ?? 0,
    available: ds.status?.numberAvailable ?? 0,
    misscheduled: ds.status?.numberMisscheduled ?? 0,
    images: ordered.map((c) => c.image ?? "").filter((i) => i !== ""),
  };
  if (ds.metadata?.generation !== undefined) out.generation = ds.metadata.generation;
  if (ds.status?.observedGeneration !== undefined) out.observedGeneration = ds.status.observedGeneration;
  return out;
}

export function normalizeCnsPod(p: V1Pod): CnsPod | undefined {
  const name = p.metadata?.name;
  if (!name) return undefined;
  const cs = p.status?.containerStatuses?.find((c) => c.name === CNS_CONTAINER) ?? p.status?.containerStatuses?.[0];
  const initWaiting = p.status?.initContainerStatuses?.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  const pod: CnsPod = {
    name,
    phase: intern(p.status?.phase) ?? "Unknown",
    ready: p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True",
    restarts: cs?.restartCount ?? 0,
  };
  if (p.spec?.nodeName) pod.node = intern(p.spec.nodeName);
  const reason = cs?.state?.waiting?.reason ?? cs?.state?.terminated?.reason;
  if (reason) pod.reason = intern(reason);
  if (initWaiting) pod.initReason = `Init:${initWaiting}`;
  const last = cs?.lastState?.terminated?.reason;
  if (last) pod.lastTerminationReason = last;
  const image = cs?.image ?? p.spec?.containers?.find((c) => c.name === CNS_CONTAINER)?.image;
  if (image) pod.image = intern(image);
  const started = time(cs?.state?.running?.startedAt);
  if (started) pod.startedAt = started;
  const created = time(p.metadata?.creationTimestamp);
  if (created) pod.createdAt = created;
  const deleting = time(p.metadata?.deletionTimestamp);
  if (deleting) pod.deletionTimestamp = deleting;
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
