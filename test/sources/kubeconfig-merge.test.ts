// Several kubeconfig files (KUBECONFIG=a:b, or --kubeconfig twice) merge as kubectl merges them: per
// name, the first file's cluster, user and context win, a later namesake is ignored, and each file's
// relative paths (CA, token file, exec plugin) resolve against that file's own directory. Through the
// CLI and the collector against the simulator, Azurite as the store.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { loadKubeconfig } from "../../src/sources/kubeconfig.js";
import { runCli } from "../helpers/cli.js";

interface Named {
  name: string;
  [k: string]: unknown;
}
interface Doc {
  clusters: Array<Named & { cluster: Record<string, unknown> }>;
  users: Array<Named & { user: Record<string, unknown> }>;
  contexts: Named[];
  "current-context"?: string;
}

let sim: Simulator;
/** aks-a and aks-b as the simulator writes them. */
let first: string;
/** aks-a (a dead server) and aks-b (a wrong token) again, and aks-c and aks-c-exec (aks-d) by relative paths. */
let second: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `merge${process.pid}` };

function write(dir: string, name: string, text: string, mode = 0o600): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
}

beforeAll(async () => {
  sim = await startSimulator([
    { name: "aks-a", mode: "vnetblock", nodes: 1 },
    { name: "aks-b", mode: "overlay", nodes: 1 },
    { name: "aks-c", mode: "overlay", nodes: 1 },
    { name: "aks-d", mode: "overlay", nodes: 1 },
  ]);
  const root = mkdtempSync(path.join(tmpdir(), "merge-"));
  const doc = YAML.parse(sim.kubeconfig({ clusters: ["aks-a", "aks-b"] })) as Doc;
  delete doc["current-context"];
  first = write(path.join(root, "one"), "config", YAML.stringify(doc));

  const dir = path.join(root, "two");
  doc.clusters[0]!.cluster.server = "https://127.0.0.1:1";
  doc.users[1]!.user = { token: "not-the-token" };
  const [c, d] = [sim.cluster("aks-c"), sim.cluster("aks-d")];
  write(dir, "ca.pem", sim.caPem);
  write(dir, "token", c.token);
  write(path.join(dir, "bin"), "plugin", `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"${d.token}"}}'\n`, 0o755);
  doc.clusters.push({ name: "aks-c", cluster: { server: c.url, "certificate-authority": "ca.pem" } });
  // Its own API server: contexts on one are one cluster, scanned once.
  doc.clusters.push({ name: "aks-d", cluster: { server: d.url, "certificate-authority": "ca.pem" } });
  doc.users.push({ name: "by-file", user: { "token-file": "token" } });
  doc.users.push({ name: "by-plugin", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "./bin/plugin", interactiveMode: "Never" } } });
  doc.contexts.push({ name: "aks-c", context: { cluster: "aks-c", user: "by-file" } });
  doc.contexts.push({ name: "aks-c-exec", context: { cluster: "aks-d", user: "by-plugin" } });
  doc["current-context"] = "aks-c";
  second = write(dir, "config", YAML.stringify(doc));
});

afterAll(async () => {
  await sim?.close();
});

describe("merged kubeconfig files", () => {
  it("scans each context once, with the first file's cluster and user for a name both define", async () => {
    const r = await runCli(["scan", "--kubeconfig", first, "--kubeconfig", second, "--storage", storage, "--cluster-deadline", "20"], { env });
    const lines = r.stderr.split("\n").filter(Boolean).map((l) => l.replace(/^\[\d\/4\] /, ""));
    expect(lines.sort()).toEqual(["aks-a: ok", "aks-b: ok", "aks-c-exec: ok", "aks-c: ok"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Scanned 4 clusters .*: .*4 ok/);
  });

  it("lets the other file win when it comes first, as KUBECONFIG orders them", async () => {
    vi.stubEnv("KUBECONFIG", [second, first].join(path.delimiter));
    try {
      const targets = await discoverFleet({});
      const snaps = await Promise.all(targets.map((t) => collectCluster(t, { scanId: "20261201T000000000Z-merge", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 })));
      expect(snaps.map((s) => [s.cluster, s.status])).toEqual([
        ["aks-a", "unreachable"],
        ["aks-b", "unauthorized"],
        ["aks-c", "ok"],
        ["aks-c-exec", "ok"],
      ]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("takes the current context from the first file that names one", () => {
    expect(loadKubeconfig([first, second]).getCurrentContext()).toBe("aks-c");
  });
});
