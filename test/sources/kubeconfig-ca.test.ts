// A kubeconfig cluster's CA that holds no PEM certificate that parses, or a CA file that cannot be read,
// is that cluster's configuration error naming the context and the CA, as kubectl refuses to load it; never
// a TLS failure blamed on the server (unreachable) nor a failure to get credentials.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { eachContext } from "../helpers/each-context.js";

let sim: Simulator;
let dir: string;
let kubeconfig: string;
/** Clusters with insecure-skip-tls-verify, by context. */
let insecure: Record<string, Record<string, unknown>>;

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-ca", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-ca-"));
  const doc = YAML.parse(sim.kubeconfig()) as { clusters: Array<{ name: string; cluster: Record<string, unknown> }>; users: Array<{ name: string }>; contexts: unknown[] };
  const { server } = doc.clusters[0]!.cluster;
  const user = doc.users[0]!.name;
  writeFileSync(path.join(dir, "ca.pem"), sim.caPem);
  writeFileSync(path.join(dir, "notpem.crt"), "hello world, not a cert\n");
  writeFileSync(path.join(dir, "bundle.pem"), `${sim.caPem}${sim.caPem}`);
  // Node's TLS would load none of these bundles, not even their good certificate; client-go skips the broken one.
  const broken = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n";
  writeFileSync(path.join(dir, "broken-bundle.pem"), `${broken}${sim.caPem}`);
  writeFileSync(path.join(dir, "good-then-broken.pem"), `${sim.caPem}${broken}`);
  writeFileSync(path.join(dir, "all-broken.pem"), `${broken}${broken}`);
  const cas: Record<string, Record<string, unknown>> = {
    "ca-file": { "certificate-authority": "ca.pem" },
    "ca-bundle": { "certificate-authority": "bundle.pem" },
    "ca-broken-bundle": { "certificate-authority": "broken-bundle.pem" },
    "ca-good-then-broken": { "certificate-authority-data": Buffer.from(`${sim.caPem}${broken}`).toString("base64") },
    "ca-all-broken": { "certificate-authority": "all-broken.pem" },
    "ca-garbage": { "certificate-authority-data": "!!!not base64 $$$" },
    "ca-notpem": { "certificate-authority-data": Buffer.from("hello world, not a cert").toString("base64") },
    "ca-missing": { "certificate-authority": "/nonexistent/ca.crt" },
    "ca-file-notpem": { "certificate-authority": "notpem.crt" },
  };
  insecure = {
    "insecure-ca-data": { "insecure-skip-tls-verify": true, "certificate-authority-data": Buffer.from(sim.caPem).toString("base64") },
    "insecure-ca-file": { "insecure-skip-tls-verify": true, "certificate-authority": "ca.pem" },
    "insecure-only": { "insecure-skip-tls-verify": true },
  };
  for (const [name, ca] of Object.entries({ ...cas, ...insecure })) {
    doc.clusters.push({ name, cluster: { server, ...ca } });
    doc.contexts.push({ name, context: { cluster: name, user } });
  }
  // No user at all: anonymous, yet the server is verified against the cluster's CA as for any other.
  doc.contexts.push({ name: "no-user", context: { cluster: "ca-file" } });
  kubeconfig = path.join(dir, "config");
  writeFileSync(kubeconfig, YAML.stringify(doc));
});

afterAll(async () => {
  await sim?.close();
});

describe("a kubeconfig cluster's certificate authority", () => {
  it("that holds no PEM certificate that parses, or cannot be read, fails its cluster as an error naming the context and the CA", async () => {
    const targets = (await eachContext(kubeconfig)).filter((t) => !(t.name in insecure));
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-ca", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 })));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["aks-ca", "ok", undefined],
      ["ca-file", "ok", undefined],
      ["ca-bundle", "ok", undefined],
      ["ca-broken-bundle", "ok", undefined],
      ["ca-good-then-broken", "ok", undefined],
      ["ca-all-broken", "error", `certificate-authority ${path.join(dir, "all-broken.pem")} of context "ca-all-broken" holds no certificate that can be parsed (2 found)`],
      ["ca-garbage", "error", `certificate-authority-data of context "ca-garbage" is not a PEM certificate`],
      ["ca-notpem", "error", `certificate-authority-data of context "ca-notpem" is not a PEM certificate`],
      ["ca-missing", "error", `certificate-authority /nonexistent/ca.crt of context "ca-missing" cannot be read (ENOENT)`],
      ["ca-file-notpem", "error", `certificate-authority ${path.join(dir, "notpem.crt")} of context "ca-file-notpem" is not a PEM certificate`],
      ["no-user", "unauthorized", expect.stringContaining("401")],
    ]);
  });

  // kubectl: "specifying a root certificates file with the insecure flag is not allowed".
  it("beside insecure-skip-tls-verify fails its cluster as an error naming the context and both fields, as kubectl refuses the pair", async () => {
    const targets = (await eachContext(kubeconfig)).filter((t) => t.name in insecure);
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-ca", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000, cnsMetrics: 0 })));
    const refused = `is set beside insecure-skip-tls-verify, which kubectl refuses ("specifying a root certificates file with the insecure flag is not allowed"): keep one`;
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["insecure-ca-data", "error", `certificate-authority-data of context "insecure-ca-data" ${refused}`],
      ["insecure-ca-file", "error", `certificate-authority ${path.join(dir, "ca.pem")} of context "insecure-ca-file" ${refused}`],
      ["insecure-only", "ok", undefined],
    ]);
    expect(snaps[2]!.notes).toContainEqual(expect.stringMatching(/insecure-skip-tls-verify is set/));
  });

  it("that holds certificates that cannot be parsed beside good ones is used without them, and a note counts them", async () => {
    const bundles = ["ca-bundle", "ca-broken-bundle", "ca-good-then-broken"];
    const targets = (await eachContext(kubeconfig)).filter((t) => bundles.includes(t.name));
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-ca", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000, cnsMetrics: 0 })));
    expect(snaps.map((s) => [s.cluster, s.status, s.notes.filter((n) => /certificate/.test(n))])).toEqual([
      ["ca-bundle", "ok", []],
      ["ca-broken-bundle", "ok", [`certificate-authority ${path.join(dir, "broken-bundle.pem")} of context "ca-broken-bundle": 1 of its 2 certificates cannot be parsed and was skipped, as kubectl skips them`]],
      ["ca-good-then-broken", "ok", [`certificate-authority-data of context "ca-good-then-broken": 1 of its 2 certificates cannot be parsed and was skipped, as kubectl skips them`]],
    ]);
    // Counted, never quoted.
    expect(JSON.stringify(snaps)).not.toMatch(/bm90IGEgY2VydA|BEGIN CERTIFICATE/);
  });
});
