// What the fan-out needs from the outside, built once per process by an adapter (CLI worker,
// Functions app, tests) and shared by every job it runs.
import type { AlertSettings } from "../alerts/config.js";
import type { AlertState } from "../alerts/state.js";
import type { CollectOptions } from "../collect/collector.js";
import type { Policy } from "../policy/policy.js";
import type { DiscoverySettings } from "../sources/settings.js";
import type { SnapshotStore } from "../store/store.js";
import type { JobQueue } from "./queue.js";
import type { RoundTable } from "./rounds.js";

export interface FanoutLog {
  info(line: string): void;
  warn(line: string): void;
}

export interface FanoutDeps {
  store: SnapshotStore;
  rounds: RoundTable;
  queue: JobQueue;
  discovery: DiscoverySettings;
  /** Collection options for one cluster (the scan id comes from the job). */
  collect?: Omit<CollectOptions, "scanId">;
  policy?: Policy;
  /**
   * Why rounds cannot be evaluated here (a bad policy file or alert setting): jobs still collect and
   * store their cluster, and completing a round fails with this, logged, until the setting is fixed.
   */
  evaluationError?: Error;
  /** Resolved when a round completes (Key Vault reads happen then, not at start-up). */
  alerts?: () => Promise<AlertSettings>;
  alertState?: AlertState;
  /** How long a round's alerts may take in all (default ALERT_DELIVERY_DEADLINE_MS). */
  alertDeadlineMs?: number;
  /** How long a round waits for its clusters before it is evaluated without them (default 30 min). */
  roundDeadlineMs?: number;
  /** Days of history to keep, pruned by the daily retention timer; undefined keeps everything. */
  retentionDays?: number;
  /** Clusters not scanned at all for this many days are forgotten by the same daily timer; undefined keeps them. */
  forgetAfterDays?: number;
  /** Who claims evaluations in the round record (host and pid, or the Functions invocation). */
  workerId?: string;
  now?: () => Date;
  log?: FanoutLog;
}

/** Completing rounds and pruning history never discover or scan the fleet, nor enqueue. */
export type BookkeepingDeps = Omit<FanoutDeps, "discovery" | "queue">;

export const DEFAULT_ROUND_DEADLINE_MS = 30 * 60_000;
/**
 * A round's alerts, every destination and retry included, get this long; what is not delivered is
 * kept for the next round. The job that completes a round sends them after its own cluster's deadline,
 * and all of it must end inside host.json's functionTimeout (test/infra checks the sum).
 */
export const ALERT_DELIVERY_DEADLINE_MS = 60_000;
/**
 * The sweep looks at rounds started this long ago at most; round records older than that are never
 * read again, and the daily timer deletes them.
 */
export const ROUND_LOOKBACK_MS = 7 * 86_400_000;
/**
 * How long after its round's deadline a job may still be taken: a late result replaces the round's
 * placeholder until a newer round scans the cluster; after this, a backlog (an outage, throttling)
 * drains by expiry instead of scanning for rounds long evaluated.
 */
export const LATE_JOB_SLACK_MS = 60 * 60_000;
/** A claim older than this is taken to be from a worker that died while evaluating. */
export const CLAIM_TTL_MS = 10 * 60_000;

export const nowOf = (d: Pick<FanoutDeps, "now">): Date => d.now?.() ?? new Date();
export const SILENT: FanoutLog = { info: () => {}, warn: () => {} };
