// Malformed NC data end to end: NNCs broken on the simulated API server (a primaryIP that is no address,
// a block that is no CIDR, an unusable subnetAddressSpace, a vnet NC on a static-block subnet, an NNC
// naming no subnet at all), scanned through the CLI (real client over HTTPS, Azurite as the store). The
// addresses the accounting cannot use are left out of USED, and the scan says so in one note per
// cluster and kind, naming the NNC and the value.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type PodSubnet, type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

const SUBNET: PodSubnet = { name: "pods-blk", cidr: "10.60.0.0/16", vnet: "vnet-blk", resourceGroup: "rg-net", subscription: "0b5e7c1a-2f0e-4c55-9a5e-6d1f00c0ffee" };
const CLUSTER = "blk-bad";

let sim: Simulator;
let dir: string;
let nodes: string[] = [];
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `notes${process.pid}` };
const cli = (...argv: string[]) => runCli([...argv, "--storage", storage], { env, cwd: dir });

type NcDraft = { type?: string; assignmentMode?: string; primaryIP?: string; subnetAddressSpace?: string; ipAssignments?: Array<{ name: string; ip: string }> };

beforeAll(async () => {
  // maxPods 30: two /28s a node.
  sim = await startSimulator([{ name: CLUSTER, mode: "vnetblock", nodes: 5, maxPods: 30, podSubnet: SUBNET }]);
  const st = sim.cluster(CLUSTER).state;
  nodes = st.nncs.list().map((n) => n.metadata.name).sort();
  const edit = (node: string, fn: (nc: NcDraft) => void) => st.nncs.update(node, (d) => fn((d as { status: { networkContainers: NcDraft[] } }).status.networkContainers[0]!), "kube-system");
  edit(nodes[0]!, (nc) => void (nc.primaryIP = "banana"));
  edit(nodes[1]!, (nc) => nc.ipAssignments!.push({ name: "bad-block", ip: "10.60.0.999/28" }));
  edit(nodes[2]!, (nc) => void (nc.subnetAddressSpace = "not-a-cidr"));
  edit(nodes[3]!, (nc) => Object.assign(nc, { type: "vnet", assignmentMode: "dynamic" }));
  // An NNC whose NC names no VNet subnet and no usable CIDR (the reviewer's garbage NNC, trimmed).
  st.nncs.put({
    apiVersion: "acn.azure.com/v1alpha",
    kind: "NodeNetworkConfig",
    metadata: { name: "garbage-node", namespace: "kube-system", uid: "g-1", creationTimestamp: "2026-11-01T00:00:00Z" },
    spec: { requestedIPCount: 0 },
    status: { assignedIPCount: 16, networkContainers: [{ id: "nc-garbage", type: "vnetblock", assignmentMode: "static", primaryIP: "10.60.200.0/28", subnetAddressSpace: "not-a-cidr", ipAssignments: [] }] },
  } as never);
  dir = mkdtempSync(path.join(tmpdir(), "notes-e2e-"));
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

describe("malformed NC data in a scanned cluster", () => {
  it("is left out of USED and noted once per kind, naming the NNC and the value", async () => {
    const kubeconfig = await sim.writeKubeconfig(dir);
    const scan = await cli("scan", "--kubeconfig", kubeconfig, "--cluster-deadline", "15", "--request-timeout", "5");
    expect(scan.code, scan.stderr).toBe(0);
    const notes = scan.stderr.split("\n").filter((l) => l.startsWith("note: ") && l.includes(`cluster ${CLUSTER}:`));
    expect(notes).toEqual([
      `note: cluster ${CLUSTER}: 2 NC address field(s) are not IPv4 addresses or CIDRs, so no pod subnet's USED counts them, e.g. NNC ${nodes[0]} primaryIP "banana" on 10.60.0.0/16 (vnetblock); NNC ${nodes[1]} ipAssignments[1] "10.60.0.999/28" on 10.60.0.0/16 (vnetblock)`,
      `note: cluster ${CLUSTER}: 2 NC(s) carry an unusable subnetAddressSpace, e.g. NNC ${nodes[2]} subnetAddressSpace "not-a-cidr"; NNC garbage-node subnetAddressSpace "not-a-cidr"`,
      `note: cluster ${CLUSTER}: the addresses of 1 NC(s) are in no pod subnet's USED: they name no VNet subnet and no usable subnetAddressSpace, e.g. NNC garbage-node NC "nc-garbage"`,
      `note: cluster ${CLUSTER}: 1 NC(s) are of another IPAM mode than the rest of their pod subnet (a subnet holds one mode; it is accounted as its most common), e.g. NNC ${nodes[3]} type "vnet" on 10.60.0.0/16 (vnetblock)`,
    ]);

    // A pipeline that takes the findings as JSON on stdout still gets the notes on stderr.
    const json = await cli("scan", "--kubeconfig", kubeconfig, "--cluster-deadline", "15", "--request-timeout", "5", "--format", "json");
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).findings).toBeInstanceOf(Array);
    expect(json.stderr.split("\n").filter((l) => l.startsWith("note: ") && l.includes(`cluster ${CLUSTER}:`))).toEqual(notes);

    const doc = JSON.parse((await cli("report", "exhaustion", "--format", "json")).stdout);
    // 5 nodes × 2 /28s, less node 0's primary block "banana"; the bad block and the garbage NNC's are not counted.
    expect(doc.subnets).toEqual([expect.objectContaining({ cidr: "10.60.0.0/16", mode: "vnetblock", clusters: [CLUSTER], used: 9 * 16 })]);
  });
});
