// The stored evaluation keeps only the azure-cns node rows that need attention; a one-cluster health
// report (HTTP route here, CLI in test/cli/drift-compliance.e2e.test.ts) rebuilds every row from the
// store while the cluster's snapshot is still the one evaluated, and says what it leaves out otherwise.
import { describe, expect, it } from "vitest";
import { runEvaluation } from "../../src/evaluate/run.js";
import { clusterHealth } from "../../src/evaluate/sections/health.js";
import { route } from "../../src/http/api.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import { newScanId } from "../../src/model/scan-id.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { withEveryNodeRow } from "../../src/reports/health-rows.js";
import { renderReport } from "../../src/reports/render.js";
import { renderStored } from "../../src/reports/stored.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { cnsPod, healthy } from "../rules/cns-fixtures.js";

const R1 = new Date("2026-11-28T04:00:00Z");
const R2 = new Date("2026-11-28T05:00:00Z");

function taken(s: ClusterSnapshot, at: Date): ClusterSnapshot {
  s.scanId = newScanId(at);
  s.takenAt = at.toISOString();
  return s;
}

/** "calm": 4 healthy nodes; "sick": 3 nodes, n2's azure-cns crash-looping. Evaluated and stored. */
async function fleet(): Promise<{ store: MemorySnapshotStore; evaluation: FleetEvaluation }> {
  const store = new MemorySnapshotStore();
  const sick = healthy("sick", 3);
  sick.cns.pods[1] = cnsPod("n2", { ready: false, reason: "CrashLoopBackOff", restarts: 4 });
  await store.putSnapshot(taken(healthy("calm", 4), R1));
  await store.putSnapshot(taken(sick, R1));
  return { store, evaluation: await runEvaluation(store, { scanId: newScanId(R1), now: R1 }) };
}

const report = (store: MemorySnapshotStore, query: Record<string, string>) => route({ method: "GET", path: "/api/reports/health", query: new URLSearchParams(query) }, { store });
const rowsOf = (body: string, cluster: string) => (JSON.parse(body) as { clusters: Array<{ cluster: string; nodeRows: Array<{ node: string; status: string }>; nodeRowsOmitted?: number }> }).clusters.find((c) => c.cluster === cluster)!;

describe("health rows in the stored evaluation", () => {
  it("keeps only the rows that need attention, with the count of the rest", async () => {
    const { store } = await fleet();
    const stored = (await store.getLatestEvaluation())!.sections!.health!.clusters;
    expect(stored.map((c) => [c.cluster, c.nodeRows.map((r) => [r.node, r.status]), c.nodeRowsOmitted])).toEqual([
      ["calm", [], 4],
      ["sick", [["n2", "crashloop"]], 2],
    ]);
    expect(stored[1]!.nodeRows[0]).toMatchObject({ pod: "azure-cns-n2", reason: "CrashLoopBackOff", restarts: 4 });
  });
});

