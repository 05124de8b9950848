// A kubeconfig's server URL may carry credentials (https://admin:pw@host/?access_token=…): what a
// snapshot keeps of it, from a kubeconfig or a fleet file's entry, and what a reason repeats of a URL,
// is scheme, host, port and path only.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { classify } from "../../src/collect/errors.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { urlsWithoutCredentials, withoutCredentials } from "../../src/url-credentials.js";

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let address: string;

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-url", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "server-url-"));
  const doc = YAML.parse(sim.kubeconfig()) as { clusters: Array<{ cluster: { server: string } }> };
  const url = new URL(sim.cluster("aks-url").url);
  address = `https://${url.host}/k8s`;
  doc.clusters[0]!.cluster.server = `https://admin:SEKRETPW1@${url.host}/k8s?access_token=SEKRETQ1#SEKRETF1`;
  kubeconfig = path.join(dir, "kubeconfig");
  writeFileSync(kubeconfig, YAML.stringify(doc));
  writeFileSync(path.join(dir, "fleet.yaml"), `clusters:\n  - name: from-fleet\n    kubeconfig: kubeconfig\n`);
});

afterAll(async () => {
  await sim?.close();
});

describe("a kubeconfig server URL with credentials", () => {
  it("is kept as scheme, host, port and path in the targets and the snapshots, from a kubeconfig and a fleet file", async () => {
    const targets = [...(await discoverFleet({ kubeconfig: [kubeconfig] })), ...(await discoverFleet({ fleetFile: path.join(dir, "fleet.yaml") }))];
    expect(targets.map((t) => [t.name, t.source.server])).toEqual([
      ["aks-url", address],
      ["from-fleet", address],
    ]);
    for (const t of targets) {
      const snap = await collectCluster(t, { scanId: "20261201T000000000Z-url", requestTimeoutMs: 2000, clusterDeadlineMs: 5000 });
      expect(snap.source.server).toBe(address);
      expect(JSON.stringify(snap)).not.toContain("SEKRET");
    }
    expect(readFileSync(kubeconfig, "utf8")).toContain("SEKRETPW1"); // the test did put them there
  });

  it("keeps no userinfo, query or fragment, and nothing of what is no http(s) URL", () => {
    expect(withoutCredentials("https://u:p@[::1]:6443/a/b?t=1#f")).toBe("https://[::1]:6443/a/b");
    expect(withoutCredentials("http://h:8080/")).toBe("http://h:8080");
    expect(withoutCredentials("admin:SEKRET@host")).toBeUndefined();
    expect(withoutCredentials("")).toBeUndefined();
    expect(urlsWithoutCredentials(`request to https://admin:SEKRETPW1@10.0.0.1:8443/api/v1/nodes?access_token=SEKRETQ1 failed, reason: x`)).toBe(
      "request to https://10.0.0.1:8443/api/v1/nodes failed, reason: x",
    );
  });

  it("is not repeated with its credentials in a reason that quotes an error", () => {
    // node-fetch (plain http, or a proxy) repeats the whole request URL in its messages.
    const fetchError = Object.assign(new Error("request to https://admin:SEKRETPW1@10.0.0.1/api/v1/nodes?limit=500&access_token=SEKRETQ1 failed, reason: write EPROTO"), { type: "system" });
    const reason = classify(fetchError, "listing Nodes").message;
    expect(reason).toBe("listing Nodes: request to https://10.0.0.1/api/v1/nodes failed, reason: write EPROTO");
  });
});
