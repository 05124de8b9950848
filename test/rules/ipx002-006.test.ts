// IPX002–IPX006: fixtures that trip each rule and near misses that must not.
import { describe, expect, it } from "vitest";
import { saysAlreadyFull } from "../../src/analysis/forecast.js";
import { subnetKey } from "../../src/analysis/subnets.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { type EvaluationSummary, summarizeEvaluation, type SubnetUsage } from "../../src/model/evaluation.js";
import type { Finding } from "../../src/model/finding.js";
import { newScanId } from "../../src/model/scan-id.js";
import type { ArmCluster, ClusterSnapshot } from "../../src/model/snapshot.js";
import type { Rule } from "../../src/rules/rule.js";
import { subnetAccounting, subnetUsage } from "../../src/rules/analyses.js";
import ipx001 from "../../src/rules/ipx/ipx001-subnet-utilization.js";
import ipx002 from "../../src/rules/ipx/ipx002-subnet-reported-full.js";
import ipx003 from "../../src/rules/ipx/ipx003-scale-headroom.js";
import ipx004 from "../../src/rules/ipx/ipx004-exhaustion-forecast.js";
import ipx005 from "../../src/rules/ipx/ipx005-overlay-node-capacity.js";
import ipx006 from "../../src/rules/ipx/ipx006-dynamic-node-at-cap.js";
import { context, node, snapshot, T0, view } from "../fixtures/builders.js";
import { blockNnc, dynNnc, nodesFor, overlayNnc } from "./ipam-fixtures.js";

const run = (rule: Rule, snaps: ClusterSnapshot[], over: Parameters<typeof context>[1] = {}) => [...rule.check(context(snaps.map((s) => view(s)), over))];
const PODS_KEY = subnetKey({ subscription: "sub-1", resourceGroup: "rg-net", vnet: "vnet-1", subnet: "pods" });
const PODS_ARM_ID = "/subscriptions/sub-1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/pods";
const PODSUBNET_ARM_ID = PODS_ARM_ID.replace(/pods$/, "podsubnet");

describe("IPX002 subnet reported full", () => {
  it("raises one critical finding per subnet for an NC in NCUpdateSubnetFullError, with the numbers", () => {
    const n1 = dynNnc("n1", { first: "10.1.0.4", held: 16 });
    const n2 = dynNnc("n2", { first: "10.1.0.40", held: 16, requested: 32, ncStatus: "NCUpdateSubnetFullError" });
    const r = run(ipx002, [snapshot("a", { nncs: [n1, n2], nodes: nodesFor([n1, n2]) })]);
    expect(r).toEqual([
      expect.objectContaining({
        severity: "critical",
        cluster: "a",
        resource: "subnet/10.1.0.0/24",
        discriminator: PODS_KEY,
        data: expect.objectContaining({ ncsFull: 1, exhaustedStates: 0, used: 34, capacity: 251 }),
      }),
    ]);
    expect(r[0]!.message).toBe(
      "pod subnet 10.1.0.0/24 (pods) is reported full: 1 NC in NCUpdateSubnetFullError (NNC a/n2). 34 of 251 usable addresses are held (217 free); pods that need a new IP there will hang in ContainerCreating.",
    );
  });

  it("puts an exhausted ClusterSubnetState on the subnet it is named after, merged with NC signals", () => {
    const n1 = dynNnc("n1", { ncStatus: "NCUpdateSubnetFullError" });
    const s = snapshot("a", { nncs: [n1], subnetStates: [{ name: "pods", namespace: "kube-system", exhausted: true }] });
    const r = run(ipx002, [s]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ resource: "subnet/10.1.0.0/24", data: expect.objectContaining({ ncsFull: 1, exhaustedStates: 1 }) });
    expect(r[0]!.message).toContain("ClusterSubnetState a/pods says exhausted");
  });

  it("names every cluster sharing the subnet", () => {
    const a = snapshot("a", { nncs: [dynNnc("a1", { first: "10.1.0.4" })] });
    const b = snapshot("b", { nncs: [dynNnc("b1", { first: "10.1.0.100", ncStatus: "NCUpdateSubnetFullError" })] });
    expect(run(ipx002, [a, b])).toEqual([expect.objectContaining({ cluster: "a", clusters: ["a", "b"], resource: "subnet/10.1.0.0/24" })]);
  });

  it("keeps an exhausted state it cannot place under its own name", () => {
    const s = snapshot("a", {
      nncs: [dynNnc("n1"), dynNnc("n2", { first: "10.2.0.4", cidr: "10.2.0.0/24", subnet: "pods2" })],
      subnetStates: [{ name: "elsewhere", namespace: "kube-system", exhausted: true }],
    });
    expect(run(ipx002, [s])).toEqual([expect.objectContaining({ resource: "subnet/elsewhere", cluster: "a", severity: "critical" })]);
  });

  it("stays quiet for states that are not exhausted, other NC statuses and the static-block seed shape", () => {
    const s = snapshot("a", {
      nncs: [dynNnc("n1", { ncStatus: "NCUpdateSuccess" }), dynNnc("n2", { first: "10.1.0.40", ncStatus: "NCUpdateInternalServerError" }), blockNnc("b1", "10.40.0.160")],
      subnetStates: [{ name: "pods", namespace: "kube-system", exhausted: false }],
    });
    expect(run(ipx002, [s])).toEqual([]);
  });
});