describe("GET /api/reports/health?cluster=", () => {
  it("lists every node of the cluster again, healthy ones included, as the evaluation judged them", async () => {
    const { store } = await fleet();
    const r = await report(store, { cluster: "sick" });
    expect(r.status).toBe(200);
    const sick = rowsOf(r.body, "sick");
    expect(sick.nodeRows.map((x) => [x.node, x.status])).toEqual([
      ["n2", "crashloop"],
      ["n1", "ok"],
      ["n3", "ok"],
    ]);
    expect(sick.nodeRowsOmitted).toBe(0);
    // The shared (frozen) evaluation is untouched: the fleet report still has the stored rows only.
    const all = await report(store, {});
    expect(rowsOf(all.body, "sick").nodeRows.map((x) => x.node)).toEqual(["n2"]);
    expect(rowsOf(all.body, "calm")).toMatchObject({ nodeRows: [], nodeRowsOmitted: 4 });
  });

  it("with a severity, lists the cluster's nodes at or above it only, under a title that says so", async () => {
    const { store } = await fleet();
    const r = await report(store, { cluster: "sick", severity: "critical" });
    expect(r.status).toBe(200);
    expect(rowsOf(r.body, "sick").nodeRows.map((x) => [x.node, x.status])).toEqual([["n2", "crashloop"]]);
    const md = await report(store, { cluster: "sick", severity: "critical", format: "md" });
    expect(md.body).toContain("## Nodes needing attention\n");
    expect(md.body).not.toContain("| n1 |");
    // Without it, every node under "Nodes".
    expect((await report(store, { cluster: "sick", format: "md" })).body).toContain("## Nodes\n");
  });

  it("renders every format for one cluster, naming every node", async () => {
    const { store } = await fleet();
    for (const format of ["json", "csv", "md", "html"]) {
      const r = await report(store, { cluster: "calm", format });
      expect(r.status, `${format}: ${r.body.slice(0, 200)}`).toBe(200);
      for (const n of ["n1", "n2", "n3", "n4"]) expect(r.body, format).toContain(n);
      expect(r.body).not.toContain("not listed");
    }
  });

  it("falls back to the stored rows, saying how many healthy nodes it leaves out, once the cluster's snapshot has moved on", async () => {
    const { store } = await fleet();
    const later = healthy("sick", 3);
    later.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 1 });
    await store.putSnapshot(taken(later, R2));
    const r = await report(store, { cluster: "sick" });
    expect(rowsOf(r.body, "sick")).toMatchObject({ nodeRows: [{ node: "n2", status: "crashloop" }], nodeRowsOmitted: 2 });
    const md = await report(store, { cluster: "sick", format: "md" });
    expect(md.body).toContain("## Nodes needing attention (2 healthy nodes not listed)");
    expect(md.body).not.toContain("| n1 |");
  });

  it("falls back to the stored rows when the snapshot cannot be read", async () => {
    const { store, evaluation } = await fleet();
    store.getSnapshot = () => Promise.reject(new Error("table unavailable"));
    const e = await withEveryNodeRow(store, "health", evaluation, { cluster: "calm" });
    expect(e).toBe(evaluation);
  });
});

describe("the fleet-wide health report", () => {
  it("shows what it showed when the evaluation held every row", async () => {
    const { store, evaluation } = await fleet();
    // The same evaluation as stored before the rows were left out: every row, no count.
    const full = structuredClone(evaluation);
    for (const c of full.sections!.health!.clusters) {
      const entry = (await store.getLatest(c.cluster))!;
      c.nodeRows = clusterHealth({ name: c.cluster, latest: entry.latest, snapshot: (await store.getSnapshot(c.cluster, entry.latest.ref))! }).nodeRows;
      delete c.nodeRowsOmitted;
    }
    expect(full.sections!.health!.clusters.map((c) => c.nodeRows.length)).toEqual([4, 3]);
    for (const format of ["table", "csv", "md", "html"] as const) {
      expect(renderReport("health", evaluation, {}, format).body, format).toBe(renderReport("health", full, {}, format).body);
    }
    // Nothing to rebuild for a fleet report: the evaluation itself is rendered.
    expect(await withEveryNodeRow(store, "health", evaluation, {})).toBe(evaluation);
  });
});

describe("report and table names", () => {
  it("are taken in any case: a one-cluster Health report rebuilds its rows, and unknown names still list the known ones", async () => {
    const { store, evaluation } = await fleet();
    const csv = (await renderStored(store, evaluation, "Health", { cluster: "calm" }, "csv", { table: "Nodes" })).body.trim().split("\r\n");
    expect(csv.slice(1).map((l) => l.split(",")[1])).toEqual(["n1", "n2", "n3", "n4"]);
    expect(() => renderReport("Health", evaluation, {}, "csv", { table: "pods" })).toThrow("the health report has no table \"pods\"; it has clusters, nodes");
    expect(() => renderReport("healthz", evaluation, {}, "csv")).toThrow('unknown report "healthz"; known: findings, exhaustion, drift, health, compliance');
    expect(renderReport("FINDINGS", evaluation, {}, "sarif").contentType).toMatch(/^application\/sarif\+json/);
  });
});
