// In-memory SnapshotStore for tests and demos: the Table store's semantics (same refs, ordering and
// latest-view rules) without a backend. Documents go through JSON both ways, like the Table store,
// so callers never share objects with the store.
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import { type FindingClusters, findingClusters, summarizeEvaluation } from "../model/evaluation.js";
import type { ClusterSnapshot, SnapshotSummary } from "../model/snapshot.js";
import { normalizeRef, scanRowKey, sinceUpperBound, SCAN_ROWS_END } from "./keys.js";
import { countPruned, type EvaluationQuery, type HistoryQuery, type LatestEntry, type PruneOptions, type PruneResult, type SnapshotStore, type StoredSnapshot, thinner } from "./store.js";
import { checkCluster, checkLimit, checkStoredCluster, nextLatest, storedSummary } from "./summary.js";

interface Stored<S> {
  summary: S;
  json: string;
}

function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Newest first, filtered by `since` and `limit` the way the Table store's row-key range does it. */
function select<S extends { ref: string }>(rows: Map<string, Stored<S>>, q: HistoryQuery = {}): S[] {
  const limit = checkLimit(q.limit);
  const end = q.since ? sinceUpperBound(q.since) : SCAN_ROWS_END;
  return [...rows.keys()]
    .filter((ref) => ref < end)
    .sort()
    .slice(0, limit)
    .map((ref) => copy(rows.get(ref)!.summary));
}

export class MemorySnapshotStore implements SnapshotStore {
  readonly label = "in-memory store";
  private readonly history = new Map<string, Map<string, Stored<SnapshotSummary>>>();
  private readonly latest = new Map<string, LatestEntry>();
  private readonly evaluations = new Map<string, Stored<EvaluationSummary> & { findingClusters: FindingClusters }>();

  async init(): Promise<void> {}

  async putSnapshot(snapshot: ClusterSnapshot): Promise<SnapshotSummary> {
    return (await this.put(snapshot, false))!.summary;
  }

  async putSnapshotWithLatest(snapshot: ClusterSnapshot): Promise<StoredSnapshot> {
    return (await this.put(snapshot, false))!;
  }

  async putSnapshotIfAbsent(snapshot: ClusterSnapshot): Promise<SnapshotSummary | undefined> {
    return (await this.put(snapshot, true))?.summary;
  }

  private async put(snapshot: ClusterSnapshot, ifAbsent: boolean): Promise<StoredSnapshot | undefined> {
    const cluster = checkCluster(snapshot.cluster);
    const ref = scanRowKey(snapshot.scanId);
    const json = JSON.stringify(snapshot);
    const summary = storedSummary(JSON.parse(json) as ClusterSnapshot, ref);
    let rows = this.history.get(cluster);
    if (!rows) this.history.set(cluster, (rows = new Map()));
    if (ifAbsent && rows.has(ref)) return undefined;
    rows.set(ref, { summary, json });
    const before = this.latest.get(cluster);
    const next = await nextLatest(
      before,
      summary,
      async () => [...rows.values()].map((r) => r.summary).filter((s) => s.status === "ok").sort((a, b) => (a.ref < b.ref ? -1 : 1))[0],
      ifAbsent,
    );
    this.latest.set(cluster, copy(next));
    return { summary: copy(summary), ...(before ? { before: copy(before) } : {}), after: copy(next) };
  }

  async getSnapshot(cluster: string, ref: string): Promise<ClusterSnapshot | undefined> {
    const key = normalizeRef(ref);
    const row = key === undefined ? undefined : this.history.get(cluster)?.get(key);
    return row ? (JSON.parse(row.json) as ClusterSnapshot) : undefined;
  }

  async listHistory(cluster: string, query?: HistoryQuery): Promise<SnapshotSummary[]> {
    const rows = this.history.get(cluster);
    if (!rows) {
      checkLimit(query?.limit);
      return [];
    }
    return select(rows, query);
  }

  async listLatest(): Promise<LatestEntry[]> {
    return [...this.latest.keys()].sort().map((c) => copy(this.latest.get(c)!));
  }

  async getLatest(cluster: string): Promise<LatestEntry | undefined> {
    const e = this.latest.get(cluster);
    return e ? copy(e) : undefined;
  }

  async putEvaluation(evaluation: FleetEvaluation): Promise<EvaluationSummary> {
    const ref = scanRowKey(evaluation.scanId);
    const json = JSON.stringify(evaluation);
    const copied = JSON.parse(json) as FleetEvaluation;
    const summary = summarizeEvaluation(copied, ref);
    this.evaluations.set(ref, { summary, json, findingClusters: findingClusters(copied.findings) });
    return copy(summary);
  }

  async getEvaluation(ref: string): Promise<FleetEvaluation | undefined> {
    const key = normalizeRef(ref);
    const row = key === undefined ? undefined : this.evaluations.get(key);
    return row ? (JSON.parse(row.json) as FleetEvaluation) : undefined;
  }

  async getLatestEvaluation(): Promise<FleetEvaluation | undefined> {
    const [newest] = select(this.evaluations, { limit: 1 });
    return newest ? this.getEvaluation(newest.ref) : undefined;
  }

  async listEvaluations(query?: EvaluationQuery): Promise<EvaluationSummary[]> {
    const keep = thinner(query?.thin);
    const out = select(this.evaluations, query).filter((e) => keep(e.generatedAt));
    if (!query?.findingClusters) return out;
    return out.map((e) => ({ ...e, findingClusters: copy(this.evaluations.get(e.ref)!.findingClusters) }));
  }

  async pruneHistory(before: Date, opts: PruneOptions = {}): Promise<PruneResult> {
    const bound = sinceUpperBound(before);
    const old = (ref: string): boolean => ref >= bound && ref < SCAN_ROWS_END;
    const out: PruneResult = { snapshots: 0, evaluations: 0, clusters: [] };
    for (const cluster of [...this.history.keys()].sort()) {
      const rows = this.history.get(cluster)!;
      const e = this.latest.get(cluster);
      const keep = new Set([e?.latest.ref, e?.lastOk?.ref, e?.previousOk?.ref]);
      const doomed = [...rows.keys()].filter((ref) => old(ref) && !keep.has(ref));
      if (!opts.dryRun) for (const ref of doomed) rows.delete(ref);
      countPruned(out, cluster, doomed.length);
    }
    const [newest] = select(this.evaluations, { limit: 1 });
    const doomed = [...this.evaluations.keys()].filter((ref) => old(ref) && ref !== newest?.ref);
    if (!opts.dryRun) for (const ref of doomed) this.evaluations.delete(ref);
    out.evaluations = doomed.length;
    return out;
  }

  async forgetCluster(cluster: string): Promise<{ snapshots: number } | undefined> {
    checkStoredCluster(cluster);
    const rows = this.history.get(cluster);
    if (!rows && !this.latest.has(cluster)) return undefined;
    this.latest.delete(cluster);
    this.history.delete(cluster);
    return { snapshots: rows?.size ?? 0 };
  }

  async ping(): Promise<void> {}

  async checkWrites(): Promise<void> {}

  async close(): Promise<void> {}
}
