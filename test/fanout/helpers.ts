// A fan-out on Azurite (tables and queue unique per test) over a simulated fleet, with a local alert
// receiver: the real queue, tables, client-node and HTTPS simulator.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { alertSettings } from "../../src/alerts/config.js";
import { connectStorage, type FanoutDeps } from "../../src/fanout/index.js";
import { buildFleet, type Simulator, startSimulator } from "../../src/sim/index.js";
import { startReceiver, type Receiver } from "../alerts/receiver.js";

export interface Fleet {
  sim: Simulator;
  kubeconfig: string;
  receiver: Receiver;
  close(): Promise<void>;
}

export async function startFleet(clusters: number): Promise<Fleet> {
  const sim = await startSimulator(buildFleet({ scenario: "mixed", clusters, nodes: 2, seed: "fanout" }));
  const kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "fanout-")));
  const receiver = await startReceiver();
  return { sim, kubeconfig, receiver, close: async () => void (await Promise.all([sim.close(), receiver.close()])) };
}

export interface Names {
  tablePrefix: string;
  queue: string;
}

export function uniqueNames(): Names {
  const id = randomBytes(5).toString("hex");
  return { tablePrefix: `fo${id}`, queue: `jobs-${id}` };
}

/** Deps as one worker process would build them: its own clients over the shared storage. */
export async function depsFor(fleet: Fleet, names: Names, workerId: string, extra: Partial<FanoutDeps> = {}): Promise<FanoutDeps> {
  const storage = await connectStorage({ connectionString: inject("azuriteConnectionString") }, names);
  return {
    ...storage,
    discovery: { kubeconfig: [fleet.kubeconfig] },
    collect: { clusterDeadlineMs: 20_000, requestTimeoutMs: 5_000, cnsMetrics: 0 },
    alerts: () => alertSettings({ teams: [fleet.receiver.url], env: {} }),
    workerId,
    ...(process.env.FANOUT_DEBUG ? { log: { info: (l: string) => console.log(workerId, l), warn: (l: string) => console.log(workerId, "WARN", l) } } : {}),
    ...extra,
  };
}
