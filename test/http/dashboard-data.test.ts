// The html report format and the dashboard's data document, without a browser.
import { describe, expect, it } from "vitest";
import { DASHBOARD_LIMITS, dashboardData, findingsScore, jsonForScript } from "../../src/http/dashboard-data.js";
import { renderDashboard } from "../../src/http/dashboard.js";
import { type EvaluationSummary, findingClusters, type FleetEvaluation, summarizeEvaluation } from "../../src/model/evaluation.js";
import type { Finding } from "../../src/model/finding.js";
import { cspHash, renderHtml, REPORT_CSP } from "../../src/reports/formats/html.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { complianceReport } from "../../src/reports/kinds/compliance.js";
import { snapshot, T0, view } from "../fixtures/builders.js";
import { reportKind } from "../../src/reports/catalogue.js";
import { cnsPod, healthy, withWindows } from "../rules/cns-fixtures.js";

const XSS = `<img src=x onerror=alert(1)>`;

function finding(over: Partial<Finding>): Finding {
  return { id: `X-${Math.random()}`, rule: "CNS002", severity: "critical", cluster: "a", resource: "pod/p", message: "m", firstSeen: "2026-11-28T04:00:00Z", lastSeen: "2026-11-28T04:00:00Z", ...over };
}

function evaluation(over: Partial<FleetEvaluation> = {}): FleetEvaluation {
  const row = (cluster: string) => ({ cluster, status: "ok" as const, mode: "vnetblock" as const, nodes: 2, nncs: 2, requestedIPs: 500, assignedIPs: 510, takenAt: "2026-11-28T04:00:00Z" });
  return {
    schemaVersion: 1,
    scanId: "20261128T040000000Z-abcd",
    generatedAt: "2026-11-28T04:00:01Z",
    clusters: [row("a"), row(XSS), row("c")],
    subnets: [
      { key: "k1", cidr: "10.40.0.0/13", name: "podsubnet", mode: "vnetblock", clusters: ["a", XSS], capacity: 524283, used: 1024, utilization: 1024 / 524283, forecastExhaustionAt: null, forecastNote: "not enough history" },
      { key: "k2", cidr: "10.241.0.0/24", mode: "dynamic", clusters: ["c"], capacity: 251, used: 240, utilization: 240 / 251, forecastExhaustionAt: "2026-12-10T00:00:00Z" },
    ],
    findings: [
      finding({ cluster: XSS }),
      finding({ cluster: XSS, severity: "warning", rule: "CNS003" }),
      finding({ cluster: "a", clusters: ["a", XSS], rule: "IPX001", severity: "info", resource: "subnet/10.40.0.0/13" }),
      finding({ cluster: "c", severity: "critical", waived: { reason: "known" } }),
    ],
    resolved: [],
    notes: [],
    ...over,
  };
}

/** The summary of a scan a day before `e`, its data read then. */
function dayBefore(e: FleetEvaluation): EvaluationSummary {
  const older = summarizeEvaluation(e, "r0");
  return { ...older, scanId: "20261127T040000000Z-abcd", generatedAt: "2026-11-27T04:00:01Z", subnets: older.subnets.map((s) => ({ ...s, dataAt: "2026-11-27T04:00:00Z" })) };
}

describe("html report format", () => {
  const sections = [{ name: "t", title: `T ${XSS}`, columns: [{ key: "a", title: "A&B" }, { key: "n", title: "N", align: "right" as const }], rows: [{ a: XSS, n: 3 }, { a: `"'\``, n: null }], rowSeverity: ["critical", `x" onmouseover="alert(1)`] }];

  it("escapes every title and cell and whitelists row classes", () => {
    const html = renderHtml(`R ${XSS}`, "sub", sections);
    expect(html).not.toContain(XSS);
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(html).toContain("<th scope=\"col\">A&#38;B</th>");
    expect(html).toContain("&#34;&#39;&#96;");
    expect(html).toContain('<tr class="critical">');
    expect(html).not.toContain("onmouseover");
    expect(html).not.toMatch(/<script/i);
  });

  it("carries a CSP that allows its own style and nothing else", () => {
    const html = renderHtml("R", "sub", sections);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(REPORT_CSP).toContain(cspHash(style));
    expect(REPORT_CSP).toMatch(/^default-src 'none'/);
    expect(html).toContain("Content-Security-Policy");
  });
});

