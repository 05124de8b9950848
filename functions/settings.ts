// Every app setting the Functions app reads, in one place (infra/resources.bicep sets them; the test in
// test/infra/settings.test.ts keeps the two in step). Settings come in groups, each read by the functions
// that use it, so a bad value stops only those: the dashboard needs the storage settings alone. A bad
// value fails with one line naming the setting.
import { checkPublicUrl, urlOf } from "../src/alerts/public-url.js";
import { UsageError } from "../src/errors.js";
import { checkQueueName, DEFAULT_QUEUE } from "../src/fanout/queue-name.js";
import { parseNotSeenDays } from "../src/store/forget.js";
import { isTablePrefix, TABLE_PREFIX_RULE } from "../src/store/keys.js";
import { parseRetentionDays } from "../src/store/retention.js";
import { parseWorkerCount } from "../src/collect/parse-pool.js";
import { schemeAndHost } from "../src/url-credentials.js";
import { parseSeverity, type Severity } from "../src/model/finding.js";
import { type DiscoverySettings, discoverySettingsFromEnv } from "../src/sources/settings.js";
import { checkSchedule } from "./schedule.js";

export type StorageSetting =
  /** Local runs and Azurite: `AzureWebJobsStorage` holds a connection string. */
  | { kind: "connectionString"; connectionString: string }
  /** Azure: identity-based `AzureWebJobsStorage__*`, the same identity the host uses. */
  | { kind: "identity"; tableServiceUri: string; queueServiceUri: string; clientId?: string };

/** Every function: where the tables are. */
export interface StoreSettings {
  storage: StorageSetting;
  /** Table name prefix, so several fleets can share one storage account ("" = none). */
  tablePrefix: string;
}

/** The functions that scan: how long one cluster may take. */
export interface CollectSettings {
  clusterDeadlineMs: number;
  requestTimeoutMs: number;
  cnsMetrics: number | "all";
}

/** The functions that may complete a round: its evaluation and alerts. */
export interface EvaluationSettings {
  /** A policy file shipped with the app (path relative to the app root), or none. */
  policyFile?: string;
  alertMinSeverity: Severity;
}

/** The daily timer. */
export interface HousekeepingSettings {
  /** Days of history to keep; undefined = everything. */
  retentionDays?: number;
  /** Clusters not scanned for this many days are forgotten; undefined = never. */
  forgetAfterDays?: number;
}

/**
 * A bad app setting. `message` (for the function's log) may show the value, as `shown` gives it;
 * `publicMessage`, for anonymous answers (/api/health), names the setting and the rule only.
 */
export class SettingError extends UsageError {
  readonly publicMessage: string;
  constructor(
    readonly setting: string,
    rule: string,
    shown?: string,
  ) {
    super(`app setting ${setting} must be ${rule}${shown === undefined ? "" : `, not ${shown}`}`);
    this.publicMessage = `app setting ${setting} must be ${rule}`;
  }
}

const list = (v: string | undefined): string[] =>
  (v ?? "")
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function int(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) throw new UsageError(`app setting ${name} must be an integer from ${min} to ${max}`);
  return Number(value);
}

function storage(env: NodeJS.ProcessEnv): StorageSetting {
  const cs = env.AzureWebJobsStorage?.trim();
  if (cs) return { kind: "connectionString", connectionString: cs };
  const tableServiceUri = env.AzureWebJobsStorage__tableServiceUri?.trim();
  const queueServiceUri = env.AzureWebJobsStorage__queueServiceUri?.trim();
  if (!tableServiceUri || !queueServiceUri) {
    throw new UsageError("app setting AzureWebJobsStorage (a connection string) or AzureWebJobsStorage__tableServiceUri and __queueServiceUri (identity-based) must be set");
  }
  const clientId = env.AzureWebJobsStorage__clientId?.trim();
  return {
    kind: "identity",
    tableServiceUri: serviceUri("AzureWebJobsStorage__tableServiceUri", tableServiceUri, "table"),
    queueServiceUri: serviceUri("AzureWebJobsStorage__queueServiceUri", queueServiceUri, "queue"),
    ...(clientId ? { clientId } : {}),
  };
}

/** An https endpoint: the identity's token never crosses plain http. */
function serviceUri(name: string, value: string, service: string): string {
  // Scheme and host only: someone may paste a SAS URL (?sig=…) here.
  if (urlOf(value)?.protocol !== "https:") throw new SettingError(name, `an https URL such as https://<account>.${service}.core.windows.net`, schemeAndHost(value));
  return value;
}

export function readStoreSettings(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const tablePrefix = env.FLEET_AUDIT_TABLE_PREFIX?.trim() ?? "";
  if (!isTablePrefix(tablePrefix)) throw new SettingError("FLEET_AUDIT_TABLE_PREFIX", TABLE_PREFIX_RULE, JSON.stringify(tablePrefix.slice(0, 80)));
  return { storage: storage(env), tablePrefix };
}

