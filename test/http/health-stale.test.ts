// /api/health while scan rounds stop being evaluated (discovery or a setting failing, a stopped timer):
// the store still answers, so it stays 200, and says the fleet's data is stale past SCN004's three scan
// intervals, inferred from the evaluations as SCN004 infers them.
import { describe, expect, it, vi } from "vitest";
import { route } from "../../src/http/api.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { evaluation, scanAt, timeOf } from "../store/fixtures.js";

const health = async (store: MemorySnapshotStore, minutes: number) => {
  const r = await route({ method: "GET", path: "/api/health", query: new URLSearchParams() }, { store, now: () => timeOf(minutes) });
  return { status: r.status, body: JSON.parse(r.body) };
};

/** Evaluations every 15 minutes, the last at minute 60. */
async function scannedEvery15(): Promise<MemorySnapshotStore> {
  const store = new MemorySnapshotStore();
  for (const m of [0, 15, 30, 45, 60]) await store.putEvaluation({ ...evaluation(scanAt(m)), generatedAt: timeOf(m).toISOString() });
  return store;
}

describe("GET /api/health when scans stop", () => {
  it("is ok while the newest evaluation is within three scan intervals", async () => {
    expect(await health(await scannedEvery15(), 60 + 44)).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("stays 200 but says the data is stale past three scan intervals, and since when", async () => {
    const { status, body } = await health(await scannedEvery15(), 60 + 46);
    expect(status).toBe(200);
    expect(body).toEqual({
      status: "ok",
      stale: { lastEvaluatedAt: timeOf(60).toISOString(), intervalMinutes: 15, message: expect.stringMatching(/^no scan has been evaluated since .* \(46 min ago\), more than 3 scan intervals of 15 min/) },
    });
  });

  it("stays 200 when the newest evaluation cannot be read, saying only that staleness is unknown; the log says why", async () => {
    const store = await scannedEvery15();
    vi.spyOn(store, "listEvaluations").mockRejectedValue(new Error("evaluation 20261201T010000000Z: chunk sub0 of /data/evaluations cannot be decoded"));
    const logged: string[] = [];
    const r = await route({ method: "GET", path: "/api/health", query: new URLSearchParams() }, { store, now: () => timeOf(60 + 46), log: (l) => logged.push(l) });
    expect([r.status, r.body.includes("sub0")]).toEqual([200, false]);
    expect(JSON.parse(r.body)).toEqual({ status: "ok", stale: { unknown: true, message: expect.stringMatching(/^whether scans are evaluated on time is unknown/) } });
    expect(logged).toEqual([expect.stringContaining("chunk sub0 of /data/evaluations cannot be decoded")]);
  });

  it("is ok before the first evaluation: a new install has not stalled", async () => {
    expect(await health(new MemorySnapshotStore(), 0)).toEqual({ status: 200, body: { status: "ok" } });
  });
});
