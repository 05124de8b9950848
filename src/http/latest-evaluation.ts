// The newest evaluation, kept parsed between requests. An evaluation document grows with the fleet
// (clusters, findings, health rows of the nodes that need attention), and every report and the dashboard
// start from it: reading and parsing it per request would make each one cost O(fleet). The newest
// summary row is cheap to list, so each request still asks the store which evaluation is newest and
// reads the document again only when that changed.
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import type { SnapshotStore } from "../store/store.js";

/** An evaluation is rewritten only by a retry of its round, which stamps a new generatedAt. */
const keyOf = (s: EvaluationSummary): string => JSON.stringify([s.ref, s.generatedAt, s.clusters, s.counts]);

/** Shared by every request of the process, so renderers must not change it: frozen, they cannot. */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class LatestEvaluation {
  private cached: { key: string; evaluation: FleetEvaluation } | undefined;
  private loading: { key: string; promise: Promise<FleetEvaluation | undefined> } | undefined;

  constructor(private readonly store: SnapshotStore) {}

  /**
   * The newest evaluation (frozen), or undefined when there is none. `newest` is its summary when the
   * caller has just listed it.
   */
  async get(newest?: EvaluationSummary): Promise<FleetEvaluation | undefined> {
    const summary = newest ?? (await this.store.listEvaluations({ limit: 1 }))[0];
    if (!summary) return undefined;
    const key = keyOf(summary);
    if (this.cached?.key === key) return this.cached.evaluation;
    // Requests that arrive while it is being read share the read.
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.store.getEvaluation(summary.ref).then((e) => {
      if (e) this.cached = { key, evaluation: deepFreeze(e) };
      return e;
    });
    this.loading = { key, promise };
    try {
      return await promise;
    } finally {
      if (this.loading?.promise === promise) this.loading = undefined;
    }
  }
}

const perStore = new WeakMap<SnapshotStore, LatestEvaluation>();

/** One cache per store instance: a server or a Functions worker keeps its store for its lifetime. */
export function latestEvaluationOf(store: SnapshotStore): LatestEvaluation {
  let c = perStore.get(store);
  if (!c) perStore.set(store, (c = new LatestEvaluation(store)));
  return c;
}
