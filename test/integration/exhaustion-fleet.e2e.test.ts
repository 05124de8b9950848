// Issue #3 end to end: a simulated fleet with every allocation problem at once, scanned twice through
// the CLI (real client-node over HTTPS, Azurite as the store), asserting the exact IPX/NNC findings and
// the exact used/capacity numbers of the JSON reports.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { mutate, type PodSubnet, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

const SUB = "0b5e7c1a-2f0e-4c55-9a5e-6d1f00c0ffee";
const SHARED_13: PodSubnet = { name: "podsubnet", cidr: "10.40.0.0/13", vnet: "vnet-blk", resourceGroup: "rg-net", subscription: SUB };
const DYN_24: PodSubnet = { name: "pods-dyn", cidr: "10.241.0.0/24", vnet: "vnet-dyn", resourceGroup: "rg-net", subscription: SUB };

const FLEET: SimClusterSpec[] = [
  // Two static-block clusters on one /13; blk-b's node 2 has no NNC.
  { name: "blk-a", mode: "vnetblock", nodes: 2, podSubnet: SHARED_13, maxPods: 250 },
  { name: "blk-b", mode: "vnetblock", nodes: 3, podSubnet: SHARED_13, maxPods: 250, problems: [{ kind: "missingNnc", node: 2 }] },
  // 4 dynamic nodes asking 64 each: 3 × 65 + (1 + 48) = 244 of 251 usable; node 3 got only 48 (subnet full).
  { name: "dyn", mode: "dynamic", nodes: 4, podSubnet: DYN_24, requestedIPs: 64, subnetState: "exhausted", problems: [{ kind: "nodeIP", node: 1, ip: "10.240.9.9" }] },
  // An overlay /22 serves 4 nodes; all 4 /24s are held, one by an NNC whose node is gone.
  { name: "ovl", mode: "overlay", nodes: 4, podCidr: "10.244.0.0/22", problems: [{ kind: "orphanNnc", node: 3 }] },
];

let sim: Simulator;
let kubeconfig: string;
let dir: string;
const names: Record<string, string[]> = {};
let duplicated = "";
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `ipx${process.pid}` };
const cli = (...argv: string[]) => runCli([...argv, "--storage", storage], { env, cwd: dir });

