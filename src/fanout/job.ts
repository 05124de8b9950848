// One job = one cluster of one round: resolve the reference to credentials (here, in memory), collect,
// store the snapshot, settle the cluster's row and see whether the round is complete.
//
// Throwing means "retry me" (the store or ARM was unreachable); everything that a retry cannot fix
// (garbage, an unknown round, a cluster whose credentials cannot be had) ends the message instead.
import { collectCluster } from "../collect/collector.js";
import { UsageError } from "../errors.js";
import { type ClusterSnapshot, scanFailed, type SnapshotSummary } from "../model/snapshot.js";
import { resolveTarget } from "../sources/discover.js";
import { NotInSourceError } from "../sources/target.js";
import { type Completion, completeRound } from "./complete.js";
import { failureSnapshot } from "../model/snapshot.js";
import { type FanoutDeps, nowOf, SILENT } from "./deps.js";
import { type Job, parseJob, printable } from "./messages.js";
import { refIdentity } from "./ref-identity.js";
import type { ClusterRow } from "./rounds.js";

export interface MessageMeta {
  /** The queue the message came from. */
  queue: string;
  messageId?: string;
  dequeueCount?: number;
  /**
   * A poison message's tries as a job: not its dequeue count, since the Functions host moves a message
   * to the poison queue as a new one, dequeued from 1 again.
   */
  tries?: number;
}

export type JobOutcome =
  | { kind: "rejected"; reason: string }
  | { kind: "duplicate"; cluster: string; completion?: Completion }
  /** Its round was evaluated without it and its result can no longer matter: ended unscanned. */
  | { kind: "late"; cluster: string; reason: string }
  /** Its cluster left its source while the job was queued: no snapshot, as for one removed between rounds. */
  | { kind: "gone"; cluster: string; reason: string; completion?: Completion }
  | { kind: "stored"; cluster: string; summary: SnapshotSummary; completion?: Completion };

const firstLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n", 1)[0]!.slice(0, 500);

type Accepted = Job & { row: ClusterRow };

/** The job with its round's row and registered reference, or why it is not a job of that round. */
async function check(job: Job, deps: FanoutDeps): Promise<Accepted | { reason: string }> {
  const { round, ref } = job;
  const cluster = JSON.stringify(printable(ref.name));
  if (!(await deps.rounds.header(round))) return { reason: `round ${round} is unknown in table ${deps.rounds.tableName} (another storage account or table prefix?)` };
  const row = await deps.rounds.cluster(round, ref.name);
  if (!row) return { reason: `cluster ${cluster} is not part of round ${round}` };
  if (!row.ref) return { reason: `cluster ${cluster} of round ${round}: the round was registered without cluster references (an older version), so no job of it is trusted` };
  if (refIdentity(row.ref) !== refIdentity(ref)) {
    return { reason: `cluster ${cluster} of round ${round}: the message's cluster reference (${ref.kind}) is not the one the round registered (${row.ref.kind})` };
  }
  return { ...job, ref: row.ref, row };
}

/**
 * Parses and checks a message against its round; records and names what is not a job of a known round.
 * What is accepted carries the round's registered reference, never the message's own.
 */
async function accept(input: unknown, meta: MessageMeta, deps: FanoutDeps): Promise<Accepted | { rejected: string }> {
  const parsed = parseJob(input);
  const checked = parsed.ok ? await check(parsed.job, deps) : { reason: parsed.reason };
  if ("row" in checked) return checked;
  const { reason } = checked;
  const trace = parsed.ok ? { bytes: 0, sha256: "", round: parsed.job.round, cluster: printable(parsed.job.ref.name) } : parsed.trace;
  const name = `message ${meta.messageId ?? "(no id)"} on queue ${meta.queue}`;
  (deps.log ?? SILENT).warn(`${name} rejected: ${reason}`);
  await deps.rounds.reject({ at: nowOf(deps).toISOString(), queue: meta.queue, messageId: meta.messageId, dequeueCount: meta.dequeueCount, reason, ...trace });
  return { rejected: `${name}: ${reason}` };
}

/** A completion failure must not fail the job: its cluster is stored, and the sweep retries. */
async function tryComplete(round: string, deps: FanoutDeps): Promise<Completion | undefined> {
  try {
    return await completeRound(round, deps);
  } catch (e) {
    (deps.log ?? SILENT).warn(`round ${round}: evaluation failed (the sweep retries it): ${firstLine(e)}`);
    return undefined;
  }
}

/** How a try is named in the logs: the poison reason points here, and a timeout shares its invocation. */
const scanning = (round: string, cluster: string): string => `round ${round}: scanning ${printable(cluster)}`;

function tryOf(meta: MessageMeta): string {
  const tries = meta.dequeueCount ? [`attempt ${meta.dequeueCount}`] : [];
  return [...tries, `message ${meta.messageId ?? "(no id)"}`].join(", ");
}

/** The host logs a thrown error without the message it came from: name round and cluster in it. */
class JobError extends Error {
  override name = "JobError";
  constructor(round: string, cluster: string, meta: MessageMeta, cause: unknown) {
    super(`${scanning(round, cluster)} failed (${tryOf(meta)}): ${firstLine(cause)}`, { cause });
  }
}

/**
 * A job of a round already evaluated without its cluster (`missed`): its result still replaces the
 * placeholder, unless a newer round registered the cluster, whose own job scans it afresh. Why it is
 * ended, or undefined to scan.
 */
