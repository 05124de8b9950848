import path from "node:path";
import type { Command } from "commander";
import type { Severity } from "../../model/finding.js";
import { FORMATS, type Format, renderReport } from "../../reports/render.js";
import { alertSettings, keyVaultReader, policyAlerts } from "../../alerts/config.js";
import { describeOutcomes, sendAlerts } from "../../alerts/send.js";
import { type DiscoverySettings, discoverySettingsFromEnv, parseSubscriptions } from "../../sources/settings.js";
import type { DiscoveryProblem } from "../../sources/azure/managed-clusters.js";
import { DEFAULT_QUEUE } from "../../fanout/queue-name.js";
import { type CliIO, useColor } from "../io.js";
import { ExitCode, storageOptions } from "../main.js";
import { DEFAULT_CNS_METRICS_BUDGET } from "../../collect/cns-metrics.js";
import { loadPolicy } from "../../policy/load.js";
import { alertMinSeverityFromEnv, choiceOption, cnsMetricsArg, collect, intArg, MAX_STORE_DEADLINE_SECONDS, refuseOptions, severityArg, storeDeadlineFromEnv } from "../options.js";
import { alertStateOf, type StorageOpts, withStore } from "../store.js";
import { scanProgress } from "../progress.js";
import { printScanNotes, printScanSummary } from "../summary.js";
import { failOn } from "./report.js";
import { enqueueRound, queueArg } from "./worker.js";
import { sizeHeapFor } from "../../heap.js";
import { STORE_DEADLINE_MS } from "../../store/outage.js";

/** Within the alert lease's 5-minute TTL (DEFAULT_LEASE), which renewal covers anyway; the default delivery policy alone could take 5 minutes a message. */
const DEFAULT_ALERT_DEADLINE_SECONDS = 240;

interface ScanOpts extends StorageOpts {
  kubeconfig?: string[];
  context?: string[];
  subscription?: string[];
  fleet?: string;
  armEndpoint?: string;
  armCa?: string;
  adminCredentials?: boolean;
  concurrency: number;
  requestTimeout: number;
  clusterDeadline: number;
  format: Format;
  failOn?: Severity;
  policy?: string;
  teamsWebhook?: string[];
  alertWebhook?: string[];
  alertMinSeverity?: Severity;
  alertDeadline: number;
  storeDeadline?: number;
  publicUrl?: string;
  cnsMetrics: number | "all";
  enqueue?: boolean;
  queue: string;
  roundDeadline: number;
}

/** Options of a scan run here, which a round on the queue leaves to its workers. */
const SCANS_HERE = ["concurrency", "requestTimeout", "clusterDeadline", "format", "failOn", "teamsWebhook", "alertWebhook", "alertMinSeverity", "alertDeadline", "storeDeadline", "publicUrl", "policy", "cnsMetrics"];

