// Two contexts on one API server (`az aks get-credentials` and its `--admin` twin, per-namespace
// contexts) are one cluster: scanned twice, each NNC would be held twice (a false NNC006 critical) and
// a shared pod subnet would count the cluster twice.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { runScan } from "../../src/scan.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverRefs, type DiscoveryProblem } from "../../src/sources/discover.js";
import { serverKey } from "../../src/sources/same-server.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";

const dir = mkdtempSync(path.join(tmpdir(), "same-server-"));

/** A kubeconfig whose contexts (in this order) name clusters by server URL; the current context is the last. */
function kubeconfig(file: string, contexts: Array<[name: string, server: string]>): string {
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: contexts.map(([name, server]) => ({ name: `c-${name}`, cluster: { server } })),
    users: [{ name: "u", user: { token: "t" } }],
    contexts: contexts.map(([name]) => ({ name, context: { cluster: `c-${name}`, user: "u", namespace: name } })),
    "current-context": contexts.at(-1)![0],
  };
  const at = path.join(dir, file);
  writeFileSync(at, YAML.stringify(doc));
  return at;
}

async function discovered(settings: Parameters<typeof discoverRefs>[0]): Promise<{ names: string[]; notes: string[] }> {
  const problems: DiscoveryProblem[] = [];
  const refs = await discoverRefs(settings, { onProblem: (p) => problems.push(p) });
  return { names: refs.map((r) => r.name), notes: problems.map((p) => `${p.source}: ${p.message}`) };
}

describe("serverKey", () => {
  it("compares scheme, host in any case, port with the default made explicit, and path", () => {
    expect(serverKey("https://AKS-A.hcp.westeurope.azmk8s.io")).toBe(serverKey("https://aks-a.hcp.westeurope.azmk8s.io:443/"));
    expect(serverKey("https://u:pw@aks-a.example:443/?x=1#f")).toBe("https://aks-a.example:443");
    expect(serverKey("http://h")).toBe("http://h:80");
    expect(serverKey("https://h:6443")).not.toBe(serverKey("https://h"));
    expect(serverKey("https://h/a")).not.toBe(serverKey("https://h/b"));
    expect(serverKey("http://h:443")).not.toBe(serverKey("https://h:443"));
    expect(serverKey("not a url")).toBeUndefined();
  });
});

describe("kubeconfig contexts on one API server", () => {
  it("scans one per server, the name that sorts first whatever the file order or current context, and says which were left out", async () => {
    const file = kubeconfig("admin-first.yaml", [
      ["aks-a-admin", "https://AKS-A.example:443/"],
      ["other", "https://other.example"],
      ["aks-a", "https://aks-a.example"],
      ["aks-a-ns", "https://aks-a.example:443"],
    ]);
    const { names, notes } = await discovered({ kubeconfig: [file] });
    expect(names).toEqual(["other", "aks-a"]);
    expect(notes).toEqual([`kubeconfig ${file}: context "aks-a-admin", context "aks-a-ns" are on the same API server as context "aks-a" (https://aks-a.example:443): scanned once, as aks-a`]);
  });

  it("never keeps a context whose name cannot be used (left out) for a twin", async () => {
    const tooLong = `a-${"x".repeat(2000)}`;
    const file = kubeconfig("too-long.yaml", [
      [tooLong, "https://aks-c.example"],
      ["b", "https://aks-c.example"],
    ]);
    const { names, notes } = await discovered({ kubeconfig: [file] });
    expect(names).toEqual(["b"]);
    expect(notes).toEqual([expect.stringMatching(/^kubeconfig .*: cluster name "a-x+…" \(2002 chars\) .*not scanned$/)]);
  });

  it("keeps apart contexts on other ports or paths of one host", async () => {
    const file = kubeconfig("ports.yaml", [
      ["a", "https://h.example:6443"],
      ["b", "https://h.example:7443"],
      ["c", "https://h.example/proxy/a"],
      ["d", "https://h.example/proxy/b"],
    ]);
    expect((await discovered({ kubeconfig: [file] })).names).toEqual(["a", "b", "c", "d"]);
  });

  it("also across a kubeconfig and a fleet file's kubeconfig entries, keeping the fleet file's entry", async () => {
    const file = kubeconfig("plain.yaml", [["aks-b", "https://aks-b.example"]]);
    const admin = kubeconfig("admin.yaml", [["aks-b-admin", "https://aks-b.example:443"]]);
    const fleet = path.join(dir, "fleet.yaml");
    writeFileSync(fleet, `clusters:\n  - name: prod-b-admin\n    kubeconfig: admin.yaml\n  - name: prod-b\n    kubeconfig: plain.yaml\n`);
    const { names, notes } = await discovered({ kubeconfig: [file], fleetFile: fleet });
    expect(names).toEqual(["prod-b"]);
    expect(notes).toEqual([
      `fleet file ${fleet}: fleet file entry "prod-b-admin", context "aks-b" of kubeconfig ${file} are on the same API server as fleet file entry "prod-b" (https://aks-b.example:443): scanned once, as prod-b`,
    ]);
  });
});

describe("a scan of a kubeconfig with an --admin twin context", () => {
  let sim: Simulator;
  let file: string;
  beforeAll(async () => {
    sim = await startSimulator([{ name: "aks-a", mode: "vnetblock", nodes: 2 }]);
    file = await sim.writeKubeconfig(mkdtempSync(path.join(dir, "sim-")));
    const doc = YAML.parse(readFileSync(file, "utf8")) as { contexts: Array<{ name: string; context: object }>; "current-context"?: string };
    // What `az aks get-credentials --admin` adds, and makes current.
    doc.contexts.unshift({ name: "aks-a-admin", context: { ...doc.contexts[0]!.context } });
    doc["current-context"] = "aks-a-admin";
    writeFileSync(file, YAML.stringify(doc));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("scans the cluster once: no NNC is a duplicate of itself", async () => {
    const problems: DiscoveryProblem[] = [];
    const { discoverFleet } = await import("../../src/sources/discover.js");
    const targets = await discoverFleet({ kubeconfig: [file] }, { onProblem: (p) => problems.push(p) });
    const r = await runScan(targets, new MemorySnapshotStore(), { requestTimeoutMs: 5000, clusterDeadlineMs: 20_000, discoveryProblems: problems });
    expect(r.clusters.map((c) => `${c.cluster}:${c.status}`)).toEqual(["aks-a:ok"]);
    expect(r.evaluation.findings.filter((f) => f.rule === "NNC006")).toEqual([]);
    expect(r.evaluation.notes).toContainEqual(expect.stringMatching(/^discovery: kubeconfig .*: context "aks-a-admin" is on the same API server as context "aks-a" \(https:\/\/127\.0\.0\.1:\d+\): scanned once, as aks-a$/));
  });
});
