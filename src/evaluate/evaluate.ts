// Runs every rule over the fleet context and stamps identity and history on the results. Pure: the
// store is read and written by evaluate/run.ts.
import type { ClusterRow, EvaluationSummary, FleetEvaluation, SubnetUsage } from "../model/evaluation.js";
import { EVALUATION_SCHEMA_VERSION } from "../model/evaluation.js";
import { compareFindings, type Finding, findingId, severityRank } from "../model/finding.js";
import { summarize } from "../model/snapshot.js";
import { type ClusterScope, type Policy, policySeverity, policyThreshold } from "../policy/policy.js";
import { applyWaivers } from "../policy/waivers.js";
import type { EvaluationSections } from "../model/sections.js";
import { RULES } from "../rules/catalogue.js";
import { type ClusterView, clusterMode, type FleetContext } from "../rules/context.js";
import { subnetUsage } from "../rules/analyses.js";
import type { Rule } from "../rules/rule.js";
import { buildCompliance } from "./sections/compliance.js";
import { buildDrift } from "./sections/drift.js";
import { buildHealth } from "./sections/health.js";

export interface EvaluateInput {
  scanId: string;
  now: Date;
  views: readonly ClusterView[];
  previous?: FleetEvaluation | undefined;
  history?: readonly EvaluationSummary[];
  policy?: Policy;
  rules?: readonly Rule[];
  /** Clusters in the latest view whose snapshot could not be read this time. */
  unreadClusters?: readonly string[];
}

/** Analyses that produce report sections register here, keyed by section name. */
export type SectionBuilder = (ctx: FleetContext) => unknown;

export function buildContext(input: EvaluateInput): FleetContext {
  const policy = input.policy ?? {};
  const rules = input.rules ?? RULES;
  const defaults = new Map(rules.map((r) => [r.meta.id, r.meta.thresholds ?? {}]));
  const memo = new Map<string, unknown>();
  const subscriptions = new Map(input.views.map((v) => [v.name, v.snapshot.arm?.subscriptionId]));
  const scopeOf = (cluster: string): ClusterScope => ({ cluster, subscription: subscriptions.get(cluster) });
  return {
    now: input.now,
    scanId: input.scanId,
    clusters: input.views,
    policy,
    previousFindings: new Map((input.previous?.findings ?? []).map((f) => [f.id, f])),
    history: input.history ?? [],
    threshold(rule, key, cluster) {
      const v = policyThreshold(policy, rule, key, cluster === undefined ? undefined : scopeOf(cluster)) ?? defaults.get(rule)?.[key];
      if (v === undefined) throw new Error(`rule ${rule} has no threshold ${key}`);
      return v;
    },
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as T;
    },
  };
}

export function evaluate(input: EvaluateInput): FleetEvaluation {
  const ctx = buildContext(input);
  const rules = input.rules ?? RULES;
  const now = input.now.toISOString();
  const notes: string[] = [];
  const byId = new Map<string, Finding>();
  const subscriptions = new Map(input.views.map((v) => [v.name, v.snapshot.arm?.subscriptionId]));
  const failedRules = new Set<string>();
  for (const rule of rules) {
    let results;
    try {
      results = [...rule.check(ctx)];
    } catch (e) {
      // One broken rule must not hide every other finding.
      notes.push(`rule ${rule.meta.id} failed: ${(e as Error).message}`);
      failedRules.add(rule.meta.id);
      continue;
    }
    for (const r of results) {
      const id = findingId(rule.meta.id, r);
      const severity = policySeverity(ctx.policy, rule.meta.id, { cluster: r.cluster, subscription: subscriptions.get(r.cluster) }) ?? r.severity;
      const prev = ctx.previousFindings.get(id);
      const f: Finding = { ...r, severity, id, rule: rule.meta.id, firstSeen: prev?.firstSeen ?? now, lastSeen: now };
      if (f.clusters) f.clusters = [...new Set(f.clusters)].sort();
      const dup = byId.get(id);
      if (!dup || severityRank(f.severity) > severityRank(dup.severity)) byId.set(id, f);
    }
  }
  // What could not be checked this time is not resolved: a failed rule's or an unreadable cluster's
  // previous findings are kept as last seen, so neither reports nor alerts claim a false recovery.
  const unread = new Set(input.unreadClusters ?? []);
  let kept = 0;
  for (const f of ctx.previousFindings.values()) {
    if (byId.has(f.id)) continue;
    if (failedRules.has(f.rule) || unread.has(f.cluster) || f.clusters?.some((c) => unread.has(c))) {
      byId.set(f.id, { ...f });
      kept++;
    }
  }
  if (kept > 0) notes.push(`${kept} finding(s) kept as last seen: their rule failed or their cluster's snapshot could not be read`);
  const findings = [...byId.values()];
  notes.push(...applyWaivers(findings, ctx.policy, input.now));
  findings.sort(compareFindings);

  const resolved = (input.previous?.findings ?? []).filter((f) => !byId.has(f.id)).map((f) => ({ ...f, resolvedAt: now }));

  let subnetRows: SubnetUsage[] = [];
  try {
    subnetRows = subnetUsage(ctx);
  } catch (e) {
    notes.push(`subnet accounting failed: ${(e as Error).message}`);
  }

  const sections: EvaluationSections = {};
  const section = <K extends "drift" | "health" | "compliance">(name: K, build: () => NonNullable<EvaluationSections[K]>) => {
    try {
      sections[name] = build();
    } catch (e) {
      notes.push(`${name} section failed: ${(e as Error).message}`);
    }
  };
  section("drift", () => buildDrift(input.views, findings, ctx.previousFindings, resolved));
  section("health", () => buildHealth(input.views));
  section("compliance", () => buildCompliance(ctx, rules, findings));

  return {
    schemaVersion: EVALUATION_SCHEMA_VERSION,
    scanId: input.scanId,
    generatedAt: now,
    clusters: input.views.map(clusterRow).sort((a, b) => a.cluster.localeCompare(b.cluster)),
    subnets: subnetRows,
    findings,
    resolved,
    notes,
    sections,
  };
}

function clusterRow(v: ClusterView): ClusterRow {
  const s = v.snapshot;
  const { nodes, nncs, requestedIPs, assignedIPs } = summarize(s, "");
  const row: ClusterRow = { cluster: v.name, status: v.latest.status, mode: clusterMode(s), nodes, nncs, requestedIPs, assignedIPs, takenAt: v.latest.takenAt };
  if (v.latest.reason) row.reason = v.latest.reason;
  if (s.takenAt !== v.latest.takenAt && s.status === "ok") row.dataFrom = s.takenAt;
  if (s.notes.length > 0) row.notes = [...s.notes];
  return row;
}
