// Collects one snapshot per cluster. A cluster's failure is data (its status and reason), never an
// exception: one bad cluster can cost at most its own deadline, and never another cluster's snapshot.
import type { V1ConfigMap, V1DaemonSet, VersionInfo } from "@kubernetes/client-node";
import pLimit from "p-limit";
import { type ClusterSnapshot, CNS_DAEMONSET, CNS_WIN_DAEMONSET, type CnsDaemonSet, type Nnc } from "../model/snapshot.js";
import { armNoCnsReason, armNodeSubnetReason } from "../model/arm-ipam.js";
import { emptySnapshot, isStopped } from "../model/snapshot.js";
import { clusterCaNote } from "../sources/cluster-ca.js";
import type { ClusterTarget } from "../sources/target.js";
import { withoutCredentials } from "../url-credentials.js";
import { type CnsMetricsBudget, DEFAULT_CNS_METRICS_BUDGET, scrapeCnsMetrics } from "./cns-metrics.js";
import { beforeAbort } from "./before-abort.js";
import { classify, ClusterScanError } from "./errors.js";
import { KubeSession } from "./kube-session.js";
import { arr, obj } from "./normalize/fields.js";
import { normalizeSubnetState } from "./normalize/subnet-state.js";
import { sharedParsePool } from "./parse-pool.js";
import { normalizeCnsConfig, normalizeDaemonSet } from "./normalize/workloads.js";
import type { RetryPolicy } from "./retry.js";

export const NNC_GROUP = "acn.azure.com";
export const NNC_VERSION = "v1alpha";
export const NNC_PLURAL = "nodenetworkconfigs";
export const CNS_NAMESPACE = "kube-system";
/** The pods of both CNS DaemonSets in one list (each labels its pods k8s-app=<its name>). */
export const CNS_SELECTOR = `k8s-app in (${CNS_DAEMONSET},${CNS_WIN_DAEMONSET})`;
export const CSS_VERSION = "v1alpha1";
export const CSS_PLURAL = "clustersubnetstates";

export interface CollectOptions {
  scanId: string;
  /** Per request; client-node has none of its own. */
  requestTimeoutMs?: number;
  /** Whole cluster, retries included. */
  clusterDeadlineMs?: number;
  pageSize?: number;
  retry?: RetryPolicy;
  /** Cancels the whole fleet scan. */
  signal?: AbortSignal;
  /** CNS pods whose /metrics are read through the API server proxy, per cluster (0 = off, "all"). */
  cnsMetrics?: CnsMetricsBudget;
}

export const COLLECT_DEFAULTS = { requestTimeoutMs: 15_000, clusterDeadlineMs: 90_000, pageSize: 500 };

