// A rule is metadata plus a pure function over the fleet context. The catalogue (RULES.md) is the
// source of the IDs; docs, SARIF and the dashboard read the metadata from here.
import type { RuleResult, Severity } from "../model/finding.js";
import type { ClusterView, FleetContext } from "./context.js";

export type RuleFamily = "IPX" | "NNC" | "CNS" | "DRF" | "SCN";

/** The shape of every rule ID (RULES.md): a family and three digits. */
export const RULE_ID = /^(IPX|NNC|CNS|DRF|SCN)\d{3}$/;

export interface RuleMeta {
  /** Stable ID from RULES.md; never reused for another meaning. */
  id: string;
  title: string;
  family: RuleFamily;
  /** Default severity; a result may raise or lower it (e.g. warning → critical past a threshold). */
  severity: Severity;
  /** What it detects, one sentence. */
  description: string;
  /** What to do about it, one or two sentences. */
  remediation: string;
  /** DOMAIN.md section behind it. */
  reference?: string;
  /** Default thresholds; a policy file can override each key. */
  thresholds?: Record<string, number>;
  /**
   * `fleet`: the rule compares clusters (fleet baseline, shared pod subnets) and runs once over the
   * whole fleet, reading `ctx.fleet` (compact per-cluster views, not snapshots). Other rules judge one
   * cluster at a time, from its snapshots, as each cluster's data arrives, so an evaluation never
   * holds the fleet's snapshots at once.
   */
  scope?: "fleet";
}

/**
 * Whether a rule can judge a cluster (compliance: pass / fail / not applicable): `true`, or the reason
 * it cannot (e.g. "no ARM data"). Checked after the default (SCN rules judge every cluster, the others
 * need a good snapshot of a CNS-managed cluster).
 */
export type Applicability = (view: ClusterView, ctx: FleetContext) => true | string;

/**
 * Fleet rules only: clusters the rule turned out unable to judge once it saw the whole fleet, with the
 * reason (IPX003 on a shared subnet whose headroom is unknown for want of another cluster's ARM data).
 * Compliance shows them not applicable instead of a pass.
 */
export type Unjudged = (ctx: FleetContext) => Iterable<[cluster: string, reason: string]>;

export interface Rule {
  meta: RuleMeta;
  check(ctx: FleetContext): Iterable<RuleResult>;
  applies?: Applicability;
  unjudged?: Unjudged;
}

export function defineRule(meta: RuleMeta, check: (ctx: FleetContext) => Iterable<RuleResult>, applies?: Applicability, unjudged?: Unjudged): Rule {
  if (!RULE_ID.test(meta.id) || !meta.id.startsWith(meta.family)) {
    throw new Error(`rule id ${meta.id} does not fit family ${meta.family}`);
  }
  if (unjudged && meta.scope !== "fleet") throw new Error(`rule ${meta.id}: only a fleet rule can leave clusters unjudged`);
  return { meta, check, ...(applies ? { applies } : {}), ...(unjudged ? { unjudged } : {}) };
}
