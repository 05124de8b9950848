// Compliance: every cluster × every rule is pass, fail, waived or not applicable, with a per-cluster
// score and letter grade (Popeye-style) and fleet totals: a record a scheduled scan can keep.
import { type Finding, type Severity, severityRank } from "../../model/finding.js";
import type { ComplianceCluster, ComplianceResult, ComplianceSection, ComplianceStatus } from "../../model/sections.js";
import { type ClusterView, type FleetContext, isCnsManaged } from "../../rules/context.js";
import type { Rule } from "../../rules/rule.js";

/** Points a failing rule costs, by its worst unwaived severity. */
export const DEDUCTION: Record<Severity, number> = { critical: 25, warning: 10, info: 2 };
const GRADES: Array<[number, string]> = [
  [90, "A"],
  [80, "B"],
  [70, "C"],
  [60, "D"],
];

export function grade(score: number): string {
  return GRADES.find(([min]) => score >= min)?.[1] ?? "F";
}

/** 100 less the deduction of each failing result's severity, floor 0. */
export function complianceScore(results: readonly ComplianceResult[]): number {
  return Math.max(0, results.reduce((score, r) => (r.status === "fail" ? score - DEDUCTION[r.severity ?? "info"] : score), 100));
}

/**
 * The order report compliance and the dashboard rank clusters in: those the scan could not read first (a
 * failure, whatever their score), then graded ones lowest score first, then those no rule could judge
 * (not CNS, stopped), about which nothing can be done; by name within each.
 */
export function attentionOrder<T extends { cluster: string; score: number | null }>(scanFailed: (c: T) => boolean): (a: T, b: T) => number {
  const group = (c: T): number => (scanFailed(c) ? 0 : c.score === null ? 2 : 1);
  return (a, b) => group(a) - group(b) || (a.score ?? -1) - (b.score ?? -1) || a.cluster.localeCompare(b.cluster);
}

/** Score and grade, or both null when nothing was judged: a grade of rules that could not look would be made up. */
export function scoreAndGrade(results: readonly ComplianceResult[], judged: boolean): Pick<ComplianceCluster, "score" | "grade"> {
  if (!judged || results.every((r) => r.status === "not-applicable")) return { score: null, grade: null };
  const score = complianceScore(results);
  return { score, grade: grade(score) };
}

/** Whether a rule can judge a cluster: SCN rules always; others need good data of a CNS cluster, then the rule's own test. */
export function applicability(rule: Rule, v: ClusterView, ctx: FleetContext): true | string {
  if (rule.meta.family !== "SCN") {
    if (v.snapshot.status === "stopped") return "stopped in ARM: not scanned";
    if (v.snapshot.status === "not-cns") return "not a CNS-managed cluster";
    if (v.snapshot.status !== "ok") return "no good snapshot";
    if (!isCnsManaged(v.snapshot)) return "not a CNS-managed cluster";
  }
  return rule.applies ? rule.applies(v, ctx) : true;
}

const worst = (fs: readonly Finding[]): Severity => fs.reduce<Severity>((w, f) => (severityRank(f.severity) > severityRank(w) ? f.severity : w), "info");
const zero = (): Record<ComplianceStatus, number> => ({ pass: 0, fail: 0, waived: 0, "not-applicable": 0 });

/** Each rule's applicability to one cluster (rule id → true or the reason it cannot judge), for `buildCompliance`. */
export type ClusterApplicability = ReadonlyMap<string, true | string>;

export function clusterApplicability(rules: readonly Rule[], v: ClusterView, ctx: FleetContext): ClusterApplicability {
  return new Map(
    rules.map((rule) => {
      try {
        return [rule.meta.id, applicability(rule, v, ctx)];
      } catch (e) {
        return [rule.meta.id, `applicability check failed: ${(e as Error).message}`];
      }
    }),
  );
}

/** `applicable`: per cluster name, from `clusterApplicability`. */
export function buildCompliance(applicable: ReadonlyMap<string, ClusterApplicability>, rules: readonly Rule[], findings: readonly Finding[]): ComplianceSection {
  const byClusterRule = new Map<string, Finding[]>();
  for (const f of findings) {
    for (const c of new Set([f.cluster, ...(f.clusters ?? [])])) {
      const k = `${c}\u0000${f.rule}`;
      byClusterRule.set(k, [...(byClusterRule.get(k) ?? []), f]);
    }
  }
  const scan = new Set(rules.filter((r) => r.meta.family === "SCN").map((r) => r.meta.id));
  const clusters = [...applicable].map(([name, applies]): ComplianceCluster => {
    const counts = zero();
    const results = rules.map((rule): ComplianceResult => {
      const fs = byClusterRule.get(`${name}\u0000${rule.meta.id}`) ?? [];
      const open = fs.filter((f) => !f.waived);
      let r: ComplianceResult;
      if (open.length > 0) {
        r = { rule: rule.meta.id, status: "fail", severity: worst(open), findings: fs.length };
      } else if (fs.length > 0) {
        r = { rule: rule.meta.id, status: "waived", severity: worst(fs), findings: fs.length };
      } else {
        const a = applies.get(rule.meta.id) ?? "not evaluated";
        r = a === true ? { rule: rule.meta.id, status: "pass", findings: 0 } : { rule: rule.meta.id, status: "not-applicable", findings: 0, reason: a };
      }
      counts[r.status]++;
      return r;
    });
    // SCN rules judge the scan, not the cluster: alone (no data to judge) they grade nothing.
    const judged = results.some((r) => r.status !== "not-applicable" && !scan.has(r.rule));
    return { cluster: name, ...scoreAndGrade(results, judged), counts, results };
  });
  clusters.sort((a, b) => a.cluster.localeCompare(b.cluster));
  return {
    rules: rules.map((r) => ({ id: r.meta.id, title: r.meta.title, severity: r.meta.severity })),
    clusters,
    totals: complianceTotals(clusters),
  };
}

/** Fleet totals over some clusters' results: statuses, grades, average score, failing clusters. */
export function complianceTotals(clusters: readonly ComplianceCluster[]): ComplianceSection["totals"] {
  const counts = zero();
  const grades: Record<string, number> = { A: 0, B: 0, C: 0, D: 0, F: 0 };
  const scores: number[] = [];
  for (const c of clusters) {
    for (const r of c.results) counts[r.status]++;
    if (c.grade !== null) grades[c.grade] = (grades[c.grade] ?? 0) + 1;
    if (c.score !== null) scores.push(c.score);
  }
  return {
    clusters: clusters.length,
    counts,
    averageScore: scores.length ? Math.round((scores.reduce((a, s) => a + s, 0) / scores.length) * 10) / 10 : null,
    grades,
    ungraded: clusters.length - scores.length,
    failingClusters: clusters.filter((c) => c.results.some((r) => r.status === "fail")).length,
  };
}
