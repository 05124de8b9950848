// Starts a scan round: discover the fleet as secret-free references, register the round (every
// cluster pending, a deadline), then enqueue one job per cluster. Registration comes first, so no
// worker can finish a job of a round that does not exist yet.
import pLimit from "p-limit";
import { UsageError } from "../errors.js";
import { type ClusterSnapshot, failureSnapshot } from "../model/snapshot.js";
import { newScanId } from "../model/scan-id.js";
import { type ClusterRef, DiscoveryError, type DiscoveryProblem, discoverRefs } from "../sources/discover.js";
import { keepKnownNames } from "../sources/known-names.js";
import { clustersNotListed, discoveryNotes, unlistedSnapshot } from "../sources/unlisted.js";
import { DEFAULT_ROUND_DEADLINE_MS, type FanoutDeps, LATE_JOB_SLACK_MS, nowOf, SILENT } from "./deps.js";
import { encodeJob } from "./messages.js";

export interface StartedRound {
  round: string;
  deadline: string;
  clusters: string[];
  /** Clusters whose job could not be enqueued: recorded as failed snapshots of the round. */
  notEnqueued: Array<{ cluster: string; reason: string }>;
  /** Jobs on the queue: one per listed cluster whose job could be enqueued. */
  jobs: number;
  /**
   * Known clusters of subscriptions that could not be listed, recorded at the start with no job: failed,
   * or kept as the stopped or not-CNS cluster they were.
   */
  unlisted: { failed: string[]; kept: string[] };
  /** Discovery listed nothing: every known cluster is failed in the round, with this as its reason. */
  discoveryError?: DiscoveryError;
}

export async function startRound(deps: FanoutDeps, refs?: readonly ClusterRef[]): Promise<StartedRound> {
  const problems: DiscoveryProblem[] = [];
  let undiscovered: DiscoveryError | undefined;
  const discovered =
    refs ??
    (await discoverRefs(deps.discovery, { onProblem: (p) => problems.push(p) }).catch((e: unknown) => {
      if (!(e instanceof DiscoveryError)) throw e;
      undiscovered = e;
      problems.push(...e.problems);
      return [];
    }));
  // ARM clusters keep the names their history has.
  const latest = discovered.some((r) => r.kind === "arm") || problems.length > 0 ? await deps.store.listLatest().catch(() => undefined) : undefined;
  const listed = keepKnownNames(discovered, latest, (r) => r.kind === "arm");
  // Known clusters of a subscription that could not be listed are in the round, failed from the start;
  // when nothing could be listed, all of them (a round, alerts and SCN001 rather than silence).
  const unlisted = clustersNotListed(latest, new Set(listed.map((r) => r.name)), problems, undiscovered);
  const fleet: ClusterRef[] = [...listed, ...unlisted.map((u): ClusterRef => ({ kind: "arm", name: u.name, id: u.id }))];
  // Said with what could not be listed, which a round that never starts would not keep.
  if (fleet.length === 0) throw new UsageError(["discovery found no clusters: nothing to scan", ...discoveryNotes(problems)].join("; "));
  const seen = new Set<string>();
  for (const r of fleet) {
    if (seen.has(r.name)) throw new UsageError(`cluster name ${JSON.stringify(r.name.slice(0, 80))} is discovered twice: names must be unique in a fleet`);
    seen.add(r.name);
  }
  const at = nowOf(deps);
  const round = newScanId(at);
  const deadline = new Date(at.getTime() + (deps.roundDeadlineMs ?? DEFAULT_ROUND_DEADLINE_MS));
  /** A cluster of the round that no job will scan: this snapshot is its part of the round. */
  const record = async (snap: ClusterSnapshot): Promise<void> => {
    // A send that timed out may still have enqueued the job: never overwrite what it stores.
    await deps.store.putSnapshotIfAbsent(snap);
    await deps.rounds.settle(round, snap.cluster, snap.status === "error" ? "failed" : "done", snap.status, snap.reason, nowOf(deps));
  };
  const fail = (ref: Pick<ClusterRef, "name" | "kind">, reason: string): Promise<void> => record(failureSnapshot(ref.name, round, ref.kind, reason, nowOf(deps)));
  // Fail on an oversized reference before anything is registered.
  const messages = listed.map((ref) => ({ ref, text: encodeJob({ v: 1, round, ref }) }));
  const notes = discoveryNotes(problems);
  await deps.rounds.create(round, fleet, at, deadline, notes);
  // Kept clusters' ARM data is read all at once: a slow store costs one request's wait, not one per cluster.
  for (const snap of await Promise.all(unlisted.map((u) => unlistedSnapshot(u, round, nowOf(deps), deps.store)))) await record(snap);

  // A job outlives its round by the slack only, not the queue's default week.
  const ttlS = (deadline.getTime() - at.getTime() + LATE_JOB_SLACK_MS) / 1000;
  const notEnqueued: StartedRound["notEnqueued"] = [];
  const limit = pLimit(16);
  await Promise.all(
    messages.map(({ ref, text }) =>
      limit(async () => {
        try {
          await deps.queue.send(text, ttlS);
        } catch (e) {
          const reason = `the scan job could not be enqueued on ${deps.queue.name}: ${(e as Error).message.split("\n", 1)[0]}`;
          await fail(ref, reason);
          notEnqueued.push({ cluster: ref.name, reason });
        }
      }),
    ),
  );
  const jobs = listed.length - notEnqueued.length;
  const kept = unlisted.filter((u) => u.kept).map((u) => u.name);
  const failed = unlisted.filter((u) => !u.kept).map((u) => u.name);
  (deps.log ?? SILENT).info(`round ${round}: ${jobs} of ${listed.length} cluster job(s) enqueued on ${deps.queue.name}, deadline ${deadline.toISOString()}${unlisted.length ? `; ${failed.length} known cluster(s) of unlisted subscriptions failed, ${kept.length} kept stopped or not CNS` : ""}`);
  for (const n of notes) (deps.log ?? SILENT).warn(`round ${round}: ${n}`);
  return { round, deadline: deadline.toISOString(), clusters: fleet.map((r) => r.name).sort(), notEnqueued, jobs, unlisted: { failed, kept }, ...(undiscovered ? { discoveryError: undiscovered } : {}) };
}
