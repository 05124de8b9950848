// The store keeps snapshot history, a latest view per cluster and fleet evaluations. Implementations:
// Table Storage (Azure or Azurite) and in memory; both pass one conformance suite (test/store).
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import type { ClusterSnapshot, SnapshotSummary } from "../model/snapshot.js";

export interface LatestEntry {
  cluster: string;
  /** The newest snapshot, whatever its status. */
  latest: SnapshotSummary;
  /** The newest snapshot with status ok (may be the same as latest). */
  lastOk?: SnapshotSummary;
}

export interface HistoryQuery {
  /** Only entries taken at or after this time. */
  since?: Date;
  /** At most this many, newest first. */
  limit?: number;
}

export interface SnapshotStore {
  /** Creates tables or whatever the backend needs; safe to call twice. */
  init(): Promise<void>;
  /**
   * Writes the snapshot into history, then moves the cluster's latest view to it, so the latest view
   * never points at a half-written snapshot. Idempotent per (cluster, scanId): a retry overwrites.
   */
  putSnapshot(snapshot: ClusterSnapshot): Promise<SnapshotSummary>;
  getSnapshot(cluster: string, ref: string): Promise<ClusterSnapshot | undefined>;
  /** Newest first. */
  listHistory(cluster: string, query?: HistoryQuery): Promise<SnapshotSummary[]>;
  listLatest(): Promise<LatestEntry[]>;
  getLatest(cluster: string): Promise<LatestEntry | undefined>;
  putEvaluation(evaluation: FleetEvaluation): Promise<EvaluationSummary>;
  getEvaluation(ref: string): Promise<FleetEvaluation | undefined>;
  getLatestEvaluation(): Promise<FleetEvaluation | undefined>;
  /** Newest first. */
  listEvaluations(query?: HistoryQuery): Promise<EvaluationSummary[]>;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
