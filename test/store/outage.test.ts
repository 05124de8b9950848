// A store that stops answering mid-scan: each request to it waits out a timeout, as a hung Table
// endpoint does. The scan must not pay that timeout once per cluster, neither while collecting nor at
// the end, and gives up on all unstored snapshots together when the store is still gone.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { runScan } from "../../src/scan.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import type { SnapshotStore } from "../../src/store/store.js";
import { rejection } from "./helpers.js";

const CLUSTERS = 12;
const CONCURRENCY = 2;
/** What one request to the stopped store costs before it fails (the Table store's is 30 s). */
const TIMEOUT_MS = 400;

let sim: Simulator;
let targets: ClusterTarget[];

beforeAll(async () => {
  // Slow enough that several clusters finish while the store is away.
  sim = await startSimulator(Array.from({ length: CLUSTERS }, (_, i) => ({ name: `c${String(i).padStart(2, "0")}`, mode: "vnetblock" as const, nodes: 1, faults: [{ kind: "slow" as const, delayMs: 150 }] })));
  targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "store-outage-")))] });
});

afterAll(async () => {
  await sim?.close();
});

type Mode = "up" | "stopped" | "writes-hang";

/**
 * A memory store that can stop answering (a call then fails after TIMEOUT_MS, unless the store is back
 * by then, as a stopped Azurite answers when continued) or hang only its snapshot writes.
 */
function outageStore() {
  const inner = new MemorySnapshotStore();
  const s = { mode: "up" as Mode, callsWhileStopped: new Map<string, number>(), atOnce: new Map<string, number>(), mostAtOnce: new Map<string, number>() };
  const count = (m: Map<string, number>, name: string, by: number) => m.set(name, (m.get(name) ?? 0) + by).get(name)!;
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms).unref());
  const timeout = (what: string, ms: number) => new StoreError(`Table store: cannot ${what} in table "latest": 127.0.0.1:1 did not answer within ${ms / 1000} s`, "latest");
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== "function") return v;
      const name = String(prop);
      const call = (args: unknown[]) => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      return async (...args: unknown[]) => {
        s.mostAtOnce.set(name, Math.max(s.mostAtOnce.get(name) ?? 0, count(s.atOnce, name, 1)));
        try {
          if (s.mode === "stopped") {
            count(s.callsWhileStopped, name, 1);
            await sleep(TIMEOUT_MS);
            if (s.mode === "stopped") throw timeout(name, TIMEOUT_MS);
          }
          if (s.mode === "writes-hang" && name === "putSnapshotWithLatest") {
            await sleep(10_000);
            throw timeout(name, 10_000);
          }
          return await call(args);
        } finally {
          count(s.atOnce, name, -1);
        }
      };
    },
  }) as SnapshotStore;
  return { store, inner, s };
}

describe("a store that stops answering mid-scan", () => {
  it("costs one request timeout, not one per cluster, and the scan gives up on every unstored snapshot together", async () => {
    const { store, inner, s } = outageStore();
    const e = await rejection<StoreError>(
      runScan(targets, store, {
        concurrency: CONCURRENCY,
        cnsMetrics: 0,
        storeDeadlineMs: 3 * TIMEOUT_MS,
        onCluster: (_c, done) => {
          if (done === 1) s.mode = "stopped";
        },
      }),
    );
    s.mode = "up";
    const stored = (await inner.listLatest()).length;
    expect(e).toBeInstanceOf(StoreError);
    expect(e.message).toBe(
      `the in-memory store stopped answering during the scan and did not answer again within ${(3 * TIMEOUT_MS) / 1000} s: the snapshots of ${CLUSTERS - stored} clusters were not stored (Table store: cannot ping in table "latest": 127.0.0.1:1 did not answer within ${TIMEOUT_MS / 1000} s)`,
    );
    // Only the writes under way when it stopped waited for it; then one ping at a time asked whether it was back, until the store deadline.
    expect(s.callsWhileStopped.get("putSnapshotWithLatest")).toBeLessThanOrEqual(CONCURRENCY);
    expect(s.mostAtOnce.get("ping")).toBe(1);
  });

  it("stores what waited once it answers again: every snapshot stored, every cluster evaluated", async () => {
    const { store, inner, s } = outageStore();
    let back: NodeJS.Timeout | undefined;
    const r = await runScan(targets, store, {
      concurrency: CONCURRENCY,
      cnsMetrics: 0,
      onCluster: (_c, done) => {
        if (done !== 1) return;
        s.mode = "stopped";
        back = setTimeout(() => (s.mode = "up"), 8 * TIMEOUT_MS);
      },
    });
    clearTimeout(back);
    expect(s.callsWhileStopped.get("putSnapshotWithLatest") ?? 0).toBeLessThanOrEqual(CONCURRENCY);
    expect(r.storeFailures).toEqual([]);
    expect((await inner.listLatest()).map((l) => [l.cluster, l.latest.scanId, l.latest.status])).toEqual(targets.map((t) => [t.name, r.scanId, "ok"]).sort());
    const evaluation = await inner.getLatestEvaluation();
    expect(evaluation?.scanId).toBe(r.scanId);
    expect(evaluation?.notes.filter((n) => /not stored/.test(n))).toEqual([]);
  });

  it("tries the snapshots again a few at a time and within the scan's store deadline when it answers but its writes hang", async () => {
    const { store, s } = outageStore();
    let collected = 0;
    const r = await runScan(targets, store, {
      concurrency: CONCURRENCY,
      cnsMetrics: 0,
      storeDeadlineMs: 1000,
      onCluster: (_c, done) => {
        // The writes of the first clusters are refused as "not now"; from the end of the collection on, they hang.
        if (done === 1) s.mode = "stopped";
        if (done === CLUSTERS) {
          s.mode = "writes-hang";
          collected = Date.now();
        }
      },
    });
    expect(Date.now() - collected).toBeLessThan(3000);
    expect(s.mostAtOnce.get("putSnapshotWithLatest")).toBeLessThanOrEqual(4);
    expect(r.storeFailures.length).toBeGreaterThan(0);
    for (const f of r.storeFailures) expect(f.reason, f.cluster).toMatch(/(the write did not finish|not tried again) within the scan's store deadline \(1 s\)/);
    // Each named in the evaluation, which was stored.
    for (const f of r.storeFailures) expect(r.evaluation.notes).toContain(`snapshot of ${f.cluster} was not stored: ${f.reason}`);
  });
});
