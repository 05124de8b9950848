// What one destination should hear about after a scan, given what it was already told. Pure.
import { clustersOf, type Finding, severityRank } from "../model/finding.js";
import type { Destination } from "./config.js";

/** What a destination was told about one finding (kept in the alert state store). */
export interface Announced {
  findingId: string;
  /**
   * The severity the destination last heard of (a drop is recorded once it has been told), except in a
   * row marked `belowMin`, which follows the finding quietly: that channel stopped hearing of it. A row
   * an earlier version lowered quietly holds that lower severity, the best there is.
   */
  severity: Finding["severity"];
  /** When it was last told (new, escalated, de-escalated, reminder, or below the destination's level). */
  announcedAt: string;
  rule: string;
  cluster: string;
  /** Kept, as `message` and `firstSeen`, so a resolution names the finding as its announcement did (absent in rows written before). */
  clusters?: string[];
  resource: string;
  /** Kept so a resolution can be described after the finding is gone. */
  message: string;
  firstSeen?: string;
  /** Evaluations in a row the finding has been absent from (one per scan of its clusters); it is resolved at RESOLVE_AFTER_EVALUATIONS. */
  missing?: number;
  /** Evaluations in a row the finding has been below `severity` (one per scan of its clusters); the drop is told at DEESCALATE_AFTER_EVALUATIONS. */
  lowerFor?: number;
  /**
   * With a count: the snapshots it was last advanced on (`snapshotsOf`). Only an evaluation holding a
   * newer snapshot of the finding's clusters advances it: two scan jobs sharing a store, or overlapping
   * rounds, each evaluate the one scan of a cluster, which is one observation, not two.
   */
  countedOn?: string;
  /**
   * Set once the destination was told the finding fell below its minimum severity: it then hears nothing
   * more of it, its resolution included, until it rises to its level again (a new row, unmarked).
   */
  belowMin?: true;
}

/**
 * A finding is announced resolved once it has been gone from this many evaluations in a row: one that
 * flaps (a subnet at the 80 % line, a pod between restarts) is not resolved and announced anew every
 * scan, which teaches a channel to ignore the cards.
 */
const RESOLVE_AFTER_EVALUATIONS = 2;
/**
 * A severity drop is told once it has held this many evaluations in a row, for the same reason: a value
 * oscillating at the critical line would otherwise post "de-escalated" and "escalated" every scan.
 * (A rise is told at once: it is the news a channel is for.)
 */
const DEESCALATE_AFTER_EVALUATIONS = 2;

export type AnnounceReason = "new" | "escalated" | "deescalated" | "reminder";

export interface AlertPlan {
  announce: Array<{ finding: Finding; reason: AnnounceReason; previous?: Announced }>;
  resolved: Announced[];
  /**
   * Findings that fell below the destination's minimum severity: told once with the resolutions ("no
   * longer at this level"), then kept at the lower severity and marked `belowMin` (by sendAlerts, once
   * delivered), so a later rise is "escalated" and a later resolution is not announced to a channel that
   * stopped hearing of it.
   */
  lowered: Array<{ finding: Finding; previous: Announced }>;
  /**
   * State rows to update without telling anyone: an absence or a drop being counted (or one that did not
   * hold), a finding back before it resolved, and a `belowMin` row following its finding's severity.
   */
  quietUpdates: Announced[];
  /** Rows to forget without telling anyone: waived findings, clusters removed from the audit, resolved `belowMin` rows. */
  quietDeletes: string[];
}

export function announced(f: Finding, at: string): Announced {
  return {
    findingId: f.id, severity: f.severity, announcedAt: at, rule: f.rule, cluster: f.cluster, ...(f.clusters ? { clusters: f.clusters } : {}),
    resource: f.resource, message: f.message.slice(0, 500), firstSeen: f.firstSeen,
  };
}

/**
 * `fleet`: the clusters the evaluation covers, each with its latest snapshot's `takenAt`. A finding that
 * is gone because its cluster was removed from the audit (`fleet-audit forget`) is dropped quietly:
 * nothing about it was resolved. `stopped`:
 * clusters stopped in ARM, whose findings are withdrawn until they run again: what was announced about
 * them is kept as it is, so an unchanged problem is not announced again when the cluster comes back.
 */
