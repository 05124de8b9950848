// The dashboard's trends over the stored history, served by the API from a store.
import { describe, expect, it } from "vitest";
import { route } from "../../src/http/api.js";
import { FORECAST_WINDOW_MS } from "../../src/analysis/forecast.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { evaluation, scanAt, timeOf } from "../store/fixtures.js";

const HOUR = 3_600_000;

async function dashboard(store: MemorySnapshotStore): Promise<{ meta: string; trend: Array<{ at: string }> }> {
  const r = await route({ method: "GET", path: "/api/dashboard", query: new URLSearchParams() }, { store });
  expect(r.status).toBe(200);
  const data = JSON.parse(/<script type="application\/json" id="fleet-data">([\s\S]*?)<\/script>/.exec(r.body)![1]!);
  return { meta: /<p class="meta" id="meta">(.*?)<\/p>/.exec(r.body)![1]!, trend: data.trend };
}

describe("GET /api/dashboard trends", () => {
  it("cover the forecast's week before the newest evaluation, thinned to one an hour past the newest, and say since when", async () => {
    // Eight days of 15-minute rounds: more than the page draws.
    const store = new MemorySnapshotStore();
    const rounds = 8 * 24 * 4;
    for (let i = 0; i < rounds; i++) {
      const e = evaluation(scanAt(i * 15));
      e.generatedAt = timeOf(i * 15 + 1).toISOString();
      await store.putEvaluation(e);
    }
    const newest = timeOf((rounds - 1) * 15 + 1).getTime();
    const { meta, trend } = await dashboard(store);
    expect(trend.length).toBeLessThanOrEqual(200);
    const oldest = Date.parse(trend[0]!.at);
    expect(newest - oldest).toBeLessThanOrEqual(FORECAST_WINDOW_MS);
    expect(newest - oldest).toBeGreaterThan(FORECAST_WINDOW_MS - HOUR);
    expect(meta).toContain(`${trend.length} evaluations in the trends, since ${trend[0]!.at} (the 7 days before the newest: its newest 32, then one an hour)`);
  });
});

describe("dashboard trend order", () => {
  it("draws evaluations in the order they were made, not by round: a round evaluated at its deadline comes after the rounds after it", async () => {
    // Round 09:45 evaluated 09:47; 10:00 at its deadline sweep 10:31; 10:15 at 10:17; 10:30 at 10:32.
    const store = new MemorySnapshotStore();
    for (const [round, evaluated] of [[0, 2], [15, 46], [30, 32], [45, 47]] as const) {
      const e = evaluation(scanAt(round));
      e.generatedAt = timeOf(evaluated).toISOString();
      await store.putEvaluation(e);
    }
    const { trend } = await dashboard(store);
    expect(trend.map((p) => p.at)).toEqual([2, 32, 46, 47].map((m) => timeOf(m).toISOString()));
  });
});
