// `fleet-audit scan --arm-endpoint URL` (no --subscription: every subscription) as a user runs it (the built bin in its own process), with the
// managed identity in its environment: ARM pool data reaches IPX003 and DRF003/DRF004, AAD clusters
// scan with Entra tokens, a forbidden subscription is named while the rest is scanned, and no token,
// kubeconfig or identity secret reaches the store or the output.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ExhaustionDocument } from "../../src/reports/kinds/exhaustion.js";
import type { FindingsDocument } from "../../src/reports/kinds/findings.js";
import type { HealthDocument } from "../../src/reports/kinds/health.js";
import { AKS_AAD_SERVER_APP, type SimAzure, startSimAzure } from "../../src/sim/index.js";
import { SUB_A, SUB_B } from "./env.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;
const storage = inject("azuriteConnectionString");
const prefix = `az${process.pid}`;
let az: SimAzure;
let caFile: string;

beforeAll(async () => {
  az = await startSimAzure({
    subscriptions: [{ id: SUB_A }, { id: SUB_B }],
    pageSize: 2,
    clusters: [
      // 32 addresses per node (2 /28 blocks) on a /24: 20 nodes at the autoscaler maximum do not fit.
      {
        name: "aks-tight",
        mode: "vnetblock",
        nodes: 2,
        maxPods: 30,
        podSubnet: { name: "pods-tight", cidr: "10.70.0.0/24", vnet: "vnet-e2e", resourceGroup: "rg-net", subscription: SUB_A },
        azure: { autoscale: { min: 2, max: 20 }, maxSurge: "1" },
      },
      // ARM says dynamic, the NCs say vnetblock.
      { name: "aks-drift", mode: "vnetblock", nodes: 1, azure: { pool: { podIPAllocationMode: "DynamicIndividual" } } },
      // ARM's pod CIDR was expanded; the NNCs still carry the old one.
      { name: "aks-ovl-aad", mode: "overlay", nodes: 2, podCidr: "10.244.0.0/16", azure: { aad: true, networkProfile: { podCidr: "10.244.0.0/15", podCidrs: ["10.244.0.0/15"] } } },
      { name: "aks-kubenet", mode: "kubenet", nodes: 1 },
      { name: "aks-hidden", mode: "overlay", nodes: 1, azure: { subscription: SUB_B } },
    ],
  });
  caFile = await az.writeCa((await import("node:fs")).mkdtempSync(`${(await import("node:os")).tmpdir()}/scan-e2e-`));
});

afterAll(async () => {
  await az?.close();
});

