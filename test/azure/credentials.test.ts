// Cluster credentials from ARM, scanned by the real collector: static-token clusters as AKS gives them,
// AAD clusters whose kubelogin exec user becomes an Entra token from the managed identity (refreshed
// when it expires mid-run: token-refresh.test.ts), admin credentials refused with local accounts disabled (ARM's 400).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { AKS_AAD_SERVER_APP } from "../../src/sim/index.js";
import { type ClusterRef, discoverFleet, discoverRefs, resolveTarget } from "../../src/sources/discover.js";
import { azureContext } from "../../src/sources/azure/context.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
let refs: ClusterRef[];
const SCAN = { scanId: "20261201T000000000Z-azure", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 };

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A }],
    clusters: [
      { name: "plain", mode: "vnetblock", nodes: 2 },
      { name: "entra", mode: "overlay", nodes: 2, azure: { aad: true } },
      { name: "entra-local", mode: "dynamic", nodes: 1, azure: { aad: true, localAccounts: true } },
    ],
  });
  refs = await discoverRefs({ ...fx.settings, subscriptions: [SUB_A] });
});

afterAll(async () => {
  await fx?.close();
});

const ref = (name: string) => refs.find((r) => r.name === name)!;

describe("credentials from ARM", () => {
  it("AAD clusters hand out kubelogin's exec kubeconfig, which this process never runs", async () => {
    const ctx = azureContext(fx.settings);
    const res = await ctx.containerService(SUB_A).managedClusters.listClusterUserCredentials(fx.az.managedCluster("entra").resourceGroup, "entra", { format: "exec" });
    const kc = new k8s.KubeConfig();
    kc.loadFromString(new TextDecoder().decode(res.kubeconfigs![0]!.value!));
    expect(kc.getCurrentUser()?.exec?.command).toBe("kubelogin");
    const target = await resolveTarget(ref("entra"), fx.settings);
    const rewritten = await target.kubeConfig();
    expect(rewritten.getCurrentUser()?.exec).toBeUndefined();
    expect(rewritten.getCurrentCluster()?.server).toBe(fx.az.fleet.cluster("entra").url);
  });

  it("scans a static-token cluster with the user credentials ARM returns", async () => {
    const snap = await collectCluster(await resolveTarget(ref("plain"), fx.settings), SCAN);
    expect(snap.reason).toBeUndefined();
    expect(snap.status).toBe("ok");
    expect(snap.source.kind).toBe("arm");
    expect(snap.nncs).toHaveLength(2);
    expect(snap.arm?.pools[0]?.podIPAllocationMode).toBe("StaticBlock");
  });

  it("scans an AAD cluster with an Entra token for the AKS server app from the managed identity", async () => {
    const before = fx.az.identity.issued(AKS_AAD_SERVER_APP);
    const snap = await collectCluster(await resolveTarget(ref("entra"), fx.settings), SCAN);
    expect(snap.reason).toBeUndefined();
    expect(snap.status).toBe("ok");
    expect(snap.nodes).toHaveLength(2);
    expect(fx.az.identity.issued(AKS_AAD_SERVER_APP)).toBeGreaterThan(before);
    // The cluster really checks: its own static token is refused (local accounts are off).
    expect(fx.az.fleet.cluster("entra").bearerAuth!(fx.az.fleet.cluster("entra").token)).toBe(false);
  });

  it("admin credentials of a cluster with local accounts disabled: ARM's 400, named and classed as unauthorized, only for that cluster", async () => {
    const admin = { ...fx.settings, adminCredentials: true };
    const [entra, plain] = await Promise.all([collectCluster(await resolveTarget(ref("entra"), admin), SCAN), collectCluster(await resolveTarget(ref("plain"), admin), SCAN)]);
    expect(entra.status).toBe("unauthorized");
    expect(entra.reason).toMatch(/^listClusterAdminCredential for .*\/entra: 400 BadRequest: Getting static credential is not allowed because this cluster is set to disable local accounts\. \(scan it without --admin-credentials: /);
    expect(entra.arm?.aad).toBe(true);
    // The admin kubeconfig of a cluster with local accounts (client certificate) works.
    expect(plain.status).toBe("ok");
  });

  it("an identity that gets no token fails the cluster as an error in one line, naming the credential that tried", async () => {
    // A user-assigned identity the endpoint does not know: DefaultAzureCredential's chain fails.
    const lost = { ...fx.settings, managedIdentityClientId: "0badc0de-0000-4000-8000-000000000000" };
    const viaArm = await collectCluster(await resolveTarget(ref("entra"), lost), SCAN);
    // The AKS exec kubeconfig of a fleet file's entry: the Entra token for its kubelogin user fails.
    const file = path.join(fx.dir, "entra-fleet.yaml");
    writeFileSync(path.join(fx.dir, "entra.kubeconfig"), fx.az.managedCluster("entra").userKubeconfig(fx.az.caPem, "exec"));
    const secret = fx.az.setSecret("entra-kubeconfig", fx.az.managedCluster("entra").userKubeconfig(fx.az.caPem, "exec"));
    writeFileSync(file, `clusters:\n  - name: entra-kc\n    kubeconfig: entra.kubeconfig\n  - name: entra-kv\n    keyVaultSecret: ${secret}\n`);
    const [kc, kv] = await discoverFleet({ ...lost, fleetFile: file });
    const [viaKubeconfig, viaKeyVault] = await Promise.all([collectCluster(kc!, SCAN), collectCluster(kv!, SCAN)]);
    const lostIdentity = "no token from the Azure identity (AggregateAuthenticationError: ManagedIdentityCredential: Authentication failed. ";
    expect(viaArm.status).toBe("error");
    expect(viaArm.reason).toContain(`listClusterUserCredential for ${fx.az.managedCluster("entra").resourceGroup}/entra: ${lostIdentity}`);
    expect(viaKubeconfig.status).toBe("error");
    expect(viaKubeconfig.reason).toContain(`getting credentials: the Entra ID token for the AKS server app: ${lostIdentity}`);
    expect(viaKeyVault.status).toBe("error");
    expect(viaKeyVault.reason).toContain(`reading the kubeconfig: Key Vault secret entra-kubeconfig in ${fx.az.url}: ${lostIdentity}`);
    for (const s of [viaArm, viaKubeconfig, viaKeyVault]) {
      expect(s.reason).not.toContain("\n");
      expect(s.reason).toContain("No User Assigned or Delegated Managed Identity found");
      expect(s.reason!.length).toBeLessThan(500);
    }
  });

  it("ARM that never answers listClusterUserCredential fails the cluster at its deadline, naming the step", async () => {
    const target = await resolveTarget(ref("plain"), fx.settings);
    fx.az.setSubscriptionFault(SUB_A, { kind: "hang" });
    try {
      const snap = await collectCluster(target, { ...SCAN, clusterDeadlineMs: 1500 });
      expect([snap.status, snap.reason]).toEqual(["error", "getting credentials: listClusterUserCredential from ARM did not finish within the cluster deadline"]);
    } finally {
      fx.az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("ARM that never answers the read of a fleet file's armResourceId entry fails that cluster at its deadline, never holding up discovery", async () => {
    const file = path.join(fx.dir, "hung-arm.yaml");
    writeFileSync(file, `clusters:\n  - name: prod-plain\n    armResourceId: ${fx.az.managedCluster("plain").id}\n`);
    fx.az.setSubscriptionFault(SUB_A, { kind: "hang" });
    try {
      const started = Date.now();
      const discovered = await Promise.race([discoverFleet({ ...fx.settings, fleetFile: file }), sleep(5000, "still discovering" as const)]);
      expect(discovered).not.toBe("still discovering");
      const snap = await collectCluster((discovered as ClusterTarget[])[0]!, { ...SCAN, clusterDeadlineMs: 1500 });
      expect([snap.status, snap.reason]).toEqual(["error", "reading the cluster from ARM did not finish within the cluster deadline"]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      fx.az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("a plain kubeconfig's kubelogin user gets an Entra token too, as fleet-file entries do", async () => {
    const file = path.join(fx.dir, "plain-entra.kubeconfig");
    writeFileSync(file, fx.az.managedCluster("entra").userKubeconfig(fx.az.caPem, "exec"));
    const targets = await discoverFleet({ ...fx.settings, kubeconfig: [file] });
    expect(targets.map((t) => t.name)).toEqual(["entra"]);
    const snap = await collectCluster(targets[0]!, SCAN);
    expect([snap.status, snap.reason]).toEqual(["ok", undefined]);
    expect(snap.source).toMatchObject({ kind: "kubeconfig", context: "entra" });
    // The cluster takes only Entra tokens the identity issued (kubelogin, which the user names, is never run).
    expect(fx.az.identity.issued(AKS_AAD_SERVER_APP)).toBeGreaterThan(0);
  });
});
