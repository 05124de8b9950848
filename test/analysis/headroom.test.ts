import { describe, expect, it } from "vitest";
import {
  assessHeadroom,
  dynamicAddressesPerNode,
  overlayNodeCapacity,
  perNodeAddresses,
  surgeNodes,
  type HeadroomSubnet,
} from "../../src/analysis/headroom.js";
import { accountSubnets, subnetKeyFromArmId } from "../../src/analysis/subnets.js";
import { armCluster, blockNodes, cluster, dynamicNodes, overlayNodes, podSubnetId, pool, seedNnc } from "./fixtures.js";

const PODS_KEY = subnetKeyFromArmId(podSubnetId("pods"))!;
const PODSUBNET_KEY = subnetKeyFromArmId(podSubnetId("podsubnet"))!;

function dynamic24(clusters: string[], used = 0): HeadroomSubnet {
  return { key: PODS_KEY, cidr: "10.0.0.0/24", mode: "dynamic", capacity: 251, used, clusters };
}

describe("per-node cost (DOMAIN.md §6)", () => {
  it.each([
    [10, 33],
    [30, 49],
    [56, 65],
    [57, 81],
    [110, 129],
    [232, 241],
    [233, 251],
    [250, 251],
  ])("dynamic, maxPods %i → %i addresses (secondaries capped at 250, + 1 primary)", (maxPods, cost) => {
    expect(dynamicAddressesPerNode(maxPods)).toBe(cost);
  });

  it("dynamic respects a lower scaler maxIPCount", () => {
    expect(dynamicAddressesPerNode(110, 64)).toBe(65);
  });

  it.each([
    ["vnetblock", 30, 32],
    ["vnetblock", 31, 32],
    ["vnetblock", 32, 48],
    ["vnetblock", 250, 256],
    ["overlay", 250, 256],
    ["overlay", 30, 256],
  ] as const)("%s, maxPods %i → %i addresses", (mode, maxPods, cost) => {
    expect(perNodeAddresses(mode, maxPods)).toBe(cost);
  });

  it("overlay pod CIDR node capacity is 2^(24 − prefix)", () => {
    expect(overlayNodeCapacity(16)).toBe(256);
    expect(overlayNodeCapacity(22)).toBe(4);
    expect(overlayNodeCapacity(24)).toBe(1);
    expect(overlayNodeCapacity(25)).toBe(0);
  });
});

describe("surgeNodes", () => {
  it.each([
    ["1", 10, 1],
    ["3", 10, 3],
    ["0", 10, 0],
    ["0%", 10, 0],
    ["33%", 4, 2],
    ["50%", 5, 3],
    ["10%", 100, 10],
    ["10%", 101, 11],
    ["100%", 7, 7],
    ["1%", 3, 1],
  ])("maxSurge %s on %i nodes → %i", (maxSurge, count, nodes) => {
    expect(surgeNodes(maxSurge, count)).toEqual({ nodes });
  });

  it("assumes 1 when unset or unreadable, and says so", () => {
    expect(surgeNodes(undefined, 5)).toMatchObject({ nodes: 1, note: expect.stringMatching(/unset/) });
    expect(surgeNodes("lots", 5)).toMatchObject({ nodes: 1, note: expect.stringMatching(/unreadable/) });
  });

  it("an empty pool does not surge", () => {
    expect(surgeNodes("33%", 0)).toEqual({ nodes: 0 });
  });
});

