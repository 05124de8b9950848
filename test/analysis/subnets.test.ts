import { describe, expect, it } from "vitest";
import {
  accountSubnets,
  ncMode,
  subnetKeyFromArmId,
  toSubnetUsage,
  type SubnetAccount,
} from "../../src/analysis/subnets.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import {
  SUB,
  addr,
  armCluster,
  blockNodes,
  cluster,
  dynamicNodes,
  nc,
  nnc,
  overlayNodes,
  podSubnetId,
  seedNnc,
  vnetFields,
} from "./fixtures.js";

function only(snaps: ClusterSnapshot[]): SubnetAccount {
  const r = accountSubnets(snaps);
  expect(r.subnets).toHaveLength(1);
  return r.subnets[0]!;
}

/** One dynamic NC holding just its primary address on a subnet of the given CIDR. */
function oneAddressOn(cidr: string, primary: string): ClusterSnapshot {
  return cluster("c", [nnc("n0", [nc({ primaryIP: primary, ...vnetFields("s", cidr) })])]);
}

describe("seed NNC (real static-block cluster)", () => {
  it("holds 16 /28 blocks = 256 addresses on 10.40.0.0/13, without duplicates", () => {
    const s = only([cluster("prod", [seedNnc()])]);
    expect(s).toMatchObject({
      key: `/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.network/virtualnetworks/vnet/subnets/podsubnet`,
      cidr: "10.40.0.0/13",
      name: "podsubnet",
      mode: "vnetblock",
      clusters: ["prod"],
      size: 524288,
      capacity: 524283,
      used: 256,
      outsideAddresses: 0,
    });
    expect(s.utilization).toBeCloseTo(256 / 524283, 12);
    expect(s.duplicates).toEqual([]);
    expect(s.problems).toEqual([]);
    expect(s.perCluster).toEqual([{ cluster: "prod", nncs: 1, nodes: 1, ncs: 1, used: 256 }]);
  });

  it("adds the second node's blocks from the CNS log (primary 10.40.0.16/28, first block 10.40.0.96/28)", () => {
    const second = nnc("aks-nodepool1-36149301-vmss000001", [
      nc({ type: "vnetblock", assignmentMode: "static", primaryIP: "10.40.0.16/28", ipAssignments: ["10.40.0.96/28"], ...vnetFields("podsubnet", "10.40.0.0/13") }),
    ]);
    const s = only([cluster("prod", [seedNnc(), second])]);
    expect(s.used).toBe(256 + 32);
    expect(s.duplicates).toEqual([]);
  });

  it("ARM podSubnetID of that subnet maps to the same key", () => {
    const s = only([cluster("prod", [seedNnc()])]);
    expect(subnetKeyFromArmId(podSubnetId("podsubnet"))).toBe(s.key);
    expect(subnetKeyFromArmId(podSubnetId("PodSubnet").toUpperCase())).toBe(s.key);
    expect(subnetKeyFromArmId("/subscriptions/x/resourceGroups/rg")).toBeNull();
  });
});

describe("capacity", () => {
  it.each([
    ["10.0.0.0/8", 16777211],
    ["10.40.0.0/13", 524283],
    ["10.241.0.0/16", 65531],
    ["10.0.0.0/24", 251],
    ["10.0.0.0/28", 11],
    ["10.0.0.0/29", 3],
  ])("VNet subnet %s: size − 5 = %i", (cidr, capacity) => {
    const s = only([oneAddressOn(cidr, addr(cidr.split("/")[0]!, 4))]);
    expect(s.capacity).toBe(capacity);
    expect(s.used).toBe(1);
  });

  it("a /32 VNet subnet has no usable address and says why", () => {
    const s = only([oneAddressOn("10.0.0.7/32", "10.0.0.7")]);
    expect(s).toMatchObject({ size: 1, capacity: 0, used: 1, utilization: 1 });
    expect(s.problems.map((p) => p.kind)).toEqual(["subnet-too-small"]);
  });

  it.each([
    ["10.244.0.0/8", 16777216],
    ["10.244.0.0/16", 65536],
    ["192.168.0.0/22", 1024],
    ["192.168.0.0/24", 256],
  ])("overlay pod CIDR %s counts whole: %i", (cidr, capacity) => {
    const s = only([cluster("ov", overlayNodes("ov", 1, cidr))]);
    expect(s.capacity).toBe(capacity);
    expect(s.used).toBe(256);
  });
});

