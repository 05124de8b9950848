// A kubeconfig cluster's CA that is no PEM certificate, or a CA file that cannot be read, is that
// cluster's configuration error naming the context and the CA, as kubectl refuses to load it; never
// a TLS failure blamed on the server (unreachable) nor a failure to get credentials.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";

let sim: Simulator;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-ca", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "kubeconfig-ca-"));
  const doc = YAML.parse(sim.kubeconfig()) as { clusters: Array<{ name: string; cluster: Record<string, unknown> }>; users: Array<{ name: string }>; contexts: unknown[] };
  const { server } = doc.clusters[0]!.cluster;
  const user = doc.users[0]!.name;
  writeFileSync(path.join(dir, "ca.pem"), sim.caPem);
  writeFileSync(path.join(dir, "notpem.crt"), "hello world, not a cert\n");
  writeFileSync(path.join(dir, "bundle.pem"), `${sim.caPem}${sim.caPem}`);
  // Node's TLS would load none of this bundle, not even its good certificate.
  writeFileSync(path.join(dir, "broken-bundle.pem"), `-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n${sim.caPem}`);
  const cas: Record<string, Record<string, unknown>> = {
    "ca-file": { "certificate-authority": "ca.pem" },
    "ca-bundle": { "certificate-authority": "bundle.pem" },
    "ca-broken-bundle": { "certificate-authority": "broken-bundle.pem" },
    "ca-garbage": { "certificate-authority-data": "!!!not base64 $$$" },
    "ca-notpem": { "certificate-authority-data": Buffer.from("hello world, not a cert").toString("base64") },
    "ca-missing": { "certificate-authority": "/nonexistent/ca.crt" },
    "ca-file-notpem": { "certificate-authority": "notpem.crt" },
  };
  for (const [name, ca] of Object.entries(cas)) {
    doc.clusters.push({ name, cluster: { server, ...ca } });
    doc.contexts.push({ name, context: { cluster: name, user } });
  }
  kubeconfig = path.join(dir, "config");
  writeFileSync(kubeconfig, YAML.stringify(doc));
});

afterAll(async () => {
  await sim?.close();
});

describe("a kubeconfig cluster's certificate authority", () => {
  it("that is no PEM certificate, or cannot be read, fails its cluster as an error naming the context and the CA", async () => {
    const targets = await discoverFleet({ kubeconfig: [kubeconfig] });
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-ca", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 })));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["aks-ca", "ok", undefined],
      ["ca-file", "ok", undefined],
      ["ca-bundle", "ok", undefined],
      ["ca-broken-bundle", "error", `certificate-authority ${path.join(dir, "broken-bundle.pem")} of context "ca-broken-bundle" holds a certificate that cannot be parsed`],
      ["ca-garbage", "error", `certificate-authority-data of context "ca-garbage" is not a PEM certificate`],
      ["ca-notpem", "error", `certificate-authority-data of context "ca-notpem" is not a PEM certificate`],
      ["ca-missing", "error", `certificate-authority /nonexistent/ca.crt of context "ca-missing" cannot be read (ENOENT)`],
      ["ca-file-notpem", "error", `certificate-authority ${path.join(dir, "notpem.crt")} of context "ca-file-notpem" is not a PEM certificate`],
    ]);
  });
});