export function registerScan(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("scan")
      .description("Discover clusters, collect NNCs, nodes and azure-cns state, store one snapshot per cluster, evaluate the rules and print a summary.")
      .option("--kubeconfig <file>", "kubeconfig to read (repeatable; default: KUBECONFIG or ~/.kube/config)", collect)
      .option("--context <name>", "only this context, or every context a pattern with * matches (repeatable; default: every context)", collect)
      .option("--subscription <id|all>", "discover AKS clusters in this Azure subscription, or `all` the identity can read (repeatable; env FLEET_AUDIT_SUBSCRIPTIONS; with --arm-endpoint and none given: all)", collect)
      .option("--fleet <file>", "a fleet file listing clusters: kubeconfig, Key Vault secret or AKS resource ID each (env FLEET_AUDIT_FLEET_FILE)")
      .option("--arm-endpoint <url>", "ARM endpoint (default https://management.azure.com; env FLEET_AUDIT_ARM_ENDPOINT)")
      .option("--arm-ca <pem file>", "extra CA to trust for ARM and Key Vault (env FLEET_AUDIT_ARM_CA)")
      .option("--admin-credentials", "use listClusterAdminCredential instead of the user credentials (env FLEET_AUDIT_ADMIN_CREDENTIALS)")
      .option("--concurrency <n>", "clusters scanned at once", intArg("--concurrency", 1, 256), 16)
      .option("--request-timeout <seconds>", "per API request", intArg("--request-timeout", 1, 600), 15)
      .option("--cluster-deadline <seconds>", "per cluster, retries included", intArg("--cluster-deadline", 1, 3600), 90)
      .addOption(choiceOption("--format <format>", "output: table = the summary; any other format prints the findings report in it", FORMATS).default("table"))
      .option("--fail-on <severity>", "exit 3 when an unwaived finding at or above this severity exists", severityArg)
      .option("--teams-webhook <url>", "post an Adaptive Card per scan to this Teams Workflows webhook (repeatable; env FLEET_AUDIT_TEAMS_WEBHOOK)", collect)
      .option("--alert-webhook <url>", "post alerts as JSON to this webhook (repeatable)", collect)
      .option("--alert-min-severity <severity>", "announce findings at or above this severity (env FLEET_AUDIT_ALERT_MIN_SEVERITY; default warning)", severityArg)
      .option("--alert-deadline <seconds>", "alerts in all, every destination's retries included; what is not delivered by then is kept for the next scan", intArg("--alert-deadline", 1, 3600), DEFAULT_ALERT_DEADLINE_SECONDS)
      .option("--store-deadline <seconds>", `how long the scan waits for a store that does not answer: for its listing at the start, and for storing and evaluating at the end (env FLEET_AUDIT_STORE_DEADLINE_SECONDS; default ${STORE_DEADLINE_MS / 1000})`, intArg("--store-deadline", 1, MAX_STORE_DEADLINE_SECONDS))
      .option("--public-url <url>", "dashboard link for alert cards (env FLEET_AUDIT_PUBLIC_URL)")
      .option("--policy <file>", "policy file (YAML): thresholds, severities, baseline, waivers (env FLEET_AUDIT_POLICY)")
      .option("--cns-metrics <n|all>", "azure-cns pods per cluster whose /metrics are read through the API server proxy (0 = off)", cnsMetricsArg, DEFAULT_CNS_METRICS_BUDGET)
      // Queue fan-out: start a round for `fleet-audit worker` processes instead of scanning here.
      .option("--enqueue", "start a scan round on the job queue for `fleet-audit worker` (prints the round id)")
      .option("--queue <name>", "with --enqueue: the job queue", queueArg, DEFAULT_QUEUE)
      .option("--round-deadline <minutes>", "with --enqueue: evaluate the round without clusters not in by then", intArg("--round-deadline", 1, 1440), 30),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit scan                                  # every context of ~/.kube/config
  fleet-audit scan --kubeconfig fleet.yaml --context aks-prod-weu --context aks-prod-neu
  fleet-audit scan --context 'aks-prod-*'           # every production context
  fleet-audit scan --subscription all              # every AKS cluster the Azure identity can read
  fleet-audit scan --fleet examples/fleet.yaml
  fleet-audit scan --storage "$FLEET_AUDIT_STORAGE" --fail-on critical
  fleet-audit scan --policy examples/policy.yaml --cns-metrics 25
  fleet-audit scan --format json > findings.json   # progress on stderr, the findings report on stdout`,
    )
    .action(async (opts: ScanOpts, cmd: Command) => {
      if (opts.enqueue) {
        refuseOptions(cmd, SCANS_HERE, "with --enqueue: the workers scan, evaluate and alert (give them the policy and timeouts)");
        // Its variable is checked as a scan here checks it, and noted as --store-deadline is refused.
        if (storeDeadlineFromEnv(io.env) !== undefined) io.stderr.write("note: FLEET_AUDIT_STORE_DEADLINE_SECONDS does not apply with --enqueue: the workers store what they scan\n");
        return enqueueRound(opts, discoverySettings(opts, io), io);
      }
      refuseOptions(cmd, ["queue", "roundDeadline"], "without --enqueue");
      // Loaded here, not at start-up: the collector and the Azure SDKs are what every other command can do without.
      const [{ discoverFleet, DiscoveryError }, { runScan }, { parseWorkerCount }] = await Promise.all([import("../../sources/discover.js"), import("../../scan.js"), import("../../collect/parse-pool.js")]);
      // Settings and the policy before anything else: bad input is found before the scan starts.
      parseWorkerCount(io.env);
      const alertMinSeverity = opts.alertMinSeverity ?? alertMinSeverityFromEnv(io.env);
      const storeDeadline = opts.storeDeadline ?? storeDeadlineFromEnv(io.env);
      const policyFile = opts.policy ?? io.env.FLEET_AUDIT_POLICY;
      const policy = policyFile ? loadPolicy(path.resolve(io.cwd, policyFile), policyFile) : undefined;
      const settings = discoverySettings(opts, io);
      const discoveryStarted = Date.now();
      // A subscription that could not be listed is an evaluation note, printed with the others after the scan.
      const discoveryProblems: DiscoveryProblem[] = [];
      // Nothing listed at all (ARM down, every subscription refused): the known clusters are scanned as
      // that failure, so SCN001 and the alerts say so, and the scan still exits 1.
      let undiscovered: InstanceType<typeof DiscoveryError> | undefined;
      const targets = await discoverFleet(settings, { onProblem: (p) => discoveryProblems.push(p) }).catch((e: unknown) => {
        if (!(e instanceof DiscoveryError)) throw e;
        undiscovered = e;
        discoveryProblems.push(...e.problems);
        return [];
      });
      const discoverySeconds = (Date.now() - discoveryStarted) / 1000;
      sizeHeapFor(targets.length);
      const alerts = await alertSettings({
        ...(opts.teamsWebhook ? { teams: opts.teamsWebhook } : {}),
        ...(opts.alertWebhook ? { webhooks: opts.alertWebhook } : {}),
        ...(alertMinSeverity ? { minSeverity: alertMinSeverity } : {}),
        ...policyAlerts(policy),
        env: opts.publicUrl ? { ...io.env, FLEET_AUDIT_PUBLIC_URL: opts.publicUrl } : io.env,
        keyVault: (uri) => keyVaultReader(uri, settings),
      });
      await withStore({ ...opts, writes: true }, io, async (store, opened) => {
        const started = Date.now();
        let undelivered = 0;
        const progress = scanProgress(io, targets.length);
        let result;
        try {
          result = await runScan(targets, store, {
            concurrency: opts.concurrency,
            requestTimeoutMs: opts.requestTimeout * 1000,
            clusterDeadlineMs: opts.clusterDeadline * 1000,
            cnsMetrics: opts.cnsMetrics,
            discoveryProblems,
            ...(storeDeadline ? { storeDeadlineMs: storeDeadline * 1000 } : {}),
            ...(undiscovered ? { discoveryError: undiscovered } : {}),
            ...(policy ? { policy } : {}),
            onCluster: (s, done, total) => progress.cluster(s, done, total),
          });
        } finally {
          progress.stop();
        }
        if (opts.format === "table") printScanSummary(io, result, discoverySeconds + (Date.now() - started) / 1000, discoverySeconds);
        else {
          io.stdout.write(renderReport("findings", result.evaluation, {}, opts.format, { color: useColor(io), ...(io.stdout.columns ? { width: io.stdout.columns } : {}) }).body);
          // A pipeline reading JSON or CSV from stdout still sees why a waiver lapsed or an NC was left out.
          printScanNotes(io, result);
        }
        if (alerts.destinations.length > 0) {
          const outcomes = await sendAlerts(result.evaluation, alerts, await alertStateOf(opened), { deadlineMs: opts.alertDeadline * 1000 });
          for (const line of describeOutcomes(outcomes)) io.stderr.write(`${line}\n`);
          if (outcomes.some((o) => o.configError)) throw new ExitCode(2);
          undelivered = outcomes.filter((o) => o.pending > 0 || o.errors.length > 0).length;
        }
        failOn(io, result.evaluation, opts.failOn);
        // After --fail-on, whose 3 a pipeline gates on: a scan that could not list its fleet or alert did not do its whole job,
        // and a scheduler that only watches exit codes must hear of it (what failed is retried next scan).
        if (undiscovered) io.stderr.write(`fleet-audit: discovery listed no cluster: ${undiscovered.message}\n`);
        if (undelivered > 0) io.stderr.write(`fleet-audit: alerts were not delivered to ${undelivered} destination(s); they are kept for the next scan\n`);
        if (undiscovered || undelivered > 0) throw new ExitCode(1);
      });
    });
}

