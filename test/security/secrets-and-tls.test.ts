// Credentials never leave memory: after scans with bearer tokens, client certificates and a Teams
// webhook, no table
// entity, stored document, log line or report of any format holds any of them. TLS verification
// stays on unless the kubeconfig itself turns it off, and then the scan says so.
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import YAML from "yaml";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { startReceiver } from "../alerts/receiver.js";
import { runCli } from "../helpers/cli.js";

const storage = inject("azuriteConnectionString");
const prefix = `sec${process.pid}`;
const env = { FLEET_AUDIT_TABLE_PREFIX: prefix };
let sim: Simulator;
let other: Simulator;
let dir: string;
let tokenConfig: string;
let certConfig: string;
const secrets: string[] = [];

beforeAll(async () => {
  sim = await startSimulator([
    { name: "token-a", mode: "vnetblock", nodes: 2, problems: [{ kind: "missingNnc", node: 1 }] },
    { name: "token-b", mode: "dynamic", nodes: 2 },
    { name: "cert-c", mode: "overlay", nodes: 2 },
  ]);
  other = await startSimulator([{ name: "elsewhere", mode: "overlay", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "secrets-"));
  tokenConfig = path.join(dir, "tokens.yaml");
  certConfig = path.join(dir, "certs.yaml");
  writeFileSync(tokenConfig, sim.kubeconfig({ clusters: ["token-a", "token-b"] }));
  writeFileSync(certConfig, sim.kubeconfig({ clusters: ["cert-c"], auth: "cert" }));
  for (const c of sim.clusters) secrets.push(c.token);
  const cert = sim.clientCertificate();
  // The PEM bodies (base64 lines), and the base64 of the whole PEM as it sits in the kubeconfig.
  for (const pem of [cert.certPem, cert.keyPem]) {
    secrets.push(Buffer.from(pem).toString("base64"));
    for (const line of pem.split("\n")) if (line.length >= 40 && !line.startsWith("-----")) secrets.push(line);
  }
  secrets.push(/AccountKey=([^;]+)/.exec(storage)![1]!);
});

afterAll(async () => {
  await sim?.close();
  await other?.close();
});

/** Every string property of every entity in the tables of `tablePrefix`, plus every stored document decoded. */
async function everythingStored(tablePrefix = prefix): Promise<string> {
  const parts: string[] = [];
  const service = TableServiceClient.fromConnectionString(storage, { allowInsecureConnection: true });
  for await (const t of service.listTables()) {
    if (!t.name?.startsWith(tablePrefix)) continue;
    const client = TableClient.fromConnectionString(storage, t.name, { allowInsecureConnection: true });
    for await (const e of client.listEntities()) parts.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v)));
  }
  const store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix });
  for (const l of await store.listLatest()) {
    for (const h of await store.listHistory(l.cluster)) parts.push(JSON.stringify(await store.getSnapshot(l.cluster, h.ref)));
  }
  for (const e of await store.listEvaluations()) parts.push(JSON.stringify(await store.getEvaluation(e.ref)));
  await store.close();
  return parts.join("\n");
}

