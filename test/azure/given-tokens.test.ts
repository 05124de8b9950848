// Bearer tokens a pipeline already holds (FLEET_AUDIT_ARM_TOKEN, FLEET_AUDIT_AKS_TOKEN) instead of
// DefaultAzureCredential, through the CLI against the simulated ARM: both scan an Entra ID cluster;
// one without the other is bad input, refused in one line before anything is listed or scanned.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AKS_AAD_SERVER_APP, type SimAzure, startSimAzure } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";
import { SUB_A } from "./env.js";

let az: SimAzure;
let base: Record<string, string>;
let dir: string;
const storage = inject("azuriteConnectionString");

beforeAll(async () => {
  az = await startSimAzure({
    subscriptions: [{ id: SUB_A }],
    clusters: [
      { name: "aks-plain", mode: "vnetblock", nodes: 1 },
      { name: "aks-entra", mode: "overlay", nodes: 1, azure: { aad: true } },
    ],
  });
  dir = mkdtempSync(path.join(tmpdir(), "given-tokens-"));
  const caFile = await az.writeCa(dir);
  base = { FLEET_AUDIT_ARM_ENDPOINT: az.url, FLEET_AUDIT_ARM_CA: caFile, FLEET_AUDIT_TABLE_PREFIX: `tok${process.pid}` };
});

afterAll(async () => {
  await az?.close();
});

const scan = (tokens: Record<string, string>, ...args: string[]) => runCli(["scan", ...args, "--storage", storage], { env: { ...base, ...tokens } });
const armToken = () => az.identity.issue(az.url).token;
const aksToken = () => az.identity.issue(AKS_AAD_SERVER_APP).token;

describe("tokens given in the environment", () => {
  it("both: every cluster is scanned, the Entra ID one with the AKS token", async () => {
    const r = await scan({ FLEET_AUDIT_ARM_TOKEN: armToken(), FLEET_AUDIT_AKS_TOKEN: aksToken() }, "--subscription", SUB_A);
    expect(r.stderr).toContain("aks-entra: ok");
    expect(r.code).toBe(0);
  });

  for (const [given, missing] of [
    ["FLEET_AUDIT_ARM_TOKEN", "FLEET_AUDIT_AKS_TOKEN"],
    ["FLEET_AUDIT_AKS_TOKEN", "FLEET_AUDIT_ARM_TOKEN"],
  ] as const) {
    it(`only ${given}: exit 2 with one line naming ${missing}, before anything is listed`, async () => {
      az.arm.requests.length = 0;
      const token = given === "FLEET_AUDIT_ARM_TOKEN" ? armToken() : aksToken();
      // The ARM token alone also means every subscription (README), as --subscription all does.
      for (const args of given === "FLEET_AUDIT_ARM_TOKEN" ? [["--subscription", SUB_A], []] : [["--subscription", SUB_A]]) {
        const r = await scan({ [given]: token }, ...args);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`^fleet-audit: ${given} is set but ${missing} is not: clusters found through ARM need both .*\\n$`));
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(r.stderr).not.toContain(token);
      }
      expect(az.arm.requests).toEqual([]);
    });
  }

  it("an expired token is refused here, naming its variable and when it expired, never sent to be refused", async () => {
    const expired = (audience: string) => {
      const lifetime = az.identity.lifetimeSeconds;
      az.identity.lifetimeSeconds = -60;
      try {
        const { token, expiresOn } = az.identity.issue(audience);
        return { token, at: new Date(expiresOn * 1000).toISOString() };
      } finally {
        az.identity.lifetimeSeconds = lifetime;
      }
    };
    const entra = az.managedCluster("aks-entra").cluster;
    const presented: string[] = [];
    const accepts = entra.bearerAuth!;
    entra.bearerAuth = (t) => (presented.push(t), accepts(t));
    try {
      const aks = expired(AKS_AAD_SERVER_APP);
      const r = await scan({ FLEET_AUDIT_ARM_TOKEN: armToken(), FLEET_AUDIT_AKS_TOKEN: aks.token }, "--subscription", SUB_A);
      expect(r.stderr).toMatch(new RegExp(`aks-entra: error .*FLEET_AUDIT_AKS_TOKEN expired at ${aks.at.replace(/\./g, "\\.")}`));
      expect(r.stderr).toContain("aks-plain: ok");
      expect(presented).not.toContain(aks.token);
    } finally {
      entra.bearerAuth = accepts;
    }
    az.arm.requests.length = 0;
    const arm = expired(az.url);
    const r = await scan({ FLEET_AUDIT_ARM_TOKEN: arm.token, FLEET_AUDIT_AKS_TOKEN: aksToken() }, "--subscription", SUB_A);
    // The store knows this subscription's clusters from the scans above: they are failed, with that reason.
    expect(r.stderr).toMatch(new RegExp(`\nfleet-audit: discovery listed no cluster: subscription ${SUB_A}: listing AKS clusters: FLEET_AUDIT_ARM_TOKEN expired at ${arm.at.replace(/\./g, "\\.")}\n$`));
    expect(r.code).toBe(1);
    expect(az.arm.requests).toEqual([]);
  });

  it("a fleet file with an AKS resource ID is found through ARM too", async () => {
    const fleet = path.join(dir, "fleet.yaml");
    writeFileSync(fleet, `clusters:\n  - name: entra\n    armResourceId: ${az.managedCluster("aks-entra").id}\n`);
    const r = await scan({ FLEET_AUDIT_ARM_TOKEN: armToken() }, "--fleet", fleet);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fleet-audit: FLEET_AUDIT_ARM_TOKEN is set but FLEET_AUDIT_AKS_TOKEN is not: /);
  });

  it("a Key Vault secret is not sent the ARM token: the cluster fails naming the scope and what each token is for", async () => {
    const uri = az.setSecret("aks-plain-kubeconfig", az.managedCluster("aks-plain").userKubeconfig(az.caPem, "exec"));
    const fleet = path.join(dir, "kv-fleet.yaml");
    writeFileSync(fleet, `clusters:\n  - name: from-vault\n    keyVaultSecret: ${uri}\n`);
    az.arm.requests.length = 0;
    const r = await scan({ FLEET_AUDIT_ARM_TOKEN: armToken(), FLEET_AUDIT_AKS_TOKEN: aksToken() }, "--fleet", fleet, "--format", "json");
    expect(r.code, r.stderr).toBe(0);
    // Only the unauthenticated request that learns the vault's challenge: no bearer token follows it.
    expect(az.arm.requests.filter((q) => q.path.startsWith("/secrets/")).map((q) => q.status)).toEqual([401]);
    const scn = (JSON.parse(r.stdout) as { findings: Array<{ cluster: string; message: string }> }).findings.find((f) => f.cluster === "from-vault")!;
    expect(scn.message).toMatch(/no token for https:\/\/vault\.azure\.net\/\.default: FLEET_AUDIT_ARM_TOKEN is for ARM \(https:\/\/127\.0\.0\.1:\d+\/\.default\) and FLEET_AUDIT_AKS_TOKEN for Entra ID clusters only/);
  });
});

