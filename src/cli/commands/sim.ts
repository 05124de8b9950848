import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { Option } from "commander";
import { buildFleet, SCENARIOS, type ScenarioName, startSimulator } from "../../sim/index.js";
import type { CliIO } from "../io.js";
import { intArg } from "../options.js";

interface SimOpts {
  clusters: number;
  nodes: number;
  scenario: ScenarioName;
  out: string;
  seed: string;
}

export function registerSim(program: Command, io: CliIO): void {
  program
    .command("sim")
    .description("Run the cluster simulator (fake AKS API servers on loopback) and write DIR/kubeconfig with one context per cluster; runs until stopped.")
    .option("--clusters <n>", "clusters", intArg("--clusters", 1, 1000), 6)
    .option("--nodes <m>", "nodes per cluster", intArg("--nodes", 0, 10000), 5)
    .addOption(new Option("--scenario <name>", "fleet scenario").choices([...SCENARIOS]).default("mixed"))
    .option("--out <dir>", "where to write the kubeconfig", ".fleet-audit/sim")
    .option("--seed <seed>", "same seed, same fleet", "fleet")
    .addHelpText("after", "\nExamples:\n  fleet-audit sim --clusters 3 --nodes 10 --out /tmp/sim\n  fleet-audit scan --kubeconfig /tmp/sim/kubeconfig\n  kubectl --kubeconfig /tmp/sim/kubeconfig get nnc -n kube-system")
    .action(async (opts: SimOpts) => {
      const sim = await startSimulator(buildFleet({ clusters: opts.clusters, nodes: opts.nodes, scenario: opts.scenario, seed: opts.seed }));
      try {
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
