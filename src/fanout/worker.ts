// A queue consumer outside Azure: the same jobs the Functions app runs, so several processes (or
// machines) share one round. It mirrors the host: at most `concurrency` jobs at a time, a failed
// job comes back after a backoff, and after MAX_DEQUEUE_COUNT tries it is handled as poison.
import { sweepRounds } from "./complete.js";
import { type FanoutDeps, SILENT } from "./deps.js";
import { handleJob, handlePoison, type JobOutcome } from "./job.js";
import { MAX_DEQUEUE_COUNT, type ReceivedJob } from "./queue.js";

export interface WorkerOptions {
  concurrency: number;
  /** Stop once both queues are empty (in-flight messages of other workers included). */
  untilEmpty?: boolean;
  /** Stop after this long without a message. */
  idleExitMs?: number;
  signal?: AbortSignal;
  /** How long a received message stays hidden from other workers; longer than a cluster's deadline. */
  visibilityS?: number;
  maxDequeueCount?: number;
  pollMs?: number;
  /** How often rounds past their deadline are completed. */
  sweepMs?: number;
}

export interface WorkerStats {
  stored: number;
  duplicates: number;
  rejected: number;
  /** Jobs of rounds evaluated without them, ended unscanned. */
  late: number;
  /** Jobs whose cluster left its source while they were queued, ended without a snapshot. */
  gone: number;
  poisoned: number;
  /** Jobs that threw and will be retried. */
  retried: number;
  /** Rounds this worker evaluated. */
  evaluated: string[];
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

export async function runWorker(deps: FanoutDeps, opts: WorkerOptions): Promise<WorkerStats> {
  const log = deps.log ?? SILENT;
  const stats: WorkerStats = { stored: 0, duplicates: 0, rejected: 0, late: 0, gone: 0, poisoned: 0, retried: 0, evaluated: [] };
  const visibilityS = opts.visibilityS ?? Math.ceil((deps.collect?.clusterDeadlineMs ?? 90_000) / 1000) + 60;
  const maxDequeue = opts.maxDequeueCount ?? MAX_DEQUEUE_COUNT;
  const pollMs = opts.pollMs ?? 1_000;
  const sweepMs = opts.sweepMs ?? 30_000;
  const inflight = new Set<Promise<void>>();
  let lastActivity = Date.now();
  let lastSweep = 0;

  const count = (o: JobOutcome, poison: boolean): void => {
    if (o.kind === "rejected") stats.rejected++;
    else if (o.kind === "duplicate") stats.duplicates++;
    else if (o.kind === "late") stats.late++;
    else if (o.kind === "gone") stats.gone++;
    else if (poison) stats.poisoned++;
    else stats.stored++;
    if ("completion" in o && o.completion?.state === "evaluated") stats.evaluated.push(o.completion.evaluation.scanId);
  };

  const run = async (m: ReceivedJob): Promise<void> => {
    const poison = m.poison || m.dequeueCount > maxDequeue;
    // Tried maxDequeue times here; one on the poison queue is the Functions host's copy, tried as often as host.json allows.
    const meta = { queue: m.poison ? deps.queue.poison.name : deps.queue.name, messageId: m.messageId, dequeueCount: m.dequeueCount, ...(poison ? { tries: m.poison ? MAX_DEQUEUE_COUNT : maxDequeue } : {}) };
    try {
      const outcome = poison ? await handlePoison(m.text, meta, deps) : await handleJob(m.text, meta, deps);
      count(outcome, poison);
      await deps.queue.delete(m);
    } catch (e) {
      stats.retried++;
      // After the last try it comes back at once, to be handled as poison.
      const last = !poison && m.dequeueCount >= maxDequeue;
      const delay = last ? 0 : Math.min(60, 2 ** m.dequeueCount);
      const next = last ? "given up: it is recorded as its cluster's failed scan" : `retrying in ${delay} s`;
      log.warn(`message ${m.messageId} (try ${m.dequeueCount} of ${maxDequeue}) failed, ${next}: ${(e as Error).message.split("\n", 1)[0]}`);
      await deps.queue.retryLater(m, delay).catch(() => {});
    }
  };

  const sweep = async (): Promise<void> => {
    lastSweep = Date.now();
    for (const s of await sweepRounds(deps).catch(() => [])) if (s.completion.state === "evaluated") stats.evaluated.push(s.round);
  };

  while (!opts.signal?.aborted) {
    if (Date.now() - lastSweep >= sweepMs) await sweep();
    const free = opts.concurrency - inflight.size;
    let received: ReceivedJob[] = [];
    if (free > 0) {
      try {
        received = await deps.queue.receive(free, visibilityS);
      } catch (e) {
        log.warn(`queue ${deps.queue.name} could not be read: ${(e as Error).message.split("\n", 1)[0]}`);
      }
    }
    for (const m of received) {
      const p = run(m).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    if (received.length > 0) lastActivity = Date.now();
    if (inflight.size >= opts.concurrency) {
      await Promise.race(inflight);
      continue;
    }
    if (received.length > 0) continue;
    if (inflight.size === 0) {
      if (opts.untilEmpty && (await deps.queue.backlog().catch(() => 1)) === 0) break;
      if (opts.idleExitMs !== undefined && Date.now() - lastActivity >= opts.idleExitMs) break;
    }
    await Promise.race([sleep(pollMs, opts.signal), ...inflight]);
  }
  await Promise.all(inflight);
  await sweep();
  return stats;
}
