// `fleet-audit worker`: consumes the scan-round queue outside Azure, so several processes (or
// machines) share one round as Functions instances do; and `scan --enqueue`, which starts a round.
import { hostname } from "node:os";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { alertSettings, keyVaultReader, policyAlerts } from "../../alerts/config.js";
import type { FanoutDeps } from "../../fanout/index.js";
import { checkQueueName, DEFAULT_QUEUE } from "../../fanout/queue-name.js";
import { loadPolicy } from "../../policy/load.js";
import { type DiscoverySettings, discoverySettingsFromEnv } from "../../sources/settings.js";
import { type CliIO, stopRequest } from "../io.js";
import { storageOptions } from "../main.js";
import { alertMinSeverityFromEnv, intArg } from "../options.js";
import { type StorageOpts, withStore } from "../store.js";

interface WorkerOpts extends StorageOpts {
  queue: string;
  concurrency: number;
  untilEmpty?: boolean;
  idleExit?: number;
  clusterDeadline: number;
  requestTimeout: number;
  policy?: string;
}

export function queueArg(v: string): string {
  try {
    return checkQueueName(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

type Fanout = typeof import("../../fanout/index.js");

/** Deps over the store the storage options name, and the fan-out module (loaded here, not at CLI start-up); `fn` runs while the store is open. */
async function withFanout<T>(opts: StorageOpts & { queue: string; policy?: string }, io: CliIO, discovery: DiscoverySettings, extra: Partial<FanoutDeps>, fn: (deps: FanoutDeps, fanout: Fanout) => Promise<T>): Promise<T> {
  const policyFile = opts.policy ?? io.env.FLEET_AUDIT_POLICY;
  const policy = policyFile ? loadPolicy(path.resolve(io.cwd, policyFile), policyFile) : undefined;
  const minSeverity = alertMinSeverityFromEnv(io.env);
  const fanout = await import("../../fanout/index.js");
  return withStore({ ...opts, writes: true }, io, async (_store, opened) => {
    const storage = await fanout.connectStorage(opened.target, { ...(opened.tablePrefix ? { tablePrefix: opened.tablePrefix } : {}), queue: opts.queue });
    const deps: FanoutDeps = {
      ...storage,
      discovery,
      ...(policy ? { policy } : {}),
      alerts: () => alertSettings({ env: io.env, ...(minSeverity ? { minSeverity } : {}), ...policyAlerts(policy), keyVault: keyVaultReader }),
      workerId: `${hostname()}:${process.pid}`,
      log: { info: (l) => io.stderr.write(`${l}\n`), warn: (l) => io.stderr.write(`warning: ${l}\n`) },
      ...extra,
    };
    return fn(deps, fanout);
  });
}

/** `scan --enqueue`: discover, register a round, enqueue one job per cluster, print the round id. */
export async function enqueueRound(opts: StorageOpts & { queue: string; roundDeadline: number; policy?: string }, discovery: DiscoverySettings, io: CliIO): Promise<void> {
  await withFanout(opts, io, discovery, { roundDeadlineMs: opts.roundDeadline * 60_000 }, async (deps, { startRound, pruneRounds }) => {
    const r = await startRound(deps);
    // What the Functions app's daily timer does: without it, round records would pile up for good.
    await pruneRounds(deps);
    io.stdout.write(`${r.round}\n`);
    // Clusters of subscriptions that could not be listed are in the round from its start, with no job.
    const { failed, kept } = r.unlisted;
    const unlisted = failed.length + kept.length ? `; ${failed.length} cluster(s) recorded failed from the start${kept.length ? ` and ${kept.length} kept stopped or not CNS` : ""}, with no job (subscription not listed)` : "";
    io.stderr.write(`round ${r.round}: ${r.jobs} job(s) on queue ${deps.queue.name}${unlisted}; run \`fleet-audit worker\` to process them\n`);
    // The round records the failure for the workers to evaluate; the pipeline that started it must hear of it too.
    if (r.discoveryError) throw r.discoveryError;
  });
}

export function registerWorker(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("worker")
      .description("Process scan-round jobs from the queue (one cluster each), storing snapshots; the worker that lands a round's last cluster evaluates it and sends alerts.")
      .option("--queue <name>", "job queue (its poison queue is NAME-poison)", queueArg, DEFAULT_QUEUE)
      .option("--concurrency <n>", "jobs at once", intArg("--concurrency", 1, 64), 4)
      .option("--until-empty", "exit once the queue and its poison queue are empty (jobs in flight elsewhere included)")
      .option("--idle-exit <seconds>", "exit after this long without a job", intArg("--idle-exit", 0, 86_400))
      .option("--request-timeout <seconds>", "per API request", intArg("--request-timeout", 1, 600), 15)
      .option("--cluster-deadline <seconds>", "per cluster, retries included", intArg("--cluster-deadline", 1, 3600), 90)
      .option("--policy <file>", "policy file for evaluations (env FLEET_AUDIT_POLICY)"),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit scan --enqueue --kubeconfig fleet.yaml     # prints the round id
  fleet-audit worker --until-empty &  fleet-audit worker --until-empty
  fleet-audit worker --storage "$FLEET_AUDIT_STORAGE" --concurrency 8   # until Ctrl-C

Alerts use FLEET_AUDIT_TEAMS_WEBHOOK (at FLEET_AUDIT_ALERT_MIN_SEVERITY, default warning) and the policy file's alerts section; bad settings stop the worker before it takes a job.`,
    )
    .action(async (opts: WorkerOpts) => {
      const stop = stopRequest(io);
      await withFanout(opts, io, discoverySettingsFromEnv(io.env), { collect: { clusterDeadlineMs: opts.clusterDeadline * 1000, requestTimeoutMs: opts.requestTimeout * 1000 } }, async (deps, { runWorker }) => {
        // Bad alert settings are found before any job is taken, as scan finds them before it scans;
        // each evaluation resolves them again (a Key Vault secret may have been rotated).
        await deps.alerts?.();
        io.stderr.write(`worker: taking jobs from queue ${deps.queue.name}, ${opts.concurrency} at once; Ctrl-C to stop\n`);
        const s = await runWorker(deps, {
          concurrency: opts.concurrency,
          signal: stop,
          ...(opts.untilEmpty ? { untilEmpty: true } : {}),
          ...(opts.idleExit !== undefined ? { idleExitMs: opts.idleExit * 1000 } : {}),
        });
        io.stdout.write(`worker: ${s.stored} stored, ${s.duplicates} duplicate(s), ${s.poisoned} poison, ${s.rejected} rejected, ${s.retried} retried, ${s.late} late, ${s.gone} gone; evaluated ${s.evaluated.length ? s.evaluated.join(", ") : "no round"}\n`);
      });
    });
}
