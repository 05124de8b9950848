// Clusters whose ARM network profile and agent pools already say they run no CNS (kubenet, no plugin,
// node-subnet Azure CNI in every pool) are recorded not-cns without being connected to: a private or
// locked-down one is no SCN001/SCN002 critical. ARM data that says CNS, or cannot say, is scanned as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { armNoCnsReason } from "../../src/model/arm-ipam.js";
import { newScanId } from "../../src/model/scan-id.js";
import type { ArmCluster } from "../../src/model/snapshot.js";
import { runScan } from "../../src/scan.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
const SCAN = { requestTimeoutMs: 3000, clusterDeadlineMs: 15_000 };
const FORBIDDEN = { kind: "status" as const, code: 403, message: 'nodenetworkconfigs.acn.azure.com is forbidden: User "x" cannot list resource' };

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A }],
    clusters: [
      { name: "aks-cns", mode: "overlay", nodes: 1 },
      { name: "aks-kubenet-rbac", mode: "kubenet", nodes: 1, azure: { aad: true }, faults: [FORBIDDEN] },
      { name: "aks-kubenet-private", mode: "kubenet", nodes: 1, azure: { privateCluster: true } },
      // Azure CNI on the node subnet: networkPlugin azure, no overlay, no pool with a pod subnet.
      { name: "aks-nodesubnet-private", mode: "kubenet", nodes: 1, azure: { privateCluster: true, networkProfile: { networkPlugin: "azure", podCidr: undefined, podCidrs: undefined } } },
      // One pool on a pod subnet is enough for CNS, whatever the other pools are.
      { name: "aks-mixed-private", mode: "dynamic", nodes: 1, azure: { privateCluster: true, extraPools: [{ name: "legacy", count: 1, vnetSubnetID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes" }] } },
    ],
  });
});

afterAll(async () => {
  await fx?.close();
});

describe("a cluster ARM says runs no CNS", () => {
  it("is not-cns, with ARM's reason, and neither the cluster nor its credentials are asked for", async () => {
    const targets = await discoverFleet({ ...fx.settings, subscriptions: [SUB_A] });
    fx.az.arm.requests.length = 0;
    const store = new MemorySnapshotStore();
    const { clusters, evaluation } = await runScan(targets, store, { ...SCAN, scanId: newScanId() });
    const status = Object.fromEntries(clusters.map((c) => [c.cluster, c.status]));
    expect(status).toEqual({ "aks-cns": "ok", "aks-kubenet-rbac": "not-cns", "aks-kubenet-private": "not-cns", "aks-nodesubnet-private": "not-cns", "aks-mixed-private": "unreachable" });
    const reason = (name: string) => clusters.find((c) => c.cluster === name)!.reason;
    expect(reason("aks-kubenet-rbac")).toBe("not scanned: it does not run Azure CNI with CNS as IPAM, per ARM networkProfile: networkPlugin kubenet");
    expect(reason("aks-nodesubnet-private")).toBe(
      "not scanned: it does not run Azure CNI with CNS as IPAM, per ARM networkProfile: networkPlugin azure without overlay, and no agent pool has a podSubnetID (node-subnet CNI, no NodeNetworkConfigs)",
    );
    for (const name of ["aks-kubenet-rbac", "aks-kubenet-private", "aks-nodesubnet-private"]) {
      expect(fx.az.fleet.cluster(name).requests, name).toHaveLength(0);
      expect(fx.az.arm.requests.filter((r) => r.path.includes(`/${name}/`)), name).toEqual([]);
    }
    // Recorded and skipped (SCN003, info), not failed.
    const scn = evaluation.findings.filter((f) => f.rule.startsWith("SCN") && f.cluster !== "aks-mixed-private");
    expect(scn.map((f) => `${f.rule} ${f.severity} ${f.cluster}`).sort()).toEqual(["SCN003 info aks-kubenet-private", "SCN003 info aks-kubenet-rbac", "SCN003 info aks-nodesubnet-private"]);
  });

  it("keeps ARM's data in the snapshot", async () => {
    const t = (await discoverFleet({ ...fx.settings, subscriptions: [SUB_A] })).find((x) => x.name === "aks-kubenet-private")!;
    const snap = await collectCluster(t, { ...SCAN, scanId: newScanId() });
    expect(snap).toMatchObject({ status: "not-cns", nodes: [], nncs: [] });
    expect(snap.arm).toMatchObject({ name: "aks-kubenet-private", networkPlugin: "kubenet" });
  });
});

describe("armNoCnsReason", () => {
  const arm = (over: Partial<ArmCluster>): ArmCluster => ({ id: "/x", name: "c", subscriptionId: "s", resourceGroup: "rg", aad: false, pools: [{ name: "p1" }], ...over });

  it("says no CNS for kubenet and none, and for Azure CNI without overlay or a pod subnet in any pool", () => {
    expect(armNoCnsReason(arm({ networkPlugin: "kubenet" }))).toMatch(/networkPlugin kubenet$/);
    expect(armNoCnsReason(arm({ networkPlugin: "none" }))).toMatch(/networkPlugin none$/);
    expect(armNoCnsReason(arm({ networkPlugin: "azure", pools: [{ name: "p1" }, { name: "p2" }] }))).toMatch(/no agent pool has a podSubnetID/);
  });

  it("says nothing where ARM says CNS or is not complete enough to say", () => {
    expect(armNoCnsReason(arm({ networkPlugin: "azure", networkPluginMode: "overlay" }))).toBeUndefined();
    expect(armNoCnsReason(arm({ networkPlugin: "azure", pools: [{ name: "p1" }, { name: "p2", podSubnetID: "/sub/pods" }] }))).toBeUndefined();
    // No networkProfile, or no agent pools to judge by: connect and see.
    expect(armNoCnsReason(arm({}))).toBeUndefined();
    expect(armNoCnsReason(arm({ networkPlugin: "azure", pools: [] }))).toBeUndefined();
    expect(armNoCnsReason(undefined)).toBeUndefined();
  });
});