/** Flags over environment; file paths relative to the working directory. */
function discoverySettings(opts: ScanOpts, io: CliIO): DiscoverySettings {
  const s = discoverySettingsFromEnv(io.env);
  const abs = (f: string): string => path.resolve(io.cwd, f);
  if (s.fleetFile) s.fleetFile = abs(s.fleetFile);
  if (s.armCaFile) s.armCaFile = abs(s.armCaFile);
  // Absolute: an enqueued job names its kubeconfig for a worker that may run in another directory.
  if (opts.kubeconfig) s.kubeconfig = opts.kubeconfig.map(abs);
  if (opts.context) s.contexts = opts.context;
  if (opts.subscription?.length) s.subscriptions = parseSubscriptions(opts.subscription, "--subscription");
  if (opts.fleet) s.fleetFile = abs(opts.fleet);
  if (opts.armEndpoint) s.armEndpoint = opts.armEndpoint;
  if (opts.armCa) s.armCaFile = abs(opts.armCa);
  if (opts.adminCredentials) s.adminCredentials = true;
  // CONTRACT.md: ARM options without --subscription mean every subscription the identity can read.
  const otherSource = s.fleetFile || s.kubeconfig?.length || s.contexts?.length;
  if (!s.subscriptions && !otherSource && (opts.armEndpoint || s.armToken)) s.subscriptions = "all";
  return s;
}
