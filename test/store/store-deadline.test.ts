// The scan's store deadline against a real Azurite that stops answering (SIGSTOP), with the Table
// store's own 30 s request timeout: the listing at the scan's start and the evaluation at its end give up
// at the deadline, not a Table timeout later, and the error names the store by host and port, never
// by its connection string.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScan } from "../../src/scan.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { AZURITE_KEY, startAzurite } from "../../src/store/azurite.js";
import { StoreError, TableSnapshotStore } from "../../src/store/table-store.js";

/** Well below the Table store's request timeout (30 s), which every call to a stopped Azurite waits out. */
const STORE_DEADLINE_MS = 2000;
const TABLE_TIMEOUT_MS = 30_000;

let sim: Simulator;
let targets: ClusterTarget[];

beforeAll(async () => {
  sim = await startSimulator(["a", "b", "c"].map((name) => ({ name, mode: "vnetblock" as const, nodes: 2 })));
  targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "store-deadline-")))] });
});

afterAll(async () => {
  await sim?.close();
});

/** A scan into a fresh Azurite that `stopAt` stops (SIGSTOP); the error it ends with, and how long it took from the stop. */
async function scanWhileStopped(stopAt: "start" | "last cluster"): Promise<{ error: unknown; afterStopMs: number; host: string }> {
  const azurite = await startAzurite();
  const store = TableSnapshotStore.fromConnectionString(azurite.connectionString);
  await store.init();
  let stoppedAt = 0;
  const stop = () => {
    process.kill(azurite.pid, "SIGSTOP");
    stoppedAt = Date.now();
  };
  try {
    if (stopAt === "start") stop();
    const error = await runScan(targets, store, {
      cnsMetrics: 0,
      storeDeadlineMs: STORE_DEADLINE_MS,
      onCluster: (_s, done, total) => {
        if (stopAt === "last cluster" && done === total) stop();
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, afterStopMs: Date.now() - stoppedAt, host: new URL(azurite.tableEndpoint).host };
  } finally {
    if (stoppedAt) process.kill(azurite.pid, "SIGCONT");
    await azurite.stop();
  }
}

describe("the scan's store deadline, Azurite stopped", () => {
  it("before the scan: the latest-view listing gives up at the deadline, and the snapshots wait in memory for it instead of each waiting a Table timeout", async () => {
    const { error, afterStopMs, host } = await scanWhileStopped("start");
    expect(error).toBeInstanceOf(StoreError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^the Table store at ${host.replace(/\./g, "\\.")} stopped answering during the scan and did not answer again within 2 s: the snapshots of 3 clusters were not stored \\(`));
    expect(message).not.toContain(AZURITE_KEY.slice(0, 12));
    // Two deadlines (the listing, then the wait for the store at the end) and the collection.
    expect(afterStopMs).toBeLessThan(TABLE_TIMEOUT_MS);
  }, 90_000);

  it("once every snapshot is stored: the evaluation gives up at the deadline, naming the store", async () => {
    const { error, afterStopMs, host } = await scanWhileStopped("last cluster");
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).unavailable).toBe(true);
    expect((error as Error).message).toBe(`evaluating the scan: the Table store at ${host} did not answer within the scan's store deadline (2 s)`);
    expect(afterStopMs).toBeLessThan(STORE_DEADLINE_MS + 5000);
  }, 90_000);
});