export function planAlerts(
  findings: readonly Finding[],
  state: ReadonlyMap<string, Announced>,
  dest: Pick<Destination, "minSeverity">,
  now: Date,
  renotifyMs: number,
  fleet?: ReadonlyMap<string, string>,
  stopped?: ReadonlySet<string>,
): AlertPlan {
  const plan: AlertPlan = { announce: [], resolved: [], lowered: [], quietUpdates: [], quietDeletes: [] };
  const current = new Map(findings.map((f) => [f.id, f]));
  for (const f of findings) {
    const stored = state.get(f.id);
    // Back before it was resolved: as if it had never been gone, its row rewritten without the count
    // even when it is announced (sendAlerts writes a delivered announcement over it): one that is not
    // delivered must not leave a single absence to resolve it.
    const prev = stored && without(stored, "missing");
    if (!judge(plan, f, prev, dest, now, renotifyMs, snapshotsOf(f, fleet)) && stored?.missing) plan.quietUpdates.push(prev!);
  }
  for (const prev of state.values()) {
    if (current.has(prev.findingId) || stopped?.has(prev.cluster)) continue;
    if (fleet && !fleet.has(prev.cluster)) plan.quietDeletes.push(prev.findingId);
    else {
      const seen = snapshotsOf(prev, fleet);
      // Nothing newer of its clusters than what a count was last advanced on: the same scan, evaluated again.
      if (!newer(prev, seen)) continue;
      const missing = (prev.missing ?? 0) + 1;
      // It was told the finding is no longer at its level: nothing more to say. Any other row resolves
      // aloud, even below the level (it was lowered quietly before, or the level was raised since).
      if (missing >= RESOLVE_AFTER_EVALUATIONS && prev.belowMin) plan.quietDeletes.push(prev.findingId);
      else if (missing >= RESOLVE_AFTER_EVALUATIONS) plan.resolved.push(settled(without(prev, "missing")));
      else plan.quietUpdates.push({ ...prev, missing, ...seen });
    }
  }
  plan.announce.sort(urgency);
  plan.resolved.sort(order);
  plan.lowered.sort((a, b) => order(a.previous, b.previous));
  return plan;
}

/**
 * The order of announcements: the most severe first, new or not (people read the top of a card, and a
 * full message leaves out the last, so a critical still open is never dropped for an info that is new);
 * within one severity what the destination has not heard (new, escalated), then de-escalations, then
 * reminders, the longest since last told first; then as `order`.
 */
export function urgency(a: AlertPlan["announce"][number], b: typeof a): number {
  return severityRank(b.finding.severity) - severityRank(a.finding.severity) || NEWS[a.reason] - NEWS[b.reason] || toldAt(a) - toldAt(b) || order(a.finding, b.finding);
}
const NEWS: Record<AnnounceReason, number> = { new: 0, escalated: 0, deescalated: 1, reminder: 2 };
/**
 * A reminder's last telling: a backlog too big for one card is spread over the next scans', and a
 * reminder shown there is due again before the tail is through unless what waited longest goes first.
 */
const toldAt = (a: AlertPlan["announce"][number]): number => (a.reason === "reminder" && a.previous ? Date.parse(a.previous.announcedAt) || 0 : 0);

/** The order of every other list a destination gets: the most severe first, then by cluster and rule. */
export function order(a: { severity: Finding["severity"]; cluster: string; rule: string }, b: typeof a): number {
  return severityRank(b.severity) - severityRank(a.severity) || a.cluster.localeCompare(b.cluster) || a.rule.localeCompare(b.rule);
}

function covers(dest: Pick<Destination, "minSeverity">, s: Finding["severity"]): boolean {
  return severityRank(s) >= severityRank(dest.minSeverity);
}

