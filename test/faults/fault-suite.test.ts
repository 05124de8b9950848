// The fault suite: a whole fleet with every fault mode, scanned for real (client-node over HTTPS to
// the simulator, snapshots into Azurite). Each faulted cluster is recorded with its reason, every other
// cluster's snapshot is complete, the scan ends within the deadline, and the latest view only ever
// points at whole snapshots — also when Azurite stops mid-scan and comes back.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { COLLECT_DEFAULTS } from "../../src/collect/collector.js";
import { runScan } from "../../src/scan.js";
import { type FaultSpec, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { startAzurite } from "../../src/store/azurite.js";
import type { SnapshotStore } from "../../src/store/store.js";
import { StoreError, tableClients, TableSnapshotStore } from "../../src/store/table-store.js";

// Room for the 5,000-node cluster on a busy 2-vCPU machine; the hung clusters wait it out.
const DEADLINE_MS = 10_000;
const FAST_RETRY = { retries: 3, baseDelayMs: 20, maxDelayMs: 2000 };

const faulted: Array<[string, FaultSpec[], string, RegExp]> = [
  ["hung", [{ kind: "hang" }], "unreachable", /deadline|no answer/],
  ["refusing", [{ kind: "refuse" }], "unreachable", /ECONNREFUSED/],
  ["expired-token", [{ kind: "status", code: 401 }], "unauthorized", /401/],
  ["forbidden", [{ kind: "status", code: 403 }], "unauthorized", /403/],
  ["down-500", [{ kind: "status", code: 500 }], "error", /HTTP 500/],
  ["throttled-hard", [{ kind: "throttle", retryAfter: 60 }], "error", /429/],
  ["malformed", [{ kind: "malformed", path: "/api/v1/nodes" }], "error", /malformed JSON/],
  ["truncated", [{ kind: "truncated", path: "nodenetworkconfigs" }], "error", /cut short|Premature|malformed/i],
  ["kubenet", [{ kind: "noNncApi" }], "not-cns", /NodeNetworkConfig API/],
];
/** More nodes than a list page holds: only a list that pages sends a continue token that can expire. */
const PAGED_NODES = COLLECT_DEFAULTS.pageSize + 2;
const recovering: Array<[string, FaultSpec[], number]> = [
  ["flaky", [{ kind: "flaky", code: 500, first: 3 }], 6],
  ["throttled-briefly", [{ kind: "throttle", retryAfter: 1, first: 2 }], 6],
  ["slow", [{ kind: "slow", delayMs: 200 }], 6],
  ["expired-continue", [{ kind: "expiredContinue", first: 1 }], PAGED_NODES],
];

function spec(name: string, faults: FaultSpec[] = [], nodes = 4, mode: SimClusterSpec["mode"] = "vnetblock"): SimClusterSpec {
  return { name, mode, nodes, faults };
}

let sim: Simulator;
let targets: ClusterTarget[];

beforeAll(async () => {
  sim = await startSimulator([
    ...faulted.map(([n, f]) => spec(n, f)),
    ...recovering.map(([n, f, nodes]) => spec(n, f, nodes)),
    // 5,000 static-block nodes hold 1.28 M addresses: a /10 pod subnet (static block allows up to /12 in
    // Azure; the simulator does not enforce that limit).
    { ...spec("big-5000", [], 5000), podSubnet: { name: "big", cidr: "10.64.0.0/10", vnet: "vnet", resourceGroup: "rg", subscription: "sub" } },
    spec("dynamic", [], 5, "dynamic"),
    spec("overlay", [], 5, "overlay"),
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), "faults-"));
  targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] });
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

/** The cluster really sent a continue token, was answered 410 for one, and read that list again from its start. */
function expectExpiredListRestarted(cluster: string): void {
  const log = sim.cluster(cluster).requests;
  const hasContinue = (p: string) => /[?&]continue=/.test(p);
  const expired = log.filter((q) => q.status === 410);
  expect(expired.map((q) => q.fault)).toEqual(["expiredContinue"]);
  expect(hasContinue(expired[0]!.path)).toBe(true);
  const list = expired[0]!.path.split("?", 1)[0];
  const after = log.slice(log.indexOf(expired[0]!) + 1).filter((q) => q.path.split("?", 1)[0] === list);
  expect(after.filter((q) => !hasContinue(q.path) && q.status === 200).length, "the list started over").toBeGreaterThan(0);
  expect(after.filter((q) => hasContinue(q.path) && q.status === 200).length, "and paged to its end").toBeGreaterThan(0);
}

