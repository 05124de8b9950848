// DRF001–DRF004: the fleet baseline (policy first, else the most common value) and agreement with ARM.
import { describe, expect, it } from "vitest";
import type { ArmCluster } from "../../src/model/snapshot.js";
import drf001 from "../../src/rules/drf/drf001-cns-version.js";
import drf002 from "../../src/rules/drf/drf002-cns-config.js";
import drf003 from "../../src/rules/drf/drf003-ipam-mode.js";
import drf004 from "../../src/rules/drf/drf004-overlay-pod-cidr.js";
import type { Policy } from "../../src/policy/policy.js";
import type { Rule } from "../../src/rules/rule.js";
import { context, view } from "../fixtures/builders.js";
import { CONFIG, healthy, nc } from "./cns-fixtures.js";

const img = (v: string) => `mcr.microsoft.com/containernetworking/azure-cns:${v}`;
const run = (rule: Rule, snaps: ReturnType<typeof healthy>[], policy: Policy = {}) => [...rule.check(context(snaps.map((s) => view(s)), { policy }))];
const arm = (over: Partial<ArmCluster> = {}): ArmCluster => ({
  id: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a",
  name: "a",
  subscriptionId: "s1",
  resourceGroup: "rg",
  aad: true,
  networkPlugin: "azure",
  pools: [{ name: "nodepool1", podSubnetID: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pods", podIPAllocationMode: "StaticBlock" }],
  ...over,
});

describe("DRF001 CNS version vs the fleet baseline", () => {
  const fleet = () => [healthy("a", 1, { image: img("v1.6.25") }), healthy("b", 1, { image: img("v1.6.25") }), healthy("c", 1, { image: img("v1.6.24") })];

  it("flags the cluster that differs from the most common version, as info", () => {
    expect(run(drf001, fleet())).toEqual([expect.objectContaining({ cluster: "c", severity: "info", message: "azure-cns v1.6.24 differs from the fleet's most common version (2 of 3 clusters) v1.6.25." })]);
  });
  it("uses the policy's baseline and minimum: below the minimum is a warning", () => {
    const r = run(drf001, fleet(), { baseline: { cnsVersion: "v1.6.24", minCnsVersion: "v1.6.0" } });
    expect(r.map((f) => [f.cluster, f.severity])).toEqual([["a", "info"], ["b", "info"]]);
    const low = run(drf001, fleet(), { baseline: { minCnsVersion: "1.6.25" } });
    expect(low).toEqual([expect.objectContaining({ cluster: "c", severity: "warning", message: "azure-cns v1.6.24 is older than the policy minimum 1.6.25." })]);
  });
  it("compares dev tags numerically and breaks a tie towards the newest", () => {
    const r = run(drf001, [healthy("a", 1, { image: img("v1.4.26-9-gc40fb852") }), healthy("b", 1, { image: img("v1.4.26") })], { baseline: { minCnsVersion: "v1.4.26" } });
    expect(r).toEqual([expect.objectContaining({ cluster: "b", severity: "info", message: expect.stringContaining("v1.4.26-9-gc40fb852") })]);
  });
  it("is quiet when every cluster runs the same version", () => {
    expect(run(drf001, [healthy("a"), healthy("b")])).toEqual([]);
  });
});

describe("DRF002 cns_config.json vs the baseline", () => {
  it("flags a watched key that differs from the most common value of the same mode", () => {
    const odd = healthy("c", 1, { config: { ...CONFIG, EnableSubnetScarcity: true } });
    const [f, ...rest] = run(drf002, [healthy("a", 1), healthy("b", 1), odd]);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ cluster: "c", severity: "warning", resource: "cluster/c", message: expect.stringContaining("EnableSubnetScarcity true (expected false, fleet 2/3)") });
  });
  it("compares clusters only with clusters of the same IPAM mode", () => {
    const ovl = (n: string) => healthy(n, 1, { type: "overlay", config: { ...CONFIG, CNIConflistScenario: "v4overlay" } });
    const blk = (n: string) => healthy(n, 1, { config: { ...CONFIG, CNIConflistScenario: "swift" } });
    expect(run(drf002, [ovl("o1"), ovl("o2"), blk("b1")])).toEqual([]);
  });
  it("uses the policy's baseline, and notices a key that is absent", () => {
    const { EnableIPAMv2: _, ...noIpamV2 } = CONFIG;
    const r = run(drf002, [healthy("a", 1), healthy("b", 1, { config: noIpamV2 })], { baseline: { cnsConfig: { ChannelMode: "CRD", EnableIPAMv2: true } } });
    expect(r).toEqual([expect.objectContaining({ cluster: "b", message: expect.stringContaining("EnableIPAMv2 absent (expected true, policy)") })]);
  });
  it("keeps \"absent\" as the baseline: flags a minority that sets the key", () => {
    const d = healthy("d", 1, { config: { ...CONFIG, EnableAPIServerHealthPing: true } });
    expect(run(drf002, [healthy("a", 1), healthy("b", 1), healthy("c", 1), d])).toEqual([
      expect.objectContaining({ cluster: "d", message: expect.stringContaining("EnableAPIServerHealthPing true (expected absent, fleet 3/4)") }),
    ]);
  });
  it("says nothing when the fleet is split evenly and the policy is silent", () => {
    expect(run(drf002, [healthy("a", 1), healthy("b", 1, { config: { ...CONFIG, EnableIPAMv2: false } })])).toEqual([]);
  });
  it("is not applicable without cns-config", () => {
    const s = healthy("a");
    s.cns.config = null;
    expect(drf002.applies!(view(s), context([view(s)]))).toBe("cns-config not read");
  });
});

