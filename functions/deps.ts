// The fan-out's dependencies for this Functions worker process: storage clients are built on first use
// and shared by every invocation (clients keep their connections warm between invocations). Each
// function reads only the settings it uses, so a bad value stops only the functions that need it. The
// SDKs load with the first invocation that needs them: an instance woken by a dashboard request reads
// the store without loading the collector, the queue or the Azure SDKs (~1.3 s of imports).
import type { InvocationContext } from "@azure/functions";
import type { BookkeepingDeps, FanoutDeps, FanoutLog, FanoutTables, JobQueue } from "../src/fanout/index.js";
import type { StorageTarget } from "../src/store/endpoint.js";
import type { SnapshotStore } from "../src/store/store.js";
import type { DiscoverySettings } from "../src/sources/settings.js";
import { appPath, readAppFile } from "./app-root.js";
import {
  readCollectSettings,
  readDiscovery,
  readEvaluationSettings,
  readHousekeepingSettings,
  readQueueName,
  readRoundSettings,
  readStoreSettings,
  type StorageSetting,
} from "./settings.js";

/** The app's storage: a connection string locally, the managed identity in Azure. */
async function storageTarget(s: StorageSetting): Promise<StorageTarget> {
  if (s.kind === "connectionString") return { connectionString: s.connectionString };
  const { DefaultAzureCredential } = await import("@azure/identity");
  return {
    tableServiceUri: s.tableServiceUri,
    queueServiceUri: s.queueServiceUri,
    credential: new DefaultAzureCredential(s.clientId ? { managedIdentityClientId: s.clientId } : {}),
  };
}

/** Memoised per process; a failed build is retried on the next call. */
function once<T>(make: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let cached: Promise<T> | undefined;
  return {
    get: () =>
      (cached ??= make().catch((e) => {
        cached = undefined;
        throw e;
      })),
    reset: () => {
      cached = undefined;
    },
  };
}

/** Where the storage is, shared by the fan-out's tables and queue. */
const target = once(async () => storageTarget(readStoreSettings(process.env).storage));

/** The fan-out's tables, for every function but the HTTP API. */
const tables = once(async (): Promise<FanoutTables> => {
  const { tablePrefix } = readStoreSettings(process.env);
  const [t, { connectTables }] = await Promise.all([target.get(), import("../src/fanout/index.js")]);
  return connectTables(t, tablePrefix);
});

/** The job queue, for the functions that enqueue or take jobs. */
const queue = once(async (): Promise<JobQueue> => {
  const name = readQueueName(process.env);
  const [t, { connectQueue }] = await Promise.all([target.get(), import("../src/fanout/index.js")]);
  return connectQueue(t, name);
});

/** The policy and alert destinations of the functions that may complete a round. */
const evaluation = once(async (): Promise<Pick<FanoutDeps, "policy" | "alerts">> => {
  const s = readEvaluationSettings(process.env);
  const [{ alertSettings, keyVaultReader, policyAlerts }, { loadPolicy }] = await Promise.all([import("../src/alerts/config.js"), import("../src/policy/load.js")]);
  const policy = s.policyFile ? readAppFile("FLEET_AUDIT_POLICY", s.policyFile, (file) => loadPolicy(file)) : undefined;
  const env = process.env;
  return {
    ...(policy ? { policy } : {}),
    // The Teams URL arrives as FLEET_AUDIT_TEAMS_WEBHOOK, a Key Vault reference the platform resolves.
    alerts: () => alertSettings({ env, minSeverity: s.alertMinSeverity, ...policyAlerts(policy), keyVault: keyVaultReader }),
  };
});

/** The store alone, for the HTTP API: the storage settings, none of the rest. */
const store = once(async (): Promise<SnapshotStore> => {
  const { tablePrefix } = readStoreSettings(process.env);
  const [t, { tableClientsFor }, { TableSnapshotStore }] = await Promise.all([target.get(), import("../src/store/endpoint.js"), import("../src/store/table-store.js")]);
  const st = new TableSnapshotStore(tableClientsFor(t), tablePrefix ? { tablePrefix } : {});
  await st.init();
  return st;
});

const invocation = (ctx: InvocationContext) => ({ log: contextLog(ctx), workerId: `${ctx.functionName}/${ctx.invocationId}` });

/**
 * Discovery settings, with FLEET_AUDIT_FLEET_FILE relative to the app root, where the package ships it,
 * not to the worker's working directory. Jobs carry the absolute path; one queued by an earlier
 * version carries the setting as written and resolves as it did then.
 */
function fleetDiscovery(): DiscoverySettings {
  const discovery = readDiscovery(process.env);
  if (discovery.fleetFile) discovery.fleetFile = appPath(discovery.fleetFile);
  return discovery;
}

/** The scan timer: the fleet to discover and the round's deadline. */
export async function roundStartDeps(ctx: InvocationContext): Promise<FanoutDeps> {
  const discovery = fleetDiscovery();
  const round = readRoundSettings(process.env);
  // A round that could not be evaluated is not started: a bad policy or alert setting stops here, named.
  const [t, q] = await Promise.all([tables.get(), queue.get(), evaluation.get()]);
  return { ...t, queue: q, discovery, ...round, ...invocation(ctx) };
}

/** A job: one cluster's credentials and collection, and the round it may complete. */
export async function jobDeps(ctx: InvocationContext): Promise<FanoutDeps> {
  const discovery = fleetDiscovery();
  const collect = readCollectSettings(process.env);
  // A bad policy or alert setting must not cost the round its data: the job still stores its cluster,
  // and only the evaluation (retried by the sweep) waits for the setting to be fixed.
  const [t, q, ev] = await Promise.all([
    tables.get(),
    queue.get(),
    evaluation.get().catch((e: unknown) => ({ evaluationError: e instanceof Error ? e : new Error(String(e)) })),
  ]);
  return { ...t, queue: q, ...ev, discovery, collect, ...invocation(ctx) };
}

/** The deadline sweep: completes rounds, never scans. */
export async function sweepDeps(ctx: InvocationContext): Promise<BookkeepingDeps> {
  const [t, ev] = await Promise.all([tables.get(), evaluation.get()]);
  return { ...t, ...ev, ...invocation(ctx) };
}

/** The daily timer: retention and forgetting. */
export async function housekeepingDeps(ctx: InvocationContext): Promise<BookkeepingDeps> {
  const housekeeping = readHousekeepingSettings(process.env);
  return { ...(await tables.get()), ...housekeeping, ...invocation(ctx) };
}

/** The store the HTTP API reads. */
export function appStore(): Promise<SnapshotStore> {
  return store.get();
}

/** Drops the cached deps (tests, or after the settings changed). */
export function resetAppDeps(): void {
  target.reset();
  tables.reset();
  queue.reset();
  evaluation.reset();
  store.reset();
}

export function contextLog(ctx: InvocationContext): FanoutLog {
  return { info: (l) => ctx.log(l), warn: (l) => ctx.warn(l) };
}