async function tooLate({ round, ref, row }: Accepted, deps: FanoutDeps): Promise<string | undefined> {
  if (row.state !== "missed") return undefined;
  const newer = await deps.rounds.supersededBy(round, ref.name);
  return newer && `the round was evaluated without it at its deadline, and round ${newer} scans it`;
}

function endLate({ round, ref }: Accepted, meta: MessageMeta, reason: string, deps: FanoutDeps): JobOutcome {
  (deps.log ?? SILENT).info(`round ${round}: ${printable(ref.name)} not scanned (${tryOf(meta)}): ${reason}`);
  return { kind: "late", cluster: ref.name, reason };
}

export async function handleJob(input: unknown, meta: MessageMeta, deps: FanoutDeps): Promise<JobOutcome> {
  const job = await accept(input, meta, deps);
  if ("rejected" in job) return { kind: "rejected", reason: job.rejected };
  const { round, ref } = job;
  // A redelivered job (its worker stopped after storing): nothing to redo, but the round may be due.
  if (job.row.state === "done") return { kind: "duplicate", cluster: ref.name, completion: await tryComplete(round, deps) };
  const late = await tooLate(job, deps);
  if (late) return endLate(job, meta, late, deps);

  const log = deps.log ?? SILENT;
  // Before collecting: a try that hits functionTimeout or kills its worker leaves only this line.
  log.info(`${scanning(round, ref.name)} (${tryOf(meta)})`);
  let snap: ClusterSnapshot;
  let summary: SnapshotSummary;
  try {
    const collected = await collect(job, deps);
    if ("gone" in collected) return await endGone(job, collected.gone, deps);
    snap = collected;
    summary = await deps.store.putSnapshot(snap);
    await deps.rounds.settle(round, ref.name, "done", snap.status, snap.reason, nowOf(deps));
  } catch (e) {
    throw new JobError(round, ref.name, meta, e);
  }
  // not-cns and stopped were judged as they are (scanFailed): info, like ok; a failure is a warning.
  const line = `round ${round}: ${printable(ref.name)} ${snap.status}${snap.reason ? ` (${snap.reason})` : ""}`;
  if (scanFailed(snap.status)) log.warn(line);
  else log.info(line);
  return { kind: "stored", cluster: ref.name, summary, completion: await tryComplete(round, deps) };
}

/**
 * The cluster's snapshot; a reference that cannot be resolved (no retry fixes it) is its failure, unless
 * its source no longer has the cluster at all (`gone`, why).
 */
async function collect({ round, ref }: Accepted, deps: FanoutDeps): Promise<ClusterSnapshot | { gone: string }> {
  try {
    // Under the registered name, whatever the kubeconfig or fleet file says by now.
    const target = { ...(await resolveTarget(ref, deps.discovery)), name: ref.name };
    return await collectCluster(target, { ...deps.collect, scanId: round });
  } catch (e) {
    if (e instanceof NotInSourceError) return { gone: firstLine(e) };
    if (!(e instanceof UsageError)) throw e;
    return failureSnapshot(ref.name, round, ref.kind, `cluster reference could not be resolved: ${firstLine(e)}`, nowOf(deps));
  }
}

/**
 * A cluster removed from its source (kubeconfig context, fleet-file entry) while its job was queued: as
 * one removed between rounds, it stores nothing and ages into SCN004, rather than failing its scan
 * (SCN001 until forgotten, since no later round has it to scan).
 */
async function endGone({ round, ref }: Accepted, reason: string, deps: FanoutDeps): Promise<JobOutcome> {
  await deps.rounds.settle(round, ref.name, "gone", undefined, reason, nowOf(deps));
  (deps.log ?? SILENT).info(`round ${round}: ${printable(ref.name)} not scanned: gone from its source (${reason})`);
  return { kind: "gone", cluster: ref.name, reason, completion: await tryComplete(round, deps) };
}

/** A job that failed every try (or sits on the poison queue): the cluster's scan failed, as a finding. */
export async function handlePoison(input: unknown, meta: MessageMeta, deps: FanoutDeps): Promise<JobOutcome> {
  const job = await accept(input, meta, deps);
  if ("rejected" in job) return { kind: "rejected", reason: job.rejected };
  const { round, ref } = job;
  if (job.row.state === "done") return { kind: "duplicate", cluster: ref.name, completion: await tryComplete(round, deps) };
  // The deadline's placeholder already says the scan failed: a poison record would only relabel the row.
  if (job.row.state === "missed") return endLate(job, meta, "the round was evaluated without it at its deadline", deps);
  const tries = meta.tries ? `${meta.tries} time${meta.tries === 1 ? "" : "s"}` : "every time it was tried";
  const reason = `poison message: the scan job for this cluster failed ${tries} and was given up (queue ${meta.queue}); the logs name each try's error, after "${scanning(round, ref.name)}"`;
  const snap = failureSnapshot(ref.name, round, ref.kind, reason, nowOf(deps));
  // A try that stored its snapshot and then died before settling left a real result: keep it.
  const summary = await deps.store.putSnapshotIfAbsent(snap);
  if (!summary) {
    await deps.rounds.settle(round, ref.name, "done", undefined, undefined, nowOf(deps));
    return { kind: "duplicate", cluster: ref.name, completion: await tryComplete(round, deps) };
  }
  await deps.rounds.settle(round, ref.name, "failed", "error", reason, nowOf(deps));
  (deps.log ?? SILENT).warn(`round ${round}: ${printable(ref.name)}: ${reason}`);
  return { kind: "stored", cluster: ref.name, summary, completion: await tryComplete(round, deps) };
}
