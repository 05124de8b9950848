// Named fleets: determinism, subnet sharing, the demo's planted problems, generation cost.
import { describe, expect, it } from "vitest";
import {
  SEED_POD_SUBNET,
  SubnetPools,
  buildFleet,
  generateCluster,
  type ClusterState,
  type NncObject,
  type SimClusterSpec,
} from "../../src/sim/index.js";

const EPOCH = Date.UTC(2026, 10, 1);

function generateAll(specs: SimClusterSpec[]): ClusterState[] {
  const pools = new SubnetPools();
  return specs.map((s) => generateCluster(s, { pools, epoch: EPOCH }));
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

/** [first, last] address ranges an NNC holds (primary plus assignments). */
function ranges(nnc: NncObject): [number, number][] {
  const out: [number, number][] = [];
  for (const nc of nnc.status?.networkContainers ?? []) {
    for (const ip of [nc.primaryIP ?? "", ...(nc.ipAssignments ?? []).map((a) => a.ip)]) {
      if (!ip) continue;
      const [a, len] = ip.split("/");
      const start = ipToInt(a!);
      out.push([start, start + 2 ** (32 - Number(len ?? 32)) - 1]);
    }
  }
  return out;
}

function expectDisjoint(all: [number, number][]): void {
  const sorted = [...all].sort((x, y) => x[0] - y[0]);
  const overlaps = sorted.filter((r, i) => i > 0 && r[0] <= sorted[i - 1]![1]);
  expect(overlaps).toEqual([]);
}

const dump = (st: ClusterState): string =>
  JSON.stringify([st.nodes.list(), st.nncs.list(), st.pods.list(), st.daemonsets.list(), st.configmaps.list()]);

describe("buildFleet", () => {
  it("is deterministic for a seed and epoch", () => {
    const a = buildFleet({ seed: 7, epoch: EPOCH, clusters: 4, nodes: 3 });
    const b = buildFleet({ seed: 7, epoch: EPOCH, clusters: 4, nodes: 3 });
    expect(a).toEqual(b);
    expect(generateAll(a).map(dump)).toEqual(generateAll(b).map(dump));
    const c = generateAll(buildFleet({ seed: 8, epoch: EPOCH, clusters: 4, nodes: 3 }));
    expect(c[0]!.nodes.list()[0]!.metadata.uid).not.toBe(generateAll(a)[0]!.nodes.list()[0]!.metadata.uid);
  });

  it("mixed cycles the modes and gives pairs of static-block clusters one shared /13", () => {
    const specs = buildFleet({ scenario: "mixed", clusters: 7, nodes: 4, epoch: EPOCH });
    expect(specs.map((s) => s.mode)).toEqual(["vnetblock", "dynamic", "overlay", "vnetblock", "dynamic", "overlay", "vnetblock"]);
    const [b1, , , b2, , , b3] = specs;
    expect(b1!.podSubnet).toEqual(b2!.podSubnet);
    expect(b1!.podSubnet?.cidr).toBe("10.40.0.0/13");
    expect(b3!.podSubnet?.cidr).toBe("10.48.0.0/13");
    const states = generateAll(specs);
    const shared = [states[0]!, states[3]!].flatMap((st) => st.nncs.list().flatMap(ranges));
    expect(shared).toHaveLength(2 * 4 * 16);
    expectDisjoint(shared);
    for (const st of states) {
      const ips = st.nodes.list().map((n) => n.status?.addresses?.[0]?.address);
      expect(new Set(ips).size).toBe(ips.length);
      expect(ips.every((ip) => ip?.startsWith("10.240."))).toBe(true);
    }
  });

  it("static-block looks like the seed and packs eight 250-node clusters per /13", () => {
    const specs = buildFleet({ scenario: "static-block", clusters: 10, nodes: 250, epoch: EPOCH });
    expect(specs[0]!.podSubnet).toEqual(SEED_POD_SUBNET);
    expect(specs[7]!.podSubnet).toEqual(SEED_POD_SUBNET);
    expect(specs[8]!.podSubnet?.cidr).toBe("10.48.0.0/13");
    const states = generateAll(specs.slice(0, 8));
    const all = states.flatMap((st) => st.nncs.list().flatMap(ranges));
    expect(all).toHaveLength(8 * 250 * 16);
    expectDisjoint(all);
    const first = states[0]!.nncs.list()[0]!;
    expect(first.status?.networkContainers?.[0]).toMatchObject({
      primaryIP: "10.40.0.16/28",
      defaultGateway: "10.40.0.1",
      subnetAddressSpace: "10.40.0.0/13",
      subnetName: "podsubnet",
      subnetID: "podsubnet",
      vnetID: "vnet",
      resourceGroupID: "rg",
      subcriptionID: SEED_POD_SUBNET.subscription,
      nodeIP: "10.240.0.4",
      type: "vnetblock",
      assignmentMode: "static",
      version: 0,
    });
    expect(states.every((st) => st.nncs.list().every((n) => n.status?.networkContainers?.[0]?.status === undefined))).toBe(true);
  });

  // Its speed is the bench's to measure (npm run bench builds the same fleet), not a timed unit test's.
  it("generates 100 clusters x 250 nodes", () => {
    const states = generateAll(buildFleet({ scenario: "static-block", clusters: 100, nodes: 250, epoch: EPOCH }));
    expect(states.reduce((n, st) => n + st.nncs.size + st.nodes.size + st.pods.size, 0)).toBe(75_000);
  });

  it("demo plants the problems an auditor should find", () => {
    const specs = buildFleet({ scenario: "demo", epoch: EPOCH });
    expect(specs.length).toBeGreaterThanOrEqual(6);
    expect(new Set(specs.map((s) => s.mode))).toEqual(new Set(["vnetblock", "dynamic", "overlay", "kubenet"]));
    expect(specs.filter((s) => s.faults?.some((f) => f.kind === "refuse"))).toHaveLength(1);
    const states = generateAll(specs);

    // A /24 dynamic subnet near full, with a node whose second batch did not fit.
    const dyn = states.find((st) => st.profile.podPool?.text.endsWith("/24"))!;
    expect(dyn.profile.podPool!.usedCount / dyn.profile.podPool!.capacity).toBeGreaterThan(0.9);
    const full = dyn.nncs.list().filter((n) => n.status?.networkContainers?.[0]?.status === "NCUpdateSubnetFullError");
    expect(full).toHaveLength(1);
    expect(full[0]!.spec?.requestedIPCount).toBeGreaterThan(full[0]!.status?.assignedIPCount ?? 0);
    expect(dyn.pods.list("default").filter((p) => p.status?.phase === "Pending" && p.spec?.nodeName === full[0]!.metadata.name)).toHaveLength(3);

    const nodesWithoutNnc = states.flatMap((st) => st.nodes.list().filter((n) => st.hasNncCrd && !st.nncs.get(n.metadata.name, "kube-system")));
    expect(nodesWithoutNnc).toHaveLength(1);

    const orphans = states.flatMap((st) =>
      st.nncs.list().filter((n) => !st.nodes.list().some((node) => node.metadata.uid === n.metadata.ownerReferences?.[0]?.uid)),
    );
    expect(orphans).toHaveLength(1);

    const crashing = states.flatMap((st) =>
      st.pods.list("kube-system").filter((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff"),
    );
    expect(crashing).toHaveLength(1);
    expect(crashing[0]!.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(0);
    const dsNotReady = states.filter((st) => {
      const s = st.daemonsets.get("azure-cns", "kube-system")?.status;
      return s && s.numberReady < s.desiredNumberScheduled;
    });
    expect(dsNotReady.map((st) => st.name).sort()).toEqual(["aks-prod-weu-blk-02", "aks-stg-weu-dyn-02"]);

    const kubenet = states.find((st) => st.profile.mode === "kubenet")!;
    expect(kubenet.nncs.size).toBe(0);
    expect(kubenet.daemonsets.size).toBe(0);
    expect(kubenet.hasNncCrd).toBe(false);
  });
});