function arm(pool: Partial<ArmCluster["pools"][number]>): ArmCluster {
  return { id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a", name: "a", subscriptionId: "s", resourceGroup: "rg", aad: false, networkPlugin: "azure", pools: [{ name: "np1", podSubnetID: PODS_ARM_ID, maxPods: 30, maxSurge: "1", ...pool }] };
}

describe("IPX003 scale headroom", () => {
  // Dynamic, maxPods 30: min(250, 16 × ceil(38/16)) + 1 = 49 addresses per node; /24 → 251 usable.
  const cluster = (a?: ArmCluster) => snapshot("a", { nncs: [dynNnc("n1")], ...(a ? { arm: a } : {}) });

  it("raises nothing without ARM data (the report says unknown)", () => {
    expect(run(ipx003, [cluster()])).toEqual([]);
  });

  it("warns when the autoscaler maxima plus surge do not fit", () => {
    const r = run(ipx003, [cluster(arm({ count: 3, maxCount: 14, enableAutoScaling: true }))]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", resource: "subnet/10.1.0.0/24", data: expect.objectContaining({ projectedAtMax: 15 * 49, nodesAtMax: 15, capacity: 251 }) })]);
    expect(r[0]!.message).toContain("at the autoscaler maxima plus surge (15 nodes) the pools can take up to 735 addresses");
  });

  it("is critical when even the current nodes plus surge do not fit", () => {
    // The nodes hold 230 of 251 now (a primary and 229 secondaries); a surge node may need 49 more.
    const busy = snapshot("a", { nncs: [dynNnc("n1", { held: 229 })], arm: arm({ count: 5, maxCount: 6, enableAutoScaling: true }) });
    const r = run(ipx003, [busy]);
    expect(r).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ projectedNow: 230 + 49, nodesNow: 6 }) })]);
    // 5 nodes and 1 surge node: the count given already includes the surge.
    expect(r[0]!.message).toContain("the current nodes plus an upgrade surge (6 nodes) need up to 279 addresses");
    expect(r[0]!.message).toContain("the upgrade fails with SubnetIsFull");
  });

  it("counts today's dynamic nodes at what they hold, not their worst case: room to spare now is a warning at most", () => {
    // 5 nodes could each take 49 (245 + a 49 surge = 294 > 251), but they hold 17 between them.
    const r = run(ipx003, [cluster(arm({ count: 5, maxCount: 6, enableAutoScaling: true }))]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", data: expect.objectContaining({ status: "exceeds-at-max", projectedNow: 17 + 49, projectedAtMax: 7 * 49 }) })]);
  });

  it("counts a pool that draws from the subnet but has no node (and so no NNC) there yet", () => {
    // Cluster b's GPU pool on the same pod subnet is scaled to zero: nothing of b is on the subnet today.
    const b = snapshot("b", { nncs: [dynNnc("m1", { subnet: "other", cidr: "10.2.0.0/24", first: "10.2.0.4" })], arm: { ...arm({ name: "gpu", count: 0, maxCount: 4, enableAutoScaling: true }), name: "b" } });
    const a = cluster(arm({ count: 2, maxCount: 2, enableAutoScaling: true }));
    expect(run(ipx003, [a])).toEqual([]);
    const r = run(ipx003, [a, b]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", resource: "subnet/10.1.0.0/24", data: expect.objectContaining({ nodesAtMax: 2 + 1 + 4 + 1, projectedAtMax: 8 * 49 }) })]);
  });

  it("words an overlay pod CIDR in nodes and /24s: it is not a VNet subnet, so there is no SubnetIsFull", () => {
    const nncs = [0, 1, 2].map((i) => overlayNnc(`n${i}`, `10.244.${i}.0/24`, "10.244.0.0/22"));
    const ovl = snapshot("o1", { nncs, nodes: nodesFor(nncs), arm: { ...arm({ count: 3, maxCount: 5, enableAutoScaling: true, podSubnetID: undefined }), name: "o1", networkPluginMode: "overlay" } });
    const r = run(ipx003, [ovl]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", resource: "subnet/10.244.0.0/22" })]);
    expect(r[0]!.message).toContain("It serves at most 4 nodes (one /24 each): nodes past that will get no pod CIDR and cannot run pods.");
    expect(r[0]!.message).not.toContain("SubnetIsFull");
  });

  it("is not a compliance pass for a cluster whose shared subnet's headroom is unknown (another cluster there has no ARM data)", () => {
    const a = cluster(arm({ count: 1, maxCount: 2, enableAutoScaling: true }));
    const b = snapshot("b", { nncs: [dynNnc("m1", { first: "10.1.0.40" })] });
    const ipx003Of = (views: ClusterSnapshot[]) => evaluate({ scanId: "s", now: T0, views: views.map((v) => view(v)), rules: [ipx003] }).sections!.compliance!.clusters.map((c) => [c.cluster, c.results[0]]);
    expect(ipx003Of([a])).toEqual([["a", { rule: "IPX003", status: "pass", findings: 0 }]]);
    expect(ipx003Of([a, b])).toEqual([
      ["a", { rule: "IPX003", status: "not-applicable", findings: 0, reason: "headroom of pod subnet 10.1.0.0/24 (pods) unknown (b: no ARM data)" }],
      ["b", { rule: "IPX003", status: "not-applicable", findings: 0, reason: "no ARM agent-pool data" }],
    ]);
  });

  describe("on a subnet shared by clusters that upgrade independently", () => {
    // a and b hold 80 addresses each (a primary, 79 secondaries); each may surge one node of 49.
    const a = snapshot("a", { nncs: [dynNnc("n1", { held: 79 })], arm: arm({ count: 2 }) });
    const bArm = (over: Partial<ArmCluster> = {}) => ({ ...arm({ count: 2 }), name: "b", id: arm({}).id.replace(/a$/, "b"), ...over });

    it("warns, not critical, when only all their upgrades at once are short (258 of 251), and says one at a time fits", () => {
      const b = snapshot("b", { nncs: [dynNnc("m1", { held: 79, first: "10.1.0.100" })], arm: bArm() });
      const r = run(ipx003, [a, b]);
      expect(r).toEqual([expect.objectContaining({ severity: "warning", data: expect.objectContaining({ status: "exceeds-at-max", projectedNow: 160 + 2 * 49, projectedNowOneUpgrade: 160 + 49 }) })]);
      expect(r[0]!.message).toContain("it is short if all 2 clusters upgrade at once: the current nodes plus their surges (6 nodes) need up to 258 addresses (209 with one upgrade at a time, which fits;");
      expect(r[0]!.message).toContain("run them one at a time");
      expect(r[0]!.message).not.toContain("the upgrade fails");
    });

    it("counts a stopped cluster's nodes but not its surge, and names it", () => {
      // Stopped: not scanned, so no NNC of b is on the subnet; ARM still has its pool there.
      const b = snapshot("b", { arm: bArm({ powerState: "Stopped" }) }, "stopped");
      const r = run(ipx003, [a, b]);
      expect(r).toEqual([expect.objectContaining({ severity: "warning", data: expect.objectContaining({ projectedNow: 80 + 2 * 49 + 49, stoppedClusters: "b" }) })]);
      expect(r[0]!.message).toContain("(stopped in ARM, nodes counted without an upgrade surge: b)");
    });
  });

  it("takes maxSurge 0 (or 0%) as no surge node: a static-block /24 whose nodes drain in place is not short", () => {
    // 4 nodes × 3 /28s (maxPods 47) = 192 of the 224 in whole blocks; a surge node's 48 more would not fit.
    const nncs = [0, 1, 2, 3].map((i) => blockNnc(`n${i}`, `10.40.0.${16 + 48 * i}`, 3, { cidr: "10.40.0.0/24" }));
    const blk = (maxSurge: string) => snapshot("a", { nncs, nodes: nodesFor(nncs), arm: arm({ count: 4, maxPods: 47, maxSurge, maxUnavailable: "1", podSubnetID: PODSUBNET_ARM_ID, podIPAllocationMode: "StaticBlock" }) });
    expect(run(ipx003, [blk("0")])).toEqual([]);
    expect(run(ipx003, [blk("0%")])).toEqual([]);
    expect(run(ipx003, [blk("1")])).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ projectedNowOneUpgrade: 240 }) })]);
  });

  it("costs each pool by its own nodes' maxIPCount: a small system pool's cap does not hide a 250-pod pool's need", () => {
    // A /22 (1019 usable). The system pool's node caps at 30 IPs (31 a node); the user pool's at 250
    // (maxPods 250: 251 a node), whose 6 nodes + 1 surge need 1757: 1788 in all, not 8 × 31 = 248.
    const scaler = (maxIPCount: number) => ({ batchSize: 16, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount });
    const sys = dynNnc("aks-agentpool-0", { first: "10.1.0.4", held: 16, cidr: "10.1.0.0/22", scaler: scaler(30) });
    const usr = [0, 1, 2].map((i) => dynNnc(`aks-user-${i}`, { first: `10.1.1.${4 + 17 * i}`, held: 16, cidr: "10.1.0.0/22", scaler: scaler(250) }));
    const labelled = (name: string, pool: string) => node(name, { labels: { "kubernetes.io/os": "linux", "kubernetes.azure.com/agentpool": pool } });
    const two: ArmCluster = {
      ...arm({}),
      pools: [
        { name: "agentpool", count: 1, maxPods: 30, podSubnetID: PODS_ARM_ID, maxSurge: "1", mode: "System" },
        { name: "user", count: 3, enableAutoScaling: true, maxCount: 6, maxPods: 250, podSubnetID: PODS_ARM_ID, maxSurge: "1" },
      ],
    };
    const nodes = [labelled(sys.name, "agentpool"), ...usr.map((n) => labelled(n.name, "user"))];
    const r = run(ipx003, [snapshot("a", { nncs: [sys, ...usr], nodes, arm: two })]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", data: expect.objectContaining({ status: "exceeds-at-max", projectedAtMax: 31 + 7 * 251, capacity: 1019 }) })]);
  });

  it("is critical, as IPX001 is, on a static-block subnet whose blocks are all held, though ARM counts fewer nodes (orphaned NNCs)", () => {
    // 7 NNCs hold all 14 /28s of the /24 (maxPods 31: 2 a node); only 5 nodes are left, and ARM counts 5.
    const nncs = [0, 1, 2, 3, 4, 5, 6].map((i) => blockNnc(`n${i}`, `10.40.0.${16 + 32 * i}`, 2, { cidr: "10.40.0.0/24" }));
    const s = snapshot("a", { nncs, nodes: nodesFor(nncs.slice(0, 5)), arm: arm({ count: 5, maxPods: 31, podSubnetID: PODSUBNET_ARM_ID, podIPAllocationMode: "StaticBlock" }) });
    expect(run(ipx001, [s])).toEqual([expect.objectContaining({ severity: "critical" })]);
    expect(run(ipx003, [s])).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ status: "exceeds-now", projectedNowOneUpgrade: 224 + 32 }) })]);
  });

  it("raises nothing when max + surge fit exactly-ish (5 × 49 = 245 ≤ 251)", () => {
    expect(run(ipx003, [cluster(arm({ count: 2, maxCount: 4, enableAutoScaling: true }))])).toEqual([]);
  });
});