/** The job queue; the bindings name it through %FLEET_AUDIT_QUEUE%. */
export function readQueueName(env: NodeJS.ProcessEnv = process.env): string {
  return checkQueueName(env.FLEET_AUDIT_QUEUE?.trim() || DEFAULT_QUEUE, "app setting FLEET_AUDIT_QUEUE");
}

/** Where the fleet is: the round's start discovers it, a job resolves one cluster's credentials. */
export function readDiscovery(env: NodeJS.ProcessEnv = process.env): DiscoverySettings {
  // The same names the CLI reads (src/sources/discover.ts), plus kubeconfig files for local runs.
  const out = discoverySettingsFromEnv(env);
  // Kubeconfig files exist on developer machines only (local.settings.json), never in Azure.
  const kubeconfig = list(env.FLEET_AUDIT_KUBECONFIG);
  if (kubeconfig.length) out.kubeconfig = kubeconfig;
  if (!out.subscriptions && !out.fleetFile && !out.kubeconfig) {
    throw new UsageError("app setting FLEET_AUDIT_SUBSCRIPTIONS (subscription ids, or all) must be set: it names the fleet");
  }
  return out;
}

/** Two minutes short of host.json's functionTimeout (10 min), for the evaluation and its alerts that may follow. */
export const MAX_CLUSTER_DEADLINE_SECONDS = 480;

function clusterDeadlineSeconds(env: NodeJS.ProcessEnv): number {
  return int("FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS", env.FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS, 90, 1, MAX_CLUSTER_DEADLINE_SECONDS);
}

export function readCollectSettings(env: NodeJS.ProcessEnv = process.env): CollectSettings {
  // Read by the collector itself; checked here so a bad value stops a scan at its first invocation.
  try {
    parseWorkerCount(env);
  } catch (e) {
    throw new UsageError(`app setting ${(e as Error).message}`);
  }
  const metrics = env.FLEET_AUDIT_CNS_METRICS?.trim();
  return {
    // A job and, for the round's last cluster, its evaluation share one invocation: host.json's
    // functionTimeout (10 min) must outlast the deadline, or the host kills jobs that would have ended.
    clusterDeadlineMs: clusterDeadlineSeconds(env) * 1000,
    requestTimeoutMs: int("FLEET_AUDIT_REQUEST_TIMEOUT_SECONDS", env.FLEET_AUDIT_REQUEST_TIMEOUT_SECONDS, 15, 1, 600) * 1000,
    cnsMetrics: metrics === "all" ? "all" : int("FLEET_AUDIT_CNS_METRICS", metrics, 10, 0, 100_000),
  };
}

export function readEvaluationSettings(env: NodeJS.ProcessEnv = process.env): EvaluationSettings {
  const severity = parseSeverity(env.FLEET_AUDIT_ALERT_MIN_SEVERITY?.trim() || "warning");
  if (!severity) throw new UsageError("app setting FLEET_AUDIT_ALERT_MIN_SEVERITY must be info, warning or critical");
  // Read again when a round's alerts go out; checked here so a bad link stops the functions that alert
  // at once, instead of each round logging that its alerts were not sent.
  const publicUrl = env.FLEET_AUDIT_PUBLIC_URL?.trim();
  if (publicUrl) checkPublicUrl(publicUrl, "app setting FLEET_AUDIT_PUBLIC_URL");
  const policyFile = env.FLEET_AUDIT_POLICY?.trim();
  return { alertMinSeverity: severity, ...(policyFile ? { policyFile } : {}) };
}

/** The scan timer: its schedule (which the host reads) and how long a round waits for its clusters. */
export function readRoundSettings(env: NodeJS.ProcessEnv = process.env): { roundDeadlineMs: number } {
  checkSchedule("SCAN_SCHEDULE", env.SCAN_SCHEDULE ?? "");
  const minutes = int("FLEET_AUDIT_ROUND_DEADLINE_MINUTES", env.FLEET_AUDIT_ROUND_DEADLINE_MINUTES, 30, 1, 24 * 60);
  const cluster = clusterDeadlineSeconds(env);
  if (minutes * 60 < cluster) {
    throw new UsageError(`app setting FLEET_AUDIT_ROUND_DEADLINE_MINUTES (${minutes}) must give a round at least FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS (${cluster}): a round would end before its clusters may`);
  }
  return { roundDeadlineMs: minutes * 60_000 };
}

export function readHousekeepingSettings(env: NodeJS.ProcessEnv = process.env): HousekeepingSettings {
  const retention = env.FLEET_AUDIT_RETENTION_DAYS?.trim();
  const forget = env.FLEET_AUDIT_FORGET_AFTER_DAYS?.trim();
  return {
    ...(retention ? { retentionDays: parseRetentionDays(retention, "app setting FLEET_AUDIT_RETENTION_DAYS") } : {}),
    ...(forget ? { forgetAfterDays: parseNotSeenDays(forget, "app setting FLEET_AUDIT_FORGET_AFTER_DAYS") } : {}),
  };
}
