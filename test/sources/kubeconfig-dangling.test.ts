// A context left behind by `kubectl config delete-cluster` (or delete-user) names a cluster or user the
// kubeconfig no longer defines: it fails that one cluster's scan, never the others', and --context for
// a good context does not even look at it. Through the CLI against the simulator, Azurite as the store.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { runCli } from "../helpers/cli.js";

let sim: Simulator;
let kubeconfig: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `dangling${process.pid}` };

beforeAll(async () => {
  sim = await startSimulator([
    { name: "aks-good", mode: "vnetblock", nodes: 1 },
    { name: "aks-also-good", mode: "overlay", nodes: 1 },
  ]);
  kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "dangling-")));
  // What delete-cluster and delete-user leave: the contexts stay.
  const doc = YAML.parse(readFileSync(kubeconfig, "utf8")) as { contexts: Array<{ name: string; context: { cluster: string; user: string } }> };
  const [first] = doc.contexts;
  doc.contexts.push({ name: "old-deleted-cluster", context: { cluster: "old-deleted-cluster", user: first!.context.user } });
  doc.contexts.push({ name: "old-deleted-user", context: { cluster: first!.context.cluster, user: "gone-user" } });
  writeFileSync(kubeconfig, YAML.stringify(doc));
});

afterAll(async () => {
  await sim?.close();
});

describe("a dangling kubeconfig context", () => {
  it("fails only its own cluster, with a reason naming the file and the context", async () => {
    const targets = await discoverFleet({ kubeconfig: [kubeconfig] });
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-dangling", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 })));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["aks-good", "ok", undefined],
      ["aks-also-good", "ok", undefined],
      ["old-deleted-cluster", "error", `kubeconfig ${kubeconfig}: context "old-deleted-cluster" names cluster "old-deleted-cluster", which is not defined`],
      ["old-deleted-user", "error", `kubeconfig ${kubeconfig}: context "old-deleted-user" names user "gone-user", which is not defined`],
    ]);
  });

  it("does not stop a scan: --context for a good one scans it, and a whole scan scans the others", async () => {
    const one = await runCli(["scan", "--kubeconfig", kubeconfig, "--context", "aks-good", "--storage", storage, "--cluster-deadline", "20"], { env });
    expect(one.stderr).toBe("[1/1] aks-good: ok\n");
    expect(one.code).toBe(0);
    const all = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--cluster-deadline", "20"], { env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/Scanned 4 clusters .*: .*2 ok/);
    expect(all.stderr).toContain(`old-deleted-cluster: error (kubeconfig ${kubeconfig}: context "old-deleted-cluster" names cluster`);
  });
});
