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

describe("GET /api/clusters/{name}/history: how many rows", () => {
  // 130 scans 15 minutes apart (the Functions app's default schedule): 32.5 hours.
  const fill = async (scans: number) => {
    const store = new MemorySnapshotStore();
    for (let i = 0; i < scans; i++) {
      const s = snapshot("aks-a", scanAt(i * 15), { nodes: 1 });
      s.takenAt = timeOf(i * 15).toISOString();
      await store.putSnapshot(s);
    }
    return store;
  };
  const history = async (store: MemorySnapshotStore, query: Record<string, string>) => {
    const r = await route({ method: "GET", path: "/api/clusters/aks-a/history", query: new URLSearchParams(query) }, { store, now: () => timeOf(129 * 15) });
    expect(r.status, r.body).toBe(200);
    return JSON.parse(r.body) as { cluster: string; history: Array<{ takenAt: string }>; truncated?: true };
  };

  it("gives every snapshot since `since`, not the newest 100 of them", async () => {
    const store = await fill(130);
    const week = await history(store, { since: "7d" });
    expect(week.history).toHaveLength(130);
    expect(week.truncated).toBeUndefined();
    expect(Object.keys(week)).toEqual(["cluster", "history"]);
    expect((await history(store, { since: "24h" })).history).toHaveLength(97); // inclusive: 24 h of 15-minute scans and the one at its start
  });

  it("says truncated when a limit, the default 100 or the 5,000 cap cut the rows", async () => {
    const store = await fill(130);
    const newest = await history(store, {});
    expect(newest.history).toHaveLength(100);
    expect(newest.truncated).toBe(true);
    expect(newest.history[0]!.takenAt).toBe(timeOf(129 * 15).toISOString());
    expect(await history(store, { since: "7d", limit: "50" })).toMatchObject({ history: expect.any(Array), truncated: true });
    expect((await history(store, { since: "7d", limit: "50" })).history).toHaveLength(50);
    expect((await history(store, { limit: "130" })).truncated).toBeUndefined();
    const many = await fill(5001);
    const all = await history(many, { since: "2w" });
    expect(all.history).toHaveLength(5000);
    expect(all.truncated).toBe(true);
  }, 60_000);
});
