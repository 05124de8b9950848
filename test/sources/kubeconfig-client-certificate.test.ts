// A kubeconfig user's client certificate or key that cannot be read or parsed, or a key that is not the
// certificate's, is that one cluster's configuration error naming the context and the field, as kubectl
// refuses it ("tls: failed to find any PEM data in key input"); never OpenSSL's code for it, nor the key.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";

let sim: Simulator;
let dir: string;
let kubeconfig: string;
const b64 = (s: string) => Buffer.from(s).toString("base64");
const OTHER_KEY = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
const BAD_PEM_KEY = "-----BEGIN PRIVATE KEY-----\nU0VLUkVUS0VZTUFURVJJQUw=\n-----END PRIVATE KEY-----\n";

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-cert", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-client-cert-"));
  const doc = YAML.parse(sim.kubeconfig({ auth: "cert" })) as { clusters: Array<{ name: string }>; users: Array<{ name: string; user: Record<string, string> }>; contexts: unknown[] };
  const cluster = doc.clusters[0]!.name;
  const { certPem, keyPem } = sim.clientCertificate();
  writeFileSync(path.join(dir, "garbage.key"), "SEKRETKEYMATERIAL not a key\n");
  const users: Record<string, Record<string, string>> = {
    "key-garbage": { "client-certificate-data": b64(certPem), "client-key-data": "!!!SEKRET garbage$$$" },
    "key-not-pem": { "client-certificate-data": b64(certPem), "client-key-data": b64("SEKRETKEYMATERIAL not a key") },
    "key-bad-pem": { "client-certificate-data": b64(certPem), "client-key-data": b64(BAD_PEM_KEY) },
    "key-file-garbage": { "client-certificate-data": b64(certPem), "client-key": "garbage.key" },
    "key-file-missing": { "client-certificate-data": b64(certPem), "client-key": "missing.key" },
    "key-of-another": { "client-certificate-data": b64(certPem), "client-key-data": b64(OTHER_KEY) },
    "cert-garbage": { "client-certificate-data": b64("not a certificate"), "client-key-data": b64(keyPem) },
  };
  for (const [name, user] of Object.entries(users)) {
    doc.users.push({ name, user });
    doc.contexts.push({ name, context: { cluster, user: name } });
  }
  kubeconfig = path.join(dir, "config");
  writeFileSync(kubeconfig, YAML.stringify(doc, { lineWidth: 0 }), { mode: 0o600 });
});

afterAll(async () => {
  await sim?.close();
});

describe("a kubeconfig user's client certificate and key", () => {
  it("that cannot be read or parsed, or do not belong together, fail only their cluster, naming the context and the field", async () => {
    const targets = discoverFromKubeconfig({ files: [kubeconfig] });
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-cert", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000, cnsMetrics: 0 })));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["aks-cert", "ok", undefined],
      ["key-garbage", "error", `client-key-data of context "key-garbage" is not a PEM private key that can be parsed`],
      ["key-not-pem", "error", `client-key-data of context "key-not-pem" is not a PEM private key that can be parsed`],
      ["key-bad-pem", "error", `client-key-data of context "key-bad-pem" is not a PEM private key that can be parsed`],
      ["key-file-garbage", "error", `client-key ${path.join(dir, "garbage.key")} of context "key-file-garbage" is not a PEM private key that can be parsed`],
      ["key-file-missing", "error", `client-key ${path.join(dir, "missing.key")} of context "key-file-missing" cannot be read (ENOENT)`],
      ["key-of-another", "error", `client-key-data of context "key-of-another" is not the private key of its client certificate`],
      ["cert-garbage", "error", `client-certificate-data of context "cert-garbage" is not a PEM certificate that can be parsed`],
    ]);
    expect(snaps[0]!.nodes).toHaveLength(1);
    expect(JSON.stringify(snaps)).not.toMatch(/SEKRET|U0VLUkVU|routines/);
  });
});
