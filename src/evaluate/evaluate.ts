// Runs every rule over the fleet and stamps identity and history on the results. Pure: the store is
// read and written by evaluate/run.ts. Clusters stream in: each one's own rules, report rows and
// sections are computed as it arrives, and of its snapshots only a fleet view is kept (for the rules
// with scope "fleet", which compare clusters): the snapshots are dropped as soon as it has been judged.
import type { ClusterRow, EvaluationSummary, FleetEvaluation, SubnetUsage } from "../model/evaluation.js";
import { EVALUATION_SCHEMA_VERSION } from "../model/evaluation.js";
import { clustersOf, compareFindings, type Finding, findingId, type RuleResult, severityRank } from "../model/finding.js";
import type { CnsClusterHealth, EvaluationSections } from "../model/sections.js";
import { summarize } from "../model/snapshot.js";
import { type ClusterScope, idleOverrides, type Policy, policySeverity, policyThreshold } from "../policy/policy.js";
import { applyWaivers } from "../policy/waivers.js";
import { RULES } from "../rules/catalogue.js";
import { type ClusterView, clusterMode, type FleetContext, lastOkAt, requireFleet } from "../rules/context.js";
import { type FleetView, fleetView } from "../rules/fleet-view.js";
import { accountingNotes, subnetUsage } from "../rules/analyses.js";
import type { Rule } from "../rules/rule.js";
import { buildCompliance, type ClusterApplicability, clusterApplicability } from "./sections/compliance.js";
import { buildDrift, clusterDrift, type DriftBase } from "./sections/drift.js";
import { buildHealth, clusterHealth, compactHealth } from "./sections/health.js";
export interface EvaluatorInput {
  scanId: string;
  now: Date;
  previous?: FleetEvaluation | undefined;
  history?: readonly EvaluationSummary[];
  policy?: Policy;
  rules?: readonly Rule[];
}

export interface EvaluateInput extends EvaluatorInput {
  views: readonly ClusterView[];
  /** Clusters in the latest view whose snapshot could not be read this time. */
  unreadClusters?: readonly string[];
}

/**
 * A context over `views` (their fleet views are derived when a fleet rule asks), or over `fleet` alone
 * as an evaluation's end has it; `scope: "cluster"` for one cluster's own rules.
 */
export function buildContext(
  input: EvaluatorInput & ({ views: readonly ClusterView[]; fleet?: undefined } | { views?: undefined; fleet: readonly FleetView[] }),
  scope: FleetContext["scope"] = "fleet",
  shared: ContextShared = contextShared(input),
): FleetContext {
  const policy = input.policy ?? {};
  const { defaults, memo, previousFindings } = shared;
  const { views } = input;
  let fleet = input.fleet;
  const subscriptions = new Map(views ? views.map((v) => [v.name, v.snapshot.arm?.subscriptionId]) : fleet!.map((f) => [f.name, f.arm?.subscriptionId]));
  const scopeOf = (cluster: string): ClusterScope => ({ cluster, subscription: subscriptions.get(cluster) });
  return {
    scope,
    now: input.now,
    scanId: input.scanId,
    get clusters(): readonly ClusterView[] {
      if (!views) throw new Error("this context holds fleet views only: a rule with scope \"fleet\" reads ctx.fleet, not ctx.clusters");
      return views;
    },
    get fleet(): readonly FleetView[] {
      requireFleet(this, "ctx.fleet");
      return (fleet ??= views!.map(fleetView));
    },
    policy,
    previousFindings,
    history: input.history ?? [],
    threshold(rule, key, cluster) {
      const scope = cluster === undefined ? undefined : typeof cluster === "string" ? scopeOf(cluster) : cluster.map(scopeOf);
      const v = policyThreshold(policy, rule, key, scope) ?? defaults.get(rule)?.[key];
      if (v === undefined) throw new Error(`rule ${rule} has no threshold ${key}`);
      return v;
    },
    memo<T>(key: string, compute: () => T): T {
      if (!memo.has(key)) memo.set(key, compute());
      return memo.get(key) as T;
    },
  };
}

/**
 * What a context derives from the evaluation's input alone. The Evaluator builds it once and shares it
 * with every cluster's context: rebuilt per cluster, the previous findings' index and memos over the
 * history (SCN004's scan interval) cost clusters × history.
 */