function history(points: Array<[daysAgo: number, used: number]>): EvaluationSummary[] {
  return points.map(([d, used], i) => ({
    scanId: `s${i}`,
    generatedAt: new Date(T0.getTime() - d * 86_400_000).toISOString(),
    clusters: 1,
    counts: { critical: 0, warning: 0, info: 0, waived: 0 },
    subnets: [{ key: PODS_KEY, cidr: "10.1.0.0/24", used, capacity: 251 }],
    ref: `r${i}`,
  }));
}

describe("IPX004 exhaustion forecast", () => {
  // 200 of 251 held now (primary + 199 secondaries): 51 left.
  const now200 = () => snapshot("a", { nncs: [dynNnc("n1", { held: 199 })] });

  it("is critical when the fit says full within 3 days", () => {
    const r = run(ipx004, [now200()], { history: history([[2, 150], [1, 175]]) });
    expect(r).toEqual([expect.objectContaining({ severity: "critical", resource: "subnet/10.1.0.0/24", data: expect.objectContaining({ ratePerDay: 25, points: 3, used: 200, capacity: 251 }) })]);
    expect(r[0]!.message).toMatch(/grows by about 25 addresses a day \(fit over 3 scans\) and will be full around 2026-11-30T04:57Z, in 2\.0 days: 200 of 251/);
  });

  it("warns within 14 days", () => {
    expect(run(ipx004, [now200()], { history: history([[2, 190], [1, 195]]) })).toEqual([expect.objectContaining({ severity: "warning" })]);
  });

  it("raises nothing for a subnet that stepped up once (a cluster joined it) and stayed flat", () => {
    const hourly = Array.from({ length: 7 * 24 }, (_, i): [number, number] => [(7 * 24 - i) / 24, 7 * 24 - i > 72 ? 100 : 200]);
    expect(run(ipx004, [now200()], { history: history(hourly) })).toEqual([]);
  });

  it("does not page for one scale-out: a step seen by three scans is a level change, not 306 addresses a day", () => {
    // 85 held, then 3 nodes joined (136), then 136 two hours later: flat since the step.
    const now136 = snapshot("a", { nncs: [dynNnc("n1", { held: 135 })] });
    expect(run(ipx004, [now136], { history: history([[4 / 24, 85], [2 / 24, 136]]) })).toEqual([]);
    // Steady growth across the same step is still forecast.
    expect(run(ipx004, [now136], { history: history([[8 / 24, 60], [6 / 24, 70], [4 / 24, 80], [2 / 24, 126]]) })).toEqual([expect.objectContaining({ severity: "critical" })]);
  });

  it("does not date a subnet from two scans after a step: 200 -> 205 in an hour is no 120 addresses a day", () => {
    const now205 = snapshot("a", { nncs: [dynNnc("n1", { held: 204 })] });
    expect(run(ipx004, [now205], { history: history([[3 / 24, 100], [2 / 24, 110], [1 / 24, 200]]) })).toEqual([]);
  });

  it("raises nothing beyond 14 days, without enough history, when shrinking, or when already full", () => {
    expect(run(ipx004, [now200()], { history: history([[2, 198], [1, 199]]) })).toEqual([]);
    expect(run(ipx004, [now200()], { history: history([[1, 100]]) })).toEqual([]);
    expect(run(ipx004, [now200()])).toEqual([]);
    expect(run(ipx004, [now200()], { history: history([[2, 240], [1, 220]]) })).toEqual([]);
    const full = snapshot("a", { nncs: [dynNnc("n1", { first: "10.1.0.4", held: 250 })] });
    expect(run(ipx004, [full], { history: history([[2, 100], [1, 200]]) })).toEqual([]);
  });

  it("uses policy thresholds", () => {
    expect(run(ipx004, [now200()], { history: history([[2, 198], [1, 199]]), policy: { thresholds: { IPX004: { warningDays: 60 } } } })).toHaveLength(1);
  });

  it("forecasts a static-block subnet up to its last whole /28, not to size − 5", () => {
    // 13 blocks (208 addresses) held, 8 more a day: 16 left in whole /28s is 2 days, not 43 of 251 (5.4 days).
    const blocks = snapshot("a", { nncs: [blockNnc("b1", "10.1.0.16", 13, { cidr: "10.1.0.0/24", subnet: "pods" })] });
    const r = run(ipx004, [blocks], { history: history([[2, 192], [1, 200]]) });
    expect(r).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ used: 208, capacity: 251, room: 224 }) })]);
    expect(r[0]!.message).toMatch(/in 2\.0 days: 208 of 224 addresses in whole \/28 blocks are held now/);
    // With no whole /28 left it is full already: IPX001's finding.
    const full = snapshot("a", { nncs: [blockNnc("b1", "10.1.0.16", 14, { cidr: "10.1.0.0/24", subnet: "pods" })] });
    expect(run(ipx004, [full], { history: history([[2, 192], [1, 208]]) })).toEqual([]);
  });

  it("agrees with IPX001 that a mixed-mode subnet accounted as static block is full when no whole /28 is left", () => {
    // 2 × 6 blocks (192) and a dynamic NC holding 18: 210 held, 14 of 14 blocks touched. Not a multiple
    // of 16, yet full: no date, no second critical, and the compliance reason leaves it to IPX001.
    const mixed = snapshot("a", {
      nncs: [
        blockNnc("b1", "10.1.0.16", 6, { cidr: "10.1.0.0/24", subnet: "pods" }),
        blockNnc("b2", "10.1.0.112", 6, { cidr: "10.1.0.0/24", subnet: "pods" }),
        dynNnc("d1", { first: "10.1.0.208", held: 17 }),
      ],
    });
    const h = history([[2, 180], [1, 195]]);
    const ctx = context([view(mixed)], { history: h });
    expect(subnetAccounting(ctx).subnets).toEqual([expect.objectContaining({ mode: "vnetblock", used: 210 })]);
    expect([...ipx001.check(ctx)]).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ used: 210, blocksLeft: 0 }) })]);
    expect([...ipx004.check(ctx)]).toEqual([]);
    expect(subnetUsage(ctx)).toEqual([expect.objectContaining({ used: 210, forecastExhaustionAt: T0.toISOString(), forecastNote: "already full" })]);
    const compliance = evaluate({ scanId: "s", now: T0, views: [view(mixed)], rules: [ipx004], history: h }).sections!.compliance!.clusters[0]!.results[0];
    expect(compliance).toMatchObject({ status: "not-applicable", reason: "no forecast for pod subnet 10.1.0.0/24 (pods): already full (IPX001 judges it)" });
  });

  it("reads already full, not a date, where CNS reports the subnet full, as IPX002 does, whatever the count says", () => {
    // Growing 25 a day with 51 left would be a date; an NC in NCUpdateSubnetFullError (or an exhausted
    // ClusterSubnetState) says DNC-RC cannot allocate now.
    const h = history([[2, 150], [1, 175]]);
    const fullNc = snapshot("a", { nncs: [dynNnc("n1", { held: 199, ncStatus: "NCUpdateSubnetFullError" })] });
    const exhausted = snapshot("a", { nncs: [dynNnc("n1", { held: 199 })], subnetStates: [{ name: "pods", namespace: "kube-system", exhausted: true }] });
    for (const snap of [fullNc, exhausted]) {
      const ctx = context([view(snap)], { history: h });
      expect([...ipx002.check(ctx)]).toEqual([expect.objectContaining({ severity: "critical", resource: "subnet/10.1.0.0/24" })]);
      expect([...ipx004.check(ctx)]).toEqual([]);
      const [row] = subnetUsage(ctx);
      expect(row).toMatchObject({ used: 200, forecastExhaustionAt: T0.toISOString() });
      expect(saysAlreadyFull(row!.forecastNote)).toBe(true);
      expect(row!.forecastNote).toMatch(/CNS reports it full \(1 (NC\(s\) in NCUpdateSubnetFullError|ClusterSubnetState\(s\) exhausted)\), 51 address\(es\) free/);
      const compliance = evaluate({ scanId: "s", now: T0, views: [view(snap)], rules: [ipx004], history: h }).sections!.compliance!.clusters[0]!.results[0];
      expect(compliance).toMatchObject({ status: "not-applicable", reason: expect.stringMatching(/: already full: .*\(IPX002 judges it\)$/) });
    }
  });

  it("reads already full where a dynamic subnet has less than one scaler batch free, and dates it from one batch on", () => {
    const h = history([[2, 180], [1, 200]]);
    const usageOf = (held: number, batchSize = 16) => {
      const scaler = { batchSize, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount: 250 };
      return subnetUsage(context([view(snapshot("a", { nncs: [dynNnc("n1", { held, scaler })] }))], { history: h }))[0]!;
    };
    // 237 held, 14 free: no node can grow by a batch of 16.
    expect(usageOf(236)).toMatchObject({ used: 237, forecastExhaustionAt: T0.toISOString(), forecastNote: "already full: 14 address(es) free, less than one allocation batch of 16" });
    // One batch free is still room: a date.
    expect(saysAlreadyFull(usageOf(234).forecastNote)).toBe(false);
    expect(usageOf(234).forecastExhaustionAt).not.toBeNull();
    // A smaller batch fits in 14.
    expect(saysAlreadyFull(usageOf(236, 8).forecastNote)).toBe(false);
  });

  it("is a compliance pass only where a forecast was made and is far enough away; without history, not applicable with the reason", () => {
    const ipx004Of = (snap: ClusterSnapshot, h: EvaluationSummary[] = []) =>
      evaluate({ scanId: "s", now: T0, views: [view(snap)], rules: [ipx004], history: h }).sections!.compliance!.clusters[0]!.results[0];
    expect(ipx004Of(now200())).toEqual({
      rule: "IPX004",
      status: "not-applicable",
      findings: 0,
      reason: "no forecast for pod subnet 10.1.0.0/24 (pods): not enough history: 1 point(s) over 0 minute(s); needs 3 over at least 1 hour(s)",
    });
    expect(ipx004Of(now200(), history([[1, 100]]))).toMatchObject({ status: "not-applicable", reason: expect.stringMatching(/^no forecast for pod subnet 10\.1\.0\.0\/24 \(pods\): not enough history: 2 point\(s\)/) });
    // 1 a day with 51 left: full in 51 days, beyond the 14-day warning. Shrinking is a forecast too.
    expect(ipx004Of(now200(), history([[2, 198], [1, 199]]))).toEqual({ rule: "IPX004", status: "pass", findings: 0 });
    expect(ipx004Of(now200(), history([[2, 240], [1, 220]]))).toEqual({ rule: "IPX004", status: "pass", findings: 0 });
    expect(ipx004Of(now200(), history([[2, 150], [1, 175]]))).toMatchObject({ status: "fail", severity: "critical" });
    // Full already: IPX001's finding, and no forecast of IPX004's to call a pass.
    const full = snapshot("a", { nncs: [dynNnc("n1", { first: "10.1.0.4", held: 250 })] });
    expect(ipx004Of(full, history([[2, 100], [1, 200]]))).toMatchObject({ status: "not-applicable", reason: "no forecast for pod subnet 10.1.0.0/24 (pods): already full (IPX001 judges it)" });
  });

  it("counts an unreachable cluster's last data once, at the time it was read: the date does not move later while the fleet is blind", () => {
    // Every 12 hours: 6 scans read 10 more addresses each (20 a day), then the cluster stops answering.
    const HOUR = 3_600_000;
    let h: EvaluationSummary[] = [];
    let read: ClusterSnapshot | undefined;
    const out: Array<{ row: SubnetUsage; findings: Finding[] }> = [];
    for (let i = 0; i < 12; i++) {
      const now = new Date(T0.getTime() + i * 12 * HOUR);
      const scanId = newScanId(now);
      const scanned = snapshot("a", { scanId, takenAt: now.toISOString(), nncs: [dynNnc("n1", { held: 99 + 10 * i })] }, i < 6 ? "ok" : "unreachable");
      if (i < 6) read = scanned;
      const e = evaluate({ scanId, now, views: [view(read!, scanned)], rules: [ipx004], history: h });
      h = [summarizeEvaluation(e, `r${i}`), ...h];
      out.push({ row: e.subnets[0]!, findings: e.findings });
    }
    const blind = out.slice(6);
    // Dated from the last data (150 held, 101 left at 20 a day), as when it was read: not later with every copy.
    expect(new Set(blind.map((o) => o.row.forecastExhaustionAt))).toEqual(new Set([out[5]!.row.forecastExhaustionAt]));
    expect(blind.every((o) => o.findings[0]?.data?.points === 6)).toBe(true);
    // Still raised after a week without data, and saying how old its data are.
    const last = blind[blind.length - 1]!;
    expect(last.row.forecastNote).toBe("from data as of 2026-11-30T16:00Z, older than this scan");
    expect(last.findings[0]!.message).toMatch(/: 150 of 251 usable addresses were held in the newest data, of 2026-11-30T16:00Z\.$/);
    // A scan that reads the cluster again makes its data new: no note.
    expect(out[5]!.row.forecastNote).toBeUndefined();
  });

  it("judges a cluster with at least one subnet forecast", () => {
    // The second subnet is new (no history): the first one's forecast is what IPX004 judged.
    const two = snapshot("a", { nncs: [dynNnc("n1", { held: 199 }), dynNnc("n2", { subnet: "pods2", cidr: "10.2.0.0/24", first: "10.2.0.4" })] });
    const r = evaluate({ scanId: "s", now: T0, views: [view(two)], rules: [ipx004], history: history([[2, 198], [1, 199]]) });
    expect(r.sections!.compliance!.clusters[0]!.results[0]).toEqual({ rule: "IPX004", status: "pass", findings: 0 });
  });
});

