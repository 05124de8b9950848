// Two scans of a simulated fleet through the CLI with changes in between (a node added, a block
// released, a CNS pod crash-looping, a waiver added), asserting the drift, compliance and health
// reports through the CLI's JSON output. Real client over HTTPS, Azurite as the store.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DriftDocument } from "../../src/reports/kinds/drift.js";
import type { ComplianceDocument } from "../../src/reports/kinds/compliance.js";
import type { HealthDocument } from "../../src/reports/kinds/health.js";
import { mutate, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { newScanId } from "../../src/model/scan-id.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";

const BLK = "aks-blk-a";
const DYN = "aks-dyn-b";
const OVL = "aks-ovl-c";
const KNET = "aks-knet-d";
const OLD_CNS = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24";

const specs: SimClusterSpec[] = [
  { name: BLK, mode: "vnetblock", nodes: 3, podSubnet: { name: "podsubnet", cidr: "10.40.0.0/13", vnet: "vnet", resourceGroup: "rg", subscription: "00000000-0000-0000-0000-000000000001" } },
  { name: DYN, mode: "dynamic", nodes: 3, podSubnet: { name: "pods", cidr: "10.241.0.0/16", vnet: "vnet2", resourceGroup: "rg", subscription: "00000000-0000-0000-0000-000000000001" } },
  { name: OVL, mode: "overlay", nodes: 2, podCidr: "10.244.0.0/16", cnsImage: OLD_CNS },
  { name: KNET, mode: "kubenet", nodes: 1 },
];

let sim: Simulator;
let dir: string;
let kubeconfig: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `drift${process.pid}` };
const cli = (argv: string[], extraEnv: Record<string, string> = {}) => runCli([...argv, "--storage", storage], { env: { ...env, ...extraEnv }, cwd: dir });
const json = async <T>(kind: string, ...args: string[]): Promise<T> => {
  const r = await cli(["report", kind, "--format", "json", ...args]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
};

let addedNode: string;
let blockNode: string;
let releasedBlock: string;
let crashNode: string;
let crashPod: string;

beforeAll(async () => {
  sim = await startSimulator(specs);
  dir = mkdtempSync(path.join(tmpdir(), "drift-e2e-"));
  kubeconfig = await sim.writeKubeconfig(dir);
  writeFileSync(path.join(dir, "policy.yaml"), "# first scan: no waivers yet\nthresholds:\n  CNS003: { totalRestarts: 5 }\n");

  const first = await cli(["scan", "--kubeconfig", kubeconfig, "--policy", "policy.yaml", "--cluster-deadline", "20", "--request-timeout", "5"]);
  expect(first.code, first.stderr).toBe(0);

  // Between the scans: the static-block cluster scales out and releases a block; CNS on one dynamic
  // node starts crash-looping; the policy gains a waiver for the overlay cluster's old CNS version.
  const blk = sim.cluster(BLK).state;
  addedNode = mutate.addNode(blk).metadata.name;
  blockNode = blk.nodes.list()[0]!.metadata.name;
  const nnc = blk.nncs.get(blockNode, "kube-system")!;
  releasedBlock = nnc.status!.networkContainers![0]!.ipAssignments!.at(-1)!.ip;
  expect(mutate.releaseBlocks(blk, blockNode, 1)).toBe(1);
  const dyn = sim.cluster(DYN).state;
  crashNode = dyn.nodes.list()[1]!.metadata.name;
  crashPod = mutate.crashLoopCnsPod(dyn, crashNode, 7).metadata.name;
  writeFileSync(
    path.join(dir, "waivers.yaml"),
    `waivers:\n  - cluster: ${OVL}\n    rule: DRF001\n    resource: daemonset/azure-cns\n    reason: dev cluster pinned to v1.6.24 until the January upgrade\n    expires: 2099-01-31\n`,
  );
  const second = await cli(["scan", "--kubeconfig", kubeconfig, "--cluster-deadline", "20", "--request-timeout", "5"], { FLEET_AUDIT_POLICY: "waivers.yaml" });
  expect(second.code, second.stderr).toBe(0);
});

afterAll(async () => {
  await sim?.close();
});

describe("drift, compliance and health after two scans", () => {
  it("drift shows the node and NNC added, the block released, and findings new and waived", async () => {
    const doc = await json<DriftDocument>("drift");
    const blk = doc.clusters.find((c) => c.cluster === BLK)!;
    expect(blk.from).not.toBeNull();
    expect(blk.nodes).toEqual({ added: [addedNode], removed: [] });
    expect(blk.nncs).toEqual({ added: [addedNode], removed: [] });
    // The new NNC holds 16 /28 blocks (maxPods 250); the old node gave one /28 back.
    expect(blk.addresses).toEqual({ gained: 256, lost: 16, entriesGained: 16, entriesLost: 1 });
    expect(blk.nncChanges).toEqual([{ nnc: blockNode, gained: [], lost: [releasedBlock] }]);
    expect(blk.findings.new).toEqual([]);

    const dyn = doc.clusters.find((c) => c.cluster === DYN)!;
    expect(dyn.nodes).toEqual({ added: [], removed: [] });
    expect(dyn.findings.new.map((f) => [f.rule, f.severity, f.resource]).sort()).toEqual([
      ["CNS001", "critical", "daemonset/azure-cns"],
      ["CNS002", "critical", `pod/${crashPod}`],
      ["CNS003", "warning", `pod/${crashPod}`],
    ]);
    expect(dyn.cns.changed).toBe(false);

    const ovl = doc.clusters.find((c) => c.cluster === OVL)!;
    expect(ovl.findings.waived).toEqual([expect.objectContaining({ rule: "DRF001", resource: "daemonset/azure-cns" })]);
    expect(ovl.findings.new).toEqual([]);

    expect(doc.clusters.find((c) => c.cluster === KNET)!.note).toContain("no good snapshot");
  });

  it("drift filters by cluster and severity", async () => {
    const doc = await json<DriftDocument>("drift", "--cluster", DYN, "--severity", "critical");
    expect(doc.clusters.map((c) => c.cluster)).toEqual([DYN]);
    expect(doc.clusters[0]!.findings.new.map((f) => f.rule).sort()).toEqual(["CNS001", "CNS002"]);
  });

  it("compliance marks cluster × rule, scores and grades clusters, and keeps waived findings visible", async () => {
    const doc = await json<ComplianceDocument>("compliance");
    const cluster = (name: string) => doc.clusters.find((c) => c.cluster === name)!;
    const result = (name: string, rule: string) => cluster(name).results.find((r) => r.rule === rule)!;

    expect(result(DYN, "CNS002")).toEqual({ rule: "CNS002", status: "fail", severity: "critical", findings: 1 });
    expect(result(DYN, "CNS003")).toMatchObject({ status: "fail", severity: "warning" });
    expect(result(BLK, "CNS002")).toEqual({ rule: "CNS002", status: "pass", findings: 0 });
    expect(result(OVL, "DRF001")).toEqual({ rule: "DRF001", status: "waived", severity: "info", findings: 1 });
    expect(result(BLK, "DRF004")).toMatchObject({ status: "not-applicable", reason: "not an overlay cluster" });
    expect(result(OVL, "DRF004")).toMatchObject({ status: "not-applicable", reason: "no ARM data" });
    expect(result(KNET, "CNS001")).toMatchObject({ status: "not-applicable", reason: "not a CNS-managed cluster" });
    // Two scans are too little history for a forecast: IPX004 did not judge, so it is no pass.
    expect(result(BLK, "IPX004")).toMatchObject({ status: "not-applicable", reason: expect.stringMatching(/^no forecast for pod subnet 10\.40\.0\.0\/13 \(podsubnet\): not enough history: 2 point\(s\)/) });
    expect(result(KNET, "SCN003")).toMatchObject({ status: "fail", severity: "info" });

    // CNS001 and CNS002 critical (−25 each), CNS003 warning (−10).
    expect(cluster(DYN)).toMatchObject({ score: 40, grade: "F" });
    expect(cluster(BLK)).toMatchObject({ score: 100, grade: "A" });
    expect(cluster(OVL)).toMatchObject({ score: 100, grade: "A", counts: expect.objectContaining({ waived: 1, fail: 0 }) });
    // Not CNS: only SCN003 judged it (the scan, not its networking), so it has no grade to pull the average.
    expect(cluster(KNET)).toMatchObject({ score: null, grade: null });
    expect(doc.totals).toMatchObject({ clusters: 4, failingClusters: 2, averageScore: 80, ungraded: 1, grades: { A: 2, B: 0, C: 0, D: 0, F: 1 } });
    expect(doc.rules.map((r) => r.id)).toEqual(expect.arrayContaining(["CNS001", "CNS005", "DRF001", "DRF004", "SCN004"]));

    // The waived finding is still in the findings report, marked.
    const findings = await json<{ findings: Array<{ rule: string; cluster: string; waived?: { reason: string; expires?: string } }> }>("findings", "--cluster", OVL);
    expect(findings.findings.find((f) => f.rule === "DRF001")!.waived).toMatchObject({ reason: expect.stringContaining("pinned to v1.6.24"), expires: "2099-01-31" });
  });

  it("compliance --fail-on exits 3 on a critical failure, and not for a cluster that passes", async () => {
    expect((await cli(["report", "compliance", "--format", "json", "--fail-on", "critical"])).code).toBe(3);
    expect((await cli(["report", "compliance", "--format", "json", "--fail-on", "critical", "--cluster", BLK])).code).toBe(0);
    // The waived info finding does not fail an info threshold for the overlay cluster.
    expect((await cli(["report", "compliance", "--format", "json", "--fail-on", "info", "--cluster", OVL])).code).toBe(0);
  });

  it("health gives the azure-cns view per cluster and node, with metrics read through the pod proxy", async () => {
    const doc = await json<HealthDocument>("health");
    const dyn = doc.clusters.find((c) => c.cluster === DYN)!;
    expect(dyn).toMatchObject({ status: "ok", mode: "dynamic", version: "v1.6.25", daemonset: { desired: 3, ready: 2 }, pods: { total: 3, ready: 2, crashLooping: 1, restarts: 7 } });
    expect(dyn.metrics).toEqual({ budget: 10, selected: 2, scraped: 2, failed: 0 });
    // The fleet report (and the stored evaluation) keep the row that needs attention and count the rest.
    const crash = dyn.nodeRows.find((r) => r.node === crashNode)!;
    expect(crash).toMatchObject({ status: "crashloop", pod: crashPod, restarts: 7, restartsDelta: 7, reason: "CrashLoopBackOff", lastTerminationReason: "Error" });
    expect(crash.metrics).toBeUndefined(); // a crash-looping pod cannot answer the proxy
    expect(dyn.nodeRows).toEqual([crash]);
    expect(dyn.nodeRowsOmitted).toBe(2);

    const blk = doc.clusters.find((c) => c.cluster === BLK)!;
    expect(blk.nodes).toMatchObject({ total: 4, withoutCnsPod: 0, withoutNnc: 0 });
    expect(blk).toMatchObject({ nodeRows: [], nodeRowsOmitted: 4 });
    expect(doc.clusters.find((c) => c.cluster === OVL)!.version).toBe("v1.6.24");

    const table = await cli(["report", "health", "--format", "table"]);
    expect(table.stdout).toMatch(/Nodes needing attention/);
    expect(table.stdout).toContain(crashNode);

    // One cluster: every node again, rebuilt from its snapshot, healthy rows with their metrics.
    const one = (await json<HealthDocument>("health", "--cluster", DYN)).clusters;
    expect(one).toHaveLength(1);
    expect(one[0]!.nodeRows.map((r) => r.status).sort()).toEqual(["crashloop", "ok", "ok"]);
    expect(one[0]!.nodeRows.find((r) => r.node === crashNode)).toEqual(crash);
    expect(one[0]!.nodeRowsOmitted).toBe(0);
    const healthyRow = one[0]!.nodeRows.find((r) => r.status === "ok")!;
    expect(healthyRow.metrics).toMatchObject({ nnc_has_nodenetworkconfig: 1 });
    expect(healthyRow.metrics!.cx_ipam_requested_ips).toBeGreaterThan(0);
    const blkTable = (await cli(["report", "health", "--cluster", BLK, "--format", "table"])).stdout;
    expect(blkTable).toMatch(/^Nodes$/m);
    expect(blkTable).toContain(addedNode);
    for (const n of sim.cluster(BLK).state.nodes.list()) expect(blkTable).toContain(n.metadata.name);
  });

  it("renders every new report as table, csv and md", async () => {
    for (const kind of ["drift", "compliance", "health"]) {
      for (const format of ["table", "csv", "md"]) {
        const r = await cli(["report", kind, "--format", format]);
        expect(r.code, `${kind} ${format}: ${r.stderr}`).toBe(0);
        expect(r.stdout.length).toBeGreaterThan(50);
      }
    }
    const csv = (await cli(["report", "compliance", "--format", "csv"])).stdout;
    expect(csv).toMatch(/^cluster,grade,score,pass,fail,waived,n\/a,failing_rules/m);
    expect(csv).toContain(`${DYN},CNS002,fail,critical,1,`);
  });

  it("rejects a bad policy file before scanning, naming the bad key (exit 2)", async () => {
    writeFileSync(path.join(dir, "bad.yaml"), "waivers:\n  - {rule: CNS005, reason: x}\n  - {rule: CNS001, reason: y}\n  - {rule: CNS002, reason: z, expires: next week}\n");
    sim.cluster(BLK).clearRequests();
    const r = await cli(["scan", "--kubeconfig", kubeconfig, "--policy", "bad.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: bad.yaml: waivers[2].expires: not an ISO date (2026-12-31 or 2026-12-31T18:00:00Z)");
    expect(sim.cluster(BLK).requests).toHaveLength(0);
  });

  // Last: it stores a snapshot no evaluation has seen.
  it("health --cluster keeps the evaluation's rows, saying healthy nodes are not listed, once the cluster's snapshot is newer", async () => {
    const store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix: env.FLEET_AUDIT_TABLE_PREFIX });
    try {
      // The stored evaluation itself holds only the crash-looping node's row, and the count of the rest.
      const evaluated = (await store.getLatestEvaluation())!.sections!.health!.clusters.find((c) => c.cluster === DYN)!;
      expect(evaluated).toMatchObject({ nodeRows: [{ node: crashNode, status: "crashloop" }], nodeRowsOmitted: 2 });
      const entry = (await store.getLatest(DYN))!;
      const newer = (await store.getSnapshot(DYN, entry.latest.ref))!;
      expect(newer.takenAt).toBe(evaluated.takenAt);
      newer.takenAt = new Date(Date.parse(newer.takenAt) + 60_000).toISOString();
      newer.scanId = newScanId(new Date(newer.takenAt));
      await store.putSnapshot(newer);
    } finally {
      await store.close();
    }
    const one = (await json<HealthDocument>("health", "--cluster", DYN)).clusters[0]!;
    expect(one.nodeRows.map((r) => r.node)).toEqual([crashNode]);
    expect(one.nodeRowsOmitted).toBe(2);
    const table = (await cli(["report", "health", "--cluster", DYN, "--format", "table"])).stdout;
    expect(table).toContain("Nodes needing attention (2 healthy nodes not listed)");
  });
});
