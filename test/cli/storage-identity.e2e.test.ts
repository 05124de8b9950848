// The CLI over identity-based storage, as infra/ deploys it (shared keys off): `--storage` is the Table
// service URL and the token comes from the identity (here FLEET_AUDIT_STORAGE_TOKEN, as a pipeline
// would hand it). Azurite serves HTTPS and checks bearer tokens (`--oauth basic`); real processes,
// trusting Azurite's CA the Node.js way.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStorageUrl } from "../../src/store/endpoint.js";
import { type AzuriteInstance, startAzurite } from "../../src/store/azurite.js";
import { coldFunctionsArgs, coldResponses } from "../helpers/cold-functions.js";
import { createCa, type SimAzure, type Simulator, startSimAzure, startSimulator } from "../../src/sim/index.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;

/** A token Azurite's basic OAuth accepts: storage audience, an Entra issuer, not expired (unless `lifetime` < 0). The signature is not checked. */
function storageToken(lifetime = 3600): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  return `${b64({ alg: "RS256", typ: "JWT" })}.${b64({ aud: "https://storage.azure.com", iss: `https://sts.windows.net/${tid}/`, tid, oid: "auditor", nbf: now - 7200, iat: now - 7200, exp: now + lifetime })}.c2lnbmF0dXJl`;
}

let azurite: AzuriteInstance;
let sim: Simulator;
/** A managed identity (the App Service token endpoint) whose JWTs Azurite's basic OAuth accepts. */
let az: SimAzure;
let dir: string;
let kubeconfig: string;
let caFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "storage-identity-"));
  const ca = createCa("azurite-test-ca");
  const leaf = ca.issue({ commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], usage: "server" });
  caFile = path.join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);
  writeFileSync(path.join(dir, "cert.pem"), leaf.certPem);
  writeFileSync(path.join(dir, "key.pem"), leaf.keyPem);
  azurite = await startAzurite({ identity: { certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "key.pem") } });
  sim = await startSimulator([
    { name: "aks-weu", mode: "vnetblock", nodes: 3 },
    { name: "aks-neu", mode: "dynamic", nodes: 2 },
  ]);
  kubeconfig = await sim.writeKubeconfig(dir);
  az = await startSimAzure({ clusters: [] });
}, 60_000);

afterAll(async () => {
  await Promise.all([azurite?.stop(), sim?.close(), az?.close()]);
});

/** What App Service / Functions sets for a process with a managed identity. */
const managedIdentity = () => ({ IDENTITY_ENDPOINT: az.env("").IDENTITY_ENDPOINT!, IDENTITY_HEADER: az.identity.header, AZURE_CLIENT_ID: az.identity.clientId });
const STORAGE_AUDIENCE = "https://storage.azure.com/";

