// Loads what the rules need from the store, evaluates, and stores the evaluation.
import pLimit from "p-limit";
import type { FleetEvaluation } from "../model/evaluation.js";
import type { ClusterSnapshot, SnapshotSummary } from "../model/snapshot.js";
import type { Policy } from "../policy/policy.js";
import type { ClusterView } from "../rules/context.js";
import type { LatestEntry, SnapshotStore } from "../store/store.js";
import { evaluate } from "./evaluate.js";

/** How many evaluation summaries the rules get for trends and forecasts. */
const HISTORY_LIMIT = 500;

/**
 * Builds one view per cluster from the latest view. `fresh` holds snapshots just collected in this
 * process, to save reading them back.
 */
export async function loadViews(store: SnapshotStore, fresh?: ReadonlyMap<string, ClusterSnapshot>, notes: string[] = [], unread: string[] = []): Promise<ClusterView[]> {
  const latest = await store.listLatest();
  const limit = pLimit(8);
  const views = await Promise.all(latest.map((entry) => limit(() => loadView(store, entry, fresh, notes))));
  latest.forEach((entry, i) => {
    if (!views[i]) unread.push(entry.cluster);
  });
  return views.filter((v): v is ClusterView => v !== undefined);
}

async function loadView(store: SnapshotStore, entry: LatestEntry, fresh: ReadonlyMap<string, ClusterSnapshot> | undefined, notes: string[]): Promise<ClusterView | undefined> {
  const read = async (s: SnapshotSummary): Promise<ClusterSnapshot | undefined> => {
    const f = fresh?.get(entry.cluster);
    if (f && f.scanId === s.scanId) return f;
    try {
      return await store.getSnapshot(entry.cluster, s.ref);
    } catch (e) {
      notes.push(`snapshot of ${entry.cluster} taken ${s.takenAt} could not be read: ${(e as Error).message}`);
      return undefined;
    }
  };
  const dataSummary = entry.latest.status === "ok" ? entry.latest : (entry.lastOk ?? entry.latest);
  const snapshot = (await read(dataSummary)) ?? (dataSummary !== entry.latest ? await read(entry.latest) : undefined);
  if (!snapshot) return undefined;
  const view: ClusterView = { name: entry.cluster, latest: entry.latest, snapshot };
  if (snapshot.status === "ok") {
    const history = await store.listHistory(entry.cluster, { limit: 10 });
    const prev = history.find((h) => h.status === "ok" && h.takenAt < snapshot.takenAt);
    if (prev) {
      const p = await read(prev);
      if (p) view.previous = p;
    }
  }
  return view;
}

export interface RunEvaluationOptions {
  scanId: string;
  now?: Date;
  policy?: Policy;
  fresh?: ReadonlyMap<string, ClusterSnapshot>;
  /** Notes from the caller (e.g. snapshots the store refused) to keep with the evaluation. */
  notes?: string[];
}

export async function runEvaluation(store: SnapshotStore, opts: RunEvaluationOptions): Promise<FleetEvaluation> {
  const notes: string[] = [...(opts.notes ?? [])];
  const unreadClusters: string[] = [];
  const [views, previous, history] = await Promise.all([
    loadViews(store, opts.fresh, notes, unreadClusters),
    store.getLatestEvaluation(),
    store.listEvaluations({ limit: HISTORY_LIMIT }),
  ]);
  const evaluation = evaluate(
{ scanId: opts.scanId, now: opts.now ?? new Date(), views, previous, history, unreadClusters, ...(opts.policy ? { policy: opts.policy } : {}) });
  evaluation.notes.push(...notes);
  await store.putEvaluation(evaluation);
  return evaluation;
}
