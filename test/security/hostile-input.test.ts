// Hostile names end to end (kubeconfig context → scan → Table keys → every report format → HTTP), and
// fuzzed HTTP query strings: never a 500, never another cluster's data.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { route } from "../../src/http/api.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";

const HOSTILE = [
  "<script>alert(1)</script>",
  "=HYPERLINK(\"http://evil\",\"x\")",
  "+cmd|' /C calc'!A0",
  "a/b\\c#d?e%2F'",
  "ünïcödé-クラスター-🚀",
  "'; DROP TABLE latest; --",
  "x' or PartitionKey ne 'y",
];
const storage = inject("azuriteConnectionString");
const prefix = `hostile${process.pid}`;
let sim: Simulator;
let store: TableSnapshotStore;

beforeAll(async () => {
  sim = await startSimulator(HOSTILE.map((name, i) => ({ name, mode: (["vnetblock", "dynamic", "overlay"] as const)[i % 3], nodes: 2, problems: [{ kind: "missingNnc" as const, node: 1 }] })));
  const dir = mkdtempSync(path.join(tmpdir(), "hostile-"));
  const kubeconfig = await sim.writeKubeconfig(dir);
  const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: prefix }, cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix: prefix });
}, 60_000);

afterAll(async () => {
  await store?.close();
  await sim?.close();
});

const get = (p: string) => route({ method: "GET", path: p.split("?")[0]!, query: new URLSearchParams(p.split("?")[1] ?? "") }, { store });

describe("hostile cluster names end to end", () => {
  it("are stored and listed by their exact names", async () => {
    expect((await store.listLatest()).map((l) => l.cluster).sort()).toEqual([...HOSTILE].sort());
    const res = await get("/api/clusters");
    expect(JSON.parse(res.body).clusters.map((c: { cluster: string }) => c.cluster).sort()).toEqual([...HOSTILE].sort());
  });

  it("filter reports to exactly their own findings over HTTP", async () => {
    for (const name of HOSTILE) {
      const res = await get(`/api/reports/findings?format=json&cluster=${encodeURIComponent(name)}`);
      expect(res.status, name).toBe(200);
      const findings = JSON.parse(res.body).findings;
      expect(findings.length, name).toBeGreaterThan(0);
      for (const f of findings) expect([f.cluster, ...(f.clusters ?? [])]).toContain(name);
      const hist = await get(`/api/clusters/${encodeURIComponent(name)}/history`);
      expect(hist.status, name).toBe(200);
      expect(JSON.parse(hist.body).history.length).toBeGreaterThan(0);
    }
  });

  it("cannot run as formulas in CSV or as markup in HTML", async () => {
    const csv = (await get("/api/reports/findings?format=csv")).body;
    for (const line of csv.split(/\r?\n/)) for (const cell of line.split(",")) expect(cell).not.toMatch(/^"?[=+@]/);
    const dashboard = (await get("/api/dashboard")).body;
    expect(dashboard).not.toContain("<script>alert(1)</script>");
    const md = (await runCli(["report", "findings", "--format", "md", "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: prefix } })).stdout;
    expect(md).not.toContain("<script>");
  });
});

describe("fuzzed query strings", () => {
  const value = fc.oneof(
    fc.string(),
    fc.constantFrom(...HOSTILE, "' or 1 eq 1", "critical", "IPX001", "24h", "%", "%zz", "\u0000", "a".repeat(5000), "*", "*<script>*", "ü*", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*z"),
  );
  const key = fc.oneof(fc.constantFrom("format", "cluster", "severity", "rule", "since", "limit", "code"), fc.string());

  it("never answer 500, and a cluster filter never returns another cluster's data", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("findings", "exhaustion", "drift", "health", "compliance", "nope"), fc.array(fc.tuple(key, value), { maxLength: 4 }), async (kind, params) => {
        const q = new URLSearchParams(params);
        const res = await route({ method: "GET", path: `/api/reports/${kind}`, query: q }, { store });
        expect(res.status).not.toBe(500);
        if (res.status !== 200) {
          expect(JSON.parse(res.body).error.code).toEqual(expect.any(String));
          return;
        }
        const cluster = q.get("cluster");
        if (cluster && (q.get("format") ?? "json") === "json" && kind === "findings") {
          // The oracle: the name itself, or (with *) a regular expression, safe for fuzzed values this short.
          const re = new RegExp(`^${cluster.split("*").map((p) => p.replace(/[\\^$.|?+()[\]{}]/g, "\\$&")).join(".*")}$`, "su");
          for (const f of JSON.parse(res.body).findings) expect([f.cluster, ...(f.clusters ?? [])].some((c: string) => c === cluster || (cluster.includes("*") && re.test(c)))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("history of an arbitrary name is that cluster's or a 404, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ minLength: 1 }), fc.constantFrom(...HOSTILE)), fc.oneof(fc.constant(undefined), value), async (name, since) => {
        const q = new URLSearchParams(since === undefined ? {} : { since });
        const res = await route({ method: "GET", path: `/api/clusters/${encodeURIComponent(name)}/history`, query: q }, { store });
        expect([200, 400, 404]).toContain(res.status);
        if (res.status === 200) expect(JSON.parse(res.body).cluster).toBe(name);
      }),
      { numRuns: 150 },
    );
  });
});