export async function collectCluster(target: ClusterTarget, opts: CollectOptions): Promise<ClusterSnapshot> {
  const started = Date.now();
  const snap = emptySnapshot(target.name, opts.scanId, { ...target.source }, new Date(started));
  if (target.notes) snap.notes.push(...target.notes);
  const deadlineMs = opts.clusterDeadlineMs ?? COLLECT_DEFAULTS.clusterDeadlineMs;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  let session: KubeSession | undefined;
  try {
    const lateArm = () => new ClusterScanError("error", "reading the cluster from ARM did not finish within the cluster deadline");
    const arm = target.arm ?? (target.readArm ? await beforeAbort(target.readArm(signal), signal, lateArm) : undefined);
    if (arm) snap.arm = arm;
    if (isStopped(arm)) {
      // `az aks stop` deallocates the API server: there is nothing to connect to, and nothing is wrong.
      snap.status = "stopped";
      snap.reason = `stopped in ARM (powerState ${arm!.powerState}): not scanned`;
      return snap;
    }
    const noCns = armNoCnsReason(arm);
    if (noCns) {
      // Nothing there to read: connecting would only fail a private or locked-down cluster as unreachable or refused.
      snap.status = "not-cns";
      snap.reason = `not scanned: ${noCns}`;
      return snap;
    }
    // The first list page arrives sooner than a parse worker loads: start them with the first cluster.
    sharedParsePool()?.warm();
    // ARM, Key Vault and token calls behind it take no signal: the deadline holds for them all the same.
    const late = () => new ClusterScanError("error", `getting credentials: ${target.credentialSource ?? "reading the kubeconfig"} did not finish within the cluster deadline`);
    const kc = await beforeAbort(target.kubeConfig(), signal, late);
    const server = withoutCredentials(kc.getCurrentCluster()?.server);
    if (server) snap.source.server = server;
    if (/[?#]/.test(kc.getCurrentCluster()?.server ?? "")) {
      snap.notes.push("the kubeconfig's server URL has a query or fragment: it is ignored, as kubectl ignores it");
    }
    const caNote = clusterCaNote(kc.getCurrentCluster());
    if (caNote) snap.notes.push(caNote);
    if (kc.getCurrentCluster()?.skipTLSVerify) {
      snap.notes.push("insecure-skip-tls-verify is set in the kubeconfig: the API server's certificate is not verified");
    }
    session = await KubeSession.open(kc, {
      requestTimeoutMs: opts.requestTimeoutMs ?? COLLECT_DEFAULTS.requestTimeoutMs,
      deadline: started + deadlineMs,
      signal,
      ...(opts.retry ? { retry: opts.retry } : {}),
    });
    await collectInto(snap, session, opts.pageSize ?? COLLECT_DEFAULTS.pageSize);
    await collectMetrics(snap, session, opts.cnsMetrics ?? DEFAULT_CNS_METRICS_BUDGET);
  } catch (e) {
    const err = e instanceof ClusterScanError ? e : classify(e, "scanning");
    snap.status = err.status;
    snap.reason = err.message;
    // Node-subnet CNI per ARM, and the cluster could not be read: ARM's word stands, as for kubenet.
    const nodeSubnet = err.status === "unreachable" || err.status === "unauthorized" ? armNodeSubnetReason(snap.arm) : undefined;
    if (nodeSubnet && !opts.signal?.aborted) {
      snap.status = "not-cns";
      snap.reason = `not scanned: ${nodeSubnet}; connecting failed: ${err.message}`;
    } else if (err.noAnswer && snap.arm?.privateCluster) {
      // A private cluster's API server resolves and routes only inside its VNet (or one peered to it).
      snap.reason += "; private cluster: the auditor must run inside its network";
    }
    snap.nodes = [];
    snap.nncs = [];
    snap.cns = { daemonset: null, pods: [], config: null };
  } finally {
    clearTimeout(timer);
    session?.close();
    snap.durationMs = Date.now() - started;
  }
  return snap;
}

async function collectInto(snap: ClusterSnapshot, s: KubeSession, limit: number): Promise<void> {
  // The NNC list answers first whether this is a CNS cluster at all. Every list is normalised page by
  // page: the raw objects are several times the size of what the snapshot keeps.
  let nncs: Array<Nnc | undefined>;
  try {
    nncs = await s.listAll(
      `listing NodeNetworkConfigs (${NNC_GROUP}/${NNC_VERSION}) in ${CNS_NAMESPACE}`,
      s.listPages(`/apis/${NNC_GROUP}/${NNC_VERSION}/namespaces/${CNS_NAMESPACE}/${NNC_PLURAL}`, { limit }, "nnc"),
    );
  } catch (e) {
    if (e instanceof ClusterScanError && e.httpStatus === 404) throw await notCnsOr(s, e);
    throw e;
  }

  const [nodes, pods, ds, winDs, cm, pending, version, css] = await Promise.all([
    s.listAll("listing Nodes", s.listPages("/api/v1/nodes", { limit }, "node")),
    s.listAll(`listing CNS pods (${CNS_SELECTOR}) in ${CNS_NAMESPACE}`, s.listPages(`/api/v1/namespaces/${CNS_NAMESPACE}/pods`, { labelSelector: CNS_SELECTOR, limit }, "cns-pod")),
    readDaemonSet(s, CNS_DAEMONSET),
    optional(snap, readDaemonSet(s, CNS_WIN_DAEMONSET), "the Windows nodes' CNS was not judged"),
    optional(snap, s.callOptional(`reading ConfigMap ${CNS_NAMESPACE}/cns-config`, (o) => s.getJson<V1ConfigMap | null>(`/api/v1/namespaces/${CNS_NAMESPACE}/configmaps/cns-config`, {}, o))),
    optional(snap, s.listAll("listing Pending pods", s.listPages("/api/v1/pods", { fieldSelector: "status.phase=Pending", limit }, "pod-node"))),
    optional(snap, s.call("reading /version", (o) => s.getJson<VersionInfo | null>("/version", {}, o))),
    optional(snap, listSubnetStates(s, limit)),
  ]);

  for (const nnc of nncs) {
    if (nnc) snap.nncs.push(nnc);
    else snap.notes.push("an item of the NodeNetworkConfig list has no metadata.name and was skipped");
  }
  const pendingByNode = new Map<string, number>();
  for (const node of pending ?? []) {
    if (node) pendingByNode.set(node, (pendingByNode.get(node) ?? 0) + 1);
  }
  for (const node of nodes) {
    if (!node) continue;
    const count = pendingByNode.get(node.name);
    if (count) node.pendingPods = count;
    snap.nodes.push(node);
  }
  // The one pod list holds both DaemonSets' pods. Where azure-cns-win was not read (refused), its pods
  // are dropped too, so that "not read" holds for the Windows nodes' CNS everywhere, as in older snapshots.
  for (const pod of pods) if (pod && (winDs !== undefined || pod.daemonset !== CNS_WIN_DAEMONSET)) snap.cns.pods.push(pod);
  snap.cns.daemonset = ds;
  if (winDs !== undefined) snap.cns.windowsDaemonset = winDs;
  if (cm) {
    const { config, note } = normalizeCnsConfig(cm);
    snap.cns.config = config;
    if (note) snap.notes.push(note);
  } else if (cm === undefined && !snap.notes.some((n) => n.includes("cns-config"))) {
    snap.notes.push(`ConfigMap ${CNS_NAMESPACE}/cns-config not found`);
  }
  if (typeof version?.gitVersion === "string" && version.gitVersion !== "") snap.kubernetesVersion = version.gitVersion;
  if (css) {
    snap.subnetStates = [];
    for (const raw of css) {
      const { state, problem } = normalizeSubnetState(raw);
      if (state) snap.subnetStates.push(state);
      if (problem) snap.notes.push(problem);
    }
  }
}

/**
 * A 404 on the NNC list means not-cns only when the API server's discovery agrees that it serves no
 * NodeNetworkConfig API. A server URL with a wrong path, or a proxy's page, answers 404 too, and calling
 * a CNS cluster not-cns would withdraw its findings: that is an error naming the 404. When discovery
 * itself failed, that failure classifies the cluster as any read's would (a 403 unauthorized, no answer
 * unreachable), after the 404, and says nothing of the server URL.
 */
async function notCnsOr(s: KubeSession, notFound: ClusterScanError): Promise<ClusterScanError> {
  // Read as text: a 2xx page that is no JSON (a proxy's HTML) is an answer that is no APIGroupList too.
  let answer: string | undefined;
  try {
    answer = await s.call("API discovery (/apis) failed", (o) => s.getText("/apis", {}, o, "application/json"));
  } catch (e) {
    if (!(e instanceof ClusterScanError)) throw e;
    if (e.httpStatus !== 404) return new ClusterScanError(e.status, `${notFound.message}; ${e.message}`, 404);
  }
  const served = answer === undefined ? undefined : servesNncApi(answer);
  if (served === false) {
    return new ClusterScanError("not-cns", `the cluster serves no ${NNC_GROUP}/${NNC_VERSION} NodeNetworkConfig API: it does not run Azure CNI with CNS as IPAM`, 404);
  }
  const why = served
    ? `API discovery (/apis) lists ${NNC_GROUP}/${NNC_VERSION}`
    : `API discovery (/apis) ${answer === undefined ? "did not answer" : "answered with no APIGroupList,"} as a Kubernetes API server does: is the kubeconfig's server URL right?`;
  return new ClusterScanError("error", `${notFound.message}; ${why}`, 404);
}

/** Whether discovery's answer, an APIGroupList, serves the NNC API; undefined when it is no APIGroupList. */
function servesNncApi(body: string): boolean | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = obj(answer);
  const groups = list?.kind === "APIGroupList" ? arr(list.groups) : undefined;
  if (!groups) return undefined;
  const acn = groups.map(obj).find((g) => g?.name === NNC_GROUP);
  return arr(acn?.versions)?.some((v) => obj(v)?.version === NNC_VERSION) ?? false;
}

