// Clusters the latest scan could not read, through the CLI after real scans of the simulator: one read
// twice and then refusing connections (its reports show the last good snapshot and say as of when),
// one refusing from the start (no scan has read it: its counts are unknown, not 0). Real client over HTTPS, Azurite as the store.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RunningServer, serveApi } from "../../src/http/server.js";
import type { DriftDocument } from "../../src/reports/kinds/drift.js";
import type { ExhaustionDocument } from "../../src/reports/kinds/exhaustion.js";
import type { FindingsDocument } from "../../src/reports/kinds/findings.js";
import type { HealthDocument } from "../../src/reports/kinds/health.js";
import { mutate, SEED_POD_SUBNET, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";

const STALE = "aks-stale-a";
const FINE = "aks-fine-b";
const NEVER = "aks-never-c";

const specs: SimClusterSpec[] = [
  { name: STALE, mode: "vnetblock", nodes: 3, podSubnet: SEED_POD_SUBNET },
  { name: FINE, mode: "dynamic", nodes: 2 },
  { name: NEVER, mode: "vnetblock", nodes: 2, faults: [{ kind: "refuse" }] },
];

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let addedNode: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `stale${process.pid}` };
const cli = (...argv: string[]) => runCli([...argv, "--storage", storage], { env, cwd: dir });
const scan = async () => {
  const r = await cli("scan", "--kubeconfig", kubeconfig, "--cluster-deadline", "20", "--request-timeout", "5");
  expect(r.code, r.stderr).toBe(0);
};
const report = async (...argv: string[]): Promise<string> => {
  const r = await cli("report", ...argv);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const json = async <T>(kind: string, ...args: string[]): Promise<T> => JSON.parse(await report(kind, "--format", "json", ...args)) as T;

beforeAll(async () => {
  sim = await startSimulator(specs);
  dir = mkdtempSync(path.join(tmpdir(), "stale-e2e-"));
  kubeconfig = await sim.writeKubeconfig(dir);
  await scan();
  addedNode = mutate.addNode(sim.cluster(STALE).state).metadata.name;
  await scan();
  // The third scan cannot reach STALE: its data stay those of the second.
  await sim.cluster(STALE).setFaults([{ kind: "refuse" }]);
  await scan();
});

afterAll(async () => {
  await sim?.close();
});

describe("a cluster the latest scan could not read, read before", () => {
  it("drift says the latest scan was unreachable and which snapshots it compares, as SCN001 words it", async () => {
    const stale = (await json<DriftDocument>("drift", "--cluster", STALE)).clusters[0]!;
    expect(stale).toMatchObject({ status: "unreachable", lastOkAt: stale.to, from: expect.any(String), nodes: { added: [addedNode], removed: [] } });
    const note = `latest scan unreachable: using data from ${stale.to}, compared with ${stale.from}`;
    expect(stale.note).toBe(note);
    const csv = (await report("drift", "--format", "csv", "--table", "clusters")).split("\r\n");
    expect(csv.find((l) => l.startsWith(`${STALE},`))).toMatch(new RegExp(`^${STALE},"${note.replace(/[.+]/g, "\\$&")}",`));
    expect(csv.find((l) => l.startsWith(`${FINE},`))).not.toContain("latest scan");
    const changes = (await report("drift", "--format", "csv", "--table", "changes")).split("\r\n");
    expect(changes.find((l) => l.startsWith(`${STALE},node added,`))).toBe(`${STALE},node added,${addedNode},${stale.to}`);

    const scn001 = (await json<FindingsDocument>("findings", "--cluster", STALE, "--rule", "SCN001")).findings[0]!;
    expect(scn001.message).toContain(`using data from ${stale.to}`);
  });

  it("health shows the last good snapshot's cluster and node rows, each saying as of when", async () => {
    const doc = await json<HealthDocument>("health", "--cluster", STALE);
    const c = doc.clusters[0]!;
    expect(c).toMatchObject({ status: "unreachable", lastOkAt: c.takenAt, daemonset: { desired: 4 } });
    const table = await report("health", "--cluster", STALE, "--format", "table");
    expect(table).toContain(`Nodes as of ${c.takenAt}, the last good snapshot (latest scan unreachable)`);
    const nodes = (await report("health", "--cluster", STALE, "--format", "csv", "--table", "nodes")).trim().split("\r\n");
    expect(nodes[0]).toMatch(/,stale_data_from$/);
    expect(nodes.slice(1)).toHaveLength(4);
    for (const row of nodes.slice(1)) expect(row).toMatch(new RegExp(`^${STALE},.*,${c.takenAt}$`));
    const clusters = (await report("health", "--format", "csv", "--table", "clusters")).split("\r\n");
    expect(clusters.find((l) => l.startsWith(`${STALE},`))).toMatch(new RegExp(`^${STALE},unreachable,vnetblock,v[\\d.]+,4/4,.*,${c.takenAt}$`));
    expect(clusters.find((l) => l.startsWith(`${FINE},`))).toMatch(/^[^,]+,ok,.*,$/);
  });
});

describe("a cluster no scan has read", () => {
  it("exhaustion shows its counts as unknown: '-' in the text formats, 0 with lastOkAt null in JSON (CONTRACT.md types them as numbers)", async () => {
    const csv = (await report("exhaustion", "--format", "csv", "--table", "clusters")).split("\r\n");
    const doc = await json<ExhaustionDocument>("exhaustion");
    const row = (name: string) => doc.clusters.find((c) => c.cluster === name)!;
    expect(csv[0]).toMatch(/,stale_data_from$/);
    expect(csv.find((l) => l.startsWith(`${NEVER},`))).toBe(`${NEVER},unreachable,-,-,-,-,-,`);
    // Read before: the last good snapshot's counts, saying from when.
    expect(csv.find((l) => l.startsWith(`${STALE},`))).toBe(`${STALE},unreachable,vnetblock,4,4,${row(STALE).requestedIPs},${row(STALE).assignedIPs},${row(STALE).dataFrom}`);
    expect(csv.find((l) => l.startsWith(`${FINE},`))).toMatch(/,ok,.*,$/);
    expect(await report("exhaustion", "--format", "md", "--cluster", NEVER)).toMatch(new RegExp(`\\| ${NEVER} \\| unreachable \\| - \\| - \\| - \\| - \\| - \\| +\\|`));
    expect(row(NEVER)).toMatchObject({ status: "unreachable", nodes: 0, nncs: 0, requestedIPs: 0, assignedIPs: 0, lastOkAt: null });
    expect(row(STALE)).toMatchObject({ status: "unreachable", nodes: 4, nncs: 4, lastOkAt: row(STALE).dataFrom });
    expect(row(FINE)).toMatchObject({ status: "ok", nodes: 2, lastOkAt: row(FINE).takenAt });
  });

  it("GET /api/clusters gives it lastOkAt null and counts of 0, and the last good snapshot's counts for a cluster read before; history marks a failed scan's counts countsKnown: false", async () => {
    const store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix: env.FLEET_AUDIT_TABLE_PREFIX });
    let server: RunningServer | undefined;
    try {
      server = await serveApi({ store }, { port: 0 });
      const body = (await (await fetch(`${server.url}/api/clusters`)).json()) as { clusters: Array<{ cluster: string }> };
      const row = (name: string) => body.clusters.find((c) => c.cluster === name);
      expect(row(NEVER)).toMatchObject({ status: "unreachable", lastOkAt: null, nodes: 0, nncs: 0 });
      expect(row(STALE)).toMatchObject({ status: "unreachable", lastOkAt: expect.any(String), nodes: 4, nncs: 4 });
      expect(row(FINE)).toMatchObject({ status: "ok", nodes: 2, nncs: 2 });
      // Its history: the failed scan counted nothing (0, countsKnown: false); the two good ones their nodes.
      const history = (await (await fetch(`${server.url}/api/clusters/${STALE}/history`)).json()) as { history: Array<{ status: string; nodes: number; nncs: number; requestedIPs: number; countsKnown: boolean }> };
      expect(history.history.map((h) => [h.status, h.nodes, h.nncs, h.countsKnown])).toEqual([["unreachable", 0, 0, false], ["ok", 4, 4, true], ["ok", 3, 3, true]]);
      expect(history.history[0]!.requestedIPs).toBe(0);
    } finally {
      await server?.close();
      await store.close();
    }
  });
});
