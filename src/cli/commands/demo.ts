import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { onSignal } from "../../signal-hooks.js";
import { AKS_AAD_SERVER_APP, buildFleet, type SimArmClusterOptions, type SimClusterSpec, startSimAzure } from "../../sim/index.js";
import { type CliIO, stopRequest } from "../io.js";
import { intArg } from "../options.js";
import { DEMO_DATA_DIR, reportCommand, type StorageOpts, withStore } from "../store.js";
import { scanProgress } from "../progress.js";
import { printScanSummary } from "../summary.js";
import { listen } from "./serve.js";
import type { DiscoveryProblem } from "../../sources/azure/managed-clusters.js";

interface DemoOpts {
  port: number;
  once?: boolean;
  dataDir: string;
}

export function registerDemo(program: Command, io: CliIO): void {
  program
    .command("demo")
    .description("Start a simulated fleet and the embedded store, scan it, print the findings, and serve the API and dashboard.")
    .option("--port <n>", "HTTP port", intArg("--port", 0, 65535), 7071)
    .option("--once", "exit after printing instead of serving")
    .option("--data-dir <dir>", "where the demo's embedded Azurite keeps its history (FLEET_AUDIT_STORAGE is never used)", DEMO_DATA_DIR)
    .addHelpText("after", "\nExamples:\n  npm start                       # the same as fleet-audit demo\n  fleet-audit demo --once\n  fleet-audit demo --port 8080")
    .action(async (opts: DemoOpts) => {
      // Taken before anything starts: Ctrl-C while starting or scanning stops as cleanly as once serving.
      const stop = stopRequest(io);
      io.stdout.write("Starting the simulated fleet and the embedded store…\n");
      const [{ discoverFleet }, { runScan }] = await Promise.all([import("../../sources/discover.js"), import("../../scan.js")]);
      // The demo fleet sits behind a simulated Azure, so it is found the way a real fleet is: ARM
      // discovery (agent pools feed the headroom and drift rules), then per-cluster credentials.
      const az = await startSimAzure({ clusters: buildFleet({ scenario: "demo" }).map((spec) => ({ ...spec, azure: demoAzure(spec) })) });
      const dir = await mkdtemp(path.join(tmpdir(), "fleet-audit-demo-"));
      // A second Ctrl-C ends the process at once, before the clean-up below: the directory goes then.
      onSignal((handledElsewhere) => {
        if (!handledElsewhere) rmSync(dir, { recursive: true, force: true });
      });
      try {
        stop.throwIfAborted();
        const discoveryStarted = Date.now();
        const discoveryProblems: DiscoveryProblem[] = [];
        const targets = await discoverFleet({
          subscriptions: "all",
          armEndpoint: az.url,
          armCaFile: await az.writeCa(dir),
          // Tokens handed over as a pipeline would (FLEET_AUDIT_ARM_TOKEN / FLEET_AUDIT_AKS_TOKEN).
          armToken: az.identity.issue(az.url).token,
          aksToken: az.identity.issue(AKS_AAD_SERVER_APP).token,
        }, { onProblem: (p) => discoveryProblems.push(p) });
        const discoverySeconds = (Date.now() - discoveryStarted) / 1000;
        await withStore(demoStorage(io, opts.dataDir), io, async (store) => {
          stop.throwIfAborted();
          // Bound before the scan: a port in use is said at once, not after the whole fleet was scanned.
          const how = io.env.npm_lifecycle_event === "start" ? "`npm start -- --port 8080`" : "`fleet-audit demo --port 8080`";
          const server = opts.once ? undefined : await listen({ store }, { port: opts.port, log: (l) => io.stderr.write(`${l}\n`) }, how);
          try {
            const started = Date.now();
            // The demo's unreachable cluster should cost seconds, not the production deadline.
            // A bar on a terminal; when piped the demo prints only its summary.
            const progress = io.stderr.isTTY ? scanProgress(io, targets.length) : undefined;
            const result = await runScan(targets, store, {
              requestTimeoutMs: 3000,
              clusterDeadlineMs: 8000,
              discoveryProblems,
              signal: stop,
              ...(progress ? { onCluster: (s, done, total) => progress.cluster(s, done, total) } : {}),
            }).finally(() => progress?.stop());
            printScanSummary(io, result, discoverySeconds + (Date.now() - started) / 1000, discoverySeconds);
            // Not the default store's history: a report without --data-dir would not find it.
            io.stdout.write(`\nhistory kept in ${opts.dataDir}: ${reportCommand("findings", opts.dataDir)}\n`);
            if (!server) return;
            io.stdout.write(`\nDashboard: ${server.url}/api/dashboard\nReports:   ${server.url}/api/reports/findings?format=md\nCtrl-C to stop\n`);
            await io.stopSignal;
          } finally {
            await server?.close();
          }
        });
      } catch (e) {
        // Asked to stop before serving (starting, scanning): a clean stop, as once serving.
        if (e !== stop.reason) throw e;
      } finally {
        await az.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
}

/**
 * The demo's own embedded store, whatever the environment names: its simulated fleet must never become
 * a real store's latest evaluation. Says so when a store setting is ignored.
 */
function demoStorage(io: CliIO, dataDir: string): StorageOpts {
  const ignored = ["FLEET_AUDIT_STORAGE", "FLEET_AUDIT_TABLE_PREFIX"].filter((k) => io.env[k]?.trim());
  if (ignored.length > 0) io.stderr.write(`fleet-audit: the demo keeps its own store in ${dataDir}: ${ignored.join(" and ")} ${ignored.length === 1 ? "is" : "are"} ignored\n`);
  return { dataDir, embedded: true, tablePrefix: "" };
}

/** What ARM says about each demo cluster: autoscaler bounds and surge (IPX003), Entra ID on one. */
function demoAzure(spec: SimClusterSpec): SimArmClusterOptions {
  const bounds: Record<string, { min: number; max: number }> = {
    "aks-prod-weu-blk-01": { min: 3, max: 12 },
    "aks-prod-weu-blk-02": { min: 3, max: 8 },
    // Already at the edge of its /24: the autoscaler maximum cannot fit.
    "aks-prod-neu-dyn-01": { min: 10, max: 20 },
    "aks-prod-weu-ovl-01": { min: 3, max: 30 },
  };
  const autoscale = bounds[spec.name];
  return { ...(autoscale ? { autoscale, maxSurge: "33%" } : {}), ...(spec.name === "aks-dev-weu-ovl-02" ? { aad: true } : {}) };
}
