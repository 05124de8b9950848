// The policy: per-rule thresholds and severity overrides (fleet-wide, or per cluster / subscription),
// the fleet baseline, and waivers. Loaded from YAML and validated by policy/load.ts.
import type { AlertsConfig } from "../alerts/config.js";
import type { Severity } from "../model/finding.js";
import { globMatch } from "./glob.js";

export interface WaiverRule {
  /** Glob-like patterns (`*` wildcard); absent = any. */
  cluster?: string;
  rule?: string;
  resource?: string;
  reason: string;
  /** ISO date or time; a date alone lasts to the end of that day (UTC). After it the waiver stops applying and the finding says so. */
  expires?: string;
}

/** What the DRF rules compare clusters with. Absent keys fall back to the fleet's most common value. */
export interface Baseline {
  /** Expected azure-cns version (image tag), e.g. `v1.6.25`. */
  cnsVersion?: string;
  /** Clusters below this version get a warning (DRF001). */
  minCnsVersion?: string;
  /** Expected values of watched `cns_config.json` keys (DRF002). */
  cnsConfig?: Record<string, string | number | boolean>;
}

/** Thresholds and severities for the clusters that match (RULES.md: per fleet, subscription or cluster). */
export interface PolicyOverride {
  /** Cluster name pattern; absent = any. */
  cluster?: string;
  /** ARM subscription ID pattern; only clusters with ARM data match it. */
  subscription?: string;
  thresholds?: Record<string, Record<string, number>>;
  severity?: Record<string, Severity>;
}

export interface Policy {
  thresholds?: Record<string, Record<string, number>>;
  severity?: Record<string, Severity>;
  waivers?: WaiverRule[];
  baseline?: Baseline;
  /** Later entries win over earlier ones and over the fleet-wide values. */
  overrides?: PolicyOverride[];
  /** Where alerts go (see src/alerts/config.ts); CLI flags and env add to it. */
  alerts?: AlertsConfig;
  /** Where the policy came from (a file path), for messages. */
  source?: string;
}

export const EMPTY_POLICY: Policy = {};

export interface ClusterScope {
  cluster: string;
  subscription?: string | undefined;
}

/** Overrides whose patterns match none of `scopes` (a typo, or clusters that are gone), by index. */
export function idleOverrides(policy: Policy, scopes: readonly ClusterScope[]): number[] {
  return (policy.overrides ?? []).flatMap((o, i) => (scopes.some((sc) => overrideMatches(o, sc)) ? [] : [i]));
}

function overrideMatches(o: PolicyOverride, scope: ClusterScope): boolean {
  if (o.cluster !== undefined && !globMatch(o.cluster, scope.cluster)) return false;
  if (o.subscription !== undefined && (scope.subscription === undefined || !globMatch(o.subscription, scope.subscription))) return false;
  return true;
}

/**
 * The value of the last override that sets it (`pick`) and matches every cluster in `scopes` (a finding
 * about a shared subnet names several): an override for `aks-dev-*` does not decide for a subnet that a
 * prod cluster shares. Undefined when no override applies.
 */
function fromOverrides<T>(policy: Policy, scopes: ClusterScope | readonly ClusterScope[] | undefined, pick: (o: PolicyOverride) => T | undefined): T | undefined {
  const all = scopes === undefined ? [] : "cluster" in scopes ? [scopes as ClusterScope] : (scopes as readonly ClusterScope[]);
  if (all.length === 0) return undefined;
  for (const o of [...(policy.overrides ?? [])].reverse()) {
    const v = pick(o);
    if (v !== undefined && all.every((scope) => overrideMatches(o, scope))) return v;
  }
  return undefined;
}

/**
 * The policy's threshold for a rule key in a cluster, or in every cluster of `scope` when it is a list
 * (overrides first), or undefined when the policy is silent.
 */
export function policyThreshold(policy: Policy, rule: string, key: string, scope?: ClusterScope | readonly ClusterScope[]): number | undefined {
  return fromOverrides(policy, scope, (o) => o.thresholds?.[rule]?.[key]) ?? policy.thresholds?.[rule]?.[key];
}

/** The policy's severity for a rule in a cluster, or in every cluster of `scope` when it is a list (overrides first), or undefined. */
export function policySeverity(policy: Policy, rule: string, scope?: ClusterScope | readonly ClusterScope[]): Severity | undefined {
  return fromOverrides(policy, scope, (o) => o.severity?.[rule]) ?? policy.severity?.[rule];
}
