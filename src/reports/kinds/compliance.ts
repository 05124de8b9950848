// `compliance`: cluster × rule pass / fail / waived / not applicable, per-cluster score and grade,
// fleet totals. With --fail-on SEVERITY the CLI exits 3 when an unwaived finding at that level exists.
import { type Severity, worstSeverity } from "../../model/finding.js";
import type { ComplianceCluster, ComplianceResult, ComplianceSection, ComplianceStatus } from "../../model/sections.js";
import { attentionOrder, complianceTotals, scoreAndGrade } from "../../evaluate/sections/compliance.js";
import { scanFailed } from "../../model/snapshot.js";
import { matchesCluster, meetsSeverity } from "../filter.js";
import type { ReportKind } from "../report.js";

export interface ComplianceDocument {
  generatedAt: string;
  scanId: string;
  rules: ComplianceSection["rules"];
  clusters: ComplianceCluster[];
  totals: ComplianceSection["totals"];
  note?: string;
}

const STATUSES: ComplianceStatus[] = ["pass", "fail", "waived", "not-applicable"];

/** A graded row by its score; an ungraded one by its worst failing rule, so a cluster no scan can reach (SCN001) still stands out. */
function rowSeverity(c: ComplianceCluster): Severity | undefined {
  if (c.score !== null) return c.score < 60 ? "critical" : c.score < 90 ? "warning" : undefined;
  return worstSeverity(c.results.filter((r) => r.status === "fail").map((r) => r.severity ?? "info"));
}

export const complianceReport: ReportKind<ComplianceDocument> = {
  name: "compliance",
  title: "Compliance",
  filters: ["cluster", "rule", "severity"],
  build(e, f) {
    const section = e.sections?.compliance;
    if (!section) {
      return { generatedAt: e.generatedAt, scanId: e.scanId, rules: [], clusters: [], totals: complianceTotals([]), note: "this evaluation has no compliance section (it predates it): run a scan" };
    }
    const atOrAbove = (r: ComplianceResult) => r.status !== "pass" && r.status !== "not-applicable" && meetsSeverity(f, r.severity);
    const clusters = section.clusters
      .filter((c) => matchesCluster(f, c.cluster))
      .map((c) => {
        if (!f.rule) return c;
        // One rule: every number of the row is about that rule, score and grade included; none where the rule
        // did not apply. A cluster ungraded in the whole report is graded here when the rule judged it (SCN001
        // of a cluster never read): its failure must not hide as N/A.
        const results = c.results.filter((r) => r.rule === f.rule);
        return { ...c, ...scoreAndGrade(results, true), results, counts: Object.fromEntries(STATUSES.map((s) => [s, results.filter((r) => r.status === s).length])) as Record<ComplianceStatus, number> };
      })
      // A severity keeps the clusters with a failing or waived rule at or above it.
      .filter((c) => !f.severity || c.results.some(atOrAbove));
    // Ranked as the dashboard ranks them, in every format: clusters the scan could not read first.
    const unread = new Set(e.clusters.filter((r) => scanFailed(r.status)).map((r) => r.cluster));
    clusters.sort(attentionOrder((c) => unread.has(c.cluster)));
    return {
      generatedAt: e.generatedAt,
      scanId: e.scanId,
      rules: f.rule ? section.rules.filter((r) => r.id === f.rule) : section.rules,
      // Their score, grade, counts and totals stay the whole row's; only the results listed are those rules.
      clusters: f.severity ? clusters.map((c) => ({ ...c, results: c.results.filter(atOrAbove) })) : clusters,
      totals: f.cluster || f.rule || f.severity ? complianceTotals(clusters) : section.totals,
    };
  },
  tables(doc) {
    // One cluster: every rule. The fleet: what is not a plain pass (the JSON document has every cell).
    const all = doc.clusters.length === 1;
    const cells = doc.clusters.flatMap((c) => c.results.filter((r) => all || r.status !== "pass").map((r) => ({ c, r })));
    return [
      {
        name: "clusters",
        title: "Compliance by cluster (unread first, then lowest score first, then not graded)",
        columns: [
          { key: "cluster", title: "CLUSTER" },
          { key: "grade", title: "GRADE" },
          { key: "score", title: "SCORE", align: "right" },
          { key: "pass", title: "PASS", align: "right" },
          { key: "fail", title: "FAIL", align: "right" },
          { key: "waived", title: "WAIVED", align: "right" },
          { key: "na", title: "N/A", align: "right" },
          { key: "failing", title: "FAILING RULES" },
        ],
        rows: doc.clusters.map((c) => ({
          cluster: c.cluster,
          grade: c.grade ?? "N/A",
          score: c.score ?? "-",
          pass: c.counts.pass,
          fail: c.counts.fail,
          waived: c.counts.waived,
          na: c.counts["not-applicable"],
          failing: c.results.filter((r) => r.status === "fail").map((r) => `${r.rule} (${r.severity})`).join(", "),
        })),
        rowSeverity: doc.clusters.map(rowSeverity),
        empty: doc.note ?? "No clusters.",
      },
      {
        name: "results",
        title: all ? "Results" : "Results other than pass (cluster × rule)",
        columns: [
          { key: "cluster", title: "CLUSTER" },
          { key: "rule", title: "RULE" },
          { key: "status", title: "STATUS" },
          { key: "severity", title: "SEVERITY" },
          { key: "findings", title: "FINDINGS", align: "right" },
          { key: "reason", title: "REASON" },
        ],
        rows: cells.map(({ c, r }) => ({ cluster: c.cluster, rule: r.rule, status: r.status, severity: r.severity ?? "", findings: r.findings, reason: r.reason ?? "" })),
        rowSeverity: cells.map(({ r }) => (r.status === "fail" ? r.severity : r.status === "waived" ? "waived" : undefined)),
        empty: "Every rule passes.",
      },
      {
        name: "fleet",
        title: "Fleet",
        columns: [
          { key: "clusters", title: "CLUSTERS", align: "right" },
          { key: "average", title: "AVERAGE SCORE", align: "right" },
          { key: "grades", title: "GRADES" },
          { key: "failing", title: "FAILING CLUSTERS", align: "right" },
          { key: "cells", title: "PASS/FAIL/WAIVED/N/A" },
        ],
        rows: [
          {
            clusters: doc.totals.clusters,
            average: doc.totals.averageScore,
            grades: [...Object.entries(doc.totals.grades), ...(doc.totals.ungraded ? [["N/A", doc.totals.ungraded] as const] : [])].map(([g, n]) => `${g}:${n}`).join(" "),
            failing: doc.totals.failingClusters,
            cells: STATUSES.map((s) => doc.totals.counts[s]).join("/"),
          },
        ],
      },
    ];
  },
};
