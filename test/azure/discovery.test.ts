// ARM discovery through the real @azure/arm-containerservice and subscriptions SDKs, authenticated by
// the real DefaultAzureCredential against the simulated App Service identity endpoint.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { podSubnetArmId } from "../../src/sim/index.js";
import { type ClusterRef, DiscoveryError, type DiscoveryProblem, discoverFleet, discoverRefs, discoverySettingsFromEnv, parseSubscriptions } from "../../src/sources/discover.js";
import { SUB_A, SUB_B, SUB_C, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
const POD_SUBNET = { name: "pods", cidr: "10.60.0.0/16", vnet: "vnet-a", resourceGroup: "rg-net", subscription: SUB_A };

beforeAll(async () => {
  fx = await withSimAzure({
    pageSize: 3,
    subscriptions: [{ id: SUB_A, displayName: "prod" }, { id: SUB_B, displayName: "dev" }, { id: SUB_C, displayName: "locked" }],
    clusters: [
      { name: "aks-blk-1", mode: "vnetblock", nodes: 1, azure: { subscription: SUB_A, autoscale: { min: 1, max: 20 }, maxSurge: "33%" } },
      { name: "aks-dyn-1", mode: "dynamic", nodes: 1, podSubnet: POD_SUBNET, azure: { subscription: SUB_A, maxSurge: "0", maxUnavailable: "1" } },
      { name: "aks-ovl-1", mode: "overlay", nodes: 1, podCidr: "10.244.0.0/16", azure: { subscription: SUB_A, aad: true } },
      { name: "aks-knet-1", mode: "kubenet", nodes: 1, azure: { subscription: SUB_A } },
      { name: "aks-ovl-2", mode: "overlay", nodes: 1, azure: { subscription: SUB_A } },
      { name: "aks-ovl-3", mode: "overlay", nodes: 1, azure: { subscription: SUB_A } },
      { name: "aks-ovl-4", mode: "overlay", nodes: 1, azure: { subscription: SUB_A } },
      { name: "dev-1", mode: "overlay", nodes: 1, azure: { subscription: SUB_B, resourceGroup: "rg-dev" } },
      { name: "dev-1x", mode: "overlay", nodes: 1, azure: { subscription: SUB_B, resourceGroup: "rg-dev2" } },
      { name: "locked-1", mode: "overlay", nodes: 1, azure: { subscription: SUB_C } },
    ],
  });
});

afterAll(async () => {
  await fx?.close();
});

const armRefs = (refs: ClusterRef[]) => refs.filter((r): r is Extract<ClusterRef, { kind: "arm" }> => r.kind === "arm");

describe("ARM discovery", () => {
  it("lists every cluster of every readable subscription, following nextLink across pages", async () => {
    fx.az.arm.requests.length = 0;
    const refs = armRefs(await discoverRefs({ ...fx.settings, subscriptions: [SUB_A, SUB_B] }));
    expect(refs.map((r) => r.name).sort()).toEqual(["aks-blk-1", "aks-dyn-1", "aks-knet-1", "aks-ovl-1", "aks-ovl-2", "aks-ovl-3", "aks-ovl-4", "dev-1", "dev-1x"]);
    const subAPages = fx.az.arm.requests.filter((r) => r.path.startsWith(`/subscriptions/${SUB_A}/providers/Microsoft.ContainerService/managedClusters`));
    expect(subAPages.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(subAPages.every((r) => r.path.includes("api-version=2026-04-01"))).toBe(true);
    expect(subAPages.filter((r) => r.path.includes("$skipToken")).length).toBe(2);
  });

  it("maps network profile and agent pools into the model's ArmCluster", async () => {
    const refs = armRefs(await discoverRefs({ ...fx.settings, subscriptions: [SUB_A] }));
    const blk = refs.find((r) => r.name === "aks-blk-1")!.arm!;
    expect(blk).toMatchObject({ name: "aks-blk-1", subscriptionId: SUB_A, networkPlugin: "azure", aad: false, kubernetesVersion: "1.30.6" });
    expect(blk.id).toBe(fx.az.managedCluster("aks-blk-1").id);
    const pod = fx.az.fleet.cluster("aks-blk-1").state.profile.podSubnet!;
    expect(blk.pools).toEqual([
      expect.objectContaining({ name: "nodepool1", count: 1, minCount: 1, maxCount: 20, enableAutoScaling: true, maxPods: 250, podSubnetID: podSubnetArmId(pod), podIPAllocationMode: "StaticBlock", maxSurge: "33%", mode: "System", osType: "Linux" }),
    ]);
    const dyn = refs.find((r) => r.name === "aks-dyn-1")!.arm!;
    // maxSurge 0 with maxUnavailable: upgrades drain in place (IPX003 counts no surge node).
    expect(dyn.pools[0]).toMatchObject({ podSubnetID: podSubnetArmId(POD_SUBNET), podIPAllocationMode: "DynamicIndividual", enableAutoScaling: false, maxSurge: "0", maxUnavailable: "1" });
    const ovl = refs.find((r) => r.name === "aks-ovl-1")!.arm!;
    expect(ovl).toMatchObject({ aad: true, networkPluginMode: "overlay", podCidr: "10.244.0.0/16", podCidrs: ["10.244.0.0/16"], serviceCidr: "10.0.0.0/16" });
    expect(ovl.pools[0]!.podSubnetID).toBeUndefined();
    // kubenet is listed too: the collector classifies it not-cns.
    expect(refs.find((r) => r.name === "aks-knet-1")!.arm!.networkPlugin).toBe("kubenet");
  });

  it("names clusters that share an ARM name apart by resource group", async () => {
    // The simulator names clusters uniquely, so this is checked on ARM data directly.
    const { fleetNames } = await import("../../src/sources/azure/managed-clusters.js");
    const base = { subscriptionId: SUB_B, aad: false, pools: [] };
    expect(
      fleetNames([
        { ...base, id: "a", name: "web", resourceGroup: "rg-1" },
        { ...base, id: "b", name: "web", resourceGroup: "rg-2" },
        { ...base, id: "c", name: "api", resourceGroup: "rg-1" },
        { ...base, id: "d", name: "api", resourceGroup: "rg-1", subscriptionId: SUB_A },
      ]),
    ).toEqual(["rg-1/web", "rg-2/web", `${SUB_B}/rg-1/api`, `${SUB_A}/rg-1/api`]);
  });

  it("finds every subscription the identity can read with `all`", async () => {
    const problems: DiscoveryProblem[] = [];
    fx.az.setSubscriptionFault(SUB_C, undefined);
    const refs = armRefs(await discoverRefs({ ...fx.settings, subscriptions: "all" }, { onProblem: (p) => problems.push(p) }));
    expect(problems).toEqual([]);
    expect(refs.map((r) => r.name)).toContain("locked-1");
    expect(refs).toHaveLength(10);
  });

  it("waits out a 429 with Retry-After and then finds the subscription's clusters", async () => {
    fx.az.arm.requests.length = 0;
    fx.az.setSubscriptionFault(SUB_B, { kind: "throttle", retryAfter: 1, times: 1 });
    const refs = armRefs(await discoverRefs({ ...fx.settings, subscriptions: [SUB_B] }));
    expect(refs.map((r) => r.name).sort()).toEqual(["dev-1", "dev-1x"]);
    expect(fx.az.arm.requests.filter((r) => r.path.startsWith(`/subscriptions/${SUB_B}/`)).map((r) => r.status)).toEqual([429, 200]);
  });

  it("reports a subscription that 403s by name and still returns the others' clusters", async () => {
    fx.az.setSubscriptionFault(SUB_C, { kind: "forbidden" });
    const problems: DiscoveryProblem[] = [];
    const refs = armRefs(await discoverRefs({ ...fx.settings, subscriptions: [SUB_A, SUB_C, SUB_B] }, { onProblem: (p) => problems.push(p) }));
    expect(refs).toHaveLength(9);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.source).toBe(`subscription ${SUB_C}`);
    expect(problems[0]!.message).toMatch(/^listing AKS clusters: 403 AuthorizationFailed: The client '.*' .*does not have authorization to perform action 'Microsoft.ContainerService\/managedClusters\/read'/);
  });

  it("fails loudly when every subscription fails", async () => {
    fx.az.setSubscriptionFault(SUB_C, { kind: "forbidden" });
    const err = await discoverRefs({ ...fx.settings, subscriptions: [SUB_C] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryError);
    expect((err as Error).message).toContain(`subscription ${SUB_C}: listing AKS clusters: 403 AuthorizationFailed`);
  });

  it("gives up on a subscription that stays throttled, naming it", async () => {
    fx.az.setSubscriptionFault(SUB_B, { kind: "throttle", retryAfter: 0, times: 100 });
    const problems: DiscoveryProblem[] = [];
    const refs = armRefs(await discoverRefs({ ...fx.settings, armMaxRetries: 1, subscriptions: [SUB_A, SUB_B] }, { onProblem: (p) => problems.push(p) }));
    fx.az.setSubscriptionFault(SUB_B, undefined);
    expect(refs).toHaveLength(7);
    expect(problems.map((p) => p.source)).toEqual([`subscription ${SUB_B}`]);
    expect(problems[0]!.message).toContain("429 SubscriptionRequestsThrottled");
  });

  it("gives up on a subscription whose ARM calls are never answered, naming it, and returns the others' clusters", async () => {
    fx.az.setSubscriptionFault(SUB_B, { kind: "hang" });
    const problems: DiscoveryProblem[] = [];
    try {
      // Long enough for the answering subscription on a busy machine; the hung one waits it out.
      const refs = armRefs(await discoverRefs({ ...fx.settings, armRequestTimeoutMs: 2000, armMaxRetries: 0, subscriptions: [SUB_A, SUB_B] }, { onProblem: (p) => problems.push(p) }));
      expect(refs).toHaveLength(7);
    } finally {
      fx.az.setSubscriptionFault(SUB_B, undefined);
    }
    expect(problems.map((p) => p.source)).toEqual([`subscription ${SUB_B}`]);
    expect(problems[0]!.message).toMatch(/^listing AKS clusters: 127\.0\.0\.1:\d+ did not answer within 2 s$/);
  });

  it("says the Azure identity got no token, in the words Key Vault entries use, wherever ARM is asked", async () => {
    // A user-assigned identity the endpoint does not know: DefaultAzureCredential's chain fails before ARM is asked.
    const lost = { ...fx.settings, managedIdentityClientId: "0badc0de-0000-4000-8000-000000000000" };
    const noToken = /: no token from the Azure identity \(AggregateAuthenticationError: ManagedIdentityCredential: .*No User Assigned or Delegated Managed Identity found/;
    const listing = await discoverRefs({ ...lost, subscriptions: [SUB_A] }).catch((e: unknown) => e);
    expect(listing).toBeInstanceOf(DiscoveryError);
    expect((listing as Error).message).toMatch(new RegExp(`^subscription ${SUB_A}: listing AKS clusters${noToken.source}`));
    const all = await discoverRefs({ ...lost, subscriptions: "all" }).catch((e: unknown) => e);
    expect((all as Error).message).toMatch(new RegExp(`listing the subscriptions the identity can read${noToken.source}`));
    const file = path.join(fx.dir, "arm-entry.yaml");
    writeFileSync(file, `clusters:\n  - name: prod-blk\n    armResourceId: ${fx.az.managedCluster("aks-blk-1").id}\n`);
    const [target] = await discoverFleet({ ...lost, fleetFile: file });
    // Read as the cluster is scanned, not at discovery.
    const reason = await target!.readArm!(AbortSignal.timeout(10_000)).then(() => "", (e: Error) => e.message);
    expect(reason).toMatch(new RegExp(`^reading .*/aks-blk-1 from ARM${noToken.source}`));
    for (const m of [(listing as Error).message, (all as Error).message, reason]) expect(m).not.toContain("\n");
  });

  it("refuses ARM calls without a token the identity issued", async () => {
    const res = await fetch(`${fx.az.url}/subscriptions?api-version=2022-12-01`).catch((e: unknown) => e);
    // Node's fetch does not trust the simulator's CA: the point is that no bearer means no data.
    expect(res).toBeInstanceOf(Error);
    const https = await import("node:https");
    const status = await new Promise<number>((resolve, reject) => {
      https.get(`${fx.az.url}/subscriptions?api-version=2022-12-01`, { ca: fx.az.caPem, headers: { authorization: "Bearer forged" } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      }).on("error", reject);
    });
    expect(status).toBe(401);
  });
});

describe("settings from the environment", () => {
  it("reads every documented variable", () => {
    const s = discoverySettingsFromEnv({
      FLEET_AUDIT_SUBSCRIPTIONS: `${SUB_A}, ${SUB_B}`,
      FLEET_AUDIT_FLEET_FILE: "/etc/fleet.yaml",
      FLEET_AUDIT_ARM_ENDPOINT: "https://management.chinacloudapi.cn",
      FLEET_AUDIT_ARM_CA: "/etc/ca.pem",
      FLEET_AUDIT_ADMIN_CREDENTIALS: "true",
      AZURE_CLIENT_ID: "c0ffee00-0000-4000-8000-000000000000",
    });
    expect(s).toEqual({
      subscriptions: [SUB_A, SUB_B],
      fleetFile: "/etc/fleet.yaml",
      armEndpoint: "https://management.chinacloudapi.cn",
      armCaFile: "/etc/ca.pem",
      adminCredentials: true,
      managedIdentityClientId: "c0ffee00-0000-4000-8000-000000000000",
    });
    expect(discoverySettingsFromEnv({ FLEET_AUDIT_SUBSCRIPTIONS: "all" }).subscriptions).toBe("all");
    expect(discoverySettingsFromEnv({})).toEqual({});
  });

  it("rejects bad values naming the variable", () => {
    expect(() => discoverySettingsFromEnv({ FLEET_AUDIT_SUBSCRIPTIONS: "prod" })).toThrow(/FLEET_AUDIT_SUBSCRIPTIONS: "prod" is not a subscription id/);
    expect(() => discoverySettingsFromEnv({ FLEET_AUDIT_ADMIN_CREDENTIALS: "maybe" })).toThrow(/FLEET_AUDIT_ADMIN_CREDENTIALS: "maybe" is not true or false/);
    expect(() => parseSubscriptions(["all", SUB_A], "--subscription")).toThrow(/"all" cannot be combined/);
  });
});