describe("DRF003 IPAM mode agreement", () => {
  it("flags nodes whose NC type disagrees with the podnetwork-type label", () => {
    const s = healthy("a", 3);
    s.nodes[1]!.labels["kubernetes.azure.com/podnetwork-type"] = "vnet";
    expect(run(drf003, [s])).toEqual([expect.objectContaining({ severity: "warning", discriminator: "label", message: expect.stringContaining("n2 (NC vnetblock, label vnet)") })]);
  });
  it("flags a pool whose NC type is not the mode ARM gives it", () => {
    const s = healthy("a", 2);
    for (const n of s.nodes) n.labels["kubernetes.azure.com/agentpool"] = "nodepool1";
    s.arm = arm({ pools: [{ name: "nodepool1", podSubnetID: "/subscriptions/s1/x/subnets/pods" }] }); // dynamic in ARM
    expect(run(drf003, [s])).toEqual([expect.objectContaining({ discriminator: "pool/nodepool1", message: expect.stringContaining("agent pool nodepool1 is dynamic in ARM, but 2 of its 2 node(s) hold vnetblock NCs") })]);
  });
  it("agrees when NC type, label and ARM say the same (static block, overlay)", () => {
    const blk = healthy("a", 2);
    for (const n of blk.nodes) n.labels["kubernetes.azure.com/agentpool"] = "nodepool1";
    blk.arm = arm();
    const ovl = healthy("o", 2, { type: "overlay" });
    for (const n of ovl.nodes) n.labels["kubernetes.azure.com/agentpool"] = "nodepool1";
    ovl.arm = arm({ name: "o", networkPluginMode: "overlay", podCidr: "10.244.0.0/16", pools: [{ name: "nodepool1" }] });
    expect(run(drf003, [blk, ovl])).toEqual([]);
  });
  it("is not applicable without ARM data and without labels", () => {
    const s = healthy("a");
    for (const n of s.nodes) delete n.labels["kubernetes.azure.com/podnetwork-type"];
    expect(drf003.applies!(view(s), context([view(s)]))).toMatch(/no ARM data/);
    s.arm = arm();
    expect(drf003.applies!(view(s), context([view(s)]))).toBe(true);
  });
});

describe("DRF004 overlay pod CIDR vs ARM", () => {
  const overlay = (space: string, armCidr: string) => {
    const s = healthy("o", 3, { type: "overlay" });
    for (const n of s.nncs) n.networkContainers = [nc("overlay", { subnetAddressSpace: "10.244.0.0/16" })];
    s.nncs[2]!.networkContainers = [nc("overlay", { subnetAddressSpace: space })];
    s.arm = arm({ name: "o", networkPluginMode: "overlay", podCidr: armCidr, pools: [{ name: "nodepool1" }] });
    return s;
  };
  it("flags NCs whose subnetAddressSpace is not the ARM pod CIDR, and spots an unfinished expansion", () => {
    const [f] = run(drf004, [overlay("10.244.0.0/16", "10.244.0.0/15")]);
    expect(f).toMatchObject({ severity: "warning", resource: "cluster/o", message: expect.stringContaining("10.244.0.0/16 on 3 NNC(s) (inside the ARM CIDR: the expansion has not reached them)") });
    expect(run(drf004, [overlay("192.168.0.0/16", "10.244.0.0/16")])[0]!.message).toContain("192.168.0.0/16 on 1 NNC(s)");
  });
  it("is quiet when they agree, and not applicable without ARM data", () => {
    expect(run(drf004, [overlay("10.244.0.0/16", "10.244.0.0/16")])).toEqual([]);
    const noArm = overlay("192.168.0.0/16", "10.244.0.0/16");
    delete noArm.arm;
    expect(run(drf004, [noArm])).toEqual([]);
    expect(drf004.applies!(view(noArm), context([view(noArm)]))).toBe("no ARM data");
  });
  it("compares dual stack within each address family: the IPv6 NC against ARM's IPv6 pod CIDR", () => {
    const dualStack = (v6: string, armV6: string) => {
      const s = overlay("10.244.0.0/16", "10.244.0.0/16");
      for (const n of s.nncs) n.networkContainers.push(nc("overlay", { id: "nc-6", primaryIP: "fd12:3456:789a:0:1::/80", subnetAddressSpace: v6 }));
      s.arm!.podCidrs = ["10.244.0.0/16", armV6];
      return s;
    };
    expect(run(drf004, [dualStack("fd12:3456:789a::/64", "fd12:3456:789a::/64")])).toEqual([]);
    // Written another way, the same network.
    expect(run(drf004, [dualStack("fd12:3456:789a:0::/64", "FD12:3456:789A::/64")])).toEqual([]);
    const [f] = run(drf004, [dualStack("fd99::/64", "fd12:3456:789a::/64")]);
    expect(f?.message).toBe("ARM says the pod CIDR is 10.244.0.0/16, fd12:3456:789a::/64, but 3 overlay NC(s) carry another subnetAddressSpace: fd99::/64 on 3 NNC(s).");
    // ARM without an IPv6 pod CIDR has nothing to compare the IPv6 NC with.
    const v4Only = dualStack("fd12:3456:789a::/64", "fd12:3456:789a::/64");
    delete v4Only.arm!.podCidrs;
    expect(run(drf004, [v4Only])).toEqual([]);
  });
});
