// The drift, health and compliance report kinds read the stored sections and filter them.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { dashboardData } from "../../src/http/dashboard-data.js";
import { checkReportFilter, reportKind } from "../../src/reports/catalogue.js";
import type { ComplianceDocument } from "../../src/reports/kinds/compliance.js";
import type { HealthDocument } from "../../src/reports/kinds/health.js";
import { renderReport } from "../../src/reports/render.js";
import { snapshot, T0, view } from "../fixtures/builders.js";
import { cnsPod, earlier, healthy, withWindows } from "../rules/cns-fixtures.js";

const LATER = new Date(T0.getTime() + 3_600_000);

const sick = healthy("sick");
sick.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 9 });
type Compliance = { clusters: Array<{ cluster: string; score: number; grade: string; results: Array<{ rule: string; status: string }> }>; totals: Record<string, unknown> };

const e = evaluate({ scanId: "s", now: T0, views: [view(healthy("ok")), view(sick)] });

describe("drift, health and compliance reports", () => {
  it("compliance filters by cluster and rule and recomputes the totals", () => {
    const doc = renderReport("compliance", e, { cluster: "sick", rule: "CNS002" }, "json").doc as { clusters: Array<{ cluster: string; results: unknown[]; counts: Record<string, number> }>; rules: unknown[]; totals: { clusters: number; failingClusters: number } };
    expect(doc.clusters.map((c) => c.cluster)).toEqual(["sick"]);
    expect(doc.clusters[0]!.results).toEqual([{ rule: "CNS002", status: "fail", severity: "critical", findings: 1 }]);
    expect(doc.clusters[0]!.counts).toEqual({ pass: 0, fail: 1, waived: 0, "not-applicable": 0 });
    expect(doc.rules).toHaveLength(1);
    expect(doc.totals).toMatchObject({ clusters: 1, failingClusters: 1 });
  });

  it("compliance for one rule scores and grades every cluster on that rule alone, totals included", () => {
    const whole = renderReport("compliance", e, {}, "json").doc as Compliance;
    const okWhole = whole.clusters.find((c) => c.cluster === "ok")!;
    const passing = okWhole.results.find((r) => r.status === "pass")!.rule;
    const sickWhole = whole.clusters.find((c) => c.cluster === "sick")!;
    expect(sickWhole.score).toBeLessThan(75); // CNS002 is not all that fails there

    const one = renderReport("compliance", e, { rule: "CNS002" }, "json").doc as Compliance;
    const sickOne = one.clusters.find((c) => c.cluster === "sick")!;
    expect(sickOne).toMatchObject({ score: 75, grade: "C" });
    expect(one.clusters.find((c) => c.cluster === "ok")).toMatchObject({ score: 100, grade: "A" });
    expect(one.totals).toMatchObject({ averageScore: 87.5, grades: { A: 1, C: 1 }, failingClusters: 1 });

    const other = renderReport("compliance", e, { rule: passing }, "json").doc as Compliance;
    expect(other.clusters.every((c) => c.score === 100 && c.grade === "A")).toBe(true);
  });

  it("compliance for one rule leaves a cluster it could not judge ungraded, and says why; one it judged is graded", () => {
    const withOthers = evaluate({ scanId: "s", now: T0, views: [view(healthy("ok")), view(sick), view(snapshot("down", {}, "unreachable")), view(snapshot("knet", {}, "not-cns"))] });
    const one = renderReport("compliance", withOthers, { rule: "CNS001" }, "json").doc as ComplianceDocument;
    const row = (cluster: string) => one.clusters.find((c) => c.cluster === cluster)!;
    expect(row("down")).toMatchObject({ score: null, grade: null, results: [expect.objectContaining({ status: "not-applicable", reason: "no good snapshot" })] });
    expect(row("knet")).toMatchObject({ score: null, grade: null, results: [expect.objectContaining({ status: "not-applicable", reason: "not a CNS-managed cluster" })] });
    expect(row("ok")).toMatchObject({ score: 100, grade: "A" });
    expect(one.totals).toMatchObject({ clusters: 4, ungraded: 2, averageScore: 100, grades: expect.objectContaining({ A: 2 }) });
    // The same as the whole report: a cluster without data to judge is ungraded there too, its failed scan a fail.
    const whole = renderReport("compliance", withOthers, {}, "json").doc as ComplianceDocument;
    expect(whole.clusters.filter((c) => c.score === null).map((c) => c.cluster)).toEqual(["down", "knet"]);
    // A rule that did judge it grades it on that rule alone, as every other row: the one cluster failing
    // SCN001 is not hidden as N/A behind a fleet average of 100.
    const scn = renderReport("compliance", withOthers, { rule: "SCN001" }, "json").doc as ComplianceDocument;
    const downScn = scn.clusters.find((c) => c.cluster === "down")!;
    expect(downScn.counts.fail).toBe(1);
    expect(downScn.score).toBeLessThan(100);
    expect(downScn.grade).not.toBeNull();
    expect(scn.clusters.find((c) => c.cluster === "ok")).toMatchObject({ score: 100, grade: "A" });
    expect(scn.totals.ungraded).toBe(0);
    expect(scn.totals.averageScore).toBeLessThan(100);
    // The whole report's table colours an ungraded row by its worst failing rule: a cluster the scan cannot reach is critical.
    const clustersTable = reportKind("compliance").tables(whole)[0]!;
    const downAt = clustersTable.rows.findIndex((r) => r.cluster === "down");
    const worstFailing = whole.clusters.find((c) => c.cluster === "down")!.results.find((r) => r.rule === "SCN001")!.severity;
    expect(worstFailing).toBe("critical");
    expect(clustersTable.rowSeverity![downAt]).toBe(worstFailing);
    // Tables: N/A for the grade, no number for the score; the unread cluster first, the not-CNS one last.
    const csv = renderReport("compliance", withOthers, { rule: "CNS001" }, "csv", { table: "clusters" }).body.trim().split("\n");
    expect([csv[1], csv.at(-1)]).toEqual([expect.stringMatching(/^down,N\/A,-,0,0,0,1,/), expect.stringMatching(/^knet,N\/A,-,0,0,0,1,/)]);
  });

  it("compliance ranks clusters as the dashboard does, in every format: unread first, then lowest score first, then not graded", () => {
    const withOthers = evaluate({ scanId: "s", now: T0, views: [view(snapshot("knet", {}, "not-cns")), view(healthy("ok")), view(sick), view(snapshot("down", {}, "unreachable"))] });
    const ranked = dashboardData(withOthers, []).clusters.map((c) => c.cluster);
    expect(ranked).toEqual(["down", "sick", "ok", "knet"]);
    const doc = renderReport("compliance", withOthers, {}, "json").doc as ComplianceDocument;
    expect(doc.clusters.map((c) => c.cluster)).toEqual(ranked);
    expect(reportKind("compliance").tables(doc)[0]!.rows.map((r) => r.cluster)).toEqual(ranked);
    const csv = renderReport("compliance", withOthers, {}, "csv", { table: "clusters" }).body.trim().split("\n");
    expect(csv.slice(1).map((l) => l.split(",")[0])).toEqual(ranked);
  });

  it("health by severity keeps the clusters and node rows at or above it, as the table colours them", () => {
    const crash = healthy("crash");
    crash.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 9 });
    crash.nodes[1]!.ready = false;
    const lagging = healthy("lagging");
    lagging.cns.daemonset!.updated = 2;
    const ev = evaluate({ scanId: "s", now: T0, views: [view(crash), view(lagging), view(healthy("fine"))] });
    const health = (severity?: "warning" | "critical") => renderReport("health", ev, severity ? { severity } : {}, "json").doc as HealthDocument;
    const nodes = (d: HealthDocument, cluster: string) => d.clusters.find((c) => c.cluster === cluster)!.nodeRows.map((r) => `${r.node} ${r.status}`);
    expect(health().clusters.map((c) => c.cluster).sort()).toEqual(["crash", "fine", "lagging"]);
    expect(nodes(health(), "crash")).toEqual(["n1 crashloop", "n2 node-not-ready"]);
    expect(health("warning").clusters.map((c) => c.cluster).sort()).toEqual(["crash", "lagging"]);
    expect(nodes(health("warning"), "crash")).toEqual(["n1 crashloop", "n2 node-not-ready"]);
    expect(health("critical").clusters.map((c) => c.cluster)).toEqual(["crash"]);
    expect(nodes(health("critical"), "crash")).toEqual(["n1 crashloop"]);
    // One cluster's table lists every node, but not below the severity, and then says whose they are.
    const one = renderReport("health", ev, { cluster: "crash", severity: "critical" }, "csv", { table: "nodes" }).body.trim().split("\r\n");
    expect(one.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual(["crash,n1,crashloop"]);
    expect(renderReport("health", ev, { cluster: "crash", severity: "critical" }, "table").body).toContain("Nodes needing attention");
  });

  it("under a severity, an empty node table says no node-level problem matches it, never that every node is Ready", () => {
    // Kept for DaemonSet-level problems no node row carries: one Ready short, and azure-cns missing.
    const short = healthy("short");
    short.cns.daemonset!.ready = 2;
    const gone = healthy("gone");
    gone.cns.daemonset = null;
    const ev = evaluate({ scanId: "s", now: T0, views: [view(short), view(gone), view(healthy("fine"))] });
    for (const cluster of ["short", "gone"]) {
      for (const severity of ["critical", "warning"] as const) {
        const table = renderReport("health", ev, { cluster, severity }, "table").body;
        expect(table, `${cluster} ${severity}`).toMatch(new RegExp(`${cluster} +ok`)); // the cluster row stays
        expect(table, `${cluster} ${severity}`).toContain(`No node-level azure-cns problem at or above ${severity}.`);
        expect(table, `${cluster} ${severity}`).not.toContain("is Ready");
      }
    }
    expect(renderReport("health", ev, { severity: "critical" }, "md").body).toContain("No node-level azure-cns problem at or above critical.");
    // Without a severity, the fleet's table lists the nodes needing attention: none here, and that is what it says.
    expect(renderReport("health", ev, {}, "table").body).toContain("Every node's azure-cns is Ready.");
    // Nor of nodes the scan never read.
    const down = view(snapshot("down", {}, "unreachable"));
    expect(renderReport("health", evaluate({ scanId: "s", now: T0, views: [down] }), {}, "table").body).toContain("No node data: the scan has not read these clusters.");
    expect(renderReport("health", evaluate({ scanId: "s", now: T0, views: [view(healthy("fine")), down] }), {}, "table").body).toContain("Every node's azure-cns is Ready in the clusters the scan read.");
  });

  it("compliance by severity keeps the clusters with a failing or waived rule at or above it and lists those rules; scores stay the whole row's", () => {
    const waived = evaluate({ scanId: "s", now: T0, views: [view(healthy("ok")), view(sick), view({ ...structuredClone(sick), cluster: "hushed" })], policy: { waivers: [{ cluster: "hushed", rule: "CNS002", resource: "*", reason: "known" }] } });
    const whole = renderReport("compliance", waived, {}, "json").doc as ComplianceDocument;
    const crit = renderReport("compliance", waived, { severity: "critical" }, "json").doc as ComplianceDocument;
    expect(crit.clusters.map((c) => c.cluster).sort()).toEqual(["hushed", "sick"]);
    const sickWhole = whole.clusters.find((c) => c.cluster === "sick")!;
    const sickCrit = crit.clusters.find((c) => c.cluster === "sick")!;
    expect(sickCrit).toMatchObject({ score: sickWhole.score, grade: sickWhole.grade, counts: sickWhole.counts });
    expect(sickCrit.results).toEqual(sickWhole.results.filter((r) => r.status === "fail" && r.severity === "critical"));
    expect(sickCrit.results.map((r) => r.rule)).toContain("CNS002");
    expect(crit.clusters.find((c) => c.cluster === "hushed")!.results).toEqual([expect.objectContaining({ rule: "CNS002", status: "waived", severity: "critical" })]);
    expect(crit.totals).toMatchObject({ clusters: 2, failingClusters: whole.clusters.filter((c) => c.cluster !== "ok" && c.counts.fail > 0).length });
    // A warning also keeps the rules failing at warning, never a pass or one that did not apply.
    const warn = renderReport("compliance", waived, { severity: "warning" }, "json").doc as ComplianceDocument;
    expect(warn.clusters.flatMap((c) => c.results).every((r) => (r.status === "fail" || r.status === "waived") && r.severity !== "info")).toBe(true);
    expect(warn.clusters.find((c) => c.cluster === "sick")!.results.length).toBeGreaterThanOrEqual(sickCrit.results.length);
    // With a rule, the rule's row, kept when that rule fails at or above the severity.
    expect((renderReport("compliance", waived, { rule: "CNS002", severity: "critical" }, "json").doc as ComplianceDocument).clusters.map((c) => c.cluster).sort()).toEqual(["hushed", "sick"]);
    expect((renderReport("compliance", waived, { rule: "CNS001", severity: "critical" }, "json").doc as ComplianceDocument).clusters).toEqual([]);
  });

  it("refuses a filter a report does not apply instead of ignoring it", () => {
    for (const [kind, filter] of [["exhaustion", { rule: "IPX001" }], ["health", { rule: "CNS002" }], ["compliance", { since: new Date() }], ["drift", { since: new Date() }]] as const) {
      expect(() => checkReportFilter(reportKind(kind), filter), kind).toThrow(new RegExp(`the ${kind} report cannot be filtered by ${Object.keys(filter)[0]}; it takes cluster`));
    }
    expect(() => checkReportFilter(reportKind("findings"), { cluster: "x", severity: "info", rule: "IPX001", since: new Date() })).not.toThrow();
  });

  it("the compliance table lists every rule for one cluster, only non-passing cells for the fleet", () => {
    const one = renderReport("compliance", e, { cluster: "ok" }, "csv").body;
    expect(one).toContain("ok,CNS002,pass,");
    const fleet = renderReport("compliance", e, {}, "csv").body;
    expect(fleet).not.toContain("ok,CNS002,pass,");
    expect(fleet).toContain("sick,CNS002,fail,critical,1,");
  });

  it("health by severity keeps a cluster the latest scan could not read, not one without CNS or stopped", () => {
    const views = [view(healthy("fine")), view(snapshot("plain", {}, "not-cns")), view(snapshot("parked", {}, "stopped")), view(snapshot("down", {}, "unreachable"))];
    const ev = evaluate({ scanId: "s", now: T0, views });
    const kept = renderReport("health", ev, { severity: "warning" }, "json").doc as HealthDocument;
    expect(kept.clusters.map((c) => `${c.cluster} ${c.status}`)).toEqual(["down unreachable"]);
  });

  it("health leaves the counts of a cluster the scan could not read blank, not 0 or 'off'", () => {
    const withDown = evaluate({ scanId: "s", now: T0, views: [view(healthy("ok")), view(snapshot("down", {}, "unreachable"))] });
    const csv = renderReport("health", withDown, {}, "csv").body.split("\r\n");
    expect(csv.find((l) => l.startsWith("down,"))).toBe("down,unreachable,,,,,,,,,");
    expect(csv.find((l) => l.startsWith("ok,"))).toMatch(/^ok,ok,vnetblock,.*,3\/3,0,0,0,0,/);
  });

  it("health and drift show a cluster the latest scan did not read from its last good snapshot, saying as of when", () => {
    const at = T0.toISOString();
    const failed = snapshot("stale", { takenAt: LATER.toISOString() }, "unreachable");
    const sickBefore = structuredClone(sick);
    sickBefore.cluster = "stale";
    const before = earlier(sickBefore, (p) => void p.nodes.pop());
    const stale = evaluate({ scanId: "s", now: LATER, views: [view(healthy("ok")), view(sickBefore, failed, before)] });

    const clusters = renderReport("health", stale, {}, "csv", { table: "clusters" }).body.split("\r\n");
    expect(clusters[0]).toMatch(/,metrics_read,stale_data_from$/);
    expect(clusters.find((l) => l.startsWith("stale,"))).toMatch(new RegExp(`^stale,unreachable,vnetblock,v1\\.6\\.25,.*,${at}$`));
    expect(clusters.find((l) => l.startsWith("ok,"))).toMatch(/,$/);
    const one = renderReport("health", stale, { cluster: "stale" }, "table").body;
    expect(one).toContain(`(2 healthy nodes not listed) as of ${at}, the last good snapshot (latest scan unreachable)`);
    const nodes = renderReport("health", stale, { cluster: "stale" }, "csv", { table: "nodes" }).body.split("\r\n");
    expect(nodes.find((l) => l.startsWith("stale,n1,"))).toMatch(new RegExp(`^stale,n1,crashloop,.*,${at}$`));

    const drift = renderReport("drift", stale, {}, "csv", { table: "clusters" }).body;
    expect(drift).toContain(`stale,"latest scan unreachable: using data from ${at}, compared with ${before.takenAt}",'+1 −0,`);
    const changes = renderReport("drift", stale, {}, "csv", { table: "changes" }).body.split("\r\n");
    expect(changes[0]).toBe("cluster,change,what,stale_data_from");
    expect(changes.find((l) => l.startsWith("stale,node added,"))).toBe(`stale,node added,n3,${at}`);
    // A finding moved in this evaluation: not stale.
    expect(changes.find((l) => l.startsWith("stale,new finding,SCN001"))).toMatch(/,$/);
  });

  it("health shows azure-cns-win's Ready count beside azure-cns's where it runs pods", () => {
    const win = withWindows(healthy("win"), 2);
    win.cns.windowsDaemonset!.ready = 1;
    const idle = withWindows(healthy("idle"), 0);
    const csv = renderReport("health", evaluate({ scanId: "s", now: T0, views: [view(win), view(idle)] }), {}, "csv").body.split("\r\n");
    expect(csv.find((l) => l.startsWith("win,"))).toMatch(/^win,ok,vnetblock,v1\.6\.25,"3\/3, win 1\/2",/);
    expect(csv.find((l) => l.startsWith("idle,"))).toMatch(/^idle,ok,vnetblock,v1\.6\.25,3\/3,/);
  });

  it("health shows azure-cns-win as none where it is missing yet Windows nodes with NNCs need it (CNS001's critical)", () => {
    const gone = withWindows(healthy("gone"), 2);
    gone.cns.windowsDaemonset = null;
    gone.cns.pods = gone.cns.pods.filter((p) => p.daemonset !== "azure-cns-win");
    // No Windows node: a missing azure-cns-win says nothing.
    const linux = healthy("linux");
    linux.cns.windowsDaemonset = null;
    const e = evaluate({ scanId: "s", now: T0, views: [view(gone), view(linux)] });
    expect(e.sections!.health!.clusters.find((c) => c.cluster === "gone")).toMatchObject({ windowsDaemonset: null, windowsNodesNeedingPod: 2 });
    const csv = renderReport("health", e, {}, "csv").body.split("\r\n");
    expect(csv.find((l) => l.startsWith("gone,"))).toMatch(/^gone,ok,vnetblock,v1\.6\.25,"3\/3, win none",/);
    expect(csv.find((l) => l.startsWith("linux,"))).toMatch(/^linux,ok,vnetblock,v1\.6\.25,3\/3,/);
  });

  it("health colours a cluster critical for a node without an NNC or a DaemonSet short of Ready, as the dashboard does, and names the missing NNC", () => {
    const noNnc = healthy("no-nnc");
    noNnc.nncs.pop();
    noNnc.cns.pods[2] = cnsPod("n3", { ready: false });
    const short = healthy("short");
    short.cns.daemonset!.ready = 2;
    const doc = reportKind("health").build(evaluate({ scanId: "s", now: T0, views: [view(noNnc), view(short), view(healthy("fine"))] }), {});
    const [clusters, nodes] = reportKind("health").tables(doc);
    expect(Object.fromEntries(clusters!.rows.map((r, i) => [r.cluster, clusters!.rowSeverity![i]]))).toEqual({ "no-nnc": "critical", short: "critical", fine: undefined });
    expect(nodes!.rows.find((r) => r.node === "n3")).toMatchObject({ status: "not-ready", reason: "no NNC" });
  });

  it("drift lists an azure-cns-win image change as a change of its own", () => {
    const before = withWindows(healthy("win"));
    const after = structuredClone(before);
    after.takenAt = new Date(T0.getTime() + 3_600_000).toISOString();
    after.cns.windowsDaemonset!.images = ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.27"];
    const md = renderReport("drift", evaluate({ scanId: "s", now: new Date(after.takenAt), views: [view(after, after, before)] }), {}, "md").body;
    expect(md).toMatch(/\| win \| CNS image \(azure-cns-win\) \| azure-cns:v1\.6\.26 → azure-cns:v1\.6\.27 \|/);
    expect(md).not.toMatch(/\| win \| CNS image \|/);
  });

  it("says in the heading of html and Markdown which filters it applied", () => {
    const html = renderReport("findings", e, { cluster: "si*", severity: "warning", rule: "CNS002" }, "html").body;
    expect(html).toMatch(/<p class="meta">[^<]* · only cluster si\*, severity warning and above, rule CNS002<\/p>/);
    expect(renderReport("findings", e, { cluster: "sick" }, "md").body.split("\n")[0]).toMatch(/^# Findings — .* \(cluster sick\)$/);
    expect(renderReport("findings", e, {}, "html").body).not.toContain(" · only ");
  });

  it("health lists problem nodes first and renders Markdown", () => {
    const md = renderReport("health", e, { cluster: "sick" }, "md").body;
    expect(md).toMatch(/\| sick \| n1 \| crashloop \| azure-cns-n1 \|/);
  });

  it("says so when an evaluation predates the sections, instead of failing", () => {
    const old = { ...e };
    delete old.sections;
    for (const kind of ["drift", "health", "compliance"]) {
      const r = renderReport(kind, old, {}, "json");
      expect((r.doc as { note?: string }).note).toContain("predates");
      expect(renderReport(kind, old, {}, "table").body).toContain("predates");
    }
  });
});