describe("exit codes of ARM failures", () => {
  it("ARM refusing the token is a failure (exit 1), whether or not --subscription names the subscriptions", async () => {
    // A real token, for the wrong audience: ARM answers 401 to every call.
    const wrong = { FLEET_AUDIT_ARM_TOKEN: aksToken(), FLEET_AUDIT_AKS_TOKEN: aksToken() };
    const named = await scan(wrong, "--subscription", SUB_A);
    const all = await scan(wrong, "--subscription", "all");
    expect([named.code, all.code]).toEqual([1, 1]);
    expect(named.stderr).toMatch(new RegExp(`\nfleet-audit: discovery listed no cluster: subscription ${SUB_A}: listing AKS clusters: 401 .*\n$`));
    expect(all.stderr).toMatch(new RegExp(`\nfleet-audit: discovery listed no cluster: ARM ${az.url}: listing the subscriptions the identity can read: 401 .*\n$`));
  });

  it("a malformed ARM endpoint or CA file is still bad input (exit 2)", async () => {
    const tokens = { FLEET_AUDIT_ARM_TOKEN: armToken(), FLEET_AUDIT_AKS_TOKEN: aksToken() };
    const endpoint = await runCli(["scan", "--subscription", "all", "--arm-endpoint", "not a url"], { env: { ...base, ...tokens } });
    expect([endpoint.code, endpoint.stderr]).toEqual([2, 'fleet-audit: ARM endpoint "not a url" is not a URL\n']);
    const junk = path.join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate\n");
    const ca = await runCli(["scan", "--subscription", "all"], { env: { ...base, ...tokens, FLEET_AUDIT_ARM_CA: junk } });
    expect([ca.code, ca.stderr]).toEqual([2, `fleet-audit: ARM CA file ${junk}: no PEM certificate in it\n`]);
  });
});
