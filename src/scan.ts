// One scan round: collect every target (bounded concurrency), store each snapshot as it arrives and
// evaluate that cluster's own rules right away, then the fleet rules. The CLI, the demo and the
// worker all run this.
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { beforeAbort } from "./collect/before-abort.js";
import { collectFleet, type FleetCollectOptions } from "./collect/collector.js";
import { StoreError } from "./errors.js";
import { EvaluationRun } from "./evaluate/run.js";
import type { FleetEvaluation } from "./model/evaluation.js";
import { newScanId } from "./model/scan-id.js";
import { type ClusterSnapshot, type SnapshotSummary, summarize } from "./model/snapshot.js";
import type { Policy } from "./policy/policy.js";
import type { DiscoveryError, DiscoveryProblem } from "./sources/azure/managed-clusters.js";
import { keepKnownNames } from "./sources/known-names.js";
import { clustersNotListed, discoveryNotes, unlistedSnapshot } from "./sources/unlisted.js";
import type { ClusterTarget } from "./sources/target.js";
import { STORE_DEADLINE_MS, StoreOutage } from "./store/outage.js";
import type { SnapshotStore, StoredSnapshot } from "./store/store.js";

/** Those writes at once: a store just back need not take the whole fleet in one burst. */
const STORE_RETRIES_AT_ONCE = 4;
/** Between pings of a store that does not answer yet. */
const PING_PAUSE_MS = 1000;

/** `signal` cancels the scan: it rejects with the signal's reason, having stored no snapshot after it and no evaluation. */
export interface ScanOptions extends Omit<FleetCollectOptions, "scanId"> {
  scanId?: string;
  policy?: Policy;
  /** Called after each cluster is collected and stored (or its store attempt failed, or waits for the store to answer). */
  onCluster?: (summary: SnapshotSummary, done: number, total: number) => void;
  /** What discovery could not list: kept as evaluation notes, and the known clusters of a subscription it names are scanned as failed. */
  discoveryProblems?: readonly DiscoveryProblem[];
  /** Discovery listed nothing at all: every known cluster is scanned as failed (rethrown when the store knows none). */
  discoveryError?: DiscoveryError;
  /** STORE_DEADLINE_MS unless given. */
  storeDeadlineMs?: number;
}

export interface ScanResult {
  scanId: string;
  clusters: SnapshotSummary[];
  evaluation: FleetEvaluation;
  /** Clusters whose snapshot could not be stored (the store failed): named with the reason. */
  storeFailures: StoreFailure[];
}

type StoreFailure = { cluster: string; reason: string };

export async function runScan(discovered: readonly ClusterTarget[], store: SnapshotStore, opts: ScanOptions = {}): Promise<ScanResult> {
  const scanId = opts.scanId ?? newScanId();
  const clusters: SnapshotSummary[] = [];
  const unstored: ClusterSnapshot[] = [];
  const outage = new StoreOutage(store);
  const deadlineMs = opts.storeDeadlineMs ?? STORE_DEADLINE_MS;
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
      outage.failed(e);
      return (e as Error).message.split("\n", 1)[0] ?? "store error";
    }
    await (await opening)?.addStored(snap, stored);
    return undefined;
  };
  let done = 0;
  // One listing of the latest view up front lets a store that keeps it (the Table store) update each
  // cluster's entry without reading it first, and ARM clusters keep the names their history has. A
  // failure here changes nothing but those; a store that does not answer is down for the writes too.
  const problems = opts.discoveryProblems ?? [];
  const listed = discovered.length > 1 || discovered.some((t) => t.arm) || problems.length > 0 || opts.discoveryError ? inTime(store, deadlineMs, "listing the latest view", store.listLatest()) : undefined;
  // A store refusing our writes (a wrong or rotated key, a read-only identity) will not take them later:
  // said before collecting, not after the store deadline. One that does not answer is down for the writes.
  const writable = inTime(store, deadlineMs, "checking that the store takes our writes", store.checkWrites()).then(() => undefined, (e: unknown) => e);
  const latest = await listed?.catch((e: unknown) => {
    outage.failed(e);
    return undefined;
  });
  const unwritable = await writable;
  if (refused(unwritable)) throw unwritable;
  outage.failed(unwritable);
  const targets = keepKnownNames(discovered, latest, (t) => t.fromListing === true);
  const stored = async (snap: ClusterSnapshot): Promise<SnapshotSummary> => {
    // While the store does not answer, a snapshot waits for the end instead of holding its collection slot for a request timeout.
    if (outage.waiting() || (await put(snap))) unstored.push(snap);
    const summary = summarize(snap, "");
    clusters.push(summary);
    return summary;
  };
  const unlisted = clustersNotListed(latest, new Set(targets.map((t) => t.name)), problems, opts.discoveryError);
  // A kept cluster's ARM data is read from the store: all at once, within the store deadline, and not from a store known to be down.
  const kept: Pick<SnapshotStore, "getSnapshot"> = {
    getSnapshot: (cluster, ref) =>
      outage.waiting()
        ? Promise.resolve(undefined)
        : inTime(store, deadlineMs, `reading the latest snapshot of ${cluster}`, store.getSnapshot(cluster, ref)).catch((e: unknown) => {
            outage.failed(e);
            throw e;
          }),
  };
  for (const snap of await Promise.all(unlisted.map((u) => unlistedSnapshot(u, scanId, new Date(), kept)))) await stored(snap);
  await collectFleet(targets, { ...opts, scanId }, async (snap) => {
    // Cancelled (`signal`): what the cancel cut short would read as failed clusters, so it is not stored.
    if (opts.signal?.aborted) return;
    const summary = await stored(snap);
    opts.onCluster?.(summary, ++done, targets.length);
  });
  opts.signal?.throwIfAborted(); // nor is a partial round evaluated
  const storeFailures = unstored.length > 0 ? await storeAgain(unstored, put, outage, deadlineMs) : [];
  const notes = [...discoveryNotes(problems), ...storeFailures.map((f) => `snapshot of ${f.cluster} was not stored: ${f.reason}`)];
  clusters.sort((a, b) => a.cluster.localeCompare(b.cluster));
  const evaluate = async (): Promise<FleetEvaluation> => ((await opening) ?? (await EvaluationRun.open(store, evalOpts))).finish(notes);
  return { scanId, clusters, evaluation: await inTime(store, deadlineMs, "evaluating the scan", evaluate()), storeFailures };
}