/** A CNS DaemonSet, null when the cluster has none (404). */
async function readDaemonSet(s: KubeSession, name: string): Promise<CnsDaemonSet | null> {
  const ds = await s.callOptional(`reading DaemonSet ${CNS_NAMESPACE}/${name}`, (o) => s.getJson<V1DaemonSet | null>(`/apis/apps/v1/namespaces/${CNS_NAMESPACE}/daemonsets/${name}`, {}, o));
  return ds ? normalizeDaemonSet(ds) : null;
}

/** ClusterSubnetStates (IPX002); undefined when the CRD is absent (404), as on most clusters. */
async function listSubnetStates(s: KubeSession, limit: number): Promise<unknown[] | undefined> {
  try {
    return await s.listAll<unknown>(
      `listing ClusterSubnetStates (${NNC_GROUP}/${CSS_VERSION}) in ${CNS_NAMESPACE}`,
      s.listPages(`/apis/${NNC_GROUP}/${CSS_VERSION}/namespaces/${CNS_NAMESPACE}/${CSS_PLURAL}`, { limit }, "raw"),
    );
  } catch (e) {
    if (e instanceof ClusterScanError && e.httpStatus === 404) return undefined;
    throw e;
  }
}

/** Metrics are extra signal: whatever goes wrong there is a note, and the snapshot stays ok. */
async function collectMetrics(snap: ClusterSnapshot, session: KubeSession, budget: CnsMetricsBudget): Promise<void> {
  if (budget === 0 || snap.cns.pods.length === 0) return;
  try {
    await scrapeCnsMetrics(snap, session, budget);
  } catch (e) {
    snap.notes.push(`CNS metrics: not read (${(e as Error).message})`);
  }
}

/**
 * Optional reads: a failure becomes a note instead of failing the cluster. A refusal is such a failure
 * too: a reader role bound before a read was added may not allow it. So is no answer: these run after the
 * NNC list answered, beside the required reads, and a server that really went away fails those too.
 */
async function optional<T>(snap: ClusterSnapshot, p: Promise<T>, consequence?: string): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    snap.notes.push(consequence ? `${(e as Error).message}: ${consequence}` : (e as Error).message);
    return undefined;
  }
}

export interface FleetCollectOptions extends CollectOptions {
  /** Clusters scanned at once. */
  concurrency?: number;
}

/**
 * Collects every target with bounded concurrency and hands each snapshot to `onSnapshot` as soon as it
 * is ready (to be stored), so memory holds only the clusters in flight.
 */
export async function collectFleet(
  targets: readonly ClusterTarget[],
  opts: FleetCollectOptions,
  onSnapshot: (s: ClusterSnapshot) => Promise<void> | void,
): Promise<void> {
  const limit = pLimit(Math.max(1, opts.concurrency ?? 16));
  await Promise.all(
    targets.map((t) =>
      limit(async () => {
        const snap = await collectCluster(t, opts);
        await onSnapshot(snap);
      }),
    ),
  );
}
