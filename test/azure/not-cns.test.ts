// Clusters whose ARM network profile already says they run no CNS (kubenet, no plugin) are recorded
// not-cns without being connected to: a private or locked-down one is no SCN001/SCN002 critical.
// Node-subnet Azure CNI in every pool is connected to (its nodes holding NCs is DRF003's drift), and is
// not-cns with ARM's reason only when that fails. ARM data that says CNS, or cannot say, is scanned as before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { armNoCnsReason, armNodeSubnetReason } from "../../src/model/arm-ipam.js";
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
      // Node-subnet per ARM, but its one pool's nodes hold NCs: DRF003's disagreement, so it must be read.
      { name: "aks-halfway", mode: "dynamic", nodes: 2, azure: { pool: { podSubnetID: null } } },
      { name: "aks-mixed-private", mode: "dynamic", nodes: 1, azure: { privateCluster: true, extraPools: [{ name: "legacy", count: 1, vnetSubnetID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes" }] } },
    ],
  });
});

afterAll(async () => {
  await fx?.close();
});

describe("a cluster ARM says runs no CNS", () => {
  it("is not-cns, with ARM's reason; a kubenet one's cluster and credentials are not asked for, a node-subnet one is read", async () => {
    const targets = await discoverFleet({ ...fx.settings, subscriptions: [SUB_A] });
    fx.az.arm.requests.length = 0;
    const store = new MemorySnapshotStore();
    const { clusters, evaluation } = await runScan(targets, store, { ...SCAN, scanId: newScanId() });
    const status = Object.fromEntries(clusters.map((c) => [c.cluster, c.status]));
    expect(status).toEqual({ "aks-cns": "ok", "aks-kubenet-rbac": "not-cns", "aks-kubenet-private": "not-cns", "aks-nodesubnet-private": "not-cns", "aks-halfway": "ok", "aks-mixed-private": "unreachable" });
    const reason = (name: string) => clusters.find((c) => c.cluster === name)!.reason;
    expect(reason("aks-kubenet-rbac")).toBe("not scanned: it does not run Azure CNI with CNS as IPAM, per ARM networkProfile: networkPlugin kubenet");
    // Connected to, as node-subnet clusters were before; its failure to answer is ARM's not-cns, not a page.
    expect(reason("aks-nodesubnet-private")).toMatch(
      /^not scanned: it does not run Azure CNI with CNS as IPAM, per ARM networkProfile: networkPlugin azure without overlay, and no agent pool has a podSubnetID \(node-subnet CNI, no NodeNetworkConfigs\); connecting failed: .+/,
    );
    expect(fx.az.arm.requests.some((r) => r.path.includes("/aks-nodesubnet-private/"))).toBe(true);
    for (const name of ["aks-kubenet-rbac", "aks-kubenet-private"]) {
      expect(fx.az.fleet.cluster(name).requests, name).toHaveLength(0);
      expect(fx.az.arm.requests.filter((r) => r.path.includes(`/${name}/`)), name).toEqual([]);
    }
    // Recorded and skipped (SCN003, info), not failed.
    const drf = evaluation.findings.filter((f) => f.rule === "DRF003" && f.cluster === "aks-halfway");
    expect(drf.map((f) => f.message)).toEqual([expect.stringMatching(/^agent pool \S+ is node-subnet CNI \(no pod subnet\) in ARM, but 2 of its 2 node\(s\) hold dynamic NCs/)]);
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

  it("says no CNS for kubenet and none only: node-subnet Azure CNI is connected to", () => {
    expect(armNoCnsReason(arm({ networkPlugin: "kubenet" }))).toMatch(/networkPlugin kubenet$/);
    expect(armNoCnsReason(arm({ networkPlugin: "none" }))).toMatch(/networkPlugin none$/);
    expect(armNoCnsReason(arm({ networkPlugin: "azure", pools: [{ name: "p1" }, { name: "p2" }] }))).toBeUndefined();
    expect(armNodeSubnetReason(arm({ networkPlugin: "azure", pools: [{ name: "p1" }, { name: "p2" }] }))).toMatch(/no agent pool has a podSubnetID/);
    expect(armNodeSubnetReason(arm({ networkPlugin: "azure", pools: [{ name: "p1" }, { name: "p2", podSubnetID: "/sub/pods" }] }))).toBeUndefined();
    expect(armNodeSubnetReason(arm({ networkPlugin: "azure", networkPluginMode: "overlay" }))).toBeUndefined();
    expect(armNodeSubnetReason(arm({ networkPlugin: "kubenet" }))).toBeUndefined();
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