describe("secrets", () => {
  it("never reach storage, logs or reports", async () => {
    expect(secrets.filter((s) => s.length < 16)).toEqual([]);
    const outputs: string[] = [];
    const rx = await startReceiver();
    secrets.push(rx.url, new URL(rx.url).searchParams.get("sig")!, new URL(rx.url).pathname);
    const cli = async (...argv: string[]) => {
      const r = await runCli([...argv, "--storage", storage], { env: { ...env, FLEET_AUDIT_TEAMS_WEBHOOK: rx.url }, cwd: dir });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    expect((await cli("scan", "--kubeconfig", tokenConfig)).code).toBe(0);
    expect((await cli("scan", "--kubeconfig", certConfig)).code).toBe(0);
    for (const kind of ["findings", "exhaustion"]) for (const format of ["json", "csv", "md", "table"]) expect((await cli("report", kind, "--format", format)).code).toBe(0);

    await rx.close();
    expect(rx.posts.length).toBeGreaterThan(0); // alerts really went out
    outputs.push(JSON.stringify(rx.posts.map((p) => p.body)));
    const stored = await everythingStored();
    expect(stored).toContain("token-a"); // the search does see the stored data
    expect(stored).toContain("cert-c");
    const haystack = `${stored}\n${outputs.join("\n")}`;
    for (const s of secrets) expect(haystack.includes(s), `a secret (${s.slice(0, 6)}…) leaked`).toBe(false);
    // Nothing kubeconfig-shaped either.
    expect(haystack).not.toMatch(/client-key-data|certificate-authority-data|BEGIN (EC |RSA )?PRIVATE KEY/);
  });
});

describe("a legacy auth-provider (gcp, azure) whose helper hangs and prints secrets", () => {
  it("fails its own cluster without running the helper; the healthy cluster beside it is ok, within the deadline", async () => {
    const ran = path.join(dir, "legacy-helper-ran");
    const helper = path.join(dir, "legacy-helper.sh");
    // What kubectl's removed gcp/azure providers ran: here it says it ran, prints secrets, then hangs.
    writeFileSync(helper, `#!/bin/sh\necho ran > "${ran}"\necho SEKRETSTDERR_legacy >&2\necho '{"access_token":"SEKRETTOKEN_legacy"}'\nsleep 30\n`);
    chmodSync(helper, 0o755);
    const doc = YAML.parse(sim.kubeconfig({ clusters: ["token-b"] })) as { clusters: Array<{ name: string; cluster: { server: string } }>; contexts: unknown[]; users: unknown[] };
    const cmd = (name: string) => ({ "cmd-path": helper, "cmd-args": `--client-secret SEKRETARG_${name}`, "token-key": "{.access_token}", "expiry-key": "{.token_expiry}" });
    const tokenB = doc.clusters[0]!.cluster;
    for (const name of ["gcp", "azure"]) {
      // Its own API server (a path of token-b's, which refuses a bad credential all the same): contexts on one server are one cluster.
      doc.clusters.push({ name: `legacy-${name}`, cluster: { ...tokenB, server: `${tokenB.server}/legacy-${name}` } });
      doc.contexts.push({ name: `legacy-${name}`, context: { cluster: `legacy-${name}`, user: `legacy-${name}-user` } });
      doc.users.push({ name: `legacy-${name}-user`, user: { "auth-provider": { name, config: cmd(name) } } });
    }
    const file = path.join(dir, "legacy.yaml");
    writeFileSync(file, YAML.stringify(doc));
    const tablePrefix = `legacy${process.pid}`;
    const legacyEnv = { FLEET_AUDIT_TABLE_PREFIX: tablePrefix, FLEET_AUDIT_ARM_TOKEN: "arm-token-for-the-test", FLEET_AUDIT_AKS_TOKEN: "aks-token-for-the-test" };
    const t0 = Date.now();
    const scan = await runCli(["scan", "--kubeconfig", file, "--cluster-deadline", "3", "--storage", storage], { env: legacyEnv, cwd: dir });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(scan.code).toBe(0);
    expect(existsSync(ran)).toBe(false);
    expect(scan.stderr).toMatch(/token-b: ok/);
    const report = await runCli(["report", "exhaustion", "--format", "json", "--storage", storage], { env: legacyEnv, cwd: dir });
    const rows = (JSON.parse(report.stdout) as { clusters: Array<{ cluster: string; status: string }> }).clusters;
    // A scan replaces the azure provider's user with an Entra ID token (cluster-credentials.ts), which
    // this simulator refuses; the gcp user fails as a credential error.
    expect(Object.fromEntries(rows.map((r) => [r.cluster, r.status]))).toEqual({ "token-b": "ok", "legacy-gcp": "error", "legacy-azure": "unauthorized" });
    const findings = await runCli(["report", "findings", "--format", "json", "--storage", storage], { env: legacyEnv, cwd: dir });
    const scn = (JSON.parse(findings.stdout) as { findings: Array<{ rule: string; cluster: string; message: string }> }).findings.filter((f) => f.rule.startsWith("SCN"));
    expect(scn.find((f) => f.cluster === "legacy-gcp")?.message).toMatch(/"legacy-gcp" user "legacy-gcp-user" uses the gcp auth-provider.*gke-gcloud-auth-plugin/);
    const haystack = [await everythingStored(tablePrefix), scan.stdout, scan.stderr, report.stdout, findings.stdout].join("\n");
    for (const s of ["SEKRET", helper, sim.cluster("token-b").token]) expect(haystack).not.toContain(s);
  }, 60_000);
});

describe("TLS verification", () => {
  function editKubeconfig(file: string, edit: (cluster: Record<string, unknown>) => void): string {
    const doc = YAML.parse(readFileSync(file, "utf8"));
    for (const c of doc.clusters) edit(c.cluster);
    const out = path.join(dir, `edited-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(out, YAML.stringify(doc));
    return out;
  }

  it("stays on: a server whose certificate another CA signed is unreachable, not trusted", async () => {
    const wrongCa = Buffer.from(other.caPem).toString("base64");
    const file = editKubeconfig(tokenConfig, (c) => (c["certificate-authority-data"] = wrongCa));
    const r = await runCli(["scan", "--kubeconfig", file, "--context", "token-a", "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: `tls${process.pid}` }, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/token-a: unreachable .*TLS failure/);
  });

  it("is off only when the kubeconfig says insecure-skip-tls-verify, and the scan reports it", async () => {
    const file = editKubeconfig(tokenConfig, (c) => {
      delete c["certificate-authority-data"];
      c["insecure-skip-tls-verify"] = true;
    });
    const r = await runCli(["scan", "--kubeconfig", file, "--context", "token-b", "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: `tls${process.pid}` }, cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/token-b: ok/);
    expect(r.stderr).toMatch(/note: token-b: insecure-skip-tls-verify is set/);
    const report = await runCli(["report", "exhaustion", "--format", "json", "--storage", storage], { env: { FLEET_AUDIT_TABLE_PREFIX: `tls${process.pid}` }, cwd: dir });
    const row = JSON.parse(report.stdout).clusters.find((c: { cluster: string }) => c.cluster === "token-b");
    expect(row.notes).toEqual([expect.stringMatching(/insecure-skip-tls-verify/)]);
  });
});
