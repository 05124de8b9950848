// Feeds the evaluator from the store, cluster by cluster, and stores the evaluation. A scan adds each
// snapshot as soon as it is stored; whatever else the latest view holds is read at the end. Only one
// cluster's previous snapshot is held at a time (per reader), never the whole fleet's.
import pLimit from "p-limit";
import type { FleetEvaluation } from "../model/evaluation.js";
import type { ClusterSnapshot, SnapshotSummary } from "../model/snapshot.js";
import type { Policy } from "../policy/policy.js";
import type { ClusterView } from "../rules/context.js";
import { judgedSummary, type LatestEntry, type SnapshotStore, type StoredSnapshot } from "../store/store.js";
import { FORECAST_SPACING_MS, FORECAST_WINDOW_MS } from "../analysis/forecast.js";
import { Evaluator } from "./evaluate.js";

/**
 * The rules get the evaluation summaries of the forecast window (IPX004 fits the last 7 days), read by
 * time, plus an hour for rounds that started before their evaluation was written. Bounded so a very
 * short scan interval cannot make every round read an unbounded history: 7 days of 5-minute scans are
 * 2,016 summaries, so the cap only cuts the window short below a 2.5-minute interval (and says so).
 */
const HISTORY_WINDOW_MS = FORECAST_WINDOW_MS + 3_600_000;
const HISTORY_CAP = 4_032;
/**
 * What the evaluation keeps of that: every summary of the newest 64 (SCN004 infers the scan interval
 * from the newest gaps), then one per 15 minutes (672 a week: plenty for a linear fit). Each summary
 * holds every subnet: at 1,000 subnets, a week of 5-minute scans would be 2 million subnet rows.
 */
const HISTORY_THIN = { keepNewest: 64, spacingMs: FORECAST_SPACING_MS };
/** At least this many of the newest summaries whatever their age (sparse scans: the forecast widens to its last points; SCN004 reads gaps between recent rounds). */
const HISTORY_MIN = 10;
/** Clusters read back from the store at once. */
const READERS = 8;

/**
 * One cluster's view from its latest-view entry: the data to judge and the ok snapshot before it.
 * `fresh` is a snapshot just collected in this process, to save reading it back. `previousOk`, when
 * known, is the ok snapshot before the judged one (null: there is none), to save listing the history.
 * Undefined (with a note) when the store cannot give the snapshot.
 */
export async function loadView(
  store: SnapshotStore,
  entry: LatestEntry,
  fresh: ClusterSnapshot | undefined,
  notes: string[],
  previousOk?: SnapshotSummary | null,
): Promise<ClusterView | undefined> {
  const read = async (s: SnapshotSummary): Promise<ClusterSnapshot | undefined> => {
    if (fresh && fresh.cluster === entry.cluster && fresh.scanId === s.scanId) return fresh;
    try {
      return await store.getSnapshot(entry.cluster, s.ref);
    } catch (e) {
      notes.push(`snapshot of ${entry.cluster} taken ${s.takenAt} could not be read: ${(e as Error).message}`);
      return undefined;
    }
  };
  const dataSummary = judgedSummary(entry);
  const snapshot = (await read(dataSummary)) ?? (dataSummary !== entry.latest ? await read(entry.latest) : undefined);
  if (!snapshot) return undefined;
  const view: ClusterView = { name: entry.cluster, latest: entry.latest, snapshot, ...(entry.lastOk ? { lastOk: entry.lastOk } : {}) };
  if (snapshot.status === "ok") {
    // Known from the write in hand, or from the entry when it judges its lastOk; else from the history.
    let prev = snapshot === fresh ? previousOk : undefined;
    if (prev === undefined && entry.previousOk && entry.lastOk?.scanId === snapshot.scanId && entry.previousOk.takenAt < snapshot.takenAt) prev = entry.previousOk;
    let previous = prev ? await read(prev) : undefined;
    // A known previous snapshot that is gone (pruned) leaves the history to say which one is there.
    if (prev === undefined || (prev !== null && !previous)) {
      const h = (await store.listHistory(entry.cluster, { limit: 10 })).find((x) => x.status === "ok" && x.takenAt < snapshot.takenAt);
      previous = h && h.ref !== prev?.ref ? await read(h) : undefined;
    }
    if (previous) view.previous = previous;
  }
  return view;
}

export interface RunEvaluationOptions {
  scanId: string;
  now?: Date;
  policy?: Policy;
  /** Notes from the caller (e.g. snapshots the store refused) to keep with the evaluation. */
  notes?: string[];
}