describe("utilisation", () => {
  it("dynamic /24 at 97 %: 4 nodes × (primary + 60) = 244 of 251", () => {
    const s = only([cluster("dyn", dynamicNodes("dyn", 4, 60, "10.0.0.4", "10.0.0.0/24"))]);
    expect(s).toMatchObject({ mode: "dynamic", capacity: 251, used: 244 });
    expect(s.utilization).toBeCloseTo(0.9721, 4);
    expect(s.duplicates).toEqual([]);
  });

  it("dynamic /24 one address short of full and then full", () => {
    // 251 usable from .4 to .254: 250 held, then 251
    const almost = only([cluster("d", dynamicNodes("d", 5, 49, "10.0.0.4", "10.0.0.0/24"))]);
    expect(almost.used).toBe(250);
    const full = only([cluster("d", [...dynamicNodes("d", 5, 49, "10.0.0.4", "10.0.0.0/24"), nnc("extra", [nc({ primaryIP: "10.0.0.254", ...vnetFields("pods", "10.0.0.0/24") })])])]);
    expect(full.used).toBe(251);
    expect(full.utilization).toBe(1);
  });

  it("overlay /22 pod CIDR full: 4 nodes × /24 = 1024 of 1024", () => {
    const s = only([cluster("ov", overlayNodes("ov", 4, "192.168.0.0/22"))]);
    expect(s).toMatchObject({ mode: "overlay", key: "overlay:ov:192.168.0.0/22", capacity: 1024, used: 1024, utilization: 1 });
    expect(s.perCluster).toEqual([{ cluster: "ov", nncs: 4, nodes: 4, ncs: 4, used: 1024 }]);
    expect(s.duplicates).toEqual([]);
    expect(s.problems).toEqual([]);
  });

  it("counts overlapping and nested holdings once", () => {
    const f = vnetFields("s", "10.0.0.0/16");
    const s = only([
      cluster("c", [
        nnc("n0", [nc({ type: "vnetblock", primaryIP: "10.0.1.0/28", ipAssignments: ["10.0.1.16/28", "10.0.1.0/28"], ...f })]),
        nnc("n1", [nc({ primaryIP: "10.0.1.5", ipAssignments: ["10.0.1.17", "10.0.1.32"], ...f })]),
      ]),
    ]);
    expect(s.used).toBe(33);
    // n0 lists 10.0.1.0/28 twice, n1's .5 sits in it, n1's .17 in n0's second block
    expect(s.duplicates.map((d) => [d.range, d.scope, d.holders.map((h) => `${h.nnc}:${h.field}`)])).toEqual([
      ["10.0.1.0-10.0.1.4", "same-nc", ["n0:primaryIP", "n0:ipAssignments[1]"]],
      ["10.0.1.5", "same-cluster", ["n0:primaryIP", "n0:ipAssignments[1]", "n1:primaryIP"]],
      ["10.0.1.6-10.0.1.15", "same-nc", ["n0:primaryIP", "n0:ipAssignments[1]"]],
      ["10.0.1.17", "same-cluster", ["n0:ipAssignments[0]", "n1:ipAssignments[0]"]],
    ]);
  });

  it("adjacent blocks and addresses are not duplicates", () => {
    const s = only([cluster("b", blockNodes("b", 3, 16, "10.40.0.0", "10.40.0.0/13"))]);
    expect(s.used).toBe(3 * 256);
    expect(s.duplicates).toEqual([]);
  });
});