describe("assessHeadroom", () => {
  it("dynamic /24: current nodes + surge fit, the autoscaler maximum does not", () => {
    const arm = armCluster("dyn", [pool({ count: 4, enableAutoScaling: true, minCount: 1, maxCount: 5, maxPods: 30, podSubnetID: podSubnetId("pods"), maxSurge: "1" })]);
    const h = assessHeadroom(dynamic24(["dyn"], 68), [{ cluster: "dyn", arm }]);
    expect(h).toMatchObject({
      status: "exceeds-at-max",
      projectedNow: (4 + 1) * 49,
      projectedAtMax: (5 + 1) * 49,
      nodesNow: 5,
      nodesAtMax: 6,
      capacity: 251,
      unknownClusters: [],
    });
    expect(h.utilizationAtMax).toBeCloseTo(294 / 251, 9);
  });

  it("static block /24: judged against its 14 assignable /28s (224 addresses), not size − 5", () => {
    const block24 = (clusters: string[]): HeadroomSubnet => ({ key: PODSUBNET_KEY, cidr: "10.40.0.0/24", mode: "vnetblock", capacity: 251, used: 0, clusters });
    // maxPods 15 → one block a node. 13 nodes + 1 surge = 14 blocks fit; 14 + 1 = 240 addresses would fit 251, but not 14 blocks.
    const at = (count: number) => assessHeadroom(block24(["blk"]), [{ cluster: "blk", arm: armCluster("blk", [pool({ count, maxPods: 15, podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock", maxSurge: "1" })]) }]);
    expect(at(13)).toMatchObject({ status: "fits", room: 224, capacity: 251, projectedNow: 224 });
    expect(at(14)).toMatchObject({ status: "exceeds-now", room: 224, projectedNow: 240 });
    expect(at(14).note).toContain("need 240 of 224 addresses in whole /28 blocks");
  });

  it("counts what a cluster holds beyond its ARM nodes' share (orphaned NNCs keep their blocks and /24s), now and at max", () => {
    // Static block /24: 7 NNCs hold all 14 assignable /28s (2 a node), but ARM counts 5 nodes (2 NNCs are orphans).
    const block24: HeadroomSubnet = { key: PODSUBNET_KEY, cidr: "10.40.0.0/24", mode: "vnetblock", capacity: 251, used: 224, clusters: ["blk"], perCluster: [{ cluster: "blk", used: 224 }] };
    const blk = assessHeadroom(block24, [{ cluster: "blk", arm: armCluster("blk", [pool({ count: 5, maxPods: 31, maxSurge: "1", podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock" })]) }]);
    expect(blk).toMatchObject({ status: "exceeds-now", room: 224, projectedNowOneUpgrade: 224 + 32, projectedAtMax: 5 * 32 + 32 + 64 });
    // Overlay /22: 4 /24s held, ARM counts 3 nodes; a surge node gets no /24.
    const s = accountSubnets([cluster("ov", overlayNodes("ov", 4, "192.168.0.0/22"))]).subnets[0]!;
    const ov = assessHeadroom(s, [{ cluster: "ov", arm: armCluster("ov", [pool({ count: 3, maxPods: 250, maxSurge: "1" })], { networkPluginMode: "overlay", podCidr: "192.168.0.0/22" }) }]);
    expect(ov).toMatchObject({ status: "exceeds-now", projectedNowOneUpgrade: 1024 + 256, projectedAtMax: 1024 + 256 });
  });

  it("dynamic /24: even current nodes + surge do not fit", () => {
    const arm = armCluster("dyn", [pool({ count: 5, maxPods: 30, podSubnetID: podSubnetId("pods") })]);
    const h = assessHeadroom(dynamic24(["dyn"]), [{ cluster: "dyn", arm }]);
    expect(h).toMatchObject({ status: "exceeds-now", projectedNow: 6 * 49, projectedAtMax: 6 * 49 });
    expect(h.pools[0]!.notes).toEqual(["maxSurge unset: 1 surge node assumed"]);
  });

  it("maxSurge 0 (AKS's advice for a subnet short of IPs: drain in place with maxUnavailable) adds no surge node", () => {
    // 5 nodes × 49 = 245 fit the 251; a surge node would make 294.
    const at = (maxSurge: string) => assessHeadroom(dynamic24(["dyn"]), [{ cluster: "dyn", arm: armCluster("dyn", [pool({ count: 5, maxPods: 30, podSubnetID: podSubnetId("pods"), maxSurge, maxUnavailable: "1" })]) }]);
    for (const zero of ["0", "0%"]) {
      const h = at(zero);
      expect(h).toMatchObject({ status: "fits", projectedAtMax: 245, projectedNow: 245, nodesAtMax: 5, nodesNow: 5, surgeClusters: 0 });
      expect(h.note).toContain("(245 at current nodes, no upgrade surge)");
    }
    expect(at("1")).toMatchObject({ status: "exceeds-now", projectedAtMax: 294 });
  });

  it("dynamic /24: 4 fixed nodes + 1 surge fit exactly at 245 of 251", () => {
    const arm = armCluster("dyn", [pool({ count: 4, maxPods: 30, podSubnetID: podSubnetId("pods"), maxSurge: "1" })]);
    expect(assessHeadroom(dynamic24(["dyn"]), [{ cluster: "dyn", arm }])).toMatchObject({ status: "fits", projectedAtMax: 245 });
  });

  it("overlay /22: 3 nodes + 1 surge fill the 4 /24s exactly; a 4th node does not fit", () => {
    const sub = (n: number) => {
      const s = accountSubnets([cluster("ov", overlayNodes("ov", n, "192.168.0.0/22"))]).subnets[0]!;
      return s;
    };
    const arm = (count: number) => armCluster("ov", [pool({ count, maxPods: 250, maxSurge: "1" })], { networkPluginMode: "overlay", podCidr: "192.168.0.0/22" });
    const fits = assessHeadroom(sub(3), [{ cluster: "ov", arm: arm(3) }]);
    expect(fits).toMatchObject({ status: "fits", nodeCapacity: 4, nodesAtMax: 4, projectedAtMax: 1024, capacity: 1024 });
    const full = assessHeadroom(sub(4), [{ cluster: "ov", arm: arm(4) }]);
    expect(full).toMatchObject({ status: "exceeds-now", nodeCapacity: 4, nodesNow: 5, projectedNow: 1280 });
  });

  it("overlay default /16 serves 256 nodes: autoscaler max 255 + 1 surge fits, 256 + 1 does not", () => {
    const s = accountSubnets([cluster("ov", overlayNodes("ov", 3, "10.244.0.0/16"))]).subnets[0]!;
    const at = (maxCount: number) =>
      assessHeadroom(s, [{ cluster: "ov", arm: armCluster("ov", [pool({ count: 3, enableAutoScaling: true, maxCount, maxSurge: "1" })], { networkPluginMode: "overlay" }) }]);
    expect(at(255)).toMatchObject({ status: "fits", nodeCapacity: 256, nodesAtMax: 256 });
    expect(at(256)).toMatchObject({ status: "exceeds-at-max", nodesAtMax: 257 });
  });

  it("static block /13 shared by two clusters: sums both clusters' pools", () => {
    const s = accountSubnets([
      cluster("alpha", blockNodes("alpha", 2, 16, "10.40.0.0", "10.40.0.0/13")),
      cluster("beta", blockNodes("beta", 2, 16, "10.41.0.0", "10.40.0.0/13")),
    ]).subnets[0]!;
    expect(s.key).toBe(PODSUBNET_KEY);
    const big = (name: string) =>
      armCluster(name, [
        pool({ name: "np1", count: 100, enableAutoScaling: true, maxCount: 1000, maxPods: 250, maxSurge: "10%", podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock" }),
      ]);
    const h = assessHeadroom(s, [
      { cluster: "alpha", arm: big("alpha") },
      { cluster: "beta", arm: big("beta") },
    ]);
    // now: 2 × (100 + 10) × 256 = 56,320; at max: 2 × (1000 + 100) × 256 = 563,200 > 524,283
    expect(h).toMatchObject({ status: "exceeds-at-max", projectedNow: 56_320, projectedAtMax: 563_200, nodesAtMax: 2200, capacity: 524_283 });
    expect(h.pools.map((p) => [p.cluster, p.mode, p.perNode, p.surgeNow, p.surgeMax])).toEqual([
      ["alpha", "vnetblock", 256, 10, 100],
      ["beta", "vnetblock", 256, 10, 100],
    ]);
  });

  describe("clusters sharing a subnet upgrade independently", () => {
    // Static block /24 (room: 14 whole /28s = 224), maxPods 15 (one /28 a node), maxSurge 2: each cluster's 6 nodes take 96, its surge 32.
    const block24 = (clusters: string[]): HeadroomSubnet => ({ key: PODSUBNET_KEY, cidr: "10.40.0.0/24", mode: "vnetblock", capacity: 251, used: 0, clusters });
    const six = (name: string, over: Parameters<typeof armCluster>[2] = {}) => ({
      cluster: name,
      arm: armCluster(name, [pool({ count: 6, maxPods: 15, maxSurge: "2", podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock" })], over),
    });

    it("short only if all upgrade at once is a warning: today's nodes plus one cluster's surge fit", () => {
      const h = assessHeadroom(block24(["alpha", "beta"]), [six("alpha"), six("beta")]);
      expect(h).toMatchObject({ status: "exceeds-at-max", room: 224, projectedNow: 2 * 96 + 2 * 32, projectedNowOneUpgrade: 2 * 96 + 32, nodesNow: 16, nodesNowOneUpgrade: 14, surgeClusters: 2 });
      expect(h.note).toContain("256 at current nodes if all 2 clusters upgrade at once, 224 with one upgrade at a time");
    });

    it("is critical when even one cluster's surge does not fit", () => {
      const h = assessHeadroom(block24(["alpha", "beta", "gamma"]), [six("alpha"), six("beta"), { ...six("gamma"), arm: armCluster("gamma", [pool({ count: 1, maxPods: 15, maxSurge: "1", podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock" })]) }]);
      expect(h).toMatchObject({ status: "exceeds-now", projectedNowOneUpgrade: 2 * 96 + 16 + 32, surgeClusters: 3 });
    });

    it("a stopped cluster keeps its nodes' share but adds no surge now, and is named", () => {
      const h = assessHeadroom(block24(["alpha"]), [six("alpha"), six("beta", { powerState: "Stopped" })]);
      expect(h).toMatchObject({ status: "exceeds-at-max", projectedNow: 2 * 96 + 32, projectedNowOneUpgrade: 2 * 96 + 32, surgeClusters: 1, stoppedClusters: ["beta"] });
      expect(h.note).toContain("stopped in ARM, nodes counted without an upgrade surge: beta");
      // ARM codes compare without case, as the collector's check does.
      expect(assessHeadroom(block24(["alpha"]), [six("alpha"), six("beta", { powerState: "stopped" })]).stoppedClusters).toEqual(["beta"]);
    });

    it("one cluster alone: all at once and one at a time are the same figure", () => {
      const h = assessHeadroom(block24(["alpha"]), [six("alpha")]);
      expect(h).toMatchObject({ status: "fits", projectedNow: 128, projectedNowOneUpgrade: 128, surgeClusters: 1, stoppedClusters: [] });
      expect(h.note).toContain("(128 at current nodes + surge)");
    });
  });

  it("seed cluster with maxPods 250 and 2 nodes (autoscaler max 10) fits its /13", () => {
    const s = accountSubnets([cluster("prod", [seedNnc()])]).subnets[0]!;
    const arm = armCluster("prod", [
      pool({ count: 2, enableAutoScaling: true, maxCount: 10, maxPods: 250, maxSurge: "10%", podSubnetID: podSubnetId("podsubnet"), podIPAllocationMode: "StaticBlock" }),
    ]);
    expect(assessHeadroom(s, [{ cluster: "prod", arm }])).toMatchObject({ status: "fits", projectedNow: 3 * 256, projectedAtMax: 11 * 256 });
  });

  it("one pool surges at a time: the costliest surge counts once per cluster", () => {
    const arm = armCluster("c", [
      pool({ name: "small", count: 2, maxPods: 30, maxSurge: "1", podSubnetID: podSubnetId("pods") }),
      pool({ name: "wide", count: 1, maxPods: 110, maxSurge: "1", podSubnetID: podSubnetId("pods") }),
    ]);
    const h = assessHeadroom({ ...dynamic24(["c"]), capacity: 65531 }, [{ cluster: "c", arm }]);
    expect(h.projectedAtMax).toBe(2 * 49 + 1 * 129 + 129);
    expect(h.nodesAtMax).toBe(4);
  });

  it("only pools whose podSubnetID is this subnet count, matched case-insensitively", () => {
    const arm = armCluster("c", [
      pool({ name: "here", count: 2, maxPods: 30, maxSurge: "1", podSubnetID: podSubnetId("pods").toUpperCase() }),
      pool({ name: "elsewhere", count: 50, maxPods: 250, podSubnetID: podSubnetId("other") }),
      pool({ name: "nodesubnet", count: 50, maxPods: 250 }),
    ]);
    const h = assessHeadroom(dynamic24(["c"]), [{ cluster: "c", arm }]);
    expect(h.pools.map((p) => p.pool)).toEqual(["here"]);
    expect(h).toMatchObject({ status: "fits", projectedAtMax: 3 * 49 });
  });

  it("counts a cluster that has pools on the subnet but no NNCs yet", () => {
    const arm = armCluster("newcomer", [pool({ count: 0, enableAutoScaling: true, maxCount: 10, maxPods: 30, maxSurge: "1", podSubnetID: podSubnetId("pods") })]);
    const h = assessHeadroom(dynamic24([]), [{ cluster: "newcomer", arm }]);
    expect(h).toMatchObject({ status: "exceeds-at-max", projectedNow: 0, projectedAtMax: 11 * 49 });
  });

  it("pools in ARM use their own mode, noting a disagreement with the NCs", () => {
    const arm = armCluster("c", [pool({ count: 1, maxPods: 31, maxSurge: "1", podSubnetID: podSubnetId("pods"), podIPAllocationMode: "StaticBlock" })]);
    const h = assessHeadroom(dynamic24(["c"]), [{ cluster: "c", arm }]);
    expect(h.pools[0]).toMatchObject({ mode: "vnetblock", perNode: 32 });
    expect(h.pools[0]!.notes).toEqual(["pool is vnetblock in ARM but the subnet's NCs are dynamic"]);
  });

  it("uses each dynamic pool's own scaler maxIPCount, and a pool's maxPods where none was seen", () => {
    const arm = armCluster("c", [pool({ name: "capped", count: 1, maxPods: 110, maxSurge: "1", podSubnetID: podSubnetId("pods") }), pool({ name: "unseen", count: 0, maxPods: 110, maxSurge: "1", podSubnetID: podSubnetId("pods") })]);
    const h = assessHeadroom({ ...dynamic24(["c"]), capacity: 65531 }, [{ cluster: "c", arm, maxIPCountByPool: new Map([["capped", 64]]) }]);
    // maxIPCount 64 → 65 a node; the unseen pool, scaled to 0, is not given another pool's cap: min(250, 128) + 1.
    expect(h.pools.map((p) => [p.pool, p.perNode])).toEqual([["capped", 65], ["unseen", 129]]);
  });

  it("assumes the AKS default maxPods when ARM omits it, and says so", () => {
    const arm = armCluster("c", [{ name: "np", count: 1, maxSurge: "1", podSubnetID: podSubnetId("pods") }]);
    const h = assessHeadroom({ ...dynamic24(["c"]), capacity: 65531 }, [{ cluster: "c", arm }]);
    expect(h.pools[0]).toMatchObject({ maxPods: 110, perNode: 129 });
    expect(h.pools[0]!.notes[0]).toMatch(/maxPods unset/);
  });

  describe("without ARM data the answer is unknown, never fits", () => {
    it("no ARM at all", () => {
      const s = accountSubnets([cluster("dyn", dynamicNodes("dyn", 2, 16, "10.0.0.4", "10.0.0.0/24"))]).subnets[0]!;
      const h = assessHeadroom(s, [{ cluster: "dyn" }]);
      expect(h).toMatchObject({ status: "unknown", projectedAtMax: null, projectedNow: null, utilizationAtMax: null, unknownClusters: [{ cluster: "dyn", reason: "no ARM data" }] });
      expect(h.note).toMatch(/^unknown/);
      expect(assessHeadroom(s, []).status).toBe("unknown");
    });

    it("ARM without a pool on this subnet", () => {
      const arm = armCluster("dyn", [pool({ count: 2, podSubnetID: podSubnetId("other") })]);
      const h = assessHeadroom(dynamic24(["dyn"]), [{ cluster: "dyn", arm }]);
      expect(h).toMatchObject({ status: "unknown", unknownClusters: [{ cluster: "dyn", reason: "no ARM agent pool has this podSubnetID" }] });
    });

    it("a pool without a node count", () => {
      const arm = armCluster("dyn", [{ name: "np", maxPods: 30, podSubnetID: podSubnetId("pods") }]);
      const h = assessHeadroom(dynamic24(["dyn"]), [{ cluster: "dyn", arm }]);
      expect(h.status).toBe("unknown");
      expect(h.unknownClusters[0]!.reason).toMatch(/node count unknown/);
    });

    it("a subnet known only by CIDR cannot be matched to pools", () => {
      const arm = armCluster("c", [pool({ count: 1, podSubnetID: podSubnetId("pods") })]);
      const h = assessHeadroom({ ...dynamic24(["c"]), key: "cidr:10.0.0.0/24" }, [{ cluster: "c", arm }]);
      expect(h.status).toBe("unknown");
      expect(h.unknownClusters[0]!.reason).toMatch(/cannot be matched/);
    });

    it("one cluster known, one not: unknown, with the unknown one counted at its current use", () => {
      const s = accountSubnets([
        cluster("known", dynamicNodes("known", 1, 16, "10.0.0.4", "10.0.0.0/24")),
        cluster("dark", dynamicNodes("dark", 2, 16, "10.0.0.100", "10.0.0.0/24")),
      ]).subnets[0]!;
      const arm = armCluster("known", [pool({ count: 1, maxPods: 30, maxSurge: "1", podSubnetID: podSubnetId("pods") })]);
      const h = assessHeadroom(s, [{ cluster: "known", arm }, { cluster: "dark" }]);
      expect(h).toMatchObject({ status: "unknown", projectedAtMax: 2 * 49 + 34, unknownClusters: [{ cluster: "dark", reason: "no ARM data" }] });
    });

    it("but a known share that already overflows is reported as such", () => {
      const arm = armCluster("known", [pool({ count: 6, maxPods: 30, maxSurge: "1", podSubnetID: podSubnetId("pods") })]);
      const h = assessHeadroom(dynamic24(["known", "dark"]), [{ cluster: "known", arm }]);
      expect(h.status).toBe("exceeds-now");
    });
  });
});
