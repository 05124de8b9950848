// The store keeps snapshot history, a latest view per cluster and fleet evaluations. Implementations:
// Table Storage (Azure or Azurite) and in memory; both pass one conformance suite (test/store).
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import { type ClusterSnapshot, scanFailed, type SnapshotSummary } from "../model/snapshot.js";

export interface LatestEntry {
  cluster: string;
  /** The newest snapshot, whatever its status. */
  latest: SnapshotSummary;
  /** The newest snapshot with status ok (may be the same as latest). */
  lastOk?: SnapshotSummary;
  /**
   * The ok snapshot before lastOk, which drift compares it with, when known: absent also when the
   * store cannot say without reading the history (then read it).
   */
  previousOk?: SnapshotSummary;
}

/**
 * The snapshot a cluster is judged on. Only a failed scan leaves it to its last good snapshot: a stopped
 * cluster (nothing runs there) or one without the NNC API (it left CNS) is as the latest scan found it.
 */
export function judgedSummary(entry: LatestEntry): SnapshotSummary {
  return scanFailed(entry.latest.status) ? (entry.lastOk ?? entry.latest) : entry.latest;
}

/** A snapshot write and what it did to its cluster's latest-view entry. */
export interface StoredSnapshot {
  summary: SnapshotSummary;
  /** The entry the write replaced, exactly (undefined: the cluster had none). */
  before?: LatestEntry;
  /** The entry as written; its `latest` is another snapshot when a newer round was there first. */
  after: LatestEntry;
}

export interface EvaluationQuery extends HistoryQuery {
  /** Also each summary's `findingClusters` (more to read: only for a scoped dashboard). */
  findingClusters?: boolean;
  /**
   * Past the newest `keepNewest`, only summaries at least `spacingMs` older than the last one kept: a
   * week of 5-minute scans is 2,016 summaries, each with every subnet, and a forecast needs a fraction.
   */
  thin?: { keepNewest: number; spacingMs: number };
}

/** Whether the summary generated at `at` is kept, the ones before it (newer) having been judged already. */
export function thinner(thin: EvaluationQuery["thin"]): (at: string) => boolean {
  let seen = 0;
  let last = Number.POSITIVE_INFINITY;
  return (at) => {
    const t = Date.parse(at);
    const keep = !thin || seen < thin.keepNewest || Number.isNaN(t) || last - t >= thin.spacingMs;
    seen++;
    if (keep && !Number.isNaN(t)) last = t;
    return keep;
  };
}

export interface HistoryQuery {
  /**
   * Only entries of scan rounds that started at or after this time (inclusive). The time is the
   * scan id's round start, which orders history, not the snapshot's `takenAt`.
   */
  since?: Date;
  /** At most this many (a non-negative integer), newest first. */
  limit?: number;
}

export interface PruneResult {
  snapshots: number;
  evaluations: number;
  /** The snapshots per cluster (only clusters with any), sorted by cluster name. Evaluations are the fleet's, not a cluster's. */
  clusters: Array<{ cluster: string; snapshots: number }>;
}

export interface PruneOptions {
  /** Count what would go, delete nothing (`fleet-audit prune --dry-run`). */
  dryRun?: boolean;
}

/** Adds one cluster's count of old snapshots to `out`; clusters are listed in the order added. */
export function countPruned(out: PruneResult, cluster: string, snapshots: number): void {
  if (snapshots === 0) return;
  out.snapshots += snapshots;
  out.clusters.push({ cluster, snapshots });
}

export interface SnapshotStore {
  /** The store as messages name it: `Table store at HOST:PORT`, never with a key or SAS. */
  readonly label: string;
  /** Creates tables or whatever the backend needs; safe to call twice. */
  init(): Promise<void>;
  /**
   * Writes the snapshot into history, then moves the cluster's latest view to it, so the latest view
   * never points at a half-written snapshot. Idempotent per (cluster, scanId): a retry overwrites.
   * The latest view only moves forward (by scan round); `lastOk` is the newest ok snapshot.
   * Throws when `scanId` is not a scan id (newScanId) or the cluster name is empty or over-long.
   */
  putSnapshot(snapshot: ClusterSnapshot): Promise<SnapshotSummary>;
  /**
   * `putSnapshot`, also saying what the write did to the latest view, so a scan can judge the cluster
   * without reading the entry and the history back.
   */
  putSnapshotWithLatest(snapshot: ClusterSnapshot): Promise<StoredSnapshot>;
  /**
   * For placeholders (a failed snapshot saying a cluster's job never reported): writes the snapshot
   * only when its (cluster, scanId) has none, atomically, so it can never replace the real result of
   * a job that finished meanwhile. Undefined when one was there. A real snapshot written later still
   * replaces the placeholder, and the placeholder never moves a latest view that names its round.
   */
  putSnapshotIfAbsent(snapshot: ClusterSnapshot): Promise<SnapshotSummary | undefined>;
  /** `ref` is a summary's ref or the scan id; anything unknown or malformed gives undefined. */
  getSnapshot(cluster: string, ref: string): Promise<ClusterSnapshot | undefined>;
  /** Newest first. */
  listHistory(cluster: string, query?: HistoryQuery): Promise<SnapshotSummary[]>;
  /** Sorted by cluster name. */
  listLatest(): Promise<LatestEntry[]>;
  getLatest(cluster: string): Promise<LatestEntry | undefined>;
  /** Idempotent per scanId: a retry overwrites. */
  putEvaluation(evaluation: FleetEvaluation): Promise<EvaluationSummary>;
  /** `ref` is a summary's ref or the scan id. */
  getEvaluation(ref: string): Promise<FleetEvaluation | undefined>;
  getLatestEvaluation(): Promise<FleetEvaluation | undefined>;
  /** Newest first. */
  listEvaluations(query?: EvaluationQuery): Promise<EvaluationSummary[]>;
  /**
   * Retention: deletes the snapshots and evaluations of scan rounds that started before `before`,
   * except what the latest view points at (each cluster's latest, last ok and previous ok snapshot)
   * and the newest evaluation, so reports and the next evaluation never lose their data. Safe to re-run after a
   * failure; a document is deleted header first, so no reader ever sees half of one. With `dryRun`,
   * the same counts and nothing deleted.
   */
  pruneHistory(before: Date, opts?: PruneOptions): Promise<PruneResult>;
  /**
   * Removes a cluster the fleet no longer has: its latest-view entry first, so reports and the next
   * evaluation stop showing it at once, then every snapshot of its history. Undefined when the store
   * holds nothing of that cluster. Safe to re-run after a failure; a scan that stores the cluster again
   * brings it back.
   */
  forgetCluster(cluster: string): Promise<{ snapshots: number } | undefined>;
  /** Throws when the backend does not answer. */
  ping(): Promise<void>;
  /** Throws when the backend will not take our writes (a read-only identity, a wrong key); writes nothing. */
  checkWrites(): Promise<void>;
  close(): Promise<void>;
}