beforeAll(async () => {
  sim = await startSimulator(FLEET);
  // Node names by VMSS index, whether the node or only its NNC is left.
  for (const c of FLEET) {
    const st = sim.cluster(c.name).state;
    names[c.name] = [...new Set([...st.nodes.list(), ...st.nncs.list()].map((o) => o.metadata.name))].sort();
  }
  // blk-b's first node also claims a block blk-a's first node holds: one overlapping /28 across clusters.
  const aNnc = sim.cluster("blk-a").state.nncs.get(names["blk-a"]![0]!, "kube-system")!;
  duplicated = aNnc.status!.networkContainers![0]!.ipAssignments![2]!.ip;
  mutate.addIpAssignment(sim.cluster("blk-b").state, names["blk-b"]![0]!, duplicated);
  dir = mkdtempSync(path.join(tmpdir(), "ipx-e2e-"));
  kubeconfig = await sim.writeKubeconfig(dir);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

interface F {
  rule: string;
  severity: string;
  cluster: string;
  clusters?: string[];
  resource: string;
  message: string;
  firstSeen: string;
  lastSeen: string;
}

const ipxNnc = (doc: { findings: F[] }) => doc.findings.filter((f) => /^(IPX|NNC)/.test(f.rule));
const brief = (fs: F[]) => fs.map((f) => [f.severity, f.cluster, f.rule, f.resource, ...(f.clusters ? [f.clusters.join(",")] : [])].join(" "));

async function scan(): Promise<void> {
  const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--cluster-deadline", "15", "--request-timeout", "5"], { env, cwd: dir });
  expect(r.stderr).not.toMatch(/Error|at .*\.ts/);
  expect(r.code).toBe(0);
}

describe("exhaustion and allocation analysis of a troubled fleet", () => {
  let first: F[] = [];

  it("finds exactly the IPX/NNC problems built into the fleet", async () => {
    await scan();
    const r = await cli("report", "findings", "--format", "json");
    expect(r.code).toBe(0);
    first = ipxNnc(JSON.parse(r.stdout));
    const [a0] = names["blk-a"]!;
    const b2 = names["blk-b"]![2]!;
    const [, d1, , d3] = names["dyn"]!;
    const o3 = names["ovl"]![3]!;
    expect(brief(first)).toEqual([
      `critical blk-a NNC006 nnc/${a0} blk-a,blk-b`,
      `critical blk-b NNC001 node/${b2}`,
      "critical dyn IPX001 subnet/10.241.0.0/24",
      "critical dyn IPX002 subnet/10.241.0.0/24",
      `critical dyn NNC005 nnc/${d1}`,
      "critical ovl IPX001 subnet/10.244.0.0/22",
      "critical ovl IPX005 subnet/10.244.0.0/22",
      `warning dyn NNC003 nnc/${d3}`,
      `warning ovl NNC002 nnc/${o3}`,
    ]);
    const msg = (rule: string, cluster: string) => first.find((f) => f.rule === rule && f.cluster === cluster)!.message;
    expect(msg("IPX001", "dyn")).toBe("pod subnet 10.241.0.0/24 (pods-dyn) is 97.2% used: 244 of 251 usable addresses, 7 left. That is less than one allocation batch of 16: no node there can grow by a batch, so new pods wait for an IP.");
    expect(msg("IPX002", "dyn")).toBe(
      `pod subnet 10.241.0.0/24 (pods-dyn) is reported full: 1 NC in NCUpdateSubnetFullError (NNC dyn/${d3}); ClusterSubnetState dyn/pods-dyn says exhausted. 244 of 251 usable addresses are held (7 free); pods that need a new IP there will hang in ContainerCreating.`,
    );
    expect(msg("NNC003", "dyn")).toBe(`NNC ${d3} requests 64 IPs but has 48 assigned: 16 pending.`);
    expect(msg("NNC005", "dyn")).toMatch(new RegExp(`^NNC ${d1}: NC \\S+ says nodeIP 10\\.240\\.0\\.\\d+ but node ${d1} has InternalIP 10\\.240\\.9\\.9: CNS there skips the NC`));
    expect(msg("NNC006", "blk-a")).toBe(
      `${duplicated} (16 addresses) on pod subnet 10.40.0.0/13 (podsubnet) is held by NNC blk-a/${a0} and blk-b/${names["blk-b"]![0]} (blk-a/${a0} ipAssignments[2] and blk-b/${names["blk-b"]![0]} ipAssignments[15]), across clusters blk-a, blk-b: two nodes may give the same IP to different pods.`,
    );
    expect(msg("IPX001", "ovl")).toBe("overlay pod CIDR 10.244.0.0/22 of ovl is 100.0% used: 1024 of 1024 usable addresses, 0 left.");
    expect(msg("IPX005", "ovl")).toBe("overlay pod CIDR 10.244.0.0/22 of ovl serves at most 4 nodes (one /24 each) and 4 are taken (3 node(s) with an NNC, 1 NNC(s) without a node): no new node can join.");
    for (const f of first) expect(f.firstSeen).toBe(f.lastSeen);
  });

  it("reports exact used/capacity per subnet, shared subnets aggregated, headroom unknown without ARM", async () => {
    const r = await cli("report", "exhaustion", "--format", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const subnets = Object.fromEntries(doc.subnets.map((s: { cidr: string }) => [s.cidr, s]));
    expect(Object.keys(subnets).sort()).toEqual(["10.241.0.0/24", "10.244.0.0/22", "10.40.0.0/13"]);
    // 2 + 2 NNCs × 16 /28 blocks; the block both clusters hold counts once.
    expect(subnets["10.40.0.0/13"]).toMatchObject({ mode: "vnetblock", clusters: ["blk-a", "blk-b"], capacity: 524283, used: 1024, utilization: 1024 / 524283, forecastExhaustionAt: null, headroom: "unknown" });
    // CNS reports the dynamic subnet full (IPX002): full now, as for the overlay CIDR at 100 %, not a forecast.
    expect(subnets["10.241.0.0/24"]).toMatchObject({ mode: "dynamic", clusters: ["dyn"], capacity: 251, used: 244, utilization: 244 / 251, forecastExhaustionAt: doc.generatedAt, headroom: "unknown" });
    expect(subnets["10.241.0.0/24"].forecastNote).toMatch(/^already full: CNS reports it full \(1 NC\(s\) in NCUpdateSubnetFullError, 1 ClusterSubnetState\(s\) exhausted\), 7 address\(es\) free/);
    expect(subnets["10.244.0.0/22"]).toMatchObject({ mode: "overlay", clusters: ["ovl"], capacity: 1024, used: 1024, utilization: 1, forecastExhaustionAt: doc.generatedAt, headroom: "unknown" });
    const rows = Object.fromEntries(doc.clusters.map((c: { cluster: string }) => [c.cluster, c]));
    expect(rows["blk-a"]).toMatchObject({ status: "ok", mode: "vnetblock", nodes: 2, nncs: 2, requestedIPs: 500, assignedIPs: 510 });
    expect(rows["blk-b"]).toMatchObject({ status: "ok", mode: "vnetblock", nodes: 3, nncs: 2, requestedIPs: 500, assignedIPs: 510 });
    expect(rows["dyn"]).toMatchObject({ status: "ok", mode: "dynamic", nodes: 4, nncs: 4, requestedIPs: 256, assignedIPs: 240 });
    expect(rows["ovl"]).toMatchObject({ status: "ok", mode: "overlay", nodes: 3, nncs: 4, requestedIPs: 0, assignedIPs: 1024 });
    const table = await cli("report", "exhaustion", "--format", "table");
    expect(table.stdout).toMatch(/10\.241\.0\.0\/24 \(pods-dyn\)\s+dynamic\s+dyn\s+244\s+251\s+97\.2%\s+already full\s+unknown \(no ARM pool data\)/);
  });

  it("escalates pending allocation on the second scan and keeps every finding's identity", async () => {
    await scan();
    const doc = JSON.parse((await cli("report", "findings", "--format", "json")).stdout);
    const second = ipxNnc(doc);
    expect(second.map((f) => `${f.rule} ${f.resource}`).sort()).toEqual(first.map((f) => `${f.rule} ${f.resource}`).sort());
    const nnc003 = second.find((f) => f.rule === "NNC003")!;
    expect(nnc003.severity).toBe("critical");
    expect(nnc003.message).toMatch(/It was already pending in the scan of \d{4}-/);
    for (const f of second) {
      const before = first.find((x) => x.rule === f.rule && x.resource === f.resource)!;
      expect(f.firstSeen).toBe(before.firstSeen);
      expect(f.lastSeen > before.lastSeen).toBe(true);
    }
    // Two points are still not enough history for a forecast.
    const ex = JSON.parse((await cli("report", "exhaustion", "--format", "json")).stdout);
    expect(ex.subnets.find((s: { cidr: string }) => s.cidr === "10.40.0.0/13").forecastNote).toMatch(/^not enough history: 2 point/);
  });

  it("prints the same findings as SARIF", async () => {
    const r = await cli("report", "findings", "--format", "sarif", "--severity", "warning");
    expect(r.code).toBe(0);
    const log = JSON.parse(r.stdout);
    const results = log.runs[0].results.filter((x: { ruleId: string }) => /^(IPX|NNC)/.test(x.ruleId));
    expect(results.map((x: { ruleId: string }) => x.ruleId).sort()).toEqual(["IPX001", "IPX001", "IPX002", "IPX005", "NNC001", "NNC002", "NNC003", "NNC005", "NNC006"]);
    expect(results.find((x: { ruleId: string }) => x.ruleId === "NNC002").level).toBe("warning");
    expect(results.find((x: { ruleId: string }) => x.ruleId === "NNC006").relatedLocations[0].logicalLocations[0].name).toBe("blk-b");
  });
});
