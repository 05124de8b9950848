import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { buildFleet, SCENARIOS, type ScenarioName, type SimClusterSpec, startSimAzure, startSimulator } from "../../sim/index.js";
import { type CliIO, stopRequest } from "../io.js";
import { choiceOption, intArg, refuseOptions } from "../options.js";

interface SimOpts {
  clusters: number;
  nodes: number;
  scenario: ScenarioName;
  out: string;
  seed: string;
  azure?: boolean;
}

export function registerSim(program: Command, io: CliIO): void {
  program
    .command("sim")
    .description("Run the cluster simulator (fake AKS API servers on loopback) and write DIR/kubeconfig with one context per cluster; runs until stopped.")
    .option("--clusters <n>", "clusters", intArg("--clusters", 1, 1000), 6)
    .option("--nodes <m>", "nodes per cluster", intArg("--nodes", 0, 10000), 5)
    .addOption(choiceOption("--scenario <name>", "fleet scenario", SCENARIOS).default("mixed"))
    .option("--out <dir>", "where to write the kubeconfig", ".fleet-audit/sim")
    .option("--seed <seed>", "same seed, same fleet", "fleet")
    .option("--azure", "also simulate Azure in front of the fleet (ARM, Key Vault, managed identity) and print how to scan it with ARM discovery")
    .addHelpText(
      "after",
      "\nExamples:\n  fleet-audit sim --clusters 3 --nodes 10 --out /tmp/sim\n  fleet-audit scan --kubeconfig /tmp/sim/kubeconfig\n  kubectl --kubeconfig /tmp/sim/kubeconfig get nnc -n kube-system\n  fleet-audit sim --azure --out /tmp/az   # then: set -a; . /tmp/az/azure.env; set +a; fleet-audit scan --subscription all",
    )
    .action(async (opts: SimOpts, cmd: Command) => {
      if (opts.scenario === "demo") refuseOptions(cmd, ["clusters", "nodes"], "to the demo scenario: its 8 clusters are fixed");
      // Taken before anything starts: Ctrl-C while the fleet starts stops as cleanly as once it runs.
      const stop = stopRequest(io);
      io.stdout.write("Starting the simulated fleet…\n");
      const specs = buildFleet({ clusters: opts.clusters, nodes: opts.nodes, scenario: opts.scenario, seed: opts.seed });
      if (opts.azure) return simAzure(specs, opts, io, stop);
      const sim = await startSimulator(specs);
      try {
        if (stop.aborted) return; // asked to stop while it started: it closes, nothing written
        const dir = path.resolve(io.cwd, opts.out);
        await mkdir(dir, { recursive: true });
        const file = await sim.writeKubeconfig(dir);
        io.stdout.write(`Simulating ${sim.clusters.length} clusters (${opts.scenario}); kubeconfig: ${file}\n`);
        for (const c of sim.clusters) io.stdout.write(`  ${c.name}  ${c.url}\n`);
        io.stdout.write("Ctrl-C to stop\n");
        await io.stopSignal;
      } finally {
        await sim.close();
      }
    });
}

/** The fleet behind a simulated ARM: every third cluster Entra ID (AAD), pools autoscaling to 4x. */
async function simAzure(specs: SimClusterSpec[], opts: SimOpts, io: CliIO, stop: AbortSignal): Promise<void> {
  const az = await startSimAzure({
    clusters: specs.map((s, i) => ({ ...s, azure: { aad: i % 3 === 2, autoscale: { min: 1, max: Math.max(1, s.nodes * 4) }, maxSurge: "33%" } })),
  });
  try {
    if (stop.aborted) return;
    const dir = path.resolve(io.cwd, opts.out);
    await mkdir(dir, { recursive: true });
    const env = az.env(await az.writeCa(dir));
    const envFile = path.join(dir, "azure.env");
    await writeFile(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
    io.stdout.write(`Simulating Azure with ${az.managedClusters.length} AKS clusters (${opts.scenario}) in subscription ${az.subscriptions[0]!.id}\n`);
    for (const mc of az.managedClusters) io.stdout.write(`  ${mc.name}  ${mc.aad ? "Entra ID" : "local accounts"}  ${mc.cluster.url}\n`);
    io.stdout.write(`ARM and Key Vault: ${az.url}; managed identity: ${az.identityEndpoint}\n`);
    io.stdout.write(`To scan it with ARM discovery (in another shell):\n  set -a; . ${envFile}; set +a\n  fleet-audit scan --subscription all\n`);
    io.stdout.write("Ctrl-C to stop\n");
    await io.stopSignal;
  } finally {
    await az.close();
  }
}
