// Report filters, validated once for the CLI and HTTP alike. Values are matched in memory against the
// evaluation document; they never become query text.
import { NotFoundError, UsageError } from "../errors.js";
import { MAX_CLUSTER_NAME } from "../model/cluster-name.js";
import { type Finding, isSeverity, type Severity, severityRank } from "../model/finding.js";
import { nameMatcher } from "../glob.js";
import { RULES } from "../rules/catalogue.js";
import { RULE_ID } from "../rules/rule.js";

export interface ReportFilter {
  /** A cluster name, or a pattern where `*` stands for any run of characters (`aks-prod-*`). */
  cluster?: string;
  /** At or above this severity. */
  severity?: Severity;
  rule?: string;
  since?: Date;
}

const DURATION = /^(\d{1,6})([mhdw])$/;
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?)?$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `since` as an ISO time or a duration back from now (30m, 24h, 7d, 2w). */
export function parseSince(v: string, now = new Date()): Date {
  const m = DURATION.exec(v);
  if (m) return new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]);
  const iso = ISO_TIME.exec(v);
  // A day that exists (Date.parse rolls 2026-02-30 over to March); a time without a zone is UTC, as
  // every time this tool prints is, not the server's local time.
  const day = iso ? Date.parse(`${iso[1]}T00:00:00Z`) : NaN;
  if (iso && !Number.isNaN(day) && new Date(day).toISOString().startsWith(iso[1]!)) {
    const t = Date.parse(`${iso[1]}T${iso[2] ?? "00:00"}${iso[3] ?? "Z"}`);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new UsageError(`since must be an ISO time (2026-11-28T04:00:00Z) or a duration like 24h or 7d, not ${JSON.stringify(v.slice(0, 60))}`);
}

export function parseFilter(raw: { cluster?: string | undefined; severity?: string | undefined; rule?: string | undefined; since?: string | undefined }, now = new Date()): ReportFilter {
  const f: ReportFilter = {};
  // An empty value is a mistake (`--cluster "$UNSET"`), not "all": a gate would judge the whole fleet.
  for (const [k, v] of Object.entries(raw)) if (v === "") throw new UsageError(`${k} must not be empty; leave it out to mean all`);
  if (raw.cluster !== undefined) {
    if (raw.cluster.length > MAX_CLUSTER_NAME) throw new UsageError(`cluster must be at most ${MAX_CLUSTER_NAME} characters`);
    f.cluster = raw.cluster;
  }
  if (raw.severity !== undefined) {
    const sev = raw.severity.toLowerCase();
    if (!isSeverity(sev)) throw new UsageError(`severity must be one of info, warning, critical, not ${JSON.stringify(raw.severity.slice(0, 40))}`);
    f.severity = sev;
  }
  if (raw.rule !== undefined) {
    const r = raw.rule.toUpperCase();
    if (!RULE_ID.test(r)) throw new UsageError(`rule must be a rule ID such as IPX001, not ${JSON.stringify(raw.rule.slice(0, 40))}`);
    // A typo that looks like an ID would give an empty report, and a quiet pass of --fail-on.
    if (!RULES.some((x) => x.meta.id === r)) throw new UsageError(`unknown rule ${r}; the catalogue has ${RULES.map((x) => x.meta.id).join(", ")}`);
    f.rule = r;
  }
  if (raw.since !== undefined) f.since = parseSince(raw.since, now);
  return f;
}

/** The filter in words, for the heading of a report a person reads ("" when there is none). */
export function describeFilter(f: ReportFilter): string {
  const parts: string[] = [];
  if (f.cluster !== undefined) parts.push(`cluster ${f.cluster}`);
  if (f.severity !== undefined) parts.push(`severity ${f.severity} and above`);
  if (f.rule !== undefined) parts.push(`rule ${f.rule}`);
  if (f.since !== undefined) parts.push(`seen since ${f.since.toISOString()}`);
  return parts.join(", ");
}

/** A filter value's matcher, remembering each name's answer: a report asks once per finding. */
function clusterPattern(pattern: string): (name: string) => boolean {
  const test = nameMatcher(pattern);
  if (!pattern.includes("*")) return test;
  const seen = new Map<string, boolean>();
  return (name) => {
    let m = seen.get(name);
    if (m === undefined) seen.set(name, (m = test(name)));
    return m;
  };
}

const patterns = new Map<string, (name: string) => boolean>();

function clusterMatch(pattern: string): (name: string) => boolean {
  let m = patterns.get(pattern);
  if (!m) {
    m = clusterPattern(pattern);
    // Values come from query strings too: keep the last few, not every one ever seen.
    if (patterns.size >= 64) patterns.clear();
    patterns.set(pattern, m);
  }
  return m;
}

/** True when the filter names no cluster, or `cluster` (or one of `clusters`, for a finding about several) matches it. */
export function matchesCluster(f: ReportFilter, cluster: string, clusters?: readonly string[]): boolean {
  if (f.cluster === undefined) return true;
  const m = clusterMatch(f.cluster);
  return m(cluster) || (clusters?.some(m) ?? false);
}

/** A cluster filter that matches none of `clusters` is a mistake to report, not an empty report. */
export function checkClusterFilter(f: ReportFilter, clusters: readonly string[]): void {
  if (f.cluster === undefined || clusters.some((c) => matchesCluster(f, c))) return;
  const shown = JSON.stringify(f.cluster.slice(0, 80));
  throw new NotFoundError(f.cluster.includes("*") ? `no cluster matches ${shown}` : `unknown cluster ${shown}`);
}

/** The findings report's test of one finding against every filter (`since`: seen at or after). */
export function matchesFinding(f: ReportFilter, x: Pick<Finding, "cluster" | "clusters" | "severity" | "rule" | "lastSeen">): boolean {
  return matchesCluster(f, x.cluster, x.clusters) && meetsSeverity(f, x.severity) && (!f.rule || x.rule === f.rule) && (!f.since || Date.parse(x.lastSeen) >= f.since.getTime());
}

/** At or above the filter's severity; a row with no severity (nothing wrong) meets only no filter. */
export function meetsSeverity(f: ReportFilter, s: Severity | undefined): boolean {
  return f.severity === undefined || (s !== undefined && severityRank(s) >= severityRank(f.severity));
}