interface ContextShared {
  defaults: Map<string, Record<string, number>>;
  memo: Map<string, unknown>;
  previousFindings: FleetContext["previousFindings"];
}

function contextShared(input: EvaluatorInput): ContextShared {
  return {
    defaults: new Map((input.rules ?? RULES).map((r) => [r.meta.id, r.meta.thresholds ?? {}])),
    memo: new Map(),
    previousFindings: new Map((input.previous?.findings ?? []).map((f) => [f.id, f])),
  };
}

type SectionName = "drift" | "health" | "compliance";

/** Evaluates a fleet whose clusters arrive one by one: `add` each cluster's view, then `finish` once. */
export class Evaluator {
  private readonly rules: readonly Rule[];
  private readonly results: Array<{ rule: Rule; result: RuleResult }> = [];
  /** Rule id → the clusters it failed on (all of them for a fleet rule) and its first error. */
  private readonly failures = new Map<string, { clusters: string[]; message: string; fleet: boolean }>();
  /** What the fleet rules need of each cluster (not its snapshots). */
  private readonly fleet: FleetView[] = [];
  private readonly subscriptions = new Map<string, string | undefined>();
  private readonly rows: ClusterRow[] = [];
  private readonly drift: DriftBase[] = [];
  private readonly health: CnsClusterHealth[] = [];
  private readonly applicable = new Map<string, ClusterApplicability>();
  private readonly sectionErrors = new Map<SectionName, string>();
  private finished = false;

  /** Shared by the clusters' contexts; the fleet context at the end gets a memo of its own (its analyses read every cluster). */
  private readonly clusterShared: ContextShared;

  constructor(private readonly input: EvaluatorInput) {
    this.rules = input.rules ?? RULES;
    this.clusterShared = contextShared(input);
  }

  /** One cluster's view: its own rules run now; its previous snapshot is not kept. Each cluster once. */
  add(view: ClusterView): void {
    if (this.finished) throw new Error("the evaluation is finished");
    if (this.applicable.has(view.name)) throw new Error(`cluster ${view.name} was added twice`);
    const ctx = buildContext({ ...this.input, views: [view] }, "cluster", this.clusterShared);
    for (const rule of this.rules) {
      if (rule.meta.scope === "fleet") continue;
      try {
        for (const result of rule.check(ctx)) this.results.push({ rule, result });
      } catch (e) {
        this.fail(rule, [view.name], e, false);
      }
    }
    this.applicable.set(view.name, clusterApplicability(this.rules, view, ctx));
    this.rows.push(clusterRow(view));
    this.subscriptions.set(view.name, view.snapshot.arm?.subscriptionId);
    this.section("drift", () => this.drift.push(clusterDrift(view)));
    this.section("health", () => this.health.push(compactHealth(clusterHealth(view))));
    try {
      this.fleet.push(fleetView(view));
    } catch (e) {
      // The fleet rules then judge the others; this cluster's findings of theirs are kept as last seen.
      for (const rule of this.rules) if (rule.meta.scope === "fleet") this.fail(rule, [view.name], e, false);
    }
  }