/**
 * `work` on the store, or a StoreError naming the store once the scan's store deadline has passed: the
 * scan waits no longer for a store that does not answer (the call goes on until its timeout, or the store is closed).
 */
function inTime<T>(store: SnapshotStore, deadlineMs: number, what: string, work: Promise<T>): Promise<T> {
  return beforeAbort(work, AbortSignal.timeout(deadlineMs), () => new StoreError(`${what}: the ${store.label} did not answer within the scan's store deadline (${deadlineMs / 1000} s)`, ""));
}

/**
 * The store may have been down for a moment (a restart, throttling): once it answers a ping again, one
 * more try of each snapshot it missed, a few at a time, all within `deadlineMs`. The collected data was
 * never at risk meanwhile. A store that does not answer by the deadline fails the scan, for every
 * cluster together: the evaluation could not be stored either.
 */
async function storeAgain(unstored: ClusterSnapshot[], put: (snap: ClusterSnapshot) => Promise<string | undefined>, outage: StoreOutage, deadlineMs: number): Promise<StoreFailure[]> {
  const deadline = AbortSignal.timeout(deadlineMs);
  const late = (what: string) => () => new Error(`${what} within the scan's store deadline (${deadlineMs / 1000} s)`);
  const down = await storeBack(outage, deadline, late("the store did not answer"));
  if (down !== undefined) {
    const why = (down instanceof Error ? down.message : String(down)).split("\n", 1)[0] ?? "";
    const n = unstored.length;
    const what = refused(down) ? "refused our credentials during the scan" : `stopped answering during the scan and did not answer again within ${deadlineMs / 1000} s`;
    throw new StoreError(
      `the ${outage.store.label} ${what}: the snapshots of ${n} cluster${n === 1 ? "" : "s"} were not stored (${why})`,
      down instanceof StoreError ? down.table : "",
      undefined,
      undefined,
      undefined,
      { reason: why },
    );
  }
  const limit = pLimit(STORE_RETRIES_AT_ONCE);
  const reasons = await Promise.all(
    unstored.map((snap) =>
      limit(async () => (deadline.aborted ? late("not tried again")().message : beforeAbort(put(snap), deadline, late("the write did not finish")).catch((e: Error) => e.message))),
    ),
  );
  return unstored.flatMap((snap, i) => (reasons[i] ? [{ cluster: snap.cluster, reason: reasons[i] }] : []));
}

const refused = (e: unknown): boolean => e instanceof StoreError && e.refused;

/** Pings the store, one ping at a time, until it answers (undefined), refuses our credentials or `deadline`: then what the last ping failed with. */
async function storeBack(outage: StoreOutage, deadline: AbortSignal, late: () => Error): Promise<unknown> {
  let down: unknown = late();
  for (;;) {
    try {
      const failed = await beforeAbort(outage.answers(), deadline, late);
      if (failed === undefined) return undefined;
      down = failed;
      if (refused(failed)) return down; // asking again will not change its mind
      await sleep(PING_PAUSE_MS, undefined, { signal: deadline });
    } catch {
      return down; // the deadline: what the last ping said says more than that
    }
  }
}
