// GET /api/clusters says what the evaluation says of each cluster: a failed scan leaves the counts to
// the last good snapshot (lastOkAt), while a cluster found stopped or without CNS is as it was found.
import { describe, expect, it } from "vitest";
import { runEvaluation } from "../../src/evaluate/run.js";
import { route } from "../../src/http/api.js";
import type { ScanStatus } from "../../src/model/snapshot.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { scanAt, snapshot, timeOf } from "../store/fixtures.js";

interface ClusterEntry {
  cluster: string;
  status: ScanStatus;
  lastScanAt: string;
  lastOkAt: string | null;
  nodes: number;
  nncs: number;
}

describe("GET /api/clusters after a cluster read before is found stopped, not CNS or unreachable", () => {
  it("gives the status and time the latest scan found, and counts only where the evaluation row has them", async () => {
    const store = new MemorySnapshotStore();
    const now: Array<[string, ScanStatus]> = [["aks-stopped", "stopped"], ["aks-left-cns", "not-cns"], ["aks-down", "unreachable"], ["aks-ok", "ok"]];
    for (const [cluster, status] of now) {
      const good = snapshot(cluster, scanAt(0), { nodes: 3 });
      good.takenAt = timeOf(0).toISOString();
      await store.putSnapshot(good);
      const latest = status === "ok" ? snapshot(cluster, scanAt(60), { nodes: 3 }) : snapshot(cluster, scanAt(60), { nodes: 0, status, reason: `found ${status}` });
      latest.takenAt = timeOf(60).toISOString();
      await store.putSnapshot(latest);
    }
    const evaluation = await runEvaluation(store, { scanId: scanAt(60), now: timeOf(61) });
    const r = await route({ method: "GET", path: "/api/clusters", query: new URLSearchParams() }, { store });
    expect(r.status).toBe(200);
    const entries = new Map((JSON.parse(r.body).clusters as ClusterEntry[]).map((c) => [c.cluster, c]));

    const T0 = timeOf(0).toISOString();
    const T1 = timeOf(60).toISOString();
    expect(entries.get("aks-stopped")).toMatchObject({ status: "stopped", reason: "found stopped", lastScanAt: T1, lastOkAt: null, nodes: 0, nncs: 0 });
    expect(entries.get("aks-left-cns")).toMatchObject({ status: "not-cns", lastScanAt: T1, lastOkAt: null, nodes: 0, nncs: 0 });
    expect(entries.get("aks-down")).toMatchObject({ status: "unreachable", lastScanAt: T1, lastOkAt: T0, nodes: 3, nncs: 3 });
    expect(entries.get("aks-ok")).toMatchObject({ status: "ok", lastScanAt: T1, lastOkAt: T1, nodes: 3, nncs: 3 });
    // The same facts as the evaluation's row of each cluster.
    for (const row of evaluation.clusters) {
      expect(entries.get(row.cluster), row.cluster).toMatchObject({ status: row.status, lastScanAt: row.takenAt, lastOkAt: row.lastOkAt, nodes: row.nodes, nncs: row.nncs });
    }
  });
});
