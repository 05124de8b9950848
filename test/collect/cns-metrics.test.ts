// CNS metrics through the API server's pod proxy: parsing, the bounded choice of pods, and the real
// client against the simulator (its proxy serves CNS /metrics; the proxyUnreachable fault breaks it).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCnsMetrics, selectMetricsPods } from "../../src/collect/cns-metrics.js";
import { collectCluster } from "../../src/collect/collector.js";
import type { CnsPod } from "../../src/model/snapshot.js";
import { type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { cnsCluster, node } from "../fixtures/builders.js";

describe("parseCnsMetrics", () => {
  it("keeps CNS families, sums series that differ only in descriptive labels, keeps meaningful labels", () => {
    const text = [
      "# HELP cx_ipam_available_ips Available IP count.",
      "# TYPE cx_ipam_available_ips gauge",
      'cx_ipam_available_ips{customer_metric="customer metric",podnet_arm_id="",subnet="pods",subnet_cidr="10.241.0.0/16"} 7',
      'cx_ipam_available_ips{customer_metric="customer metric",podnet_arm_id="",subnet="pods2",subnet_cidr="10.242.0.0/16"} 3',
      "cx_assigned_ips_v2 12",
      "nnc_has_nodenetworkconfig 0",
      "cns_nnc_reconciler_start_failures_total 4",
      'sync_host_nc_version_total{ok="false"} 2',
      'sync_host_nc_version_total{ok="true"} 9 1700000000000',
      'http_request_latency_seconds_bucket{le="0.1"} 5',
      "go_goroutines 42",
    ].join("\n");
    expect(parseCnsMetrics(text)).toEqual({
      cx_ipam_available_ips: 10,
      cx_assigned_ips_v2: 12,
      nnc_has_nodenetworkconfig: 0,
      cns_nnc_reconciler_start_failures_total: 4,
      'sync_host_nc_version_total{ok="false"}': 2,
      'sync_host_nc_version_total{ok="true"}': 9,
    });
  });

  it("skips garbage, escaped label values and non-finite values without throwing", () => {
    const text = [
      'cx_ipam_total_ips{subnet="a \\"quoted\\", name}"} 5',
      "cx_ipam_requested_ips NaN",
      "cx_ipam_batch_size +Inf",
      "nnc_ncs",
      "nnc_has_nodenetworkconfig{broken 1",
      "{}} 3",
      "\u0000\u0001 garbage",
      "nnc_ncs 1",
    ].join("\n");
    expect(parseCnsMetrics(text)).toEqual({ cx_ipam_total_ips: 5, nnc_ncs: 1 });
    expect(parseCnsMetrics("")).toEqual({});
  });
});

describe("selectMetricsPods", () => {
  const cnsPod = (name: string, nodeName: string, over: Partial<CnsPod> = {}): CnsPod => ({ name, node: nodeName, phase: "Running", ready: true, restarts: 0, ...over });
  const cluster = () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${String(i).padStart(2, "0")}`);
    const s = cnsCluster("a", names);
    s.cns.pods = names.map((n) => cnsPod(`azure-cns-${n}`, n));
    return s;
  };

  it("takes suspicious nodes first, skips pods that cannot answer, and honours the budget", () => {
    const s = cluster();
    s.nncs = s.nncs.filter((n) => n.name !== "n05"); // no NNC
    s.cns.pods[5]!.ready = false;
    s.nodes[7] = node("n07", { ready: false });
    s.nodes[9] = node("n09", { pendingPods: 3 });
    s.cns.pods[11] = cnsPod("azure-cns-n11", "n11", { ready: false, reason: "CrashLoopBackOff", restarts: 9 }); // not running
    const picked = selectMetricsPods(s, 4).map((p) => p.node);
    expect(picked.slice(0, 3)).toEqual(["n05", "n07", "n09"]);
    expect(picked).toHaveLength(4);
    expect(picked).not.toContain("n11");
    expect(selectMetricsPods(s, 0)).toEqual([]);
    expect(selectMetricsPods(s, "all")).toHaveLength(19);
  });

  it("never picks azure-cns-win pods: they expose no metrics port", () => {
    const s = cluster();
    s.cns.pods.push(cnsPod("azure-cns-win-w1", "w1", { ready: false, daemonset: "azure-cns-win" }));
    expect(selectMetricsPods(s, "all").map((p) => p.name)).not.toContain("azure-cns-win-w1");
    expect(selectMetricsPods(s, "all")).toHaveLength(20);
  });

  it("rotates the healthy sample from scan to scan", () => {
    const a = cluster();
    const b = cluster();
    b.scanId = "20261128T050000000Z-ffff";
    const pa = selectMetricsPods(a, 5).map((p) => p.name);
    const pb = selectMetricsPods(b, 5).map((p) => p.name);
    expect(pa).toHaveLength(5);
    expect(pa).not.toEqual(pb);
    expect(selectMetricsPods(a, 5).map((p) => p.name)).toEqual(pa); // deterministic per scan
  });

  it("samples every node within a day of 15-minute scans", () => {
    const seen = new Set<string>();
    const s = cluster();
    // A day of scan ids as newScanId writes them: only the minutes and the suffix change.
    for (let i = 0; i < 96; i++) {
      s.scanId = `20261128T${String(Math.floor(i / 4)).padStart(2, "0")}${String((i % 4) * 15).padStart(2, "0")}00000Z-${(i * 2654435761 >>> 0).toString(16).slice(0, 4)}`;
      for (const p of selectMetricsPods(s, 2)) seen.add(p.name);
    }
    expect(seen.size).toBe(20);
  });
});

describe("collecting CNS metrics from the simulator", () => {
  let sim: Simulator;
  let targets: Map<string, ClusterTarget>;
  const spec = (name: string, over: Partial<SimClusterSpec> = {}): SimClusterSpec => ({ name, mode: "dynamic", nodes: 6, ...over });

  beforeAll(async () => {
    sim = await startSimulator([
      spec("sick", { problems: [{ kind: "missingNnc", node: 2 }, { kind: "crashLoopCns", node: 4 }] }),
      spec("proxy-down", { faults: [{ kind: "proxyUnreachable", path: "/proxy/" }] }),
      spec("proxy-slow", { faults: [{ kind: "slow", delayMs: 1500, path: "/proxy/" }] }),
      spec("overlay", { mode: "overlay", nodes: 3 }),
      spec("windows", { nodes: 2, windows: { nodes: 3 } }),
      spec("no-proxy-rbac", { faults: [{ kind: "status", code: 403, path: "/proxy/", message: 'pods "azure-cns-x" is forbidden: User "auditor" cannot get resource "pods/proxy"' }] }),
    ]);
    const dir = mkdtempSync(path.join(tmpdir(), "cns-metrics-"));
    targets = new Map(discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] }).map((t) => [t.name, t]));
  });
  afterAll(async () => {
    await sim?.close();
  });

  const collect = (name: string, over: Record<string, unknown> = {}) =>
    collectCluster(targets.get(name)!, { scanId: "20261128T040000000Z-test", requestTimeoutMs: 3000, clusterDeadlineMs: 10_000, ...over });
  const proxyCalls = (name: string) => sim.cluster(name).requests.filter((r) => r.path.includes("/proxy/metrics"));

  it("reads only the Linux pods of a cluster with a Windows pool, and says nothing failed", async () => {
    const s = await collect("windows", { cnsMetrics: "all" });
    expect(s.cns.pods).toHaveLength(5);
    expect(s.cns.metrics?.map((m) => m.node).sort()).toEqual(s.nodes.filter((n) => n.labels["kubernetes.io/os"] === "linux").map((n) => n.name).sort());
    expect(proxyCalls("windows").filter((r) => r.path.includes("azure-cns-win"))).toEqual([]);
    expect(s.notes.join("\n")).not.toMatch(/CNS metrics/);
  });

  it("reads the budgeted pods, the node without an NNC first, and never the crash-looping one", async () => {
    sim.cluster("sick").clearRequests();
    const s = await collect("sick", { cnsMetrics: 2 });
    expect(s.status).toBe("ok");
    expect(proxyCalls("sick")).toHaveLength(2);
    expect(s.cns.metricsScope).toEqual({ budget: 2, selected: 2, scraped: 2, failed: 0 });
    const noNnc = s.cns.metrics!.find((m) => m.node === "aks-nodepool1-00000002-vmss000002" || m.values.nnc_has_nodenetworkconfig === 0);
    expect(noNnc?.values).toMatchObject({ nnc_has_nodenetworkconfig: 0, cns_nnc_reconciler_start_failures_total: 3 });
    const crashNode = s.cns.pods.find((p) => p.reason === "CrashLoopBackOff")!.node;
    expect(s.cns.metrics!.map((m) => m.node)).not.toContain(crashNode);
    const healthy = s.cns.metrics!.find((m) => m !== noNnc)!;
    expect(healthy.values).toMatchObject({ nnc_has_nodenetworkconfig: 1 });
    expect(healthy.values.cx_ipam_requested_ips).toBeGreaterThan(0);
  });

  it("reads every running pod with `all`, and none with 0", async () => {
    const all = await collect("sick", { cnsMetrics: "all" });
    expect(all.cns.metrics).toHaveLength(5); // 6 pods, one crash-looping
    sim.cluster("sick").clearRequests();
    const off = await collect("sick", { cnsMetrics: 0 });
    expect(off.cns.metrics).toBeUndefined();
    expect(proxyCalls("sick")).toHaveLength(0);
  });

  it("has no cx_ipam pool gauges on overlay nodes, only the v2 counts", async () => {
    const s = await collect("overlay");
    expect(s.cns.metrics).toHaveLength(3);
    for (const m of s.cns.metrics!) {
      expect(Object.keys(m.values).some((k) => k.startsWith("cx_ipam_"))).toBe(false);
      expect(m.values.cx_allocated_ips_v2).toBe(256);
    }
  });

  it("notes a broken proxy, gives up early, and keeps the snapshot ok and complete", async () => {
    sim.cluster("proxy-down").clearRequests();
    const s = await collect("proxy-down", { cnsMetrics: 10 });
    expect(s.status).toBe("ok");
    expect(s.nodes).toHaveLength(6);
    expect(s.nncs).toHaveLength(6);
    expect(s.cns.metrics).toEqual([]);
    expect(s.notes.join("\n")).toMatch(/CNS metrics: the API server's pod proxy \(port 10092\) failed for \d of 6 azure-cns pods.*503.*error trying to reach service/);
    // A first wave of three pods, each tried twice, all fail: the other three are not tried.
    expect(proxyCalls("proxy-down")).toHaveLength(6);
    expect(s.cns.metricsScope).toEqual({ budget: 10, selected: 6, scraped: 0, failed: 3 });
    expect(s.notes.join("\n")).toContain("failed for 3 of 6 azure-cns pods, 3 more not tried");
  });

  it("takes a refusal (no pods/proxy access) as final for the cluster, and keeps the snapshot ok", async () => {
    sim.cluster("no-proxy-rbac").clearRequests();
    const s = await collect("no-proxy-rbac", { cnsMetrics: "all" });
    expect(s.status).toBe("ok");
    expect(s.notes.join("\n")).toMatch(/pod proxy .*failed for .*forbidden/);
    expect(proxyCalls("no-proxy-rbac").length).toBeLessThanOrEqual(3);
  });

  it("stops at the cluster deadline and keeps what was collected", async () => {
    const s = await collect("proxy-slow", { cnsMetrics: "all", clusterDeadlineMs: 2500, requestTimeoutMs: 2000 });
    expect(s.status).toBe("ok");
    expect(s.nodes).toHaveLength(6);
    expect(s.notes.join("\n")).toMatch(/CNS metrics: .*failed/);
    expect(s.durationMs).toBeLessThan(4000);
  });
});
