// Per-cluster VNets cut from one address plan (same CIDR and subnet name) and overlay clusters with the
// default pod CIDR, scanned for real: the scan summary, the reports, the findings and the dashboard's
// data tell the subnets apart by VNet or cluster, where before they showed identical rows.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { serveApi } from "../../src/http/server.js";
import { type PodSubnet, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";

const plan = (vnet: string): PodSubnet => ({ name: "podsubnet", cidr: "10.40.0.0/26", vnet, resourceGroup: "rg-net", subscription: "0b5e7c1a-2f0e-4c55-9a5e-6d1f00c0ffee" });
const FLEET: SimClusterSpec[] = [
  // Three nodes × one /28 on a /26: 48 of 59 usable, so IPX001 words its message about each.
  { name: "team-a", mode: "vnetblock", nodes: 3, maxPods: 15, podSubnet: plan("vnet-a") },
  { name: "team-b", mode: "vnetblock", nodes: 3, maxPods: 15, podSubnet: plan("vnet-b") },
  { name: "ovl-a", mode: "overlay", nodes: 1 },
  { name: "ovl-b", mode: "overlay", nodes: 1 },
];
const LABELS = ["10.40.0.0/26 (podsubnet, vnet-a)", "10.40.0.0/26 (podsubnet, vnet-b)", "10.244.0.0/16 (overlay of ovl-a)", "10.244.0.0/16 (overlay of ovl-b)"];

let sim: Simulator;
let dir: string;
let summary = "";
const storage = inject("azuriteConnectionString");
const tablePrefix = `lbl${process.pid}`;
const cli = (...argv: string[]) => runCli([...argv, "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: tablePrefix }, cwd: dir });

beforeAll(async () => {
  sim = await startSimulator(FLEET);
  dir = mkdtempSync(path.join(tmpdir(), "labels-e2e-"));
  const r = await cli("scan", "--kubeconfig", await sim.writeKubeconfig(dir), "--cluster-deadline", "15", "--request-timeout", "5");
  expect(r.code, r.stderr).toBe(0);
  summary = r.stdout;
}, 60_000);

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("subnets of the same CIDR and name in one fleet", () => {
  it("are told apart in the scan summary and the exhaustion report", async () => {
    for (const l of LABELS) expect(summary).toContain(l);
    const doc = JSON.parse((await cli("report", "exhaustion", "--format", "json")).stdout) as { subnets: Array<{ label: string; clusters: string[] }> };
    expect(new Map(doc.subnets.map((s) => [s.label, s.clusters.join()]))).toEqual(
      new Map([
        [LABELS[0], "team-a"],
        [LABELS[1], "team-b"],
        [LABELS[2], "ovl-a"],
        [LABELS[3], "ovl-b"],
      ]),
    );
  });

  it("are told apart in the findings about them", async () => {
    const doc = JSON.parse((await cli("report", "findings", "--format", "json")).stdout) as { findings: Array<{ rule: string; cluster: string; message: string }> };
    const ipx001 = doc.findings.filter((f) => f.rule === "IPX001").map((f) => [f.cluster, f.message.split(" is ")[0]]);
    expect(ipx001.sort()).toEqual([
      ["team-a", `pod subnet ${LABELS[0]}`],
      ["team-b", `pod subnet ${LABELS[1]}`],
    ]);
  });

  it("are told apart on the dashboard, table and trend legend alike", async () => {
    const store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix });
    const server = await serveApi({ store }, { port: 0 });
    try {
      const html = await (await fetch(`${server.url}/api/dashboard`)).text();
      const data = JSON.parse(/<script type="application\/json" id="fleet-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { subnets: Array<{ label: string }>; trendSubnets: Array<{ label: string }> };
      expect(data.subnets.map((s) => s.label).sort()).toEqual([...LABELS].sort());
      expect(data.trendSubnets.map((s) => s.label).sort()).toEqual([...LABELS].sort());
    } finally {
      await server.close();
      await store.close();
    }
  });
});
