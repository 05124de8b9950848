// One scan round: collect every target (bounded concurrency), store each snapshot as it arrives and
// evaluate that cluster's own rules right away, then the fleet rules. The CLI, the demo and the
// worker all run this.
import { collectFleet, type FleetCollectOptions } from "./collect/collector.js";
import { EvaluationRun } from "./evaluate/run.js";
import type { FleetEvaluation } from "./model/evaluation.js";
import { newScanId } from "./model/scan-id.js";
import { type ClusterSnapshot, failureSnapshot, type SnapshotSummary, summarize } from "./model/snapshot.js";
import type { Policy } from "./policy/policy.js";
import type { DiscoveryProblem } from "./sources/azure/managed-clusters.js";
import { keepKnownNames } from "./sources/known-names.js";
import { discoveryNotes, unlistedClusters } from "./sources/unlisted.js";
import type { ClusterTarget } from "./sources/target.js";
import type { SnapshotStore, StoredSnapshot } from "./store/store.js";

export interface ScanOptions extends Omit<FleetCollectOptions, "scanId"> {
  scanId?: string;
  policy?: Policy;
  /** Called after each cluster is collected and stored (or its store attempt failed). */
  onCluster?: (summary: SnapshotSummary, done: number, total: number) => void;
  /** What discovery could not list: kept as evaluation notes, and the known clusters of a subscription it names are scanned as failed. */
  discoveryProblems?: readonly DiscoveryProblem[];
}

export interface ScanResult {
  scanId: string;
  clusters: SnapshotSummary[];
  evaluation: FleetEvaluation;
  /** Clusters whose snapshot could not be stored (the store failed): named with the reason. */
  storeFailures: Array<{ cluster: string; reason: string }>;
}

export async function runScan(discovered: readonly ClusterTarget[], store: SnapshotStore, opts: ScanOptions = {}): Promise<ScanResult> {
  const scanId = opts.scanId ?? newScanId();
  const clusters: SnapshotSummary[] = [];
  const storeFailures: ScanResult["storeFailures"] = [];
  const unstored: ClusterSnapshot[] = [];
  const evalOpts = { scanId, ...(opts.policy ? { policy: opts.policy } : {}) };
  // The evaluation starts with the scan, so each cluster's own rules run as its snapshot is stored. A
  // store that is down now may be back by the end: the evaluation then starts there.
  const opening = EvaluationRun.open(store, evalOpts).catch(() => undefined);
  /** Stores one snapshot and evaluates its cluster; returns why storing failed, or undefined. */
  const put = async (snap: ClusterSnapshot): Promise<string | undefined> => {
    let stored: StoredSnapshot;
    try {
      stored = await store.putSnapshotWithLatest(snap);
    } catch (e) {
      return (e as Error).message.split("\n", 1)[0] ?? "store error";
    }
    await (await opening)?.addStored(snap, stored);
    return undefined;
  };
  let done = 0;
  // One listing of the latest view up front lets a store that keeps it (the Table store) update each
  // cluster's entry without reading it first, and ARM clusters keep the names their history has. A
  // failure here changes nothing but those.
  const problems = opts.discoveryProblems ?? [];
  const latest = discovered.length > 1 || discovered.some((t) => t.arm) || problems.length > 0 ? await store.listLatest().catch(() => undefined) : undefined;
  const targets = keepKnownNames(discovered, latest);
  const stored = async (snap: ClusterSnapshot): Promise<SnapshotSummary> => {
    if (await put(snap)) unstored.push(snap);
    const summary = summarize(snap, "");
    clusters.push(summary);
    return summary;
  };
  for (const u of unlistedClusters(latest, new Set(targets.map((t) => t.name)), problems)) await stored(failureSnapshot(u.name, scanId, "arm", u.reason, new Date()));
  await collectFleet(targets, { ...opts, scanId }, async (snap) => {
    const summary = await stored(snap);
    opts.onCluster?.(summary, ++done, targets.length);
  });
  // The store may have been down for a moment (a restart, throttling): one more try each after the
  // collection before a snapshot is given up. The collected data was never at risk meanwhile.
  for (const snap of unstored) {
    const reason = await put(snap);
    if (reason) storeFailures.push({ cluster: snap.cluster, reason });
  }
  const notes = [...discoveryNotes(problems), ...storeFailures.map((f) => `snapshot of ${f.cluster} was not stored: ${f.reason}`)];
  clusters.sort((a, b) => a.cluster.localeCompare(b.cluster));
  const evaluation = (await opening) ?? (await EvaluationRun.open(store, evalOpts));
  return { scanId, clusters, evaluation: await evaluation.finish(notes), storeFailures };
}