describe("duplicates (NNC006)", () => {
  it("names both holders of a block held twice in one cluster", () => {
    const f = vnetFields("podsubnet", "10.40.0.0/13");
    const a = nc({ id: "nc-a", type: "vnetblock", primaryIP: "10.40.0.160/28", ipAssignments: ["10.40.0.176/28"], ...f });
    const b = nc({ id: "nc-b", type: "vnetblock", primaryIP: "10.40.0.192/28", ipAssignments: ["10.40.0.176/28"], ...f });
    const s = only([cluster("c1", [nnc("node-a", [a]), nnc("node-b", [b])])]);
    expect(s.used).toBe(48);
    expect(s.duplicates).toEqual([
      {
        range: "10.40.0.176/28",
        addresses: 16,
        scope: "same-cluster",
        clusters: ["c1"],
        holders: [
          { cluster: "c1", nnc: "node-a", nc: "nc-a", field: "ipAssignments[0]", value: "10.40.0.176/28", takenAt: "2026-01-01T00:00:00.000Z" },
          { cluster: "c1", nnc: "node-b", nc: "nc-b", field: "ipAssignments[0]", value: "10.40.0.176/28", takenAt: "2026-01-01T00:00:00.000Z" },
        ],
      },
    ]);
  });

  it("names holders across clusters sharing a subnet", () => {
    const f = vnetFields("pods", "10.241.0.0/16");
    const s = only([
      cluster("west", [nnc("w0", [nc({ id: "nc-w", primaryIP: "10.241.0.4", ipAssignments: ["10.241.0.5", "10.241.0.6"], ...f })])]),
      cluster("east", [nnc("e0", [nc({ id: "nc-e", primaryIP: "10.241.0.7", ipAssignments: ["10.241.0.6"], ...f })])]),
    ]);
    expect(s.clusters).toEqual(["east", "west"]);
    expect(s.used).toBe(4);
    expect(s.duplicates).toHaveLength(1);
    expect(s.duplicates[0]).toMatchObject({ range: "10.241.0.6", addresses: 1, scope: "cross-cluster", clusters: ["east", "west"] });
    expect(s.duplicates[0]!.holders.map((h) => [h.cluster, h.nnc, h.nc])).toEqual(
      expect.arrayContaining([
        ["west", "w0", "nc-w"],
        ["east", "e0", "nc-e"],
      ]),
    );
  });

  it("counts an address in two clusters' data once, in the subnet's use and in the shares: for the cluster read last", () => {
    const f = vnetFields("pods", "10.241.0.0/16");
    const west = (at: string) => cluster("west", [nnc("w0", [nc({ id: "nc-w", primaryIP: "10.241.0.4", ipAssignments: ["10.241.0.5", "10.241.0.6"], ...f })])], { takenAt: new Date(at) });
    const east = (at: string) => cluster("east", [nnc("e0", [nc({ id: "nc-e", primaryIP: "10.241.0.7", ipAssignments: ["10.241.0.6"], ...f })])], { takenAt: new Date(at) });
    const shares = (s: ReturnType<typeof only>) => s.perCluster.map((c) => [c.cluster, c.used]);
    // east's data is 6 h older (its last good snapshot): 10.241.0.6 is west's now.
    const s = only([west("2026-01-01T06:00:00Z"), east("2026-01-01T00:00:00Z")]);
    expect(s.used).toBe(4);
    expect(shares(s)).toEqual([["east", 1], ["west", 3]]);
    expect(s.duplicates[0]!.holders.map((h) => [h.cluster, h.takenAt]).sort()).toEqual([["east", "2026-01-01T00:00:00.000Z"], ["west", "2026-01-01T06:00:00.000Z"]]);
    // Read at the same time, the first by name keeps it.
    expect(shares(only([west("2026-01-01T06:00:00Z"), east("2026-01-01T06:00:00Z")]))).toEqual([["east", 2], ["west", 2]]);
  });

  it("a primary block that overlaps another node's block is reported with its exact stretch", () => {
    const f = vnetFields("s", "10.0.0.0/16");
    const s = only([
      cluster("c", [
        nnc("n0", [nc({ primaryIP: "10.0.2.0/27", ...f })]),
        nnc("n1", [nc({ primaryIP: "10.0.2.16/28", ...f })]),
      ]),
    ]);
    expect(s.used).toBe(32);
    expect(s.duplicates.map((d) => d.range)).toEqual(["10.0.2.16/28"]);
  });
});

