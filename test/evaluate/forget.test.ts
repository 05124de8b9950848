// Forgotten clusters leave the latest evaluation: rows, sections, and the findings about them alone.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { dropFromLatestEvaluation, withoutClusters } from "../../src/evaluate/forget.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { T0, view } from "../fixtures/builders.js";
import { cnsPod, healthy } from "../rules/cns-fixtures.js";

function fleet() {
  const sick = healthy("sick");
  sick.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 9 });
  const e = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views: [view(healthy("ok")), view(sick)] });
  // A finding about both clusters (a shared subnet, say) stays while one of them is kept.
  e.findings.push({ ...e.findings[0]!, id: "X-both", cluster: "sick", clusters: ["sick", "ok"] });
  return e;
}

describe("withoutClusters", () => {
  it("drops the clusters' rows, section entries and own findings, and recomputes compliance totals", () => {
    const e = fleet();
    const w = withoutClusters(e, new Set(["sick"]));
    expect(w.clusters.map((c) => c.cluster)).toEqual(["ok"]);
    expect(w.findings.map((f) => f.id)).toEqual(["X-both"]);
    expect(w.sections!.health!.clusters.map((c) => c.cluster)).toEqual(["ok"]);
    expect(w.sections!.drift!.clusters.map((c) => c.cluster)).toEqual(["ok"]);
    expect(w.sections!.compliance!.clusters.map((c) => c.cluster)).toEqual(["ok"]);
    expect(w.sections!.compliance!.totals.clusters).toBe(1);
    expect(e.sections!.compliance!.totals.clusters).toBe(2); // the input is left alone
    for (const s of w.subnets) expect(s.clusters).not.toContain("sick");
  });

  it("takes a forgotten cluster out of the findings about several clusters, naming a kept one", () => {
    const e = fleet();
    e.findings.push({ ...e.findings[0]!, id: "X-three", cluster: "a", clusters: ["a", "ok", "sick"] });
    e.resolved.push({ ...e.findings[0]!, id: "X-gone", cluster: "ok", clusters: ["ok", "sick"], resolvedAt: T0.toISOString() });
    const w = withoutClusters(e, new Set(["sick", "a"]));
    const both = w.findings.find((f) => f.id === "X-both")!;
    expect([both.cluster, both.clusters]).toEqual(["ok", undefined]);
    const three = w.findings.find((f) => f.id === "X-three")!;
    expect([three.cluster, three.clusters]).toEqual(["ok", undefined]);
    expect(w.resolved.find((f) => f.id === "X-gone")).toMatchObject({ cluster: "ok" });
    expect(w.resolved.find((f) => f.id === "X-gone")!.clusters).toBeUndefined();
    const kept = withoutClusters(e, new Set(["a"])).findings.find((f) => f.id === "X-three")!;
    expect([kept.cluster, kept.clusters]).toEqual(["ok", ["ok", "sick"]]);
    expect(e.findings.find((f) => f.id === "X-both")!.clusters).toEqual(["sick", "ok"]); // the input is left alone
  });

  it("rewrites the stored latest evaluation only when it lists a forgotten cluster", async () => {
    const store = new MemorySnapshotStore();
    const e = fleet();
    await store.putEvaluation(e);
    expect(await dropFromLatestEvaluation(store, new Set(["elsewhere"]))).toBe(false);
    expect(await store.getLatestEvaluation()).toEqual(e);
    expect(await dropFromLatestEvaluation(store, new Set(["sick"]))).toBe(true);
    const stored = (await store.getLatestEvaluation())!;
    expect(stored.scanId).toBe(e.scanId);
    expect(stored.clusters.map((c) => c.cluster)).toEqual(["ok"]);
    expect((await store.listEvaluations()).map((s) => s.clusters)).toEqual([1]);
  });
});