async function fleetAudit(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...az.env(caFile), FLEET_AUDIT_TABLE_PREFIX: prefix, NO_COLOR: "1" };
  // The ARM endpoint and CA come from the flags here, not the environment.
  delete env.FLEET_AUDIT_ARM_ENDPOINT;
  delete env.FLEET_AUDIT_ARM_CA;
  try {
    const r = await run(process.execPath, [BIN, ...args, "--storage", storage], { env, timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("fleet-audit scan with ARM discovery", () => {
  const outputs: string[] = [];

  it("scans every cluster ARM lists, and ARM's pool data drives IPX003, DRF003 and DRF004", async () => {
    az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    // No --subscription: ARM options alone mean every subscription the identity can read (CONTRACT.md).
    const r = await fleetAudit(["scan", "--arm-endpoint", az.url, "--arm-ca", caFile, "--format", "json"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.stderr).toContain(`note: discovery: subscription ${SUB_B}: listing AKS clusters: 403 AuthorizationFailed`);
    expect(r.code).toBe(0);
    const findings = JSON.parse(r.stdout).findings as Array<{ rule: string; cluster: string; message: string; clusters?: string[] }>;
    const of = (rule: string) => findings.filter((f) => f.rule === rule);
    expect(of("IPX003")).toEqual([expect.objectContaining({ cluster: "aks-tight", message: expect.stringMatching(/10\.70\.0\.0\/24.* 224 addresses in whole \/28 blocks, but at the autoscaler maxima plus surge \(21 nodes\)/) })]);
    expect(of("DRF003")).toEqual([expect.objectContaining({ cluster: "aks-drift", message: expect.stringMatching(/agent pool nodepool1 is dynamic in ARM, but 1 of its 1 node\(s\) hold vnetblock NCs/) })]);
    expect(of("DRF004")).toEqual([expect.objectContaining({ cluster: "aks-ovl-aad", message: expect.stringMatching(/ARM says the pod CIDR is 10\.244\.0\.0\/15.*inside the ARM CIDR/) })]);
    // The kubenet cluster was scanned and classified; the AAD cluster answered (not unauthorized).
    expect(of("SCN003").map((f) => f.cluster)).toEqual(["aks-kubenet"]);
    expect(findings.filter((f) => /^SCN00[12]$/.test(f.rule))).toEqual([]);
    expect(findings.some((f) => f.cluster === "aks-hidden")).toBe(false);
  });

  it("keeps what ARM said in the stored snapshot and the exhaustion report", async () => {
    const r = await fleetAudit(["report", "exhaustion", "--format", "json"]);
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { clusters: Array<{ cluster: string; status: string }>; subnets: Array<{ cidr: string; headroom?: { status?: string } }> };
    expect(doc.clusters.map((c) => [c.cluster, c.status]).sort()).toEqual([
      ["aks-drift", "ok"],
      ["aks-kubenet", "not-cns"],
      ["aks-ovl-aad", "ok"],
      ["aks-tight", "ok"],
    ]);
    expect(JSON.stringify(doc.subnets.find((s) => s.cidr === "10.70.0.0/24"))).not.toContain("no ARM data");
  });

  it("a known cluster whose subscription cannot be listed is shown from its last good snapshot, not as current", async () => {
    az.setSubscriptionFault(SUB_B, undefined);
    const before = await fleetAudit(["scan", "--arm-endpoint", az.url, "--arm-ca", caFile, "--format", "json"]);
    expect(before.code, before.stderr).toBe(0);
    const health = async () => (JSON.parse((await fleetAudit(["report", "health", "--format", "json"])).stdout) as HealthDocument).clusters.find((c) => c.cluster === "aks-hidden")!;
    const good = await health();
    expect(good).toMatchObject({ status: "ok" });
    az.setSubscriptionFault(SUB_B, { kind: "throttle", retryAfter: 0, times: 1000 });
    try {
      const r = await fleetAudit(["scan", "--arm-endpoint", az.url, "--arm-ca", caFile, "--format", "json"]);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(0);
      // The evaluation keeps the discovery problem as a note (printed after the scan, in the JSON).
      expect(r.stderr).toContain(`note: discovery: subscription ${SUB_B}: listing AKS clusters: 429`);
      const findings = (JSON.parse(r.stdout) as FindingsDocument).findings.filter((f) => f.cluster === "aks-hidden" && /^SCN/.test(f.rule));
      expect(findings.map((f) => f.message).join("\n")).toContain(`subscription ${SUB_B} could not be listed`);
      const ex = JSON.parse((await fleetAudit(["report", "exhaustion", "--format", "json"])).stdout) as ExhaustionDocument;
      expect(ex.clusters.find((c) => c.cluster === "aks-hidden")).toMatchObject({ status: "error", dataFrom: good.lastOkAt });
      expect(await health()).toMatchObject({ status: "error", lastOkAt: good.lastOkAt });
      // The other subscription's clusters are read afresh.
      expect(ex.clusters.find((c) => c.cluster === "aks-tight")).toMatchObject({ status: "ok" });
    } finally {
      az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    }
  });

  it("when no subscription can be listed, fails every known cluster (SCN001, from its last good data) and exits 1", async () => {
    az.setSubscriptionFault(SUB_A, { kind: "forbidden" });
    try {
      const r = await fleetAudit(["scan", "--arm-endpoint", az.url, "--arm-ca", caFile, "--format", "json"]);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^fleet-audit: discovery listed no cluster: subscription .*listing AKS clusters: 403`, "m"));
      const scn001 = (JSON.parse(r.stdout) as FindingsDocument).findings.filter((f) => f.rule === "SCN001");
      // aks-kubenet was not CNS: it keeps that status, and no SCN finding.
      expect(scn001.map((f) => f.cluster).sort()).toEqual(["aks-drift", "aks-hidden", "aks-ovl-aad", "aks-tight"]);
      expect(scn001.find((f) => f.cluster === "aks-tight")?.message).toContain(`subscription ${SUB_A} could not be listed`);
      const ex = JSON.parse((await fleetAudit(["report", "exhaustion", "--format", "json"])).stdout) as ExhaustionDocument;
      expect(ex.clusters.find((c) => c.cluster === "aks-tight")).toMatchObject({ status: "error", lastOkAt: expect.any(String) });
    } finally {
      az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("counts discovery in the scan's time: a subscription that keeps ARM waiting is time the scan took", async () => {
    az.setSubscriptionFault(SUB_A, { kind: "throttle", retryAfter: 2, times: 1 });
    try {
      const r = await fleetAudit(["scan", "--arm-endpoint", az.url, "--arm-ca", caFile]);
      outputs.push(r.stdout, r.stderr);
      expect(r.code, r.stderr).toBe(0);
      const m = /Scanned \d+ clusters in ([\d.]+)s \(([\d.]+)s of it discovery\)/.exec(r.stdout);
      expect(m, r.stdout).not.toBeNull();
      const [total, discovery] = [Number(m![1]), Number(m![2])];
      expect(discovery).toBeGreaterThanOrEqual(2);
      expect(total).toBeGreaterThan(discovery);
    } finally {
      az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("never stores or prints a token, kubeconfig or identity secret", async () => {
    const secrets = [...az.identity.issuedTokens(), ...az.fleet.clusters.map((c) => c.token), az.identity.header];
    // The scan really held an ARM token and an AKS token (for the AAD cluster).
    expect(az.identity.issued(az.url)).toBeGreaterThan(0);
    expect(az.identity.issued(AKS_AAD_SERVER_APP)).toBeGreaterThan(0);
    const cert = az.fleet.clientCertificate();
    for (const line of cert.keyPem.split("\n")) if (line.length >= 40 && !line.startsWith("-----")) secrets.push(line);
    const parts: string[] = [...outputs];
    const service = TableServiceClient.fromConnectionString(storage, { allowInsecureConnection: true });
    let tables = 0;
    for await (const t of service.listTables()) {
      if (!t.name?.startsWith(prefix)) continue;
      tables++;
      const client = TableClient.fromConnectionString(storage, t.name, { allowInsecureConnection: true });
      for await (const e of client.listEntities()) parts.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v)));
    }
    expect(tables).toBeGreaterThan(0);
    const haystack = parts.join("\n");
    expect(haystack).toContain("aks-tight");
    for (const s of secrets) expect(haystack.includes(s), `a secret (${s.slice(0, 8)}…) leaked`).toBe(false);
    expect(haystack).not.toMatch(/kubelogin|client-key-data|certificate-authority-data/);
    // No JWT of any kind (every token the simulated identity issues is one).
    expect(haystack).not.toMatch(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\./);
  });
});
