// Registrations of the Functions app (Node.js v4 model); package.json `main` points here. Handlers live
// in ./handlers; the options below are exported so tests can check routes, auth levels and bindings.
import { app, type HttpFunctionOptions, type HttpMethod, type StorageQueueFunctionOptions, type TimerFunctionOptions } from "@azure/functions";
import { auditCluster, auditPoison } from "./handlers/jobs.js";
import { httpApi } from "./handlers/http.js";
import { pruneScanHistory, startScanRound, sweepScanRounds } from "./handlers/rounds.js";

/** Identity-based in Azure (AzureWebJobsStorage__*), a connection string locally. */
const CONNECTION = "AzureWebJobsStorage";
const QUEUE = "%FLEET_AUDIT_QUEUE%";

export const timers: Record<string, TimerFunctionOptions> = {
  // NCRONTAB with seconds, UTC; runOnStartup stays off: every scale-out would start a round.
  startScanRound: { schedule: "%SCAN_SCHEDULE%", runOnStartup: false, useMonitor: true, handler: startScanRound },
  sweepScanRounds: { schedule: "0 */5 * * * *", runOnStartup: false, useMonitor: true, handler: sweepScanRounds },
  // Daily at 03:30 UTC; a no-op unless FLEET_AUDIT_RETENTION_DAYS is set.
  pruneScanHistory: { schedule: "0 30 3 * * *", runOnStartup: false, useMonitor: true, handler: pruneScanHistory },
};

export const queues: Record<string, StorageQueueFunctionOptions> = {
  auditCluster: { queueName: QUEUE, connection: CONNECTION, handler: auditCluster },
  auditPoison: { queueName: `${QUEUE}-poison`, connection: CONNECTION, handler: auditPoison },
};

/**
 * Every method, though the API is read-only: the host answers a method left out itself, without the
 * error body or `Allow`, so only a registered one gets the handler's CONTRACT.md 405.
 */
const HTTP_METHODS: HttpMethod[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const api = (route: string, authLevel: "anonymous" | "function"): HttpFunctionOptions => ({ methods: HTTP_METHODS, authLevel, route, handler: httpApi });

/** CONTRACT.md routes (the host adds /api). Everything but health needs a function key. */
export const httpRoutes: Record<string, HttpFunctionOptions> = {
  health: api("health", "anonymous"),
  dashboard: api("dashboard", "function"),
  reportList: api("reports", "function"),
  report: api("reports/{kind}", "function"),
  clusters: api("clusters", "function"),
  clusterHistory: api("clusters/{name}/history", "function"),
};

for (const [name, options] of Object.entries(timers)) app.timer(name, options);
for (const [name, options] of Object.entries(queues)) app.storageQueue(name, options);
for (const [name, options] of Object.entries(httpRoutes)) app.http(name, options);
