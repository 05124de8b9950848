// The evaluation round over a store: clusters stored during a scan are evaluated from the snapshot in
// hand (only their previous snapshot is read back), the rest of the latest view is read at the end.
import { describe, expect, it } from "vitest";
import { EvaluationRun, runEvaluation } from "../../src/evaluate/run.js";
import { newScanId } from "../../src/model/scan-id.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { subnetKey } from "../../src/analysis/subnets.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import { cnsCluster, node, snapshot } from "../fixtures/builders.js";
import { dynNnc } from "../rules/ipam-fixtures.js";

const R1 = new Date("2026-11-28T04:00:00Z");
const R2 = new Date("2026-11-28T05:00:00Z");
const R3 = new Date("2026-11-28T06:00:00Z");

function taken(cluster: string, nodes: string[], at: Date): ClusterSnapshot {
  const s = cnsCluster(cluster, nodes);
  s.scanId = newScanId(at);
  s.takenAt = at.toISOString();
  return s;
}

/** A memory store that counts snapshot reads per cluster, and reads of latest entries and history. */
function countingStore(): { store: MemorySnapshotStore; reads: Map<string, number>; lookups: string[] } {
  const store = new MemorySnapshotStore();
  const reads = new Map<string, number>();
  const lookups: string[] = [];
  const get = store.getSnapshot.bind(store);
  store.getSnapshot = (cluster, ref) => {
    reads.set(cluster, (reads.get(cluster) ?? 0) + 1);
    return get(cluster, ref);
  };
  const latest = store.getLatest.bind(store);
  store.getLatest = (cluster) => (lookups.push(`latest ${cluster}`), latest(cluster));
  const history = store.listHistory.bind(store);
  store.listHistory = (cluster, q) => (lookups.push(`history ${cluster}`), history(cluster, q));
  return { store, reads, lookups };
}