async function fleetAudit(args: string[], env: NodeJS.ProcessEnv = {}) {
  const base = { PATH: process.env.PATH, HOME: dir, NO_COLOR: "1", NODE_EXTRA_CA_CERTS: caFile, FLEET_AUDIT_STORAGE: azurite.tableEndpoint, FLEET_AUDIT_TABLE_PREFIX: "ident" };
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...base, ...env }, cwd: dir, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("--storage as a Table service URL with an identity", () => {
  it("scans into it, reports from it and forgets in it, with the token never printed", async () => {
    const token = storageToken();
    expect(azurite.tableEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    const scan = await fleetAudit(["scan", "--kubeconfig", kubeconfig], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(scan.code, scan.stderr).toBe(0);
    const report = await fleetAudit(["report", "exhaustion", "--format", "json"], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).clusters.map((c: { cluster: string; status: string }) => [c.cluster, c.status])).toEqual([
      ["aks-neu", "ok"],
      ["aks-weu", "ok"],
    ]);
    // aks-neu leaves the fleet: forgotten, the next scan's evaluation (of what is left) no longer has it.
    const forget = await fleetAudit(["forget", "aks-neu"], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(forget.code, forget.stderr).toBe(0);
    const rescan = await fleetAudit(["scan", "--kubeconfig", kubeconfig, "--context", "aks-weu"], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(rescan.code, rescan.stderr).toBe(0);
    const after = await fleetAudit(["report", "exhaustion", "--format", "json"], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(JSON.parse(after.stdout).clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["aks-weu"]);
    for (const r of [scan, report, forget, rescan, after]) expect(r.stdout + r.stderr).not.toContain(token.split(".")[1]);
  });

  it("names the store, the refusal and the role the command needs when the identity is not let in, and prints no token", async () => {
    const refused = (role: string) => new RegExp(`^fleet-audit: the store at 127\\.0\\.0\\.1:\\d+ \\(given by FLEET_AUDIT_STORAGE\\) refused our credentials \\(403 AuthenticationFailed\\): check the identity and its role on the storage account \\(Storage Table Data ${role}\\)\n$`);
    const report = await fleetAudit(["report", "findings", "--format", "json"], { FLEET_AUDIT_STORAGE_TOKEN: "not-a-token" });
    expect(report.stderr).toMatch(refused("Reader"));
    const scan = await fleetAudit(["scan", "--kubeconfig", kubeconfig], { FLEET_AUDIT_STORAGE_TOKEN: "not-a-token" });
    expect(scan.stderr).toMatch(refused("Contributor"));
    for (const r of [report, scan]) expect(r.code).toBe(1);
  });

  it("names the credential that got no token and says how to give one, when the identity has none", async () => {
    // A user-assigned identity the endpoint does not know: DefaultAzureCredential's chain fails.
    const r = await fleetAudit(["report", "findings", "--format", "json"], { ...managedIdentity(), AZURE_CLIENT_ID: "0badc0de-0000-4000-8000-000000000000" });
    expect(r.stderr).toMatch(
      /^fleet-audit: cannot open the Table store at 127\.0\.0\.1:\d+ \(given by FLEET_AUDIT_STORAGE\): no token from the Azure identity \(AggregateAuthenticationError: ManagedIdentityCredential: .*No User Assigned or Delegated Managed Identity found.*\): run `az login`, or set FLEET_AUDIT_STORAGE_TOKEN\n$/,
    );
    expect(r.code).toBe(1);
  });

  it("says an expired token has expired, and when, without sending it", async () => {
    const token = storageToken(-60);
    const exp = (JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
    const r = await fleetAudit(["report", "findings", "--format", "json"], { FLEET_AUDIT_STORAGE_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`FLEET_AUDIT_STORAGE_TOKEN expired at ${new Date(exp * 1000).toISOString()}`);
    expect(r.stderr).not.toContain(token.split(".")[1]);
  });

  it("refuses a URL it must not send a token to, or one carrying a secret, with exit code 2", async () => {
    const plain = await fleetAudit(["report", "findings"], { FLEET_AUDIT_STORAGE: azurite.tableEndpoint.replace("https:", "http:") });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain("--storage URL must be https");
    const sas = await fleetAudit(["report", "findings"], { FLEET_AUDIT_STORAGE: `${azurite.tableEndpoint}?sv=2024&sig=SECRET` });
    expect(sas.code).toBe(2);
    expect(sas.stderr).toContain("no query string");
    expect(sas.stderr).not.toContain("SECRET");
  });

  it("says the job queue needs an account's endpoints when the URL names no account host", async () => {
    const r = await fleetAudit(["worker", "--until-empty"], { FLEET_AUDIT_STORAGE_TOKEN: storageToken() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the job queue needs a storage account's endpoints");
  });
});

describe("storage through a managed identity (DefaultAzureCredential), as deployed", () => {
  it("the CLI scans and reports with no token handed over", async () => {
    const before = az.identity.issued(STORAGE_AUDIENCE);
    const env = { ...managedIdentity(), FLEET_AUDIT_TABLE_PREFIX: "msi" };
    const scan = await fleetAudit(["scan", "--kubeconfig", kubeconfig], env);
    expect(scan.code, scan.stderr).toBe(0);
    const report = await fleetAudit(["report", "exhaustion", "--format", "json"], env);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["aks-neu", "aks-weu"]);
    // The tokens came from the identity endpoint, for the storage audience; none was printed.
    expect(az.identity.issued(STORAGE_AUDIENCE)).toBeGreaterThan(before);
    for (const t of az.identity.issuedTokens()) expect(scan.stdout + scan.stderr + report.stdout + report.stderr).not.toContain(t);
  });

  it("the Functions app serves reports from identity-based storage (AzureWebJobsStorage__*)", async () => {
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      NODE_EXTRA_CA_CERTS: caFile,
      ...managedIdentity(),
      AzureWebJobsStorage__tableServiceUri: azurite.tableEndpoint,
      AzureWebJobsStorage__queueServiceUri: azurite.queueEndpoint,
      AzureWebJobsStorage__clientId: az.identity.clientId,
      FLEET_AUDIT_TABLE_PREFIX: "msi",
      FLEET_AUDIT_KUBECONFIG: kubeconfig,
    };
    const before = az.identity.issued(STORAGE_AUDIENCE);
    // A cold instance in a fresh process: the app's entry point, then one report request.
    const { stdout } = await run(process.execPath, coldFunctionsArgs(["/api/reports/exhaustion?format=json"]), { env, cwd: process.cwd(), timeout: 60_000 });
    const [r] = coldResponses(stdout);
    expect(r!.status, r!.body).toBe(200);
    expect(JSON.parse(r!.body).clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["aks-neu", "aks-weu"]);
    expect(az.identity.issued(STORAGE_AUDIENCE)).toBeGreaterThan(before);
  });
});

describe("parseStorageUrl", () => {
  it("takes an account's Table endpoint and finds its queue beside it, in any cloud", () => {
    expect(parseStorageUrl("https://fleetaudit.table.core.windows.net/")).toEqual({
      tableServiceUri: "https://fleetaudit.table.core.windows.net",
      queueServiceUri: "https://fleetaudit.queue.core.windows.net",
    });
    expect(parseStorageUrl("https://acct.table.core.chinacloudapi.cn")?.queueServiceUri).toBe("https://acct.queue.core.chinacloudapi.cn");
    expect(parseStorageUrl("https://127.0.0.1:10002/devstoreaccount1")).toEqual({ tableServiceUri: "https://127.0.0.1:10002/devstoreaccount1" });
  });

  it("leaves connection strings alone", () => {
    expect(parseStorageUrl("DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net")).toBeUndefined();
    expect(parseStorageUrl("UseDevelopmentStorage=true")).toBeUndefined();
  });
});
