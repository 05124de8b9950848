// A scan of many clusters against a Table store: every request in flight listens on the store's one
// close signal, so past Node's default of 10 listeners it printed a MaxListenersExceededWarning on stderr.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildFleet, type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";
import { warningsDuring } from "../helpers/process-warnings.js";

let sim: Simulator;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimulator(buildFleet({ clusters: 20, nodes: 2 }));
  kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "many-clusters-")));
});

afterAll(async () => {
  await sim?.close();
});

describe("a scan of 20 clusters", () => {
  it("prints no process warning", async () => {
    const env = { FLEET_AUDIT_TABLE_PREFIX: `many${process.pid}` };
    const { result, warnings } = await warningsDuring(() => runCli(["scan", "--kubeconfig", kubeconfig, "--storage", inject("azuriteConnectionString")], { env }));
    expect(result.stdout).toMatch(/Scanned 20 clusters/);
    expect(warnings).toEqual([]);
  }, 120_000);
});