/** The row without a count: `missing` (its absences), `lowerFor` (a pending drop); `countedOn` goes with the last. */
function without(a: Announced, count: "missing" | "lowerFor"): Announced {
  const rest = { ...a };
  delete rest[count];
  if (!rest.missing && !rest.lowerFor) delete rest.countedOn;
  return rest;
}

/** The snapshots an evaluation judged a finding on: its clusters' `takenAt`. None when the caller does not say (every evaluation counts). */
function snapshotsOf(a: Pick<Announced, "cluster" | "clusters">, fleet: ReadonlyMap<string, string> | undefined): Pick<Announced, "countedOn"> {
  return fleet ? { countedOn: clustersOf(a).map((c) => fleet.get(c) ?? "").join(" ") } : {};
}
/** Whether a count may advance: the evaluation holds a snapshot of the finding's clusters it was not counted on. */
const newer = (row: Announced, seen: Pick<Announced, "countedOn">): boolean => seen.countedOn === undefined || seen.countedOn !== row.countedOn;
const settled = (a: Announced): Announced => without(a, "lowerFor");

/**
 * One present finding against what the destination was told about it; whether its row is updated or
 * deleted quietly (an announcement's row is written only once delivered: that is no quiet change).
 */
function judge(plan: AlertPlan, f: Finding, prev: Announced | undefined, dest: Pick<Destination, "minSeverity">, now: Date, renotifyMs: number, seen: Pick<Announced, "countedOn">): boolean {
  if (f.waived) {
    // Accepted risk: never announced; forget it quietly if it was (no false "resolved" either).
    if (prev) plan.quietDeletes.push(f.id);
    return prev !== undefined;
  }
  const loud = covers(dest, f.severity);
  if (!prev) {
    if (loud) plan.announce.push({ finding: f, reason: "new" });
    return false;
  }
  if (severityRank(f.severity) > severityRank(prev.severity)) {
    if (loud) plan.announce.push({ finding: f, reason: "escalated", previous: prev });
    else if (prev.belowMin) plan.quietUpdates.push({ ...settled(prev), severity: f.severity });
    else return kept(plan, prev);
    return !loud;
  }
  if (severityRank(f.severity) < severityRank(prev.severity)) return dropped(plan, f, prev, dest, seen);
  if (loud && now.getTime() - Date.parse(prev.announcedAt) >= renotifyMs) {
    plan.announce.push({ finding: f, reason: "reminder", previous: settled(prev) });
    return false;
  }
  // Back at the severity it was announced at: the drop it was counting did not hold.
  return kept(plan, prev);
}

/** The row stays what the destination heard; a drop it was counting is forgotten. */
function kept(plan: AlertPlan, prev: Announced): boolean {
  if (!prev.lowerFor) return false;
  plan.quietUpdates.push(settled(prev));
  return true;
}

/**
 * Below what the destination last heard: once it has held, "de-escalated" where the destination still
 * covers the new severity, "no longer at this level" where it does not. A row kept after such a notice
 * (`belowMin`) just follows; one the destination does not cover without having been told (lowered
 * quietly before the marker existed, or its level raised since) keeps the severity it names when resolved.
 */
function dropped(plan: AlertPlan, f: Finding, prev: Announced, dest: Pick<Destination, "minSeverity">, seen: Pick<Announced, "countedOn">): boolean {
  if (prev.belowMin) {
    plan.quietUpdates.push({ ...settled(prev), severity: f.severity });
    return true;
  }
  if (!covers(dest, prev.severity)) return kept(plan, prev);
  // Counted on these snapshots already: the same scan, evaluated again.
  if (!newer(prev, seen)) return false;
  const lowerFor = (prev.lowerFor ?? 0) + 1;
  if (lowerFor < DEESCALATE_AFTER_EVALUATIONS) plan.quietUpdates.push({ ...prev, lowerFor, ...seen });
  else if (covers(dest, f.severity)) plan.announce.push({ finding: f, reason: "deescalated", previous: settled(prev) });
  else plan.lowered.push({ finding: f, previous: settled(prev) });
  return lowerFor < DEESCALATE_AFTER_EVALUATIONS;
}