describe("dashboard data", () => {
  it("scores from findings when there is no compliance section, worst first", () => {
    const d = dashboardData(evaluation(), []);
    expect(d.clusters.map((c) => [c.cluster, c.score, c.scoreFrom])).toEqual([
      [XSS, 100 - 25 - 10 - 2, "findings"],
      ["a", 98, "findings"], // the shared IPX001 finding counts for both clusters
      ["c", 100, "findings"], // waived findings do not count
    ]);
    expect(findingsScore({ critical: 5, warning: 0, info: 0, waived: 0 })).toBe(0);
  });

  it("carries azure-cns-win's counts where the scan read it", () => {
    const win = withWindows(healthy("win"), 2);
    win.cns.windowsDaemonset!.ready = 1;
    const d = dashboardData(evaluate({ scanId: "s", now: T0, views: [view(win), view(healthy("linux"))] }), []);
    const by = new Map(d.clusters.map((c) => [c.cluster, c.health]));
    expect(by.get("win")?.windowsDaemonset).toEqual({ desired: 2, ready: 1, updated: 2, available: 2 });
    // Coloured apart from azure-cns, which is fine.
    expect(by.get("win")?.severities).toEqual({ windowsDaemonset: "critical" });
    expect(by.get("linux")).not.toHaveProperty("windowsDaemonset");
  });

  it("carries the CNS health view: sick clusters worst first, each count's severity, and the pods and nodes by name as the health report has them, capped", () => {
    const crash = healthy("crash");
    crash.cns.pods[1] = cnsPod("n2", { ready: false, reason: "CrashLoopBackOff", lastTerminationReason: "Error", restarts: 9 });
    crash.cns.daemonset!.ready = 2;
    crash.nncs.pop(); // n3 has no NNC
    const many = healthy("many", 8);
    many.cns.pods = many.cns.pods.map((p) => ({ ...p, ready: false }));
    many.cns.daemonset!.ready = 0;
    const rolling = healthy("rolling");
    rolling.cns.daemonset!.updated = 2;
    const e = evaluate({ scanId: "s", now: T0, views: [view(healthy("fine")), view(rolling), view(crash), view(many), view(snapshot("never", {}, "unreachable"))] });
    const d = dashboardData(e, []);
    const by = new Map(d.clusters.map((c) => [c.cluster, c.health]));

    // Critical before warning; healthy and never-read clusters are not listed.
    expect(d.cns.sick.slice(0, 2).sort()).toEqual(["crash", "many"]);
    expect(d.cns.sick.slice(2)).toEqual(["rolling"]);
    expect(d.cns).toMatchObject({ clustersRead: 4, daemonSets: 4 });
    expect(by.get("fine")).toMatchObject({ severities: {}, attention: [], attentionTotal: 0 });
    expect(by.get("fine")).not.toHaveProperty("severity");
    expect(by.get("rolling")).toMatchObject({ severity: "warning", severities: { daemonset: "warning" }, ready: "3/3" });
    expect(by.get("crash")).toMatchObject({ severity: "critical", ready: "2/3", severities: { daemonset: "critical", notReady: "critical", crashLooping: "critical", withoutNnc: "critical" } });
    expect(by.get("crash")!.severities).not.toHaveProperty("withoutCnsPod");

    // The same pods and nodes, words and numbers as the health report's nodes table.
    const report = reportKind("health")!;
    const nodesTable = report.tables(report.build(e, { cluster: "crash" }))[1]!;
    const shown = by.get("crash")!.attention;
    expect(shown.map((r) => [r.node, r.pod ?? "", r.status, r.restarts, r.reason])).toEqual(nodesTable.rows.map((r) => [r.node, r.pod, r.status, r.restarts, r.reason]));
    expect(shown.find((r) => r.pod === "azure-cns-n2")).toMatchObject({ status: "crashloop", severity: "critical", restarts: 9, reason: "CrashLoopBackOff; last exit Error" });
    expect(shown.find((r) => r.node === "n3")).toMatchObject({ status: "no-nnc", severity: "critical" });

    // A 1,000-cluster fleet must not carry every node of every sick cluster.
    expect(by.get("many")!.attention).toHaveLength(DASHBOARD_LIMITS.cnsNodesPerCluster);
    expect(by.get("many")!.attentionTotal).toBe(8);
  });

  it("says no CNS cluster is sick, counting azure-cns-win where it runs pods", () => {
    const d = dashboardData(evaluate({ scanId: "s", now: T0, views: [view(withWindows(healthy("win"), 2)), view(healthy("linux"))] }), []);
    expect(d.cns).toEqual({ clustersRead: 2, daemonSets: 3, sick: [] });
  });

  it("says a cluster no scan has read has unknown counts, and gives it no health counts of zeros", () => {
    const failed = snapshot("never", { takenAt: new Date(T0.getTime() + 60_000).toISOString() }, "unreachable");
    const d = dashboardData(evaluate({ scanId: "s", now: T0, views: [view(healthy("a")), view(failed)] }), []);
    const by = new Map(d.clusters.map((c) => [c.cluster, c]));
    expect(by.get("never")).toMatchObject({ lastOkAt: null, scanFailed: true });
    expect(by.get("never")).not.toHaveProperty("health");
    expect(by.get("a")).toMatchObject({ lastOkAt: T0.toISOString(), health: { nodes: { total: 3 } } });
    // An evaluation stored before rows carried lastOkAt: the status and dataFrom say the same.
    const old = evaluation();
    old.clusters = old.clusters.map((c) => (c.cluster === "c" ? { ...c, status: "unreachable" as const } : c));
    expect(dashboardData(old, []).clusters.map((c) => [c.cluster, c.lastOkAt])).toEqual([["c", null], [XSS, "2026-11-28T04:00:00Z"], ["a", "2026-11-28T04:00:00Z"]]);
  });

  it("ranks a cluster the scan could not read first, whatever its score", () => {
    const e = evaluation();
    e.clusters = e.clusters.map((c) => (c.cluster === "c" ? { ...c, status: "unreachable" as const } : c));
    expect(dashboardData(e, []).clusters.map((c) => c.cluster)).toEqual(["c", XSS, "a"]);
  });

  it("counts only a scan that could not read the cluster as failed, not a cluster without CNS or a stopped one", () => {
    const e = evaluation();
    const status = { a: "not-cns", [XSS]: "stopped", c: "unauthorized" } as const;
    e.clusters = e.clusters.map((c) => ({ ...c, status: status[c.cluster as keyof typeof status] }));
    const d = dashboardData(e, []);
    expect(Object.fromEntries(d.clusters.map((c) => [c.cluster, c.scanFailed]))).toEqual({ a: false, [XSS]: false, c: true });
    expect(d.clusters[0]!.cluster).toBe("c");
  });

  it("prefers the compliance section's score when present", () => {
    const e = evaluation({
      sections: {
        compliance: {
          rules: [],
          clusters: [{ cluster: "c", score: 12, grade: "F", counts: { pass: 0, fail: 1, waived: 0, "not-applicable": 0 }, results: [{ rule: "CNS002", status: "fail", severity: "critical", findings: 1 }, { rule: "IPX001", status: "pass", findings: 0 }] }],
          totals: { clusters: 1, counts: { pass: 0, fail: 1, waived: 0, "not-applicable": 0 }, averageScore: 12, grades: { F: 1 }, failingClusters: 1 },
        },
      },
    });
    const c = dashboardData(e, []).clusters.find((x) => x.cluster === "c")!;
    expect(c).toMatchObject({ score: 12, grade: "F", scoreFrom: "compliance" });
    expect(c.results!.map((r) => r.rule)).toEqual(["CNS002"]);
  });

  it("leaves a cluster compliance could not grade ungraded, as report compliance does, and ranks it by whether the scan read it", () => {
    const failed = snapshot("never", { takenAt: new Date(T0.getTime() + 60_000).toISOString() }, "unreachable");
    const views = [view(healthy("a")), view(failed), view(snapshot("legacy", {}, "not-cns")), view(snapshot("off", {}, "stopped"))];
    const e = evaluate({ scanId: "s", now: T0, views });
    const report = complianceReport.build(e, {});
    const d = dashboardData(e, []);
    for (const c of d.clusters) {
      const row = report.clusters.find((r) => r.cluster === c.cluster)!;
      expect([c.cluster, c.score, c.grade]).toEqual([row.cluster, row.score, row.grade]);
    }
    expect(d.clusters.filter((c) => c.score === null).map((c) => [c.cluster, c.scoreFrom])).toEqual([["never", null], ["legacy", null], ["off", null]]);
    // Unreadable first (the fleet is blind there), graded lowest first, then those not graded.
    expect(d.clusters.map((c) => c.cluster)).toEqual(["never", "a", "legacy", "off"]);
    // Stored before the compliance section: scored from findings, except a cluster no scan has read.
    const old = evaluation();
    old.clusters = old.clusters.map((c) => (c.cluster === "c" ? { ...c, status: "not-cns" as const } : c));
    expect(dashboardData(old, []).clusters.map((c) => [c.cluster, c.score, c.scoreFrom])).toEqual([[XSS, 63, "findings"], ["a", 98, "findings"], ["c", null, null]]);
  });

  it("marks shared subnets, orders by utilisation and builds the trend oldest first", () => {
    const e = evaluation();
    const older = dayBefore(e);
    older.subnets = older.subnets.map((s) => ({ ...s, used: s.used - 10 }));
    const d = dashboardData(e, [summarizeEvaluation(e, "r1"), older]);
    expect(d.subnets.map((s) => [s.cidr, s.shared])).toEqual([["10.241.0.0/24", false], ["10.40.0.0/13", true]]);
    expect(d.trend.map((p) => p.scanId)).toEqual([older.scanId, e.scanId]);
    expect(d.trend[1]!.used! - d.trend[0]!.used!).toBe(20);
    expect(d.trend[1]!.subnets).toEqual({ k1: 1024, k2: 240 });
    // Each line's capacity at each point, so the page plots how full it was then.
    expect(d.trend.map((p) => p.subnetCapacity)).toEqual([{ k1: 524283, k2: 251 }, { k1: 524283, k2: 251 }]);
    // The current evaluation joins the trend even before the history lists it.
    expect(dashboardData(e, [older]).trend.map((p) => p.scanId)).toEqual([older.scanId, e.scanId]);
  });

  it("marks a subnet the forecast found full already, whose exhaustion time is the scan's, not a date ahead", () => {
    const e = evaluation();
    e.subnets.push({ key: "overlay:c:10.250.0.0/22", cidr: "10.250.0.0/22", mode: "overlay", clusters: ["c"], capacity: 1024, used: 1024, utilization: 1, forecastExhaustionAt: e.generatedAt, forecastNote: "already full" });
    const d = dashboardData(e, []);
    expect(d.subnets.find((s) => s.cidr === "10.250.0.0/22")).toMatchObject({ alreadyFull: true, forecastExhaustionAt: e.generatedAt });
    expect(d.subnets.filter((s) => s.alreadyFull).map((s) => s.cidr)).toEqual(["10.250.0.0/22"]);
  });

  it("gives a dated subnet no forecast summary, its note stays the note; a row without a date still reads one from its note", () => {
    const e = evaluation();
    const note = "apart from a step from 85 to 136 at 2026-11-27T20:00Z (1 unusable point(s) ignored)";
    e.subnets.push({ key: "k3", cidr: "10.242.0.0/24", mode: "dynamic", clusters: ["c"], capacity: 251, used: 136, utilization: 136 / 251, forecastExhaustionAt: "2026-11-29T00:00:00Z", forecastNote: note });
    e.subnets.push({ key: "overlay:c:10.250.0.0/22", cidr: "10.250.0.0/22", mode: "overlay", clusters: ["c"], capacity: 1024, used: 1024, utilization: 1, forecastExhaustionAt: e.generatedAt, forecastNote: "already full" });
    const by = new Map(dashboardData(e, []).subnets.map((s) => [s.cidr, s]));
    expect(by.get("10.242.0.0/24")).toMatchObject({ forecastExhaustionAt: "2026-11-29T00:00:00Z", forecastNote: note });
    expect(by.get("10.242.0.0/24")).not.toHaveProperty("forecastSummary");
    expect(by.get("10.250.0.0/22")).toMatchObject({ alreadyFull: true, forecastSummary: "already full" });
    expect(by.get("10.40.0.0/13")).toMatchObject({ forecastExhaustionAt: null, forecastSummary: "not enough history" });
  });

  it("draws data the scans could only copy (every cluster on a subnet failed its scans since) once, not as new points", () => {
    const read = "2026-11-27T04:00:00Z";
    const at = (iso: string, status: "ok" | "unreachable") => {
      const e = evaluation({ scanId: `${iso.replace(/[-:]/g, "").slice(0, 15)}000Z-abcd`, generatedAt: iso });
      e.clusters = e.clusters.map((c) => ({ ...c, status, takenAt: iso, lastOkAt: read }));
      return e;
    };
    const e = at("2026-11-28T04:00:00Z", "unreachable");
    const history = [at("2026-11-27T16:00:00Z", "unreachable"), at(read, "ok")].map((x, i) => summarizeEvaluation(x, `r${i}`));
    const d = dashboardData(e, history);
    expect(d.trend.map((p) => p.at)).toEqual([read, "2026-11-27T16:00:00Z", e.generatedAt]);
    expect(d.trend.map((p) => p.subnets)).toEqual([{ k1: 1024, k2: 240 }, {}, {}]);
    expect(d.trend.map((p) => p.used)).toEqual([1024 + 240, null, null]);
  });

  it("sums VNet pod subnets in the trend, not an overlay cluster's private pod CIDR", () => {
    const e = evaluation();
    e.subnets.push({ key: "overlay:c:10.244.0.0/16", cidr: "10.244.0.0/16", mode: "overlay", clusters: ["c"], capacity: 65536, used: 512, utilization: 512 / 65536, forecastExhaustionAt: null });
    const d = dashboardData(e, []);
    expect(d.trend.map((p) => [p.used, p.capacity])).toEqual([[1024 + 240, 524283 + 251]]);
    expect(d.subnets.map((s) => s.cidr)).toContain("10.244.0.0/16");
  });

  it("follows an overlay pod CIDR expanded since (a /16 now in a /15) on in its trend line, as the forecast does, a split row summed", () => {
    const e = evaluation();
    e.subnets = [{ key: "overlay:c:10.244.0.0/15", cidr: "10.244.0.0/15", mode: "overlay", clusters: ["c"], capacity: 131072, used: 60000, utilization: 60000 / 131072, forecastExhaustionAt: null }];
    const at = (day: number, subnets: EvaluationSummary["subnets"]): EvaluationSummary => ({ scanId: `2026112${day}T040000000Z-abcd`, generatedAt: `2026-11-2${day}T04:00:00Z`, clusters: 1, counts: { critical: 0, warning: 0, info: 0, waived: 0 }, ref: "", subnets });
    const row = (cidr: string, used: number, capacity: number) => ({ key: `overlay:c:${cidr}`, cidr, used, capacity });
    // Newest first: before the expansion, then while it reached the nodes (stored split), then the other cluster's /16 that stays its own.
    const history = [
      at(7, [row("10.244.0.0/16", 40000, 65536), row("10.244.0.0/15", 15000, 131072), { ...row("10.244.0.0/16", 9, 65536), key: "overlay:a:10.244.0.0/16" }]),
      at(6, [row("10.244.0.0/16", 50000, 65536)]),
    ];
    const d = dashboardData(e, history);
    expect(d.trend.map((p) => p.subnets)).toEqual([{ "overlay:c:10.244.0.0/15": 50000 }, { "overlay:c:10.244.0.0/15": 55000 }, { "overlay:c:10.244.0.0/15": 60000 }]);
    // How full it was then: of the /16 before, of the /15 once it held the nodes.
    expect(d.trend.map((p) => p.subnetCapacity)).toEqual([{ "overlay:c:10.244.0.0/15": 65536 }, { "overlay:c:10.244.0.0/15": 131072 }, { "overlay:c:10.244.0.0/15": 131072 }]);
  });

  it("labels subnets of the same CIDR and name by VNet or overlay cluster, the same in the table and the trend legend", () => {
    const e = evaluation();
    const arm = (vnet: string) => `/subscriptions/sub-1/resourcegroups/rg-net/providers/microsoft.network/virtualnetworks/${vnet}/subnets/podsubnet`;
    const row = { cidr: "10.40.0.0/13", name: "podsubnet", mode: "vnetblock" as const, capacity: 524283, utilization: 0.5, forecastExhaustionAt: null };
    e.subnets = [
      { ...row, key: arm("vnet-a"), clusters: ["a"], used: 262141 },
      { ...row, key: arm("vnet-b"), clusters: ["c"], used: 262141 },
      { key: "overlay:a:10.244.0.0/16", cidr: "10.244.0.0/16", name: "routingdomain_x", mode: "overlay", clusters: ["a"], capacity: 65536, used: 512, utilization: 512 / 65536, forecastExhaustionAt: null },
      { key: "overlay:c:10.244.0.0/16", cidr: "10.244.0.0/16", name: "routingdomain_x", mode: "overlay", clusters: ["c"], capacity: 65536, used: 256, utilization: 256 / 65536, forecastExhaustionAt: null },
      { key: "k2", cidr: "10.241.0.0/24", name: "pods", mode: "dynamic", clusters: ["c"], capacity: 251, used: 24, utilization: 24 / 251, forecastExhaustionAt: null },
    ];
    const d = dashboardData(e, []);
    expect(d.subnets.map((s) => s.label)).toEqual(["10.40.0.0/13 (podsubnet, vnet-a)", "10.40.0.0/13 (podsubnet, vnet-b)", "10.241.0.0/24 (pods)", "10.244.0.0/16 (overlay of a)", "10.244.0.0/16 (overlay of c)"]);
    expect(d.trendSubnets).toEqual(d.subnets.map((s) => ({ key: s.key, label: s.label })));
    // A page scoped to one cluster has nothing to tell apart.
    expect(dashboardData(e, [], { cluster: "a" }).subnets.map((s) => s.label)).toEqual(["10.40.0.0/13 (podsubnet)", "10.244.0.0/16"]);
  });

  it("gives each pod subnet the severity of its utilisation band or the worst unwaived finding about it, for its colour", () => {
    const e = evaluation();
    e.findings.push(
      finding({ rule: "IPX002", cluster: "c", resource: "subnet/10.241.0.0/24", severity: "critical" }),
      finding({ rule: "IPX001", cluster: "c", resource: "subnet/10.241.0.0/24", severity: "warning" }),
      finding({ rule: "IPX001", cluster: "a", resource: "subnet/10.40.0.0/13", severity: "warning", waived: { reason: "planned" } }),
    );
    const by = new Map(dashboardData(e, []).subnets.map((s) => [s.cidr, s]));
    expect(by.get("10.241.0.0/24")!.severity).toBe("critical");
    expect(by.get("10.40.0.0/13")!.severity).toBe("info"); // the fixture's info finding; the waived warning does not count
  });

  it("takes the colour of a subnet's forecast date from IPX004 alone, whose finding says the date is within its horizon", () => {
    const e = evaluation();
    e.findings.push(
      finding({ rule: "IPX001", cluster: "c", resource: "subnet/10.241.0.0/24", severity: "critical" }),
      finding({ rule: "IPX004", cluster: "a", resource: "subnet/10.40.0.0/13", severity: "warning", waived: { reason: "planned" } }),
    );
    const by = () => new Map(dashboardData(e, []).subnets.map((s) => [s.cidr, s]));
    // Another rule's finding or a waived forecast colours no date.
    expect(by().get("10.241.0.0/24")).not.toHaveProperty("forecastSeverity");
    expect(by().get("10.40.0.0/13")).not.toHaveProperty("forecastSeverity");
    e.findings.push(finding({ rule: "IPX004", cluster: "c", resource: "subnet/10.241.0.0/24", severity: "warning" }));
    expect(by().get("10.241.0.0/24")!.forecastSeverity).toBe("warning");
  });

  it("limits a scoped page to the clusters a pattern matches, their findings and their subnets", () => {
    const e = evaluation();
    const older = dayBefore(e);
    const d = dashboardData(e, [summarizeEvaluation(e, "r1"), older], { cluster: "c*" });
    expect(d.scope).toBe("c*");
    expect(d.clusters.map((c) => c.cluster)).toEqual(["c"]);
    expect(d.findings.map((f) => f.cluster)).toEqual(["c"]);
    expect(d.findingsTotal).toBe(1);
    expect(d.counts).toEqual({ critical: 0, warning: 0, info: 0, waived: 1 });
    expect(d.subnets.map((s) => s.key)).toEqual(["k2"]);
    // The address lines follow the scope's subnets only; the findings line the scope's findings where
    // the summary says which clusters each was about, and has no point where it does not (older rows).
    expect(d.trend.map((p) => [p.used, p.capacity])).toEqual([[240, 251], [240, 251]]);
    expect(d.trend.map((p) => p.counts)).toEqual([null, { critical: 0, warning: 0, info: 0, waived: 1 }]);
    const olderWithFc: EvaluationSummary = { ...older, findingClusters: findingClusters([...e.findings, finding({ cluster: "c", severity: "warning" })]) };
    const d2 = dashboardData(e, [summarizeEvaluation(e, "r1"), olderWithFc], { cluster: "c*" });
    expect(d2.trend[0]!.counts).toEqual({ critical: 0, warning: 1, info: 0, waived: 1 });
    expect(renderDashboard(e, [summarizeEvaluation(e, "r1"), older], { cluster: "c*" }).html).toContain("about these clusters (evaluations stored before");
    expect(renderDashboard(e, [summarizeEvaluation(e, "r1"), olderWithFc], { cluster: "c*" }).html).toMatch(/about these clusters\./);
    // A finding about several clusters belongs to each one's page; a shared subnet too.
    const a = dashboardData(e, [], { cluster: "a" });
    expect(a.findings.map((f) => f.rule)).toEqual(["IPX001"]);
    expect(a.subnets.map((s) => [s.key, s.shared])).toEqual([["k1", true]]);
    // Unscoped, nothing changes.
    expect(dashboardData(e, []).scope).toBeUndefined();
    expect(dashboardData(e, []).clusters).toHaveLength(3);
  });

  it("makes JSON safe inside a script element and reads back the same", () => {
    const v = { name: `</script><script>alert(1)</script><!-- \u2028 & >` };
    const s = jsonForScript(v);
    expect(s).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(s)).toEqual(v);
  });

  it("renders a page whose CSP lists exactly its inline scripts and style", () => {
    const page = renderDashboard(evaluation(), []);
    expect(page.html).not.toContain(XSS);
    const scripts = [...page.html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(page.csp.match(/'sha256-/g)).toHaveLength(3);
    for (const s of scripts) expect(page.csp).toContain(cspHash(s));
    expect(page.csp).not.toMatch(/unsafe/);
    const empty = renderDashboard(undefined, []);
    expect(empty.html).toContain("No scan has been evaluated yet");
    expect(empty.html).not.toMatch(/<script/);
    expect(empty.csp).toContain("script-src 'none'");
  });
});
