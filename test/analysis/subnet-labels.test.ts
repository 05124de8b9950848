// Subnet labels: unique ones stay CIDR (name); those that would read the same get what tells them apart.
import { describe, expect, it } from "vitest";
import { subnetLabels } from "../../src/analysis/subnet-labels.js";
import { subnetKey } from "../../src/analysis/subnet-keys.js";

const arm = (vnet: string, resourceGroup = "rg-net", subscription = "sub-1") => subnetKey({ subscription, resourceGroup, vnet, subnet: "podsubnet" });
const vnetSubnet = (key: string, cidr = "10.40.0.0/13") => ({ key, cidr, name: "podsubnet", mode: "vnetblock", clusters: ["c"] });
const overlay = (cluster: string, cidr = "10.244.0.0/16") => ({ key: `overlay:${cluster}:${cidr}`, cidr, name: "routingdomain_0000_overlaysubnet", mode: "overlay", clusters: [cluster] });

describe("subnetLabels", () => {
  it("leaves unique labels as CIDR (name), an overlay pod CIDR as its CIDR", () => {
    const labels = subnetLabels([vnetSubnet(arm("vnet-a")), vnetSubnet(arm("vnet-b"), "10.41.0.0/16"), overlay("aks-a")]);
    expect([...labels.values()]).toEqual(["10.40.0.0/13 (podsubnet)", "10.41.0.0/16 (podsubnet)", "10.244.0.0/16"]);
  });

  it("adds the VNet where CIDR and name repeat, and resource group or subscription only when the VNet repeats too", () => {
    const labels = subnetLabels([vnetSubnet(arm("vnet-a")), vnetSubnet(arm("vnet-b")), vnetSubnet(arm("vnet-c", "rg-1")), vnetSubnet(arm("vnet-c", "rg-2"))]);
    expect([...labels.values()]).toEqual([
      "10.40.0.0/13 (podsubnet, vnet-a)",
      "10.40.0.0/13 (podsubnet, vnet-b)",
      "10.40.0.0/13 (podsubnet, vnet-c, resource group rg-1)",
      "10.40.0.0/13 (podsubnet, vnet-c, resource group rg-2)",
    ]);
    const twoSubs = subnetLabels([vnetSubnet(arm("vnet-a", "rg", "s1")), vnetSubnet(arm("vnet-a", "rg", "s2")), vnetSubnet(arm("vnet-z"), "10.1.0.0/24")]);
    expect([...twoSubs.values()]).toEqual(["10.40.0.0/13 (podsubnet, vnet-a, resource group rg, subscription s1)", "10.40.0.0/13 (podsubnet, vnet-a, resource group rg, subscription s2)", "10.1.0.0/24 (podsubnet)"]);
    expect([...subnetLabels([vnetSubnet(arm("vnet-a")), vnetSubnet(arm("vnet-b"))]).values()]).toEqual(["10.40.0.0/13 (podsubnet, vnet-a)", "10.40.0.0/13 (podsubnet, vnet-b)"]);
  });

  it("tells overlay clusters with the same pod CIDR apart by cluster, and a subnet known only by CIDR from one with an ARM id", () => {
    expect([...subnetLabels([overlay("aks-a"), overlay("aks-b"), overlay("aks-c", "10.245.0.0/16")]).values()]).toEqual(["10.244.0.0/16 (overlay of aks-a)", "10.244.0.0/16 (overlay of aks-b)", "10.245.0.0/16"]);
    expect([...subnetLabels([vnetSubnet(arm("vnet-a")), vnetSubnet("cidr:10.40.0.0/13")]).values()]).toEqual(["10.40.0.0/13 (podsubnet, vnet-a)", "10.40.0.0/13 (podsubnet, VNet unknown)"]);
  });
});

describe("subnetLabels at fleet scale", () => {
  it("gives 5,000 subnets of one CIDR and name unique labels, each with as few distinctions as it needs", () => {
    // 4,500 VNets of their own (the VNet tells them apart) and 500 VNets of one name in 50 resource groups
    // × 10 subscriptions (all three distinctions needed).
    const own = Array.from({ length: 4500 }, (_, i) => vnetSubnet(arm(`vnet-${i}`)));
    const shared = Array.from({ length: 500 }, (_, i) => vnetSubnet(arm("vnet-shared", `rg-${i % 50}`, `sub-${Math.floor(i / 50)}`)));
    const labels = subnetLabels([...own, ...shared]);
    expect(labels.size).toBe(5000);
    expect(new Set(labels.values()).size).toBe(5000);
    expect(labels.get(own[0]!.key)).toBe("10.40.0.0/13 (podsubnet, vnet-0)");
    expect(labels.get(shared[123]!.key)).toBe("10.40.0.0/13 (podsubnet, vnet-shared, resource group rg-23, subscription sub-2)");
  });
});
