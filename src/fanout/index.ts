// Queue fan-out of a scan round: one job per cluster on a Storage Queue, a round record in Table
// Storage, and exactly one evaluation per round. Adapters: the Functions app and `fleet-audit worker`.
export { type Completion, completeRound, sweepRounds } from "./complete.js";
export { failureSnapshot } from "../model/snapshot.js";
export { type BookkeepingDeps, CLAIM_TTL_MS, DEFAULT_ROUND_DEADLINE_MS, LATE_JOB_SLACK_MS, ROUND_LOOKBACK_MS, type FanoutDeps, type FanoutLog } from "./deps.js";
export { handleJob, handlePoison, type JobOutcome, type MessageMeta } from "./job.js";
export { encodeJob, type Job, parseJob } from "./messages.js";
export { checkQueueName, DEFAULT_QUEUE, JobQueue, MAX_DEQUEUE_COUNT, type ReceivedJob } from "./queue.js";
export { connectQueue, connectStorage, connectTables, type FanoutStorage, type FanoutTables, type StorageTarget } from "./connect.js";
export { type ClusterRow, type RoundHeader, RoundTable } from "./rounds.js";
export { forgetGoneClusters, pruneHistory, pruneRounds } from "./retention.js";
export { startRound, type StartedRound } from "./start.js";
export { runWorker, type WorkerOptions, type WorkerStats } from "./worker.js";
