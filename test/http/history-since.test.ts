// History `since` over HTTP is about when each snapshot was taken, as the answer shows it, even when
// a queue worker took the cluster long after its round started.
import { describe, expect, it } from "vitest";
import { route } from "../../src/http/api.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { scanAt, snapshot, timeOf } from "../store/fixtures.js";

describe("GET /api/clusters/{name}/history?since=", () => {
  it("keeps a snapshot taken after since from a round that started before it, and drops one taken before", async () => {
    const store = new MemorySnapshotStore();
    const late = snapshot("aks-a", scanAt(0), { nodes: 2 });
    late.takenAt = timeOf(20).toISOString(); // reached 20 minutes into its round
    const early = snapshot("aks-a", scanAt(-60), { nodes: 1 });
    early.takenAt = timeOf(-59).toISOString();
    await store.putSnapshot(early);
    await store.putSnapshot(late);
    const get = async (since: string) => {
      const r = await route({ method: "GET", path: "/api/clusters/aks-a/history", query: new URLSearchParams({ since }) }, { store, now: () => timeOf(30) });
      expect(r.status).toBe(200);
      return (JSON.parse(r.body).history as Array<{ takenAt: string }>).map((h) => h.takenAt);
    };
    expect(await get(timeOf(10).toISOString())).toEqual([late.takenAt]);
    expect(await get(late.takenAt)).toEqual([late.takenAt]); // inclusive
    expect(await get("15m")).toEqual([late.takenAt]);
    expect(await get(timeOf(-59).toISOString())).toEqual([late.takenAt, early.takenAt]);
    expect(await get(timeOf(21).toISOString())).toEqual([]);
    const empty = await route({ method: "GET", path: "/api/clusters/aks-a/history", query: new URLSearchParams({ since: "" }) }, { store });
    expect(empty.status).toBe(400);
  });
});
