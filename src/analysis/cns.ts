// azure-cns facts shared by rules and report sections: image tags and versions, pod states, which
// DaemonSet (azure-cns, or azure-cns-win on Windows nodes) serves a node, metrics (DOMAIN.md §3, §4).
import { type ClusterSnapshot, CNS_DAEMONSET, CNS_WIN_DAEMONSET, type CnsDaemonSet, type CnsDaemonSetName, type CnsPod, type NodeInfo } from "../model/snapshot.js";

/** Both CNS DaemonSets, Linux first. */
export const CNS_DAEMONSETS: readonly CnsDaemonSetName[] = [CNS_DAEMONSET, CNS_WIN_DAEMONSET];

/** The DaemonSet a CNS pod belongs to. */
export function daemonSetOf(p: CnsPod): CnsDaemonSetName {
  return p.daemonset ?? CNS_DAEMONSET;
}

/** A CNS DaemonSet of the snapshot: null when the cluster has none, undefined when the scan did not read it (azure-cns-win in older snapshots). */
export function cnsDaemonSet(s: ClusterSnapshot, name: CnsDaemonSetName): CnsDaemonSet | null | undefined {
  return name === CNS_WIN_DAEMONSET ? s.cns.windowsDaemonset : s.cns.daemonset;
}

/** The pods of one CNS DaemonSet. */
function podsOf(s: ClusterSnapshot, name: CnsDaemonSetName): CnsPod[] {
  return s.cns.pods.filter((p) => daemonSetOf(p) === name);
}

/** `mcr.microsoft.com/containernetworking/azure-cns:v1.6.25@sha256:…` → `…/azure-cns:v1.6.25`; undefined when there is no tag. */
export function normalizeImage(image: string | undefined): string | undefined {
  // Runtimes sometimes report only the image ID (`sha256:…`): no name, no tag.
  if (!image || /^sha256:/.test(image)) return undefined;
  const noDigest = image.split("@")[0]!;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  return colon > slash ? noDigest : undefined;
}

/** The tag of an image: `v1.6.25`, `v1.4.26-9-gc40fb852`. */
export function imageTag(image: string | undefined): string | undefined {
  const n = normalizeImage(image);
  return n ? n.slice(n.lastIndexOf(":") + 1) : undefined;
}

export interface CnsVersion {
  major: number;
  minor: number;
  patch: number;
  /** Commits after the tag in git-describe dev tags (`v1.4.26-9-g…` → 9). */
  ahead: number;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-(\d+)-g[0-9a-f]+|[-+][0-9A-Za-z.-]+)?$/;

export function parseVersion(tag: string | undefined): CnsVersion | undefined {
  const m = tag ? VERSION.exec(tag) : null;
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), ahead: Number(m[4] ?? 0) };
}

/** Negative when a < b. Unparseable versions compare as equal (nothing to say about them). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) return 0;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch || x.ahead - y.ahead;
}

/** `v1.6.25` and `1.6.25` are the same version. */
export function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, "") === b.replace(/^v/, "");
}

/** Image counts of cns-container over the pods of one CNS DaemonSet (azure-cns by default). */
export function podImages(s: ClusterSnapshot, name: CnsDaemonSetName = CNS_DAEMONSET): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of podsOf(s, name)) {
    const img = normalizeImage(p.image);
    if (img) out[img] = (out[img] ?? 0) + 1;
  }
  return out;
}

/** The cluster's CNS version: azure-cns's template tag, else the most common tag of its pods (azure-cns-win follows AKS's release of it). */
export function cnsVersionOf(s: ClusterSnapshot): string | undefined {
  const fromDs = imageTag(s.cns.daemonset?.images[0]);
  if (fromDs) return fromDs;
  const counts = Object.entries(podImages(s)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return imageTag(counts[0]?.[0]);
}

export type CnsPodState = "ok" | "crashloop" | "init-crashloop" | "init-failed" | "failing" | "pending" | "not-ready" | "terminating" | "failed";

/** Reasons of a container on its way up (older snapshots also kept Init:PodInitializing). */
const STARTING = /^(Init:)?(ContainerCreating|PodInitializing)$/;

/** What is wrong with a CNS pod in one word, or "ok". */
export function cnsPodState(p: CnsPod): CnsPodState {
  if (p.deletionTimestamp) return "terminating";
  if (p.initReason && !STARTING.test(p.initReason)) return p.initReason === "Init:CrashLoopBackOff" ? "init-crashloop" : "init-failed";
  if (p.reason === "CrashLoopBackOff") return "crashloop";
  if (p.phase === "Failed" || p.phase === "Unknown") return "failed";
  // Waiting or terminated for a reason of its own: ImagePullBackOff, CreateContainerConfigError, OOMKilled, Error.
  if (p.reason && !STARTING.test(p.reason)) return "failing";
  if (p.phase === "Pending") return "pending";
  if (!p.ready) return "not-ready";
  return "ok";
}

/** A pod that is failing, not merely starting: no grace for it. */
export function isFailing(p: CnsPod): boolean {
  const s = cnsPodState(p);
  return s === "crashloop" || s === "init-crashloop" || s === "init-failed" || s === "failing" || s === "failed";
}

/** The DaemonSet whose node affinity admits the node: azure-cns on Linux, azure-cns-win on Windows, none on virtual-kubelet. */
export function cnsDaemonSetOfNode(n: NodeInfo): CnsDaemonSetName | undefined {
  if (n.labels.type === "virtual-kubelet") return undefined;
  const os = n.labels["kubernetes.io/os"];
  if (os === undefined || os === "linux") return CNS_DAEMONSET;
  return os === "windows" ? CNS_WIN_DAEMONSET : undefined;
}

/**
 * For one snapshot: the CNS DaemonSet whose pod a node needs, or undefined. Every Linux node needs
 * azure-cns. A Windows node needs azure-cns-win only where the scan read that DaemonSet (an older
 * snapshot holds none of its pods) and either it exists or CNS manages the node (it has an NNC).
 */
export function cnsDemand(s: ClusterSnapshot): (n: NodeInfo) => CnsDaemonSetName | undefined {
  const win = s.cns.windowsDaemonset;
  const managed = win === null ? managedWindowsNode(s) : undefined;
  return (n) => {
    const ds = cnsDaemonSetOfNode(n);
    if (ds !== CNS_WIN_DAEMONSET) return ds;
    return win !== undefined && (win !== null || managed!(n)) ? ds : undefined;
  };
}

/** For one snapshot: whether a node is a Windows node CNS manages (it has an NNC), which azure-cns-win must serve. */
export function managedWindowsNode(s: ClusterSnapshot): (n: NodeInfo) => boolean {
  const nncs = new Set(s.nncs.map((x) => x.name));
  return (n) => cnsDaemonSetOfNode(n) === CNS_WIN_DAEMONSET && nncs.has(n.name);
}

/** The metrics read from a pod in this snapshot, if it was scraped. */
export function metricsOfPod(s: ClusterSnapshot, pod: string): Record<string, number> | undefined {
  return s.cns.metrics?.find((m) => m.pod === pod)?.values;
}

/** Pending-programming IPs from either family (cx_ipam_* exists only on dynamic nodes). */
export function pendingProgramming(m: Record<string, number> | undefined): number | undefined {
  if (!m) return undefined;
  return m.cx_ipam_pending_programming_ips ?? m.cx_pending_programming_ips_v2;
}