/** An evaluation round over the store's latest view: `open`, `addStored` while scanning, `finish`. */
export class EvaluationRun {
  private readonly added = new Set<string>();
  private readonly notes: string[];

  private constructor(
    private readonly store: SnapshotStore,
    private readonly evaluator: Evaluator,
    opts: RunEvaluationOptions,
  ) {
    this.notes = [...(opts.notes ?? [])];
  }

  static async open(store: SnapshotStore, opts: RunEvaluationOptions): Promise<EvaluationRun> {
    const now = opts.now ?? new Date();
    let history = await store.listEvaluations({ since: new Date(now.getTime() - HISTORY_WINDOW_MS), limit: HISTORY_CAP, thin: HISTORY_THIN });
    if (history.length < HISTORY_MIN) history = await store.listEvaluations({ limit: HISTORY_MIN });
    // The newest summary names the previous evaluation: one listing serves both.
    const previous = history[0] ? await store.getEvaluation(history[0].ref) : undefined;
    const evaluator = new Evaluator({ scanId: opts.scanId, now, previous, history, ...(opts.policy ? { policy: opts.policy } : {}) });
    const run = new EvaluationRun(store, evaluator, opts);
    const oldest = history[history.length - 1];
    if (history.length >= HISTORY_CAP && oldest) {
      run.notes.push(`forecasts use the newest ${HISTORY_CAP} evaluations (since ${oldest.generatedAt}), less than their ${FORECAST_WINDOW_MS / 86_400_000}-day window: scans run more often than every ${(FORECAST_WINDOW_MS / HISTORY_CAP / 60_000).toFixed(1)} minutes`);
    }
    return run;
  }

  /**
   * A snapshot the store has just taken: the cluster is evaluated now, from the latest view as it
   * stands (a newer round's snapshot wins). `stored`, what the write did to the latest view, spares
   * reading the entry and the history back when the write made this snapshot the latest. Anything
   * that goes wrong leaves the cluster to `finish`.
   */
  async addStored(snapshot: ClusterSnapshot, stored?: StoredSnapshot): Promise<void> {
    const cluster = snapshot.cluster;
    if (this.added.has(cluster)) return;
    let view: ClusterView | undefined;
    const notes: string[] = [];
    try {
      let entry: LatestEntry | undefined;
      let previousOk: SnapshotSummary | null | undefined;
      if (stored && stored.summary.cluster === cluster && stored.after.latest.ref === stored.summary.ref) {
        // The entry the write left names the good snapshot before this one; only "none" it cannot say,
        // and the entry the write replaced (etag-checked) can: it had no good snapshot at all.
        entry = stored.after;
        if (snapshot.status === "ok" && !stored.before?.lastOk) previousOk = null;
      } else entry = await this.store.getLatest(cluster);
      if (entry) view = await loadView(this.store, entry, snapshot, notes, previousOk);
    } catch {
      return;
    }
    if (!view || this.added.has(cluster)) return;
    this.added.add(cluster);
    this.notes.push(...notes);
    this.addView(view);
  }

  private addView(view: ClusterView): void {
    try {
      this.evaluator.add(view);
    } catch (e) {
      // Rules already fail one at a time inside; this is the evaluator itself refusing the data.
      this.notes.push(`cluster ${view.name} could not be evaluated: ${(e as Error).message}`);
    }
  }

  /** Reads every other cluster of the latest view, evaluates the fleet and stores the evaluation. */
  async finish(extraNotes: readonly string[] = []): Promise<FleetEvaluation> {
    const unread: string[] = [];
    const latest = await this.store.listLatest();
    const limit = pLimit(READERS);
    await Promise.all(
      latest
        .filter((entry) => !this.added.has(entry.cluster))
        .map((entry) =>
          limit(async () => {
            const view = await loadView(this.store, entry, undefined, this.notes);
            if (!view) return unread.push(entry.cluster);
            this.added.add(entry.cluster);
            this.addView(view);
          }),
        ),
    );
    const evaluation = this.evaluator.finish(unread.sort());
    evaluation.notes.push(...this.notes, ...extraNotes);
    await this.store.putEvaluation(evaluation);
    return evaluation;
  }
}

export async function runEvaluation(store: SnapshotStore, opts: RunEvaluationOptions): Promise<FleetEvaluation> {
  return (await EvaluationRun.open(store, opts)).finish();
}