/** Every latest entry points at a snapshot that reads back whole. */
async function expectLatestWhole(store: SnapshotStore): Promise<void> {
  for (const e of await store.listLatest()) {
    const s = await store.getSnapshot(e.cluster, e.latest.ref);
    expect(s, e.cluster).toBeDefined();
    expect(s!.scanId).toBe(e.latest.scanId);
    expect(s!.nncs.length).toBe(e.latest.nncs);
    expect(s!.nodes.length).toBe(e.latest.nodes);
  }
}

describe("fault suite", () => {
  it("records every faulted cluster with its reason and keeps every other snapshot complete", async () => {
    const store = TableSnapshotStore.fromConnectionString(inject("azuriteConnectionString"), { tablePrefix: `faults${process.pid}` });
    await store.init();
    const t0 = Date.now();
    const r = await runScan(targets, store, { concurrency: 8, requestTimeoutMs: 2000, clusterDeadlineMs: DEADLINE_MS, retry: FAST_RETRY, onCluster: () => {} });
    const elapsed = Date.now() - t0;
    // Hung clusters cost their deadline; nothing waits on them beyond it (generous slack for a busy CI box).
    expect(elapsed).toBeLessThan(DEADLINE_MS * 2 + 15_000);
    expect(r.storeFailures).toEqual([]);
    const by = new Map(r.clusters.map((c) => [c.cluster, c]));
    for (const [name, , status, reason] of faulted) {
      expect(by.get(name)?.status, name).toBe(status);
      expect(by.get(name)?.reason, name).toMatch(reason);
    }
    for (const [name, , nodes] of recovering) expect(by.get(name), name).toMatchObject({ status: "ok", nodes, nncs: nodes });
    expectExpiredListRestarted("expired-continue");
    expect(by.get("big-5000")).toMatchObject({ status: "ok", nodes: 5000, nncs: 5000, cnsPods: 5000 });

    const big = await store.getSnapshot("big-5000", (await store.getLatest("big-5000"))!.latest.ref);
    const served = new Map(sim.cluster("big-5000").state.nncs.list().map((n) => [n.metadata.name, n.status?.networkContainers?.[0]?.ipAssignments?.length]));
    expect(big!.nncs.map((n) => n.networkContainers[0]?.ipAssignments.length)).toEqual(big!.nncs.map((n) => served.get(n.name)));
    await expectLatestWhole(store);

    const e = (await store.getLatestEvaluation())!;
    expect(e.scanId).toBe(r.scanId);
    const scn = e.findings.filter((f) => f.rule.startsWith("SCN")).map((f) => f.cluster).sort();
    expect(scn).toEqual(faulted.map(([n]) => n).sort());
    await store.close();
  }, 180_000);

  it("survives Azurite stopping mid-scan and coming back: nothing lost, latest never half-written", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "azurite-restart-"));
    let azurite = await startAzurite({ location: dir });
    const ports = {
      table: Number(new URL(azurite.tableEndpoint).port),
      queue: Number(new URL(azurite.queueEndpoint).port),
      blob: Number(new URL(azurite.blobEndpoint).port),
    };
    const store = TableSnapshotStore.fromConnectionString(azurite.connectionString);
    await store.init();
    const healthy = targets.filter((t) => ["flaky", "throttled-briefly", "slow", "expired-continue", "dynamic", "overlay"].includes(t.name));
    let restarted: Promise<void> | undefined;
    try {
      const r = await runScan(healthy, store, {
        concurrency: 2,
        retry: FAST_RETRY,
        onCluster: (_s, done) => {
          // After the first cluster is stored, the store goes away for a while and comes back.
          if (done === 1) {
            restarted = (async () => {
              await azurite.stop();
              await new Promise((res) => setTimeout(res, 1500));
              azurite = await startAzurite({ location: dir, ports });
            })();
          }
        },
      });
      await restarted;
      expect(r.clusters.map((c) => c.status)).toEqual(healthy.map(() => "ok"));
      expect(r.storeFailures).toEqual([]);
      const latest = await store.listLatest();
      expect(latest.map((l) => l.cluster).sort()).toEqual(healthy.map((t) => t.name).sort());
      await expectLatestWhole(store);
      expect((await store.getLatestEvaluation())?.scanId).toBe(r.scanId);
    } finally {
      await restarted?.catch(() => {});
      await store.close();
      await azurite.stop();
    }
  }, 120_000);

  describe("Azurite that stops answering mid-scan (SIGSTOP): each request waits out its timeout", () => {
    const REQUEST_TIMEOUT_MS = 1500;
    const names = ["flaky", "throttled-briefly", "slow", "expired-continue", "dynamic", "overlay", "down-500", "refusing"];

    /** A scan of `names` into a fresh Azurite that is stopped once the first cluster is stored, and continued after `stoppedMs` (never: undefined). */
    async function scanWhileStopped(stoppedMs: number | undefined, check: (store: TableSnapshotStore, scan: Promise<Awaited<ReturnType<typeof runScan>>>, puts: () => number) => Promise<void>): Promise<void> {
      const azurite = await startAzurite({ location: mkdtempSync(path.join(tmpdir(), "azurite-stop-")) });
      const store = new TableSnapshotStore(tableClients(azurite.connectionString, REQUEST_TIMEOUT_MS));
      await store.init();
      let stopped = false;
      let putsWhileStopped = 0;
      const put = store.putSnapshotWithLatest.bind(store);
      store.putSnapshotWithLatest = (snap) => {
        if (stopped) putsWhileStopped++;
        return put(snap);
      };
      const resume = () => {
        if (stopped) process.kill(azurite.pid, "SIGCONT");
        stopped = false;
      };
      let timer: NodeJS.Timeout | undefined;
      try {
        const scan = runScan(
          targets.filter((t) => names.includes(t.name)),
          store,
          {
            concurrency: 2,
            retry: FAST_RETRY,
            // A short wait for a store that never comes back; the default one for a store that does.
            ...(stoppedMs === undefined ? { storeDeadlineMs: 3 * REQUEST_TIMEOUT_MS } : {}),
            onCluster: (_s, done) => {
              if (done !== 1) return;
              process.kill(azurite.pid, "SIGSTOP");
              stopped = true;
              if (stoppedMs !== undefined) timer = setTimeout(resume, stoppedMs);
            },
          },
        );
        await check(store, scan, () => putsWhileStopped);
      } finally {
        clearTimeout(timer);
        resume();
        await store.close();
        await azurite.stop();
      }
    }

    it("and never comes back: the scan gives up on the store at its store deadline, naming it and how many snapshots were not stored", async () => {
      await scanWhileStopped(undefined, async (_store, scan, puts) => {
        const t0 = Date.now();
        const e = await scan.then(() => undefined, (x: unknown) => x);
        // Before: ~1 request timeout per cluster while collecting, and again for each at the end.
        expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + 6 * REQUEST_TIMEOUT_MS + 10_000);
        expect(puts()).toBeLessThanOrEqual(2);
        expect(e).toBeInstanceOf(StoreError);
        const m = /^the Table store at 127\.0\.0\.1:\d+ stopped answering during the scan and did not answer again within 4\.5 s: the snapshots of (\d+) clusters were not stored \(Table store: cannot ping in table "latest": 127\.0\.0\.1:\d+ did not answer within 1\.5 s\)$/.exec((e as Error).message);
        expect(m, (e as Error).message).not.toBeNull();
        // All but the first cluster, stored before the stop, and those whose writes were under way then.
        expect(Number(m![1])).toBeGreaterThanOrEqual(names.length - 3);
        expect(Number(m![1])).toBeLessThanOrEqual(names.length - 1);
      });
    }, 120_000);

    it("and is continued: the scan finishes within its deadline, faulted clusters carry their reasons, every snapshot whole", async () => {
      await scanWhileStopped(3 * REQUEST_TIMEOUT_MS, async (store, scan, puts) => {
        const t0 = Date.now();
        const r = await scan;
        expect(Date.now() - t0).toBeLessThan(DEADLINE_MS + 6 * REQUEST_TIMEOUT_MS + 10_000);
        expect(puts()).toBeLessThanOrEqual(2);
        expect(r.storeFailures).toEqual([]);
        const by = new Map(r.clusters.map((c) => [c.cluster, c]));
        expect(by.get("down-500")).toMatchObject({ status: "error", reason: expect.stringMatching(/HTTP 500/) });
        expect(by.get("refusing")).toMatchObject({ status: "unreachable", reason: expect.stringMatching(/ECONNREFUSED/) });
        const latest = await store.listLatest();
        expect(latest.map((l) => [l.cluster, l.latest.scanId])).toEqual(names.map((n) => [n, r.scanId]).sort());
        await expectLatestWhole(store);
        expect((await store.getLatestEvaluation())?.scanId).toBe(r.scanId);
      });
    }, 120_000);
  });
});
