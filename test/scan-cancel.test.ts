// A scan cancelled through its signal (the demo on Ctrl-C): it stops at once and stores nothing the
// cancel cut short, neither those clusters' snapshots (they would read as failed) nor a partial round's evaluation.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScan } from "../src/scan.js";
import { type Simulator, startSimulator } from "../src/sim/index.js";
import { discoverFromKubeconfig } from "../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../src/sources/target.js";
import { MemorySnapshotStore } from "../src/store/memory-store.js";
import { rejection } from "./store/helpers.js";

let sim: Simulator;
let targets: ClusterTarget[];

beforeAll(async () => {
  // Slow, so the clusters after the first are still being read when the scan is cancelled.
  sim = await startSimulator(Array.from({ length: 4 }, (_, i) => ({ name: `c${i}`, mode: "vnetblock" as const, nodes: 1, faults: [{ kind: "slow" as const, delayMs: 200 }] })));
  targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "scan-cancel-")))] });
});

afterAll(async () => {
  await sim?.close();
});

describe("a cancelled scan", () => {
  it("rejects with the signal's reason, keeps the snapshots stored before it, and stores no other and no evaluation", async () => {
    const store = new MemorySnapshotStore();
    const cancel = new AbortController();
    const started = Date.now();
    const e = await rejection(runScan(targets, store, { concurrency: 1, cnsMetrics: 0, signal: cancel.signal, onCluster: () => cancel.abort() }));
    expect(e).toBe(cancel.signal.reason);
    expect(Date.now() - started).toBeLessThan(10_000); // not the clusters' deadlines
    expect((await store.listLatest()).map((l) => [l.cluster, l.latest.status])).toEqual([["c0", "ok"]]);
    expect(await store.getLatestEvaluation()).toBeUndefined();
  });
});
