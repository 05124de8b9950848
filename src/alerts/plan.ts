// What one destination should hear about after a scan, given what it was already told. Pure.
import { type Finding, severityRank } from "../model/finding.js";
import type { Destination } from "./config.js";

/** What a destination was told about one finding (kept in the alert state store). */
export interface Announced {
  findingId: string;
  severity: Finding["severity"];
  /** When it was last announced (new, escalated or reminder). */
  announcedAt: string;
  rule: string;
  cluster: string;
  resource: string;
  /** Kept so a resolution can be described after the finding is gone. */
  message: string;
  /** Evaluations in a row the finding has been absent from; it is resolved at RESOLVE_AFTER_EVALUATIONS. */
  missing?: number;
}

/**
 * A finding is announced resolved once it has been gone from this many evaluations in a row: one that
 * flaps (a subnet at the 80 % line, a pod between restarts) is not resolved and announced anew every
 * scan, which teaches a channel to ignore the cards.
 */
const RESOLVE_AFTER_EVALUATIONS = 2;

export type AnnounceReason = "new" | "escalated" | "reminder";

export interface AlertPlan {
  announce: Array<{ finding: Finding; reason: AnnounceReason; previous?: Announced }>;
  resolved: Announced[];
  /** State rows to update without telling anyone (severity dropped, or the finding got waived). */
  quietUpdates: Announced[];
  quietDeletes: string[];
}

export function announced(f: Finding, at: string): Announced {
  return { findingId: f.id, severity: f.severity, announcedAt: at, rule: f.rule, cluster: f.cluster, resource: f.resource, message: f.message.slice(0, 500) };
}

/**
 * `fleet`: the clusters the evaluation covers. A finding that is gone because its cluster was removed
 * from the audit (`fleet-audit forget`) is dropped quietly: nothing about it was resolved. `stopped`:
 * clusters stopped in ARM, whose findings are withdrawn until they run again: what was announced about
 * them is kept as it is, so an unchanged problem is not announced again when the cluster comes back.
 */
export function planAlerts(
  findings: readonly Finding[],
  state: ReadonlyMap<string, Announced>,
  dest: Pick<Destination, "minSeverity">,
  now: Date,
  renotifyMs: number,
  fleet?: ReadonlySet<string>,
  stopped?: ReadonlySet<string>,
): AlertPlan {
  const plan: AlertPlan = { announce: [], resolved: [], quietUpdates: [], quietDeletes: [] };
  const current = new Map(findings.map((f) => [f.id, f]));
  for (const f of findings) {
    const stored = state.get(f.id);
    // Back before it was resolved: as if it had never been gone, and its row rewritten once.
    const prev = stored && stillOpen(stored);
    if (!judge(plan, f, prev, dest, now, renotifyMs) && stored?.missing) plan.quietUpdates.push(prev!);
  }
  for (const prev of state.values()) {
    if (current.has(prev.findingId) || stopped?.has(prev.cluster)) continue;
    if (fleet && !fleet.has(prev.cluster)) plan.quietDeletes.push(prev.findingId);
    else {
      const missing = (prev.missing ?? 0) + 1;
      if (missing >= RESOLVE_AFTER_EVALUATIONS) plan.resolved.push(stillOpen(prev));
      else plan.quietUpdates.push({ ...prev, missing });
    }
  }
  const order = (a: { severity: Finding["severity"]; cluster: string; rule: string }, b: typeof a) =>
    severityRank(b.severity) - severityRank(a.severity) || a.cluster.localeCompare(b.cluster) || a.rule.localeCompare(b.rule);
  plan.announce.sort((a, b) => order(a.finding, b.finding));
  plan.resolved.sort(order);
  return plan;
}

/** The row without its absence count. */
function stillOpen(a: Announced): Announced {
  const { missing: _missing, ...rest } = a;
  return rest;
}

/** One present finding against what the destination was told about it; whether its row changes. */
function judge(plan: AlertPlan, f: Finding, prev: Announced | undefined, dest: Pick<Destination, "minSeverity">, now: Date, renotifyMs: number): boolean {
  if (f.waived) {
    // Accepted risk: never announced; forget it quietly if it was (no false "resolved" either).
    if (prev) plan.quietDeletes.push(f.id);
    return prev !== undefined;
  }
  const loud = severityRank(f.severity) >= severityRank(dest.minSeverity);
  if (!prev) {
    if (loud) plan.announce.push({ finding: f, reason: "new" });
    return loud;
  }
  if (severityRank(f.severity) > severityRank(prev.severity)) {
    if (loud) plan.announce.push({ finding: f, reason: "escalated", previous: prev });
    else plan.quietUpdates.push({ ...prev, severity: f.severity });
    return true;
  }
  if (severityRank(f.severity) < severityRank(prev.severity)) {
    plan.quietUpdates.push({ ...prev, severity: f.severity });
    return true;
  }
  if (loud && now.getTime() - Date.parse(prev.announcedAt) >= renotifyMs) {
    plan.announce.push({ finding: f, reason: "reminder", previous: prev });
    return true;
  }
  return false;
}
