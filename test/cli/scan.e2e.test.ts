// End to end through the CLI: the simulator over HTTPS, the real client, Azurite as the store.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildFleet, type Simulator, startSimulator } from "../../src/sim/index.js";
import { runCli } from "../helpers/cli.js";

let sim: Simulator;
let kubeconfig: string;
let dir: string;
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `cli${process.pid}` };

beforeAll(async () => {
  sim = await startSimulator(buildFleet({ scenario: "demo" }));
  dir = mkdtempSync(path.join(tmpdir(), "cli-e2e-"));
  kubeconfig = await sim.writeKubeconfig(dir);
});

afterAll(async () => {
  await sim?.close();
});

const cli = (...argv: string[]) => runCli(argv, { env, cwd: dir });

describe("fleet-audit scan and report", () => {
  it("scans every context, stores snapshots and prints findings with rule IDs", async () => {
    const r = await cli("scan", "--kubeconfig", kubeconfig, "--storage", storage, "--cluster-deadline", "10", "--request-timeout", "3");
    expect(r.stderr).not.toMatch(/Error|at .*\.ts/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Scanned 8 clusters .*: .*ok/);
    expect(r.stdout).toContain("SCN001"); // the refused DR cluster
    expect(r.stdout).toContain("SCN003"); // kubenet
    expect(r.stdout).toContain("NNC001"); // the node without an NNC
  });

  it("reports findings as the CONTRACT.md JSON document", async () => {
    const r = await cli("report", "findings", "--format", "json", "--storage", storage);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Date.parse(doc.generatedAt)).not.toBeNaN();
    const rules = doc.findings.map((f: { rule: string }) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(["SCN001", "SCN003", "NNC001"]));
    const scn001 = doc.findings.find((f: { rule: string }) => f.rule === "SCN001");
    expect(scn001).toMatchObject({ severity: "critical", cluster: "aks-dr-weu-blk-03", resource: "cluster/aks-dr-weu-blk-03", message: expect.stringContaining("ECONNREFUSED") });
    for (const f of doc.findings) {
      expect(Object.keys(f)).toEqual(expect.arrayContaining(["rule", "severity", "cluster", "resource", "message", "firstSeen", "lastSeen"]));
      expect(f.resource).toMatch(/^(cluster|node|nnc|pod|daemonset|subnet)\//);
    }
  });

  it("reports exhaustion with shared subnets aggregated and exact numbers", async () => {
    const r = await cli("report", "exhaustion", "--format", "json", "--storage", storage);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const shared = doc.subnets.find((s: { cidr: string }) => s.cidr === "10.40.0.0/13");
    // Two static-block clusters, 6 + 4 nodes, one node without an NNC: 9 NNCs × 16 /28 blocks.
    expect(shared).toMatchObject({ mode: "vnetblock", clusters: ["aks-prod-weu-blk-01", "aks-prod-weu-blk-02"], capacity: 524283, used: 9 * 256 });
    const kubenet = doc.clusters.find((c: { cluster: string }) => c.cluster === "aks-legacy-kubenet");
    expect(kubenet).toMatchObject({ status: "not-cns" });
    const dr = doc.clusters.find((c: { cluster: string }) => c.cluster === "aks-dr-weu-blk-03");
    expect(dr).toMatchObject({ status: "unreachable" });
  });

  it("filters by cluster and severity, and prints tables", async () => {
    const r = await cli("report", "findings", "--format", "json", "--severity", "critical", "--cluster", "aks-prod-weu-blk-02", "--storage", storage);
    const doc = JSON.parse(r.stdout);
    expect(doc.findings.length).toBeGreaterThan(0);
    for (const f of doc.findings) {
      expect(f.severity).toBe("critical");
      expect([f.cluster, ...(f.clusters ?? [])]).toContain("aks-prod-weu-blk-02");
    }
    const t = await cli("report", "exhaustion", "--format", "table", "--storage", storage);
    expect(t.stdout).toMatch(/SUBNET\s+MODE\s+CLUSTERS\s+USED\s+CAPACITY/);
    expect(t.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal
  });

  it("exits 3 with --fail-on when a finding at or above the level exists, saying which", async () => {
    const r = await cli("report", "findings", "--format", "json", "--fail-on", "critical", "--storage", storage);
    expect(r.code).toBe(3);
    const first = JSON.parse(r.stdout).findings.find((f: { severity: string; waived?: string }) => f.severity === "critical" && !f.waived);
    expect(r.stderr).toMatch(new RegExp(`^fleet-audit: --fail-on critical: \\d+ unwaived findings? at or above critical, the first ${first.rule} \\(critical\\) in ${first.cluster}\n$`));
  });

  it("--fail-on judges only what the report's filters let through", async () => {
    const all = JSON.parse((await cli("report", "findings", "--format", "json", "--storage", storage)).stdout).findings as Array<{ rule: string; severity: string }>;
    const infoOnly = all.find((f) => all.filter((g) => g.rule === f.rule).every((g) => g.severity === "info"));
    expect(infoOnly, "the fleet has a rule with only info findings").toBeDefined();
    const byRule = await cli("report", "findings", "--format", "json", "--rule", infoOnly!.rule, "--fail-on", "critical", "--storage", storage);
    expect(byRule.code).toBe(0);
    expect(byRule.stderr).toBe("");
    expect((await cli("report", "findings", "--format", "json", "--since", "2099-01-01T00:00:00Z", "--fail-on", "info", "--storage", storage)).code).toBe(0);
    expect((await cli("report", "findings", "--format", "json", "--rule", infoOnly!.rule, "--fail-on", "info", "--storage", storage)).code).toBe(3);
  });

  it("--severity narrows what is printed, never what --fail-on judges", async () => {
    const all = JSON.parse((await cli("report", "findings", "--format", "json", "--storage", storage)).stdout).findings as Array<{ severity: string; cluster: string; clusters?: string[] }>;
    const ofCluster = (c: string) => all.filter((f) => f.cluster === c || f.clusters?.includes(c));
    const warned = all.find((f) => f.severity === "warning" && ofCluster(f.cluster).every((g) => g.severity !== "critical"))?.cluster;
    expect(warned, "the fleet has a cluster with warnings and no critical finding").toBeDefined();
    const warnings = ofCluster(warned!).filter((f) => f.severity === "warning").length;
    const r = await cli("report", "findings", "--format", "json", "--cluster", warned!, "--severity", "critical", "--fail-on", "warning", "--storage", storage);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
    expect(r.stderr).toMatch(new RegExp(`^fleet-audit: --fail-on warning: ${warnings} unwaived findings? at or above warning, the first \\w+ \\(warning\\) in ${warned}\\n$`));
    expect(r.code).toBe(3);
  });

  it.each([
    [["scan", "--kubeconfig", "/nonexistent/kubeconfig"], /kubeconfig not found: \/nonexistent\/kubeconfig/],
    [["scan", "--kubeconfig", "MALFORMED"], /malformed kubeconfig .*MALFORMED/],
    [["scan", "--kubeconfig", "KUBECONFIG", "--context", "nope"], /unknown context "nope"/],
    [["report", "bogus"], /unknown report "bogus"/],
    [["report", "findings", "--format", "xml"], /xml/],
    [["report", "findings", "--severity", "high"], /severity must be one of/],
    [["scan", "--concurrency", "0"], /--concurrency must be an integer/],
    [["frobnicate"], /unknown command/],
    // Options the mode would ignore are refused, not silently dropped.
    [["scan", "--enqueue", "--format", "json", "--fail-on", "critical"], /^fleet-audit: --format, --fail-on do not apply with --enqueue: the workers scan, evaluate and alert/],
    [["scan", "--kubeconfig", "KUBECONFIG", "--round-deadline", "5"], /^fleet-audit: --round-deadline does not apply without --enqueue/],
    // A function key on a card would be read by everyone in the channel.
    [["scan", "--kubeconfig", "KUBECONFIG", "--public-url", "https://func.azurewebsites.net/api/dashboard?code=FUNCTIONKEY"], /^fleet-audit: public URL .* must not carry a function key \(code=\): cards are read by anyone in the channel\n$/],
  ])("exits 2 with a one-line reason for %j", async (argv, reason) => {
    const bad = path.join(dir, "MALFORMED");
    writeFileSync(bad, "apiVersion: v1\nclusters: [ {name: x, cluster: {server: 3} ]\n");
    const args = argv.map((a) => (a === "MALFORMED" ? bad : a === "KUBECONFIG" ? kubeconfig : a));
    const r = await cli(...args, ...(args[0] === "frobnicate" ? [] : ["--storage", storage]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
  });
});
