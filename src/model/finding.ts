// Findings are plain data: rules emit them, the evaluation stamps identity and history on them,
// reporters and alerts only read them.
import { createHash } from "node:crypto";

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** The highest of `list`'s severities; undefined when it holds none. */
export function worstSeverity(list: ReadonlyArray<Severity | undefined>): Severity | undefined {
  return list.reduce<Severity | undefined>((w, s) => (s && (!w || severityRank(s) > severityRank(w)) ? s : w), undefined);
}

/** A document row's optional `severity`: left out where there is none, as JSON leaves out an undefined. */
export const severityOf = (severity: Severity | undefined): { severity?: Severity } => (severity ? { severity } : {});

export function isSeverity(s: unknown): s is Severity {
  return typeof s === "string" && (SEVERITIES as readonly string[]).includes(s);
}

/** A severity as a person types it, in any case (`Critical`); undefined when it is none. */
export function parseSeverity(v: string): Severity | undefined {
  const s = v.trim().toLowerCase();
  return isSeverity(s) ? s : undefined;
}

/** Resource kinds of CONTRACT.md: `KIND/NAME`. */
export type ResourceKind = "cluster" | "node" | "nnc" | "pod" | "daemonset" | "subnet";

export function resource(kind: ResourceKind, name: string): string {
  return `${kind}/${name}`;
}

/** What a rule returns: the facts, without identity or history. */
export interface RuleResult {
  severity: Severity;
  /** The cluster the finding is about (for a shared resource: the first of `clusters`, sorted). */
  cluster: string;
  /** All clusters involved when several share the resource. */
  clusters?: string[];
  resource: string;
  message: string;
  /** Numbers behind the message, for reports and dashboards. */
  data?: Record<string, string | number | boolean | null>;
  /** Extra identity when one rule can raise several findings on one resource. */
  discriminator?: string;
}

export interface Waiver {
  reason: string;
  expires?: string;
  /** Which waiver entry matched (its index or id in the policy file). */
  source?: string;
}

export interface Finding extends RuleResult {
  /** Stable identity: the same problem on the same resource keeps its id across scans. */
  id: string;
  rule: string;
  firstSeen: string;
  lastSeen: string;
  waived?: Waiver;
  /** A waiver matched but has expired: the finding counts again, and says which waiver lapsed. */
  waiverExpired?: Waiver;
}

/** Every cluster a finding is about: its `clusters` when it names several, else its one `cluster`. */
export function clustersOf(r: Pick<RuleResult, "cluster" | "clusters">): readonly string[] {
  return r.clusters && r.clusters.length > 0 ? r.clusters : [r.cluster];
}

/** A finding about a pod subnet (every rule names one with its subnet key as discriminator, so its id leaves the clusters out). */
export function isAboutSubnet(r: Pick<RuleResult, "resource">): boolean {
  return r.resource.startsWith("subnet/");
}

/**
 * A finding (or what was announced of one) about several clusters, no longer naming those `kept` refuses:
 * they leave `clusters` (which goes when one is left) and `cluster` is a kept one.
 */
export function narrowedTo<F extends Pick<RuleResult, "cluster" | "clusters">>(f: F, kept: (name: string) => boolean): F {
  if (!f.clusters || f.clusters.every(kept)) return f;
  const clusters = f.clusters.filter(kept);
  const { clusters: _all, ...rest } = f;
  return { ...rest, cluster: kept(f.cluster) ? f.cluster : (clusters[0] ?? f.cluster), ...(clusters.length > 1 ? { clusters } : {}) } as F;
}

/**
 * Identity of a finding: rule + the scope it lives in + resource. For a finding about several clusters
 * the scope is the sorted set, so it does not change when the first-named cluster changes. A subnet's
 * finding (resource `subnet/…`, its subnet key as discriminator: rules/scope.ts subnetScope) is about
 * the subnet, whichever clusters draw from it: a cluster joining or leaving a shared subnet keeps its ID.
 */
export function findingId(rule: string, r: Pick<RuleResult, "cluster" | "clusters" | "resource" | "discriminator">): string {
  const subnet = isAboutSubnet(r) && r.discriminator !== undefined;
  const scope = subnet ? "" : r.clusters && r.clusters.length > 0 ? [...r.clusters].sort().join("\u0000") : r.cluster;
  const h = createHash("sha256").update([rule, scope, r.resource, r.discriminator ?? ""].join("\u0001")).digest("hex");
  return `${rule}-${h.slice(0, 20)}`;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.cluster.localeCompare(b.cluster) ||
    a.rule.localeCompare(b.rule) ||
    a.resource.localeCompare(b.resource)
  );
}
