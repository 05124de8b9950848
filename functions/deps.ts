// The fan-out's dependencies for this Functions worker process: built from the app settings on first
// use and shared by every invocation (clients keep their connections warm between invocations). The
// SDKs load with the first invocation that needs them: an instance woken by a dashboard request reads
// the store without loading the collector, the queue or the Azure SDKs (~1.3 s of imports).
import path from "node:path";
import type { InvocationContext } from "@azure/functions";
import type { FanoutDeps, FanoutLog } from "../src/fanout/index.js";
import type { StorageTarget } from "../src/store/endpoint.js";
import type { SnapshotStore } from "../src/store/store.js";
import { type AppSettings, readSettings } from "./settings.js";

/** The app's storage: a connection string locally, the managed identity in Azure. */
async function storageTarget(s: AppSettings): Promise<StorageTarget> {
  if (s.storage.kind === "connectionString") return { connectionString: s.storage.connectionString };
  const { DefaultAzureCredential } = await import("@azure/identity");
  return {
    tableServiceUri: s.storage.tableServiceUri,
    queueServiceUri: s.storage.queueServiceUri,
    credential: new DefaultAzureCredential(s.storage.clientId ? { managedIdentityClientId: s.storage.clientId } : {}),
  };
}

async function build(env: NodeJS.ProcessEnv): Promise<FanoutDeps> {
  const s = readSettings(env);
  const [target, { connectStorage }, { alertSettings, keyVaultReader }, { loadPolicy }] = await Promise.all([
    storageTarget(s),
    import("../src/fanout/index.js"),
    import("../src/alerts/config.js"),
    import("../src/policy/load.js"),
  ]);
  const storage = await connectStorage(target, { tablePrefix: s.tablePrefix, queue: s.queue });
  // Relative to the app root (the package), where the deployment puts a policy file shipped with it.
  const policy = s.policyFile ? loadPolicy(path.resolve(s.policyFile), s.policyFile) : undefined;
  return {
    ...storage,
    discovery: s.discovery,
    collect: { clusterDeadlineMs: s.clusterDeadlineMs, requestTimeoutMs: s.requestTimeoutMs, cnsMetrics: s.cnsMetrics },
    ...(policy ? { policy } : {}),
    // The Teams URL arrives as FLEET_AUDIT_TEAMS_WEBHOOK, a Key Vault reference the platform resolves.
    alerts: () => alertSettings({ env, minSeverity: s.alertMinSeverity, ...(policy?.alerts ? { config: policy.alerts } : {}), keyVault: keyVaultReader }),
    roundDeadlineMs: s.roundDeadlineMs,
    ...(s.retentionDays !== undefined ? { retentionDays: s.retentionDays } : {}),
    ...(s.forgetAfterDays !== undefined ? { forgetAfterDays: s.forgetAfterDays } : {}),
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

const fanout = once(() => build(process.env));

/** The store alone, for the HTTP API: the same settings (a bad one is still named), none of the rest. */
const store = once(async (): Promise<SnapshotStore> => {
  const s = readSettings(process.env);
  const [target, { tableClientsFor }, { TableSnapshotStore }] = await Promise.all([storageTarget(s), import("../src/store/endpoint.js"), import("../src/store/table-store.js")]);
  const st = new TableSnapshotStore(tableClientsFor(target), s.tablePrefix ? { tablePrefix: s.tablePrefix } : {});
  await st.init();
  return st;
});

/** The process's deps, logging to this invocation. */
export async function appDeps(ctx: InvocationContext): Promise<FanoutDeps> {
  return { ...(await fanout.get()), log: contextLog(ctx), workerId: `${ctx.functionName}/${ctx.invocationId}` };
}

/** The store the HTTP API reads. */
export function appStore(): Promise<SnapshotStore> {
  return store.get();
}

/** Drops the cached deps (tests, or after the settings changed). */
export function resetAppDeps(): void {
  fanout.reset();
  store.reset();
}

export function contextLog(ctx: InvocationContext): FanoutLog {
  return { info: (l) => ctx.log(l), warn: (l) => ctx.warn(l) };
}
