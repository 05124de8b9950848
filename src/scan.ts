// One scan round: collect every target (bounded concurrency), store each snapshot as it arrives,
// then evaluate the fleet. The CLI, the demo and the worker all run this.
import { collectFleet, type FleetCollectOptions } from "./collect/collector.js";
import { runEvaluation } from "./evaluate/run.js";
import type { FleetEvaluation } from "./model/evaluation.js";
import { newScanId } from "./model/scan-id.js";
import type { ClusterSnapshot, SnapshotSummary } from "./model/snapshot.js";
import type { Policy } from "./policy/policy.js";
import type { ClusterTarget } from "./sources/target.js";
import type { SnapshotStore } from "./store/store.js";

export interface ScanOptions extends Omit<FleetCollectOptions, "scanId"> {
  scanId?: string;
  policy?: Policy;
  /** Called after each cluster is collected and stored. */
  onCluster?: (summary: SnapshotSummary, done: number, total: number) => void;
}

export interface ScanResult {
  scanId: string;
  clusters: SnapshotSummary[];
  evaluation: FleetEvaluation;
  /** Clusters whose snapshot could not be stored (the store failed): named with the reason. */
  storeFailures: Array<{ cluster: string; reason: string }>;
}

export async function runScan(targets: readonly ClusterTarget[], store: SnapshotStore, opts: ScanOptions = {}): Promise<ScanResult> {
  const scanId = opts.scanId ?? newScanId();
  const fresh = new Map<string, ClusterSnapshot>();
  const clusters: SnapshotSummary[] = [];
  const storeFailures: ScanResult["storeFailures"] = [];
  await collectFleet(targets, { ...opts, scanId }, async (snap) => {
    try {
      const summary = await store.putSnapshot(snap);
      clusters.push(summary);
      fresh.set(snap.cluster, snap);
      opts.onCluster?.(summary, clusters.length + storeFailures.length, targets.length);
    } catch (e) {
      storeFailures.push({ cluster: snap.cluster, reason: (e as Error).message });
    }
  });
  const evaluation = await runEvaluation(store, { scanId, fresh, ...(opts.policy ? { policy: opts.policy } : {}) });
  for (const f of storeFailures) evaluation.notes.push(`snapshot of ${f.cluster} was not stored: ${f.reason}`);
  clusters.sort((a, b) => a.cluster.localeCompare(b.cluster));
  return { scanId, clusters, evaluation, storeFailures };
}