  /** Runs the fleet rules over every cluster added, and assembles the evaluation. */
  finish(unreadClusters: readonly string[] = []): FleetEvaluation {
    if (this.finished) throw new Error("the evaluation is finished");
    this.finished = true;
    // Clusters arrive in whatever order their scans end: the fleet rules see them by name, so shared
    // resources list their clusters the same way every time.
    const fleet = this.fleet.sort((a, b) => a.name.localeCompare(b.name));
    const ctx = buildContext({ ...this.input, fleet }, "fleet", { ...this.clusterShared, memo: new Map() });
    for (const rule of this.rules) {
      if (rule.meta.scope !== "fleet") continue;
      try {
        for (const result of rule.check(ctx)) this.results.push({ rule, result });
      } catch (e) {
        this.fail(rule, fleet.map((v) => v.name), e, true);
      }
    }
    const now = this.input.now.toISOString();
    const notes: string[] = [];
    for (const rule of this.rules) {
      const f = this.failures.get(rule.meta.id);
      // One broken rule must not hide every other finding.
      if (f) notes.push(f.fleet || f.clusters.length === this.rows.length ? `rule ${rule.meta.id} failed: ${f.message}` : `rule ${rule.meta.id} failed on ${f.clusters.join(", ")}: ${f.message}`);
    }
    const byId = new Map<string, Finding>();
    const seenAt = this.seenAt(now);
    for (const { rule, result: r } of this.results) {
      const id = findingId(rule.meta.id, r);
      // A finding about several clusters takes an override's severity only when it matches all of them.
      const scopes = clustersOf(r).map((c) => this.scopeOf(c));
      const severity = policySeverity(ctx.policy, rule.meta.id, scopes) ?? r.severity;
      const prev = ctx.previousFindings.get(id);
      const lastSeen = seenAt(rule, r);
      // Never first seen after it was last seen: a finding first found in the evaluation of the data it is now judged from.
      const firstSeen = prev && prev.firstSeen < lastSeen ? prev.firstSeen : lastSeen;
      const f: Finding = { ...r, severity, id, rule: rule.meta.id, firstSeen, lastSeen };
      if (f.clusters) f.clusters = [...new Set(f.clusters)].sort();
      const dup = byId.get(id);
      if (!dup || severityRank(f.severity) > severityRank(dup.severity)) byId.set(id, f);
    }
    // What could not be checked this time is not resolved: a failed rule's or an unreadable cluster's
    // previous findings are kept as last seen, so neither reports nor alerts claim a false recovery.
    const unread = new Set(unreadClusters);
    const failedOn = (f: Finding): boolean => {
      const failure = this.failures.get(f.rule);
      return failure !== undefined && (failure.fleet || failure.clusters.includes(f.cluster));
    };
    let kept = 0;
    for (const f of ctx.previousFindings.values()) {
      if (byId.has(f.id)) continue;
      if (failedOn(f) || unread.has(f.cluster) || f.clusters?.some((c) => unread.has(c))) {
        byId.set(f.id, { ...f });
        kept++;
      }
    }
    if (kept > 0) notes.push(`${kept} finding(s) kept as last seen: their rule failed or their cluster's snapshot could not be read`);
    const findings = [...byId.values()];
    notes.push(...applyWaivers(findings, ctx.policy, this.input.now));
    // Like a waiver that matches nothing, an override that applies nowhere is a typo or a leftover.
    const scopes = this.rows.map((r) => this.scopeOf(r.cluster));
    for (const i of idleOverrides(ctx.policy, scopes)) {
      const o = ctx.policy.overrides![i]!;
      notes.push(`${ctx.policy.source ? `${ctx.policy.source}: ` : ""}overrides[${i}] matches no cluster of this evaluation (${[o.cluster && `cluster ${o.cluster}`, o.subscription && `subscription ${o.subscription}`].filter(Boolean).join(", ") || "any"})`);
    }
    findings.sort(compareFindings);

    // A stopped cluster (ARM powerState Stopped, e.g. a dev cluster stopped at night) has nothing running
    // to judge. Its previous findings are withdrawn, not resolved: nothing was fixed, so no report or
    // alert claims a recovery. Nor are they kept as last seen: a cluster may stay stopped for months,
    // and its reports would go on presenting problems of a cluster that is not running. They come back
    // when it runs again and is scanned (alerting keeps what it announced, so an unchanged problem is
    // not announced again as new).
    const stopped = new Set(this.rows.filter((r) => r.status === "stopped").map((r) => r.cluster));
    const paused = (f: Finding): boolean => stopped.has(f.cluster) && (f.clusters ?? []).every((c) => stopped.has(c));
    const gone = (this.input.previous?.findings ?? []).filter((f) => !byId.has(f.id));
    const withdrawn = gone.filter(paused).length;
    if (withdrawn > 0) notes.push(`${withdrawn} finding(s) of stopped clusters withdrawn until they run again`);
    const resolved = gone.filter((f) => !paused(f)).map((f) => ({ ...f, resolvedAt: now }));

    let subnetRows: SubnetUsage[] = [];
    try {
      subnetRows = subnetUsage(ctx);
      notes.push(...accountingNotes(ctx));
    } catch (e) {
      notes.push(`subnet accounting failed: ${(e as Error).message}`);
    }

    const sections: EvaluationSections = {};
    const section = <K extends SectionName>(name: K, build: () => NonNullable<EvaluationSections[K]>) => {
      this.section(name, () => (sections[name] = build()));
      const failed = this.sectionErrors.get(name);
      if (failed) notes.push(`${name} section failed: ${failed}`);
    };
    section("drift", () => buildDrift(this.drift, findings, ctx.previousFindings, resolved));
    section("health", () => buildHealth(this.health));
    section("compliance", () => buildCompliance(new Map([...this.fleetApplicability(ctx, notes)].sort(([a], [b]) => a.localeCompare(b))), this.rules, findings));

    return {
      schemaVersion: EVALUATION_SCHEMA_VERSION,
      scanId: this.input.scanId,
      generatedAt: now,
      clusters: this.rows.sort((a, b) => a.cluster.localeCompare(b.cluster)),
      subnets: subnetRows,
      findings,
      resolved,
      notes,
      sections,
    };
  }