describe("EvaluationRun", () => {
  it("evaluates a cluster stored during the scan from the snapshot in hand, and the rest of the latest view at the end", async () => {
    const { store, reads } = countingStore();
    await store.putSnapshot(taken("a", ["n1"], R1));
    await store.putSnapshot(taken("b", ["m1"], R1));
    const run = await EvaluationRun.open(store, { scanId: newScanId(R2), now: R2 });
    const a2 = taken("a", ["n1", "n2"], R2);
    await store.putSnapshot(a2);
    await run.addStored(a2);
    // a's previous snapshot only: the new one was in hand.
    expect(Object.fromEntries(reads)).toEqual({ a: 1 });
    const e = await run.finish(["a note from the scan"]);
    // b was not scanned this round: read from the store at the end.
    expect(Object.fromEntries(reads)).toEqual({ a: 1, b: 1 });
    expect(e.clusters.map((c) => [c.cluster, c.nodes, c.takenAt])).toEqual([
      ["a", 2, R2.toISOString()],
      ["b", 1, R1.toISOString()],
    ]);
    const drift = e.sections!.drift!.clusters.find((c) => c.cluster === "a")!;
    expect(drift).toMatchObject({ from: R1.toISOString(), to: R2.toISOString(), nodes: { added: ["n2"], removed: [] } });
    expect(e.notes).toEqual(["a note from the scan"]);
    expect((await store.getLatestEvaluation())?.scanId).toBe(e.scanId);
  });

  it("judges a cluster by the latest view: a newer round's snapshot wins over an older one in hand", async () => {
    for (const withWrite of [false, true]) {
      const { store } = countingStore();
      await store.putSnapshot(taken("a", ["n1", "n2", "n3"], R3));
      const late = taken("a", ["n1"], R2);
      const stored = await store.putSnapshotWithLatest(late);
      const run = await EvaluationRun.open(store, { scanId: newScanId(R2), now: R3 });
      await run.addStored(late, withWrite ? stored : undefined);
      const e = await run.finish();
      expect(e.clusters).toEqual([expect.objectContaining({ cluster: "a", nodes: 3, takenAt: R3.toISOString() })]);
    }
  });

  it("takes the entry and the previous good snapshot from what the write did, reading neither back", async () => {
    const judge = async (withWrite: boolean) => {
      const { store, reads, lookups } = countingStore();
      await store.putSnapshot(taken("a", ["n1"], R1));
      await store.putSnapshot({ ...taken("a", [], R2), status: "unreachable", reason: "timeout" });
      const run = await EvaluationRun.open(store, { scanId: newScanId(R3), now: R3 });
      const a3 = taken("a", ["n1", "n2"], R3);
      const stored = await store.putSnapshotWithLatest(a3);
      await run.addStored(a3, withWrite ? stored : undefined);
      const e = await run.finish();
      return { lookups, reads: Object.fromEntries(reads), drift: e.sections!.drift!.clusters.find((c) => c.cluster === "a") };
    };
    const slow = await judge(false);
    const fast = await judge(true);
    // Without the write in hand: the entry is read, and it names the previous good snapshot.
    expect(slow.lookups).toEqual(["latest a"]);
    expect(fast.lookups).toEqual([]);
    // The previous good snapshot (R1, past the failed R2) is still read, and the drift is the same.
    expect(fast.reads).toEqual({ a: 1 });
    expect(fast.drift).toEqual(slow.drift);
    expect(fast.drift).toMatchObject({ from: R1.toISOString(), to: R3.toISOString(), nodes: { added: ["n2"], removed: [] } });
  });

  it("reads a cluster not scanned this round without listing its history when its entry names the good snapshot before", async () => {
    const { store, reads, lookups } = countingStore();
    await store.putSnapshot(taken("a", ["n1"], R1));
    await store.putSnapshot(taken("a", ["n1", "n2"], R2));
    const e = await runEvaluation(store, { scanId: newScanId(R3), now: R3 });
    expect(lookups).toEqual([]);
    expect(Object.fromEntries(reads)).toEqual({ a: 2 });
    expect(e.sections!.drift!.clusters.find((c) => c.cluster === "a")).toMatchObject({ from: R1.toISOString(), to: R2.toISOString(), nodes: { added: ["n2"] } });
  });

  it("falls back to the history when the good snapshot the entry names is gone", async () => {
    const { store, lookups } = countingStore();
    await store.putSnapshot(taken("a", ["n1"], R1));
    const r2 = await store.putSnapshot(taken("a", ["n1", "n2"], R2));
    await store.putSnapshot(taken("a", ["n1", "n2", "n3"], R3));
    // R2 is gone behind the entry's back (deleted by hand, or by an older version's retention).
    expect((store as unknown as { history: Map<string, Map<string, unknown>> }).history.get("a")!.delete(r2.ref)).toBe(true);
    const e = await runEvaluation(store, { scanId: newScanId(R3), now: R3 });
    expect(lookups).toEqual(["history a"]);
    expect(e.sections!.drift!.clusters.find((c) => c.cluster === "a")).toMatchObject({ from: R1.toISOString(), to: R3.toISOString(), nodes: { added: ["n2", "n3"] } });
  });

  it("knows from the write that a cluster's first good snapshot has none before it", async () => {
    const { store, reads, lookups } = countingStore();
    const run = await EvaluationRun.open(store, { scanId: newScanId(R1), now: R1 });
    const a1 = taken("a", ["n1"], R1);
    await run.addStored(a1, await store.putSnapshotWithLatest(a1));
    const e = await run.finish();
    expect(lookups).toEqual([]);
    expect(Object.fromEntries(reads)).toEqual({});
    expect(e.clusters).toEqual([expect.objectContaining({ cluster: "a", nodes: 1 })]);
  });

  it("judges a cluster whose latest scan found no NNC API as it is now, not on the NNCs an earlier scan read", async () => {
    const store = new MemorySnapshotStore();
    const a = taken("a", [], R1);
    const b = taken("b", [], R1);
    a.nncs = [dynNnc("a1", { first: "10.1.0.4" })];
    b.nncs = [dynNnc("b1", { first: "10.1.0.40" })];
    await store.putSnapshot(a);
    await store.putSnapshot(b);
    // Four hours later b has left Azure CNI with CNS: its old NNCs hold nothing on a's subnet any more,
    // and its data is not stale (SCN004): it is as the scan found it.
    const later = new Date(R1.getTime() + 4 * 3_600_000);
    await store.putSnapshot({ ...taken("a", [], later), nncs: a.nncs });
    await store.putSnapshot({ ...taken("b", [], later), status: "not-cns", reason: "no acn.azure.com/v1alpha NodeNetworkConfig API" });
    const e = await runEvaluation(store, { scanId: newScanId(later), now: later });
    expect(e.clusters.find((c) => c.cluster === "b")).toMatchObject({ status: "not-cns", nncs: 0, lastOkAt: null });
    expect(e.subnets).toEqual([expect.objectContaining({ clusters: ["a"], used: 17 })]);
    expect(e.findings.filter((f) => f.cluster === "b").map((f) => f.rule)).toEqual(["SCN003"]);
  });

  it("says a cluster that left CNS after good snapshots is not collected now, with its last good snapshot, not that it has none yet", async () => {
    const store = new MemorySnapshotStore();
    await store.putSnapshot(taken("a", ["n1"], R1));
    await store.putSnapshot({ ...taken("a", ["n1"], R2), status: "not-cns", reason: "no acn.azure.com/v1alpha NodeNetworkConfig API" });
    await store.putSnapshot({ ...taken("never", [], R2), status: "not-cns", reason: "no acn.azure.com/v1alpha NodeNetworkConfig API" });
    const drift = (await runEvaluation(store, { scanId: newScanId(R2), now: R2 })).sections!.drift!.clusters;
    expect(drift.map((c) => [c.cluster, c.note])).toEqual([
      ["a", `not CNS now: not collected (last good snapshot ${R1.toISOString()})`],
      ["never", "no good snapshot yet (latest scan: not-cns)"],
    ]);
  });

  it("names a cluster of the latest view whose snapshot cannot be read, and keeps its findings", async () => {
    const { store } = countingStore();
    const broken = taken("a", ["n1", "n2"], R1);
    broken.nncs = broken.nncs.slice(0, 1);
    await store.putSnapshot(broken);
    await store.putSnapshot(taken("b", ["m1"], R1));
    const first = await runEvaluation(store, { scanId: newScanId(R1), now: R1 });
    const ids = first.findings.filter((f) => f.cluster === "a").map((f) => f.id);
    expect(ids.length).toBeGreaterThan(0);
    const get = store.getSnapshot.bind(store);
    store.getSnapshot = async (cluster, ref) => {
      if (cluster === "a") throw new Error("table unavailable");
      return get(cluster, ref);
    };
    const second = await runEvaluation(store, { scanId: newScanId(R2), now: R2 });
    expect(second.notes).toContain(`snapshot of a taken ${R1.toISOString()} could not be read: table unavailable`);
    expect(second.findings.map((f) => f.id)).toEqual(expect.arrayContaining(ids));
    expect(second.resolved).toEqual([]);
  });

  it("forecasts from the whole 7-day window at 5-minute scans, not the newest 500 rounds: a daily cycle is not growth", async () => {
    const store = new MemorySnapshotStore();
    const key = subnetKey({ subscription: "sub-1", resourceGroup: "rg-net", vnet: "vnet-1", subnet: "pods" });
    const now = Date.parse("2026-11-28T16:00:00Z");
    // Addresses held swing by ±40 around 190 every day and do not grow; now is a daily peak (230).
    const used = (minutesAgo: number) => Math.round(190 + 40 * Math.cos((2 * Math.PI * minutesAgo) / 1440));
    for (let m = 7 * 1440; m >= 5; m -= 5) {
      const at = new Date(now - m * 60_000).toISOString();
      const e: FleetEvaluation = {
        schemaVersion: 1,
        scanId: newScanId(new Date(now - m * 60_000)),
        generatedAt: at,
        clusters: [],
        subnets: [{ key, cidr: "10.1.0.0/24", mode: "dynamic", clusters: ["a"], capacity: 251, used: used(m), utilization: used(m) / 251, forecastExhaustionAt: null }],
        findings: [],
        resolved: [],
        notes: [],
      };
      await store.putEvaluation(e);
    }
    const s = snapshot("a", { nodes: [node("n1")], nncs: [dynNnc("n1", { held: used(0) - 1 })] });
    s.scanId = newScanId(new Date(now));
    s.takenAt = new Date(now).toISOString();
    await store.putSnapshot(s);
    const e = await runEvaluation(store, { scanId: s.scanId, now: new Date(now) });
    // A fit over whole days of a cycle is flat to within rounding: nothing within a quarter.
    expect(e.subnets).toEqual([expect.objectContaining({ key, used: 230 })]);
    const at = e.subnets[0]!.forecastExhaustionAt;
    expect(at === null || Date.parse(at) - now > 90 * 86_400_000, String(at)).toBe(true);
    expect(e.findings.filter((f) => f.rule === "IPX004")).toEqual([]);
    expect(e.notes).toEqual([]);
  });
});
