// A store that answers the latest view, then hangs: the ARM data of the kept (stopped, not-CNS) clusters
// of an unlisted subscription is read within the scan's store deadline, all at once, not one Table
// timeout per cluster in turn before collection starts.
import { describe, expect, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { emptySnapshot } from "../../src/model/snapshot.js";
import { newScanId } from "../../src/model/scan-id.js";
import { runScan } from "../../src/scan.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { SUB_B } from "../azure/env.js";

/** How long each read of the hung store takes to fail, as a Table request times out. */
const HANG_MS = 3000;

describe("kept clusters of an unlisted subscription, when the store hangs after the listing", () => {
  it("are stored keeping their status within the store deadline, not after one store timeout each", async () => {
    const store = new MemorySnapshotStore();
    const before = new Date(Date.now() - 3600_000);
    const names = ["aks-off-0", "aks-off-1", "aks-off-2", "aks-off-3"];
    for (const name of names) {
      const s = emptySnapshot(name, newScanId(before), { kind: "arm" }, before);
      s.status = "stopped";
      s.arm = { id: `/subscriptions/${SUB_B}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`, name, subscriptionId: SUB_B, resourceGroup: "rg", aad: false, pools: [], powerState: "Stopped" };
      await store.putSnapshotWithLatest(s);
    }
    let reads = 0;
    store.getSnapshot = () => {
      reads++;
      return new Promise((_, reject) => setTimeout(() => reject(new StoreError("getSnapshot: no answer", "snapshots")), HANG_MS));
    };
    const started = Date.now();
    const { clusters } = await runScan([], store, { storeDeadlineMs: 1000, discoveryProblems: [{ source: `subscription ${SUB_B}`, message: "listing AKS clusters: 429 throttled", subscription: SUB_B }] });
    expect(Date.now() - started).toBeLessThan(HANG_MS);
    expect(reads).toBeGreaterThan(0);
    expect(clusters.map((c) => [c.cluster, c.status])).toEqual(names.map((n) => [n, "stopped"]));
  });
});