describe("IPX005 overlay pod CIDR node capacity", () => {
  const slash24 = (i: number) => `10.244.${i}.0/24`;

  it("is critical when every /24 of a /22 is taken, orphaned NNCs included", () => {
    const nncs = [0, 1, 2, 3].map((i) => overlayNnc(`n${i}`, slash24(i), "10.244.0.0/22"));
    const r = run(ipx005, [snapshot("ovl", { nncs, nodes: nodesFor(nncs.slice(0, 3)) })]);
    expect(r).toEqual([expect.objectContaining({ severity: "critical", cluster: "ovl", resource: "subnet/10.244.0.0/22", data: expect.objectContaining({ nodeCapacity: 4, taken: 4, nodes: 3, nncs: 4 }) })]);
    expect(r[0]!.message).toBe("overlay pod CIDR 10.244.0.0/22 of ovl serves at most 4 nodes (one /24 each) and 4 are taken (3 node(s) with an NNC, 1 NNC(s) without a node): no new node can join.");
  });

  it("counts nodes still waiting for their NNC", () => {
    const nncs = [0, 1, 2].map((i) => overlayNnc(`n${i}`, slash24(i), "10.244.0.0/22"));
    const r = run(ipx005, [snapshot("ovl", { nncs, nodes: [...nodesFor(nncs), node("new")] })]);
    expect(r).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ taken: 4, waiting: 1 }) })]);
  });

  describe("during a pod CIDR expansion (/23 to /22: nodes not yet updated still say the /23)", () => {
    // Two NNCs on the /23's two /24s, a third in the new half, already on the /22: 3 of its 4 /24s.
    const expanding = () => {
      const nncs = [overlayNnc("n0", slash24(0), "10.244.0.0/23"), overlayNnc("n1", slash24(1), "10.244.0.0/23"), overlayNnc("n2", slash24(2), "10.244.0.0/22")];
      return snapshot("ovl", { nncs, nodes: nodesFor(nncs) });
    };
    const summary = (daysAgo: number, rows: Array<[cidr: string, used: number]>): EvaluationSummary => ({
      scanId: `s${daysAgo}`,
      generatedAt: new Date(T0.getTime() - daysAgo * 86_400_000).toISOString(),
      clusters: 1,
      counts: { critical: 0, warning: 0, info: 0, waived: 0 },
      subnets: rows.map(([cidr, used]) => ({ key: `overlay:ovl:${cidr}`, cidr, used, capacity: 1024 })),
      ref: `r${daysAgo}`,
    });

    it("judges one pod CIDR, the /22, not a full /23 beside it", () => {
      expect(run(ipx005, [expanding()])).toEqual([]);
      expect(run(ipx001, [expanding()])).toEqual([]);
      expect(subnetAccounting(context([view(expanding())])).subnets.map((a) => [a.key, a.used, a.capacity])).toEqual([["overlay:ovl:10.244.0.0/22", 768, 1024]]);
    });

    it("forecasts from the history stored under the /23, and from rows stored split before", () => {
      // 128 addresses a day: 384, 512, then 640 stored as two rows, 768 now; 256 left is two days.
      const h = [summary(1, [["10.244.0.0/23", 512], ["10.244.0.0/22", 128]]), summary(2, [["10.244.0.0/23", 512]]), summary(3, [["10.244.0.0/23", 384]])];
      const [row] = subnetUsage(context([view(expanding())], { history: h }));
      expect(row).toMatchObject({ key: "overlay:ovl:10.244.0.0/22", forecastExhaustionAt: new Date(T0.getTime() + 2 * 86_400_000).toISOString() });
    });
  });

  it("stays quiet at 75 % of a /22 and for a /16, and ignores pod subnets", () => {
    const three = [0, 1, 2].map((i) => overlayNnc(`n${i}`, slash24(i), "10.244.0.0/22"));
    expect(run(ipx005, [snapshot("ovl", { nncs: three, nodes: nodesFor(three) })])).toEqual([]);
    const eight = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => overlayNnc(`n${i}`, slash24(i)));
    expect(run(ipx005, [snapshot("ovl", { nncs: eight, nodes: nodesFor(eight) })])).toEqual([]);
    expect(run(ipx005, [snapshot("dyn", { nncs: [dynNnc("d", { held: 240 })] })])).toEqual([]);
  });
});

describe("IPX006 dynamic node at its cap", () => {
  it("warns when requestedIPCount equals the (clamped) maxIPCount", () => {
    const at = dynNnc("n1", { held: 250, requested: 250, cidr: "10.1.0.0/16" });
    const zeroMax = dynNnc("n2", { first: "10.1.2.0", held: 250, requested: 250, cidr: "10.1.0.0/16", scaler: { batchSize: 16, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount: 0 } });
    const r = run(ipx006, [snapshot("a", { nncs: [at, zeroMax], nodes: [node("n1", { pendingPods: 4 }), node("n2")] })]);
    expect(r.map((x) => [x.resource, x.severity])).toEqual([["nnc/n1", "warning"], ["nnc/n2", "warning"]]);
    expect(r[0]!.message).toBe("NNC n1 requests 250 IPs, its scaler's maxIPCount: CNS will not request more for this node, and 4 pod(s) there are Pending.");
  });

  it("stays quiet below the cap and for static-block NNCs that request 250 by design", () => {
    expect(run(ipx006, [snapshot("a", { nncs: [dynNnc("n1", { held: 240, requested: 240, cidr: "10.1.0.0/16" }), blockNnc("b", "10.40.0.160")] })])).toEqual([]);
  });
});
