import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { serveApi } from "../../http/server.js";
import { runScan } from "../../scan.js";
import { buildFleet, startSimulator } from "../../sim/index.js";
import { discoverFromKubeconfig } from "../../sources/kubeconfig.js";
import type { CliIO } from "../io.js";
import { intArg } from "../options.js";
import { withStore } from "../store.js";
import { scanProgress } from "../progress.js";
import { printScanSummary } from "../summary.js";

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
    .option("--data-dir <dir>", "where the demo's embedded Azurite keeps its history", ".fleet-audit/demo")
    .addHelpText("after", "\nExamples:\n  npm start                       # the same as fleet-audit demo\n  fleet-audit demo --once\n  fleet-audit demo --port 8080")
    .action(async (opts: DemoOpts) => {
      io.stdout.write("Starting the simulated fleet and the embedded store…\n");
      const sim = await startSimulator(buildFleet({ scenario: "demo" }));
      const dir = await mkdtemp(path.join(tmpdir(), "fleet-audit-demo-"));
      try {
        const targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] });
        await withStore({ dataDir: opts.dataDir }, io, async (store) => {
          const started = Date.now();
          // The demo's unreachable cluster should cost seconds, not the production deadline.
          // A bar on a terminal; when piped the demo prints only its summary.
          const progress = io.stderr.isTTY ? scanProgress(io, targets.length) : undefined;
          const result = await runScan(targets, store, {
            requestTimeoutMs: 3000,
            clusterDeadlineMs: 8000,
            ...(progress ? { onCluster: (s, done, total) => progress.cluster(s, done, total) } : {}),
          }).finally(() => progress?.stop());
          printScanSummary(io, result, (Date.now() - started) / 1000);
          if (opts.once) return;
          const server = await serveApi({ store }, { port: opts.port, log: (l) => io.stderr.write(`${l}\n`) });
          io.stdout.write(`\nDashboard: ${server.url}/api/dashboard\nReports:   ${server.url}/api/reports/findings?format=md\nCtrl-C to stop\n`);
          await io.stopSignal;
          await server.close();
        });
      } finally {
        await sim.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
}
