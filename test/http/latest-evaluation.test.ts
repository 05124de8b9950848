// Reports and the dashboard read the newest evaluation from a per-process cache: parsed once, re-read
// only when a newer one is stored, shared by concurrent requests, and frozen so no request can change
// what the next one sees.
import { describe, expect, it } from "vitest";
import { route } from "../../src/http/api.js";
import { LatestEvaluation } from "../../src/http/latest-evaluation.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { evaluation, scanAt } from "../store/fixtures.js";

class CountingStore extends MemorySnapshotStore {
  reads = 0;
  override async getEvaluation(ref: string): Promise<FleetEvaluation | undefined> {
    this.reads++;
    return super.getEvaluation(ref);
  }
}

const get = (store: MemorySnapshotStore, target: string) => {
  const url = new URL(target, "http://localhost");
  return route({ method: "GET", path: url.pathname, query: url.searchParams }, { store });
};

describe("the latest evaluation cache", () => {
  it("reads the document once per evaluation, and picks up a newer one on the next request", async () => {
    const store = new CountingStore();
    await store.putEvaluation(evaluation(scanAt(0), ["a", "b"]));
    for (const path of ["/api/reports/findings", "/api/reports/exhaustion", "/api/dashboard", "/api/reports/health"]) expect((await get(store, path)).status, path).toBe(200);
    expect(store.reads).toBe(1);
    // Cluster c is unknown to the cached evaluation...
    expect((await get(store, "/api/reports/findings?cluster=c")).status).toBe(404);

    // ...and known as soon as an evaluation that has it is stored.
    const round = scanAt(10);
    await store.putEvaluation(evaluation(round, ["a", "b", "c"]));
    expect((await get(store, "/api/reports/findings?cluster=c")).status).toBe(200);
    expect((await get(store, "/api/reports/drift?cluster=c")).status).toBe(200);
    expect(store.reads).toBe(2);

    // A retry of the newest round rewrites it with a new generatedAt: read again.
    const retry = evaluation(round, ["a", "b", "c", "d"]);
    retry.generatedAt = new Date(Date.now() + 60_000).toISOString();
    await store.putEvaluation(retry);
    expect((await get(store, "/api/reports/findings?cluster=d")).status).toBe(200);
    expect(store.reads).toBe(3);
  });

  it("shares one read among concurrent requests and hands out a frozen evaluation", async () => {
    const store = new CountingStore();
    await store.putEvaluation(evaluation(scanAt(0)));
    const cache = new LatestEvaluation(store);
    const [a, b, c] = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(store.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(() => a!.findings.pop()).toThrow(TypeError);
    expect(() => ((a!.findings[0] as { message: string }).message = "changed")).toThrow(TypeError);
    expect(await new LatestEvaluation(new MemorySnapshotStore()).get()).toBeUndefined();
  });

  it("answers 404 with no evaluation, then serves the first one stored", async () => {
    const store = new CountingStore();
    expect((await get(store, "/api/reports/findings")).status).toBe(404);
    await store.putEvaluation(evaluation(scanAt(0)));
    expect((await get(store, "/api/reports/findings")).status).toBe(200);
  });
});