  /** Each cluster's applicability, less what the fleet rules found they could not judge after all. */
  private fleetApplicability(ctx: FleetContext, notes: string[]): Map<string, ClusterApplicability> {
    const out = new Map(this.applicable);
    for (const rule of this.rules) {
      if (!rule.unjudged || this.failures.has(rule.meta.id)) continue;
      try {
        for (const [cluster, reason] of rule.unjudged(ctx)) {
          const a = out.get(cluster);
          if (a?.get(rule.meta.id) === true) out.set(cluster, new Map(a).set(rule.meta.id, reason));
        }
      } catch (e) {
        notes.push(`rule ${rule.meta.id}: which clusters it could judge is unknown: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /**
   * When a rule's result was seen: now, unless every cluster it is about was judged from its last good
   * snapshot (the latest scan did not read it), then when the newest of those was taken, so reports'
   * `since` tell old data from what is there now. The SCN rules judge the scan itself: always now.
   */
  private seenAt(now: string): (rule: Rule, r: RuleResult) => string {
    const dataFrom = new Map(this.rows.flatMap((row) => (row.dataFrom ? [[row.cluster, row.dataFrom] as const] : [])));
    return (rule, r) => {
      if (rule.meta.family === "SCN") return now;
      let newest = "";
      for (const c of clustersOf(r)) {
        const at = dataFrom.get(c);
        if (at === undefined) return now;
        if (at > newest) newest = at;
      }
      return newest || now;
    };
  }

  private scopeOf(cluster: string): ClusterScope {
    return { cluster, subscription: this.subscriptions.get(cluster) };
  }

  private fail(rule: Rule, clusters: string[], e: unknown, fleet: boolean): void {
    const f = this.failures.get(rule.meta.id);
    if (f) f.clusters.push(...clusters);
    else this.failures.set(rule.meta.id, { clusters: [...clusters], message: (e as Error).message, fleet });
  }

  /** A report section that fails for one cluster is left out (with a note), never the whole evaluation. */
  private section(name: SectionName, build: () => unknown): void {
    if (this.sectionErrors.has(name)) return;
    try {
      build();
    } catch (e) {
      this.sectionErrors.set(name, (e as Error).message);
    }
  }
}

/** The whole fleet at once (tests, small fleets): the same evaluation the streaming path gives. */
export function evaluate(input: EvaluateInput): FleetEvaluation {
  const { views, unreadClusters, ...rest } = input;
  const evaluator = new Evaluator(rest);
  for (const v of views) evaluator.add(v);
  return evaluator.finish(unreadClusters);
}

function clusterRow(v: ClusterView): ClusterRow {
  const s = v.snapshot;
  const { nodes, nncs, requestedIPs, assignedIPs } = summarize(s, "");
  const row: ClusterRow = { cluster: v.name, status: v.latest.status, mode: clusterMode(s), nodes, nncs, requestedIPs, assignedIPs, takenAt: v.latest.takenAt };
  if (v.latest.reason) row.reason = v.latest.reason;
  if (s.takenAt !== v.latest.takenAt && s.status === "ok") row.dataFrom = s.takenAt;
  row.lastOkAt = lastOkAt(v);
  if (s.notes.length > 0) row.notes = [...s.notes];
  return row;
}