describe("identity across clusters", () => {
  it("two clusters sharing a /13 static-block subnet aggregate into one entry", () => {
    const s = only([
      cluster("alpha", blockNodes("alpha", 2, 16, "10.40.0.0", "10.40.0.0/13")),
      cluster("beta", blockNodes("beta", 3, 16, "10.41.0.0", "10.40.0.0/13")),
    ]);
    expect(s.clusters).toEqual(["alpha", "beta"]);
    expect(s.used).toBe(5 * 256);
    expect(s.capacity).toBe(524283);
    expect(s.perCluster).toEqual([
      { cluster: "alpha", nncs: 2, nodes: 2, ncs: 2, used: 512 },
      { cluster: "beta", nncs: 3, nodes: 3, ncs: 3, used: 768 },
    ]);
    expect(s.duplicates).toEqual([]);
  });

  it("same CIDR in two VNets is two subnets, not a conflict", () => {
    const r = accountSubnets([
      cluster("a", [nnc("a0", [nc({ primaryIP: "10.0.0.4", ...vnetFields("pods", "10.0.0.0/24", "vnet-a") })])]),
      cluster("b", [nnc("b0", [nc({ primaryIP: "10.0.0.4", ...vnetFields("pods", "10.0.0.0/24", "vnet-b") })])]),
    ]);
    expect(r.subnets.map((s) => [s.key.split("/").slice(-3).join("/"), s.used, s.duplicates.length])).toEqual([
      ["vnet-a/subnets/pods", 1, 0],
      ["vnet-b/subnets/pods", 1, 0],
    ]);
  });

  it("overlay pod CIDRs are private per cluster", () => {
    const r = accountSubnets([cluster("a", overlayNodes("a", 2, "10.244.0.0/16")), cluster("b", overlayNodes("b", 2, "10.244.0.0/16"))]);
    expect(r.subnets.map((s) => [s.key, s.clusters, s.used, s.duplicates.length])).toEqual([
      ["overlay:a:10.244.0.0/16", ["a"], 512, 0],
      ["overlay:b:10.244.0.0/16", ["b"], 512, 0],
    ]);
  });

  it("accounts an overlay pod CIDR being expanded as one, the wider: NCs still on the /16 go in the /15", () => {
    const nodes = overlayNodes("a", 3, "10.244.0.0/16");
    nodes[2]!.networkContainers[0]!.subnetAddressSpace = "10.244.0.0/15";
    const s = only([cluster("a", nodes)]);
    expect(s).toMatchObject({ key: "overlay:a:10.244.0.0/15", cidr: "10.244.0.0/15", capacity: 131072, used: 768, perCluster: [expect.objectContaining({ nncs: 3 })] });
    expect(s.problems.map((p) => [p.kind, p.nnc])).toEqual([
      ["cidr-mismatch", nodes[0]!.name],
      ["cidr-mismatch", nodes[1]!.name],
    ]);
    expect(s.problems[0]!.message).toContain("other NCs say 10.244.0.0/15, which contains it");
  });

  it("takes ARM's overlay pod CIDR when it contains the NCs' (expanded before any node saw it), not when it does not", () => {
    const expanded = only([cluster("b", overlayNodes("b", 2, "10.244.0.0/16"), { arm: armCluster("b", [], { networkPluginMode: "overlay", podCidr: "10.244.0.0/15" }) })]);
    expect(expanded).toMatchObject({ key: "overlay:b:10.244.0.0/15", cidr: "10.244.0.0/15", capacity: 131072, used: 512 });
    expect(expanded.problems[0]!.message).toContain("ARM says 10.244.0.0/15, which contains it");
    // Another CIDR in ARM is drift (DRF004), not a wider pod CIDR; and without an expansion the key is as it was.
    const drifted = only([cluster("c", overlayNodes("c", 2, "10.244.0.0/16"), { arm: armCluster("c", [], { networkPluginMode: "overlay", podCidrs: ["192.168.0.0/16", "fd00::/48"] }) })]);
    expect(drifted).toMatchObject({ key: "overlay:c:10.244.0.0/16", cidr: "10.244.0.0/16", problems: [] });
  });

  it("two overlay nodes of one cluster on the same /24 are a duplicate", () => {
    const nodes = overlayNodes("a", 2, "10.244.0.0/16");
    nodes[1]!.networkContainers[0]!.primaryIP = "10.244.0.0/24";
    const s = only([cluster("a", nodes)]);
    expect(s.used).toBe(256);
    expect(s.duplicates).toMatchObject([{ range: "10.244.0.0/24", addresses: 256, scope: "same-cluster" }]);
  });

  it("falls back to the CIDR when NC identity fields are missing", () => {
    const s = only([
      cluster("a", [nnc("a0", [nc({ primaryIP: "10.1.0.4", subnetAddressSpace: "10.1.0.0/24" })])]),
      cluster("b", [nnc("b0", [nc({ primaryIP: "10.1.0.5", subnetAddressSpace: "10.1.0.0/24", subnetName: "pods" })])]),
    ]);
    expect(s).toMatchObject({ key: "cidr:10.1.0.0/24", clusters: ["a", "b"], used: 2, name: "pods" });
    expect(s.identity).toBeUndefined();
  });

  it("takes names even when an identity field holds a full path", () => {
    const f = vnetFields("pods", "10.1.0.0/24");
    const s = only([
      cluster("a", [nnc("a0", [nc({ primaryIP: "10.1.0.4", ...f })])]),
      cluster("b", [nnc("b0", [nc({ primaryIP: "10.1.0.5", ...f, vnetID: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet` })])]),
    ]);
    expect(s.clusters).toEqual(["a", "b"]);
  });

  it("counts NNCs and the nodes they belong to", () => {
    const s = only([cluster("c", blockNodes("c", 3, 2, "10.40.0.0", "10.40.0.0/13"), { missingNodes: ["c-vmss000002"], extraNodes: ["virtual-node"] })]);
    expect(s.perCluster).toEqual([{ cluster: "c", nncs: 3, nodes: 2, ncs: 3, used: 96 }]);
  });

  it("maps NC types to modes", () => {
    expect(ncMode({ type: "vnetblock" })).toBe("vnetblock");
    expect(ncMode({ type: "overlay" })).toBe("overlay");
    expect(ncMode({ type: "vnet" })).toBe("dynamic");
    expect(ncMode({ type: "" })).toBe("dynamic");
    expect(ncMode({ type: undefined as unknown as string })).toBe("dynamic");
  });
});

describe("bad data is reported, never thrown", () => {
  it("reports malformed and IPv6 addresses with their holder and does not count them", () => {
    const f = vnetFields("pods", "10.0.0.0/24");
    const s = only([
      cluster("c", [nnc("n0", [nc({ id: "nc-x", primaryIP: "10.0.0.4", ipAssignments: ["10.0.0.256", "garbage", "", "fd00::5", "10.0.0.5"], ...f })])]),
    ]);
    expect(s.used).toBe(2);
    expect(s.problems.map((p) => [p.kind, p.nnc, p.nc, p.field, p.value])).toEqual([
      ["malformed-address", "n0", "nc-x", "ipAssignments[0]", "10.0.0.256"],
      ["malformed-address", "n0", "nc-x", "ipAssignments[1]", "garbage"],
      ["malformed-address", "n0", "nc-x", "ipAssignments[2]", ""],
      ["ipv6-skipped", "n0", "nc-x", "ipAssignments[3]", "fd00::5"],
    ]);
  });

  it("survives values that are not strings at all", () => {
    const f = vnetFields("pods", "10.0.0.0/24");
    const bad = nc({ primaryIP: 42 as unknown as string, ipAssignments: [null as unknown as string], ...f });
    const s = only([cluster("c", [nnc("n0", [bad])])]);
    expect(s.used).toBe(0);
    expect(s.problems.map((p) => p.kind)).toEqual(["malformed-address", "malformed-address"]);
  });

  it("reports addresses outside the subnet and leaves them out of `used`", () => {
    const f = vnetFields("podsubnet", "10.40.0.0/13");
    const s = only([cluster("c", [nnc("n0", [nc({ type: "vnetblock", primaryIP: "10.40.0.0/28", ipAssignments: ["10.48.0.0/28", "10.39.255.240/28"], ...f })])])]);
    expect(s.used).toBe(16);
    expect(s.outsideAddresses).toBe(32);
    expect(s.problems.map((p) => [p.kind, p.field, p.addresses])).toEqual([
      ["outside-subnet", "ipAssignments[0]", 16],
      ["outside-subnet", "ipAssignments[1]", 16],
    ]);
  });

  it("counts only the inside part of a range that straddles the subnet edge", () => {
    const s = only([cluster("c", [nnc("n0", [nc({ primaryIP: "10.0.0.0/23", ...vnetFields("s", "10.0.1.0/24") })])])]);
    expect(s).toMatchObject({ used: 256, outsideAddresses: 256 });
  });

  it("counts a block with host bits set as its masked block and notes it", () => {
    const s = only([cluster("c", [nnc("n0", [nc({ type: "vnetblock", primaryIP: "10.224.0.4/28", ...vnetFields("s", "10.224.0.0/14") })])])]);
    expect(s.used).toBe(16);
    expect(s.problems.map((p) => p.kind)).toEqual(["host-bits-set"]);
  });

  it("reports NCs that name no subnet at the top level", () => {
    const r = accountSubnets([
      cluster("c", [
        nnc("n0", [nc({ id: "nc-lost", primaryIP: "10.0.0.4" })]),
        nnc("n1", [nc({ id: "nc-bad", primaryIP: "10.0.0.5", subnetAddressSpace: "10.0.0.0/40" })]),
        nnc("n2", [nc({ id: "nc-ov", type: "overlay", primaryIP: "10.244.0.0/24" })]),
      ]),
    ]);
    expect(r.subnets).toEqual([]);
    expect(r.problems.map((p) => [p.kind, p.nc])).toEqual([
      ["no-subnet", "nc-lost"],
      ["malformed-subnet", "nc-bad"],
      ["no-subnet", "nc-bad"],
      ["no-subnet", "nc-ov"],
    ]);
  });

  it("uses the identity's CIDR when one NC's subnetAddressSpace is unusable", () => {
    const f = vnetFields("pods", "10.0.0.0/24");
    const r = accountSubnets([cluster("c", [nnc("n0", [nc({ primaryIP: "10.0.0.4", ...f })]), nnc("n1", [nc({ primaryIP: "10.0.0.5", ...f, subnetAddressSpace: "junk" })])])]);
    expect(r.subnets).toHaveLength(1);
    expect(r.subnets[0]!.used).toBe(2);
    expect(r.problems.map((p) => p.kind)).toEqual(["malformed-subnet"]);
  });

  it("reports NCs that disagree on the subnet CIDR, and mixed modes", () => {
    const f = vnetFields("pods", "10.0.0.0/16");
    const s = only([
      cluster("c", [
        nnc("n0", [nc({ primaryIP: "10.0.0.4", ...f })]),
        nnc("n1", [nc({ primaryIP: "10.0.0.5", ...f })]),
        nnc("n2", [nc({ type: "vnetblock", primaryIP: "10.0.1.0/28", ...f, subnetAddressSpace: "10.0.0.0/17" })]),
        nnc("n3", [nc({ type: "weird", primaryIP: "10.0.0.6", ...f })]),
      ]),
    ]);
    expect(s).toMatchObject({ cidr: "10.0.0.0/16", mode: "dynamic", used: 19 });
    expect(s.problems.map((p) => p.kind)).toEqual(["cidr-mismatch", "mixed-modes", "unknown-nc-type"]);
  });

  it("takes the CIDR that contains the others when NCs disagree (a resize), so the new part's addresses count", () => {
    // /24 grown to /23: two NCs still say /24, the new node's NC says /23 and holds addresses in the new half.
    const f = vnetFields("pods", "10.0.0.0/24");
    const s = only([
      cluster("c", [
        nnc("n0", [nc({ primaryIP: "10.0.0.4", ...f })]),
        nnc("n1", [nc({ primaryIP: "10.0.0.5", ...f })]),
        nnc("n2", [nc({ primaryIP: "10.0.1.4", ipAssignments: ["10.0.1.5", "10.0.1.6"], ...f, subnetAddressSpace: "10.0.0.0/23" })]),
      ]),
    ]);
    expect(s).toMatchObject({ cidr: "10.0.0.0/23", capacity: 507, used: 5, outsideAddresses: 0 });
    expect(s.problems.map((p) => [p.kind, p.nnc])).toEqual([
      ["cidr-mismatch", "n0"],
      ["cidr-mismatch", "n1"],
    ]);
    expect(s.problems[0]!.message).toContain("other NCs say 10.0.0.0/23, which contains it");
  });

  it("reports an NC without a primary address", () => {
    const s = only([cluster("c", [nnc("n0", [nc({ ipAssignments: ["10.0.0.5"], ...vnetFields("s", "10.0.0.0/24") })])])]);
    expect(s.used).toBe(1);
    expect(s.problems.map((p) => p.kind)).toEqual(["missing-primary"]);
  });

  it("uses the later of two snapshots of one cluster instead of double counting", () => {
    const old = cluster("c", dynamicNodes("c", 1, 16, "10.0.0.4", "10.0.0.0/24"), { takenAt: new Date("2026-01-01T00:00:00Z") });
    const fresh = cluster("c", dynamicNodes("c", 1, 32, "10.0.0.4", "10.0.0.0/24"), { takenAt: new Date("2026-01-01T01:00:00Z") });
    const r = accountSubnets([fresh, old]);
    expect(r.subnets[0]).toMatchObject({ used: 33 });
    expect(r.subnets[0]!.duplicates).toEqual([]);
    expect(r.problems.map((p) => p.kind)).toEqual(["duplicate-snapshot"]);
  });

  it("accounts nothing for an empty fleet", () => {
    expect(accountSubnets([])).toEqual({ subnets: [], problems: [] });
  });
});

describe("scale", () => {
  it("accounts 100 clusters × 250 nodes × 16 blocks (400,000 ranges) on one shared /8", () => {
    const clusters: ClusterSnapshot[] = [];
    for (let c = 0; c < 100; c++) {
      const name = `c${c.toString().padStart(3, "0")}`;
      // each cluster takes 250 × 256 = 64,000 addresses, clusters packed back to back
      clusters.push(cluster(name, blockNodes(name, 250, 16, addr("10.0.0.0", c * 64000), "10.0.0.0/8")));
    }
    const t0 = performance.now();
    const r = accountSubnets(clusters);
    const ms = performance.now() - t0;
    expect(r.subnets).toHaveLength(1);
    const s = r.subnets[0]!;
    expect(s.used).toBe(6_400_000);
    expect(s.capacity).toBe(16777211);
    expect(s.clusters).toHaveLength(100);
    expect(s.duplicates).toEqual([]);
    expect(s.problems).toEqual([]);
    expect(s.perCluster.every((p) => p.used === 64000 && p.nodes === 250)).toBe(true);
    // not an assertion: speed is measured by the benchmark
    console.info(`accountSubnets: 400,000 ranges in ${ms.toFixed(0)} ms`);
  });
});

describe("toSubnetUsage", () => {
  it("renders the contract row with forecast and headroom", () => {
    const s = only([cluster("prod", [seedNnc()])]);
    const u = toSubnetUsage(s, {
      forecast: { exhaustionAt: new Date("2026-02-01T00:00:00Z") },
      headroom: { projectedAtMax: 4096, note: "2 pools" },
    });
    expect(u).toEqual({
      key: s.key,
      cidr: "10.40.0.0/13",
      name: "podsubnet",
      mode: "vnetblock",
      clusters: ["prod"],
      capacity: 524283,
      used: 256,
      utilization: s.utilization,
      forecastExhaustionAt: "2026-02-01T00:00:00.000Z",
      projectedAtMax: 4096,
      headroomNote: "2 pools",
    });
    expect(toSubnetUsage(s, { forecast: { exhaustionAt: null, note: "not enough history" } })).toMatchObject({
      forecastExhaustionAt: null,
      forecastNote: "not enough history",
    });
  });
});
