// The simulated Azure's own contract: the App Service identity protocol, token audiences and expiry,
// and `fleet-audit sim --azure` printing what a user needs to scan it.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AKS_AAD_SERVER_APP, type SimAzure, startSimAzure } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

let az: SimAzure;

beforeAll(async () => {
  az = await startSimAzure({ clientId: "c1d2e3f4-0000-4000-8000-000000000001", clusters: [{ name: "aad-1", mode: "overlay", nodes: 1, azure: { aad: true } }] });
});

afterAll(async () => {
  await az?.close();
});

const token = (query: string, header: string | undefined = az.identity.header) =>
  fetch(`${az.identityEndpoint}?${query}`, header ? { headers: { "X-IDENTITY-HEADER": header } } : {});

describe("managed-identity endpoint", () => {
  it("issues tokens per resource in the App Service shape", async () => {
    const res = await token(`api-version=2019-08-01&resource=${AKS_AAD_SERVER_APP}&client_id=${az.identity.clientId}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; expires_on: string; token_type: string; resource: string };
    expect(body.token_type).toBe("Bearer");
    expect(Number(body.expires_on) * 1000).toBeGreaterThan(Date.now() + 3000_000);
    expect(az.identity.valid(body.access_token, [AKS_AAD_SERVER_APP])).toBe(true);
    expect(az.identity.valid(body.access_token, ["https://vault.azure.net"])).toBe(false);
    expect(az.fleet.cluster("aad-1").bearerAuth!(body.access_token)).toBe(true);
  });

  it("refuses a missing secret header, another identity and a missing api-version", async () => {
    expect((await token(`api-version=2019-08-01&resource=x`, "")).status).toBe(401);
    expect((await token(`api-version=2019-08-01&resource=x`, "wrong")).status).toBe(401);
    expect((await token(`api-version=2019-08-01&resource=x&client_id=someone-else`)).status).toBe(400);
    expect((await token(`resource=x`)).status).toBe(400);
  });

  it("tokens die at their expiry", () => {
    const saved = az.identity.lifetimeSeconds;
    az.identity.lifetimeSeconds = 0;
    const { token: t } = az.identity.issue(AKS_AAD_SERVER_APP);
    az.identity.lifetimeSeconds = saved;
    expect(az.identity.valid(t, [AKS_AAD_SERVER_APP])).toBe(false);
    expect(az.fleet.cluster("aad-1").bearerAuth!(t)).toBe(false);
  });
});

describe("fleet-audit sim --azure", () => {
  it("starts ARM in front of the fleet and writes the environment to scan it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "sim-azure-"));
    let release!: () => void;
    const stop = new Promise<void>((r) => (release = r));
    const running = runCli(["sim", "--azure", "--clusters", "3", "--nodes", "1", "--out", dir], { stop });
    const envFile = path.join(dir, "azure.env");
    for (let i = 0; i < 200 && !existsSync(envFile); i++) await new Promise((r) => setTimeout(r, 50));
    release();
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Simulating Azure with 3 AKS clusters/);
    expect(r.stdout).toMatch(/aks-ovl-003 {2}Entra ID/);
    expect(r.stdout).toContain(`fleet-audit scan --subscription all`);
    const env = Object.fromEntries(readFileSync(envFile, "utf8").trim().split("\n").map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(Object.keys(env).sort()).toEqual(["AZURE_CLIENT_ID", "FLEET_AUDIT_ARM_CA", "FLEET_AUDIT_ARM_ENDPOINT", "IDENTITY_ENDPOINT", "IDENTITY_HEADER"]);
    expect(readFileSync(env.FLEET_AUDIT_ARM_CA!, "utf8")).toContain("BEGIN CERTIFICATE");
  });
});
