// The fan-out's dependencies for this Functions worker process: built from the app settings on first
// use and shared by every invocation (clients keep their connections warm between invocations).
import path from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import type { InvocationContext } from "@azure/functions";
import { alertSettings, keyVaultReader } from "../src/alerts/config.js";
import { connectStorage, type FanoutDeps, type FanoutLog } from "../src/fanout/index.js";
import { loadPolicy } from "../src/policy/load.js";
import { readSettings } from "./settings.js";

let cached: Promise<FanoutDeps> | undefined;

async function build(env: NodeJS.ProcessEnv): Promise<FanoutDeps> {
  const s = readSettings(env);
  const target =
    s.storage.kind === "connectionString"
      ? { connectionString: s.storage.connectionString }
      : {
          tableServiceUri: s.storage.tableServiceUri,
          queueServiceUri: s.storage.queueServiceUri,
          credential: new DefaultAzureCredential(s.storage.clientId ? { managedIdentityClientId: s.storage.clientId } : {}),
        };
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

/** The process's deps, logging to this invocation. A failed build is retried on the next call. */
export async function appDeps(ctx: InvocationContext, env: NodeJS.ProcessEnv = process.env): Promise<FanoutDeps> {
  cached ??= build(env).catch((e) => {
    cached = undefined;
    throw e;
  });
  return { ...(await cached), log: contextLog(ctx), workerId: `${ctx.functionName}/${ctx.invocationId}` };
}

/** Drops the cached deps (tests, or after the settings changed). */
export function resetAppDeps(): void {
  cached = undefined;
}

export function contextLog(ctx: InvocationContext): FanoutLog {
  return { info: (l) => ctx.log(l), warn: (l) => ctx.warn(l) };
}
