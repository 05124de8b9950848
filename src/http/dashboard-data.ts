// What the dashboard shows, as one plain document built from the latest evaluation and the evaluation
// history. The page embeds it as JSON and its script renders it with textContent only.
import { FORECAST_WINDOW_MS, forecastSummaryOf, saysAlreadyFull } from "../analysis/forecast.js";
import { followedKey, isOverlayKey } from "../analysis/subnet-keys.js";
import { subnetLabels } from "../analysis/subnet-labels.js";
import { attentionOrder, grade } from "../evaluate/sections/compliance.js";
import { daemonSetCounts } from "../evaluate/sections/health.js";
import { type ClusterRow, countFindingClusters, countFindings, type EvaluationSummary, type FleetEvaluation, keepClusters, rowLastOkAt, type SeverityCounts, subnetSummaries, type SubnetUsage } from "../model/evaluation.js";
import { clustersOf, type Finding, type Severity, severityOf, severityRank } from "../model/finding.js";
import type { CnsDaemonSetHealth, ComplianceCluster, ComplianceResult } from "../model/sections.js";
import { scanFailed } from "../model/snapshot.js";
import { cnsSeverities, type CnsSeverities, cnsSeverity, daemonSetReady, nodeReason, nodeRestarts, nodeSeverity, nodesNeedingAttention } from "../reports/cns-attention.js";
import { matchesCluster, type ReportFilter } from "../reports/filter.js";
import { subnetKeyOf, subnetSeverity, worstFindingAbout } from "../reports/subnet-findings.js";
import { headroomCell } from "../reports/kinds/exhaustion.js";
import { waiverText } from "../reports/kinds/findings.js";
import { thinner } from "../store/store.js";

/** Bounds on what one page carries, so a huge fleet still gives a page a browser can hold. */
export const DASHBOARD_LIMITS = { findings: 5000, trendPoints: 200, trendSubnets: 6, cnsNodesPerCluster: 5 } as const;

/**
 * The history the trends draw: the forecast's window before the newest evaluation, every one of the
 * newest 32 and one an hour before them (a week of 15-minute rounds is 672 evaluations; this is at most
 * 200, DASHBOARD_LIMITS.trendPoints), of at most `reads` summaries read.
 */
export const DASHBOARD_TREND = { windowMs: FORECAST_WINDOW_MS, thin: { keepNewest: 32, spacingMs: 3_600_000 }, reads: 4_032 } as const;
/** DASHBOARD_TREND in words, for the page to say what its trends show. */
export const DASHBOARD_TREND_WORDS = `the ${FORECAST_WINDOW_MS / 86_400_000} days before the newest: its newest ${DASHBOARD_TREND.thin.keepNewest}, then one an hour`;

/**
 * Of a history, what the trends draw (DASHBOARD_TREND), however it was read, newest first by when each
 * was made: stores list by round, and a round evaluated at its deadline comes after rounds begun since.
 */
function trendHistory(history: readonly EvaluationSummary[]): EvaluationSummary[] {
  const byTime = [...history].sort((a, b) => Date.parse(b.generatedAt) - Date.parse(a.generatedAt));
  const newest = byTime[0];
  if (!newest) return [];
  const since = Date.parse(newest.generatedAt) - DASHBOARD_TREND.windowMs;
  const keep = thinner(DASHBOARD_TREND.thin);
  return byTime.filter((h) => Date.parse(h.generatedAt) >= since && keep(h.generatedAt)).slice(0, DASHBOARD_LIMITS.trendPoints);
}

export type DashboardDaemonSet = Omit<CnsDaemonSetHealth, "images">;

/** A CNS pod or node that needs attention, as the health report's nodes table has it. */
export interface DashboardCnsNode {
  node: string;
  pod: string | null;
  status: string;
  severity: Severity;
  restarts: string | number;
  reason: string;
}

export interface DashboardCluster extends Omit<ClusterRow, "notes" | "lastOkAt"> {
  notes: string[];
  /** Null: no scan has read the cluster, so its counts are unknown (the page says so, not 0). */
  lastOkAt: string | null;
  /** Null, with grade and scoreFrom: not graded, as `report compliance` says N/A (no rule could judge the cluster). */
  score: number | null;
  grade: string | null;
  /** compliance: the evaluation's compliance section; findings (evaluations stored before it): 100 − 25/10/2 per critical/warning/info finding. */
  scoreFrom: "compliance" | "findings" | null;
  /** The scan could not read the cluster (not not-cns or stopped: those were judged as they are); the page paints its status red. */
  scanFailed: boolean;
  counts: SeverityCounts;
  /** Findings about it in the evaluation, waived ones included, however many of them the page carries. */
  findingsTotal: number;
  /** Rules that do not pass (compliance) when the section exists. */
  results?: ComplianceResult[];
  health?: {
    version: string | null;
    daemonset: DashboardDaemonSet | null;
    /** azure-cns-win, when the scan read it. */
    windowsDaemonset?: DashboardDaemonSet | null;
    /** Windows nodes that need an azure-cns-win pod, when the scan read azure-cns-win (and the evaluation counted them). */
    windowsNodesNeedingPod?: number;
    images: Record<string, number>;
    pods: { total: number; ready: number; notReady: number; crashLooping: number; pending: number; restarts: number };
    nodes: { total: number; withoutCnsPod: number; withoutNnc: number; notReady: number };
    /** The health report's DS READY: "3/4", with ", win 1/2" or ", win none". */
    ready: string;
    /** The worst CNS problem; absent when azure-cns is healthy. */
    severity?: Severity;
    /** Each count's severity where it shows a problem, for its colour. */
    severities: CnsSeverities;
    /** Pods and nodes needing attention, worst first, at most DASHBOARD_LIMITS.cnsNodesPerCluster. */
    attention: DashboardCnsNode[];
    attentionTotal: number;
  };
  drift?: { from: string | null; nodesAdded: number; nodesRemoved: number; addressesGained: number; addressesLost: number; newFindings: number; resolvedFindings: number; cnsChanged: boolean; note?: string };
}

export interface DashboardSubnet {
  key: string;
  cidr: string;
  /** How the page names it (table, chart, trend legend), told apart from the page's others of the same CIDR and name. */
  label: string;
  mode: string;
  clusters: string[];
  shared: boolean;
  capacity: number;
  used: number;
  utilization: number;
  forecastExhaustionAt: string | null;
  forecastNote?: string;
  /** Why there is no date, as a short complete phrase ("usage flat or shrinking"); the note is its tooltip. */
  forecastSummary?: string;
  /** The forecast found it full: `forecastExhaustionAt` is the scan time, not a date to show as "full by". */
  alreadyFull?: true;
  /** The worst unwaived finding about the subnet (IPX001, IPX002 reported full…), for its colour. */
  severity?: Severity;
  /** IPX003's verdict: can the pools scale and upgrade (surge) within the subnet; "unknown" without ARM data. */
  headroom: NonNullable<SubnetUsage["headroom"]>;
  /** The verdict in numbers, as the exhaustion report's HEADROOM ("short now (279 of 251 with current nodes + surge; …)"). */
  headroomText: string;
  /** IPX004's unwaived finding about the subnet: its date is within the forecast's warning horizon. */
  forecastSeverity?: Severity;
}

export type DashboardFinding = Pick<Finding, "id" | "rule" | "severity" | "cluster" | "resource" | "message" | "firstSeen" | "lastSeen"> & {
  clusters?: string[];
  /** Why it is waived and until when, in the reports' words ("waived: REASON, until EXPIRES"). */
  waived?: string;
};

export interface TrendPoint {
  at: string;
  scanId: string;
  clusters: number;
  /** Null on a scoped page for an evaluation stored before summaries said which clusters findings were about. */
  counts: SeverityCounts | null;
  /** Null where the data of every VNet pod subnet are the point before's (their clusters failed their scans): a copy. */
  used: number | null;
  capacity: number;
  /** Used addresses of the subnets followed in the trend chart, by subnet key; absent where a copy of the point before's data. */
  subnets: Record<string, number>;
  /** Their usable addresses then, by subnet key: the chart plots how full each was. */
  subnetCapacity: Record<string, number>;
}

export interface DashboardData {
  /** The cluster name or pattern the page is limited to (`?cluster=`); absent for the whole fleet. */
  scope?: string;
  scanId: string;
  generatedAt: string;
  counts: SeverityCounts;
  resolved: number;
  clusters: DashboardCluster[];
  subnets: DashboardSubnet[];
  findings: DashboardFinding[];
  /** How many findings the evaluation had before the page limit. */
  findingsTotal: number;
  /** Every rule with a finding in the evaluation, also one found only past the page limit. */
  rules: string[];
  /** Oldest first. */
  trend: TrendPoint[];
  /** The CNS health view: clusters whose azure-cns was read, their CNS DaemonSets, and those with a problem, worst first. */
  cns: { clustersRead: number; daemonSets: number; sick: string[] };
  /** Subnets followed in the trend chart (the fullest), by key with their label. */
  trendSubnets: Array<{ key: string; label: string }>;
  notes: string[];
}


function zero(): SeverityCounts {
  return { critical: 0, warning: 0, info: 0, waived: 0 };
}

/** The simple score used when there is no compliance section: 100 − 25/10/2 per unwaived finding (graded as compliance is). */
export function findingsScore(c: SeverityCounts): number {
  return Math.max(0, 100 - 25 * c.critical - 10 * c.warning - 2 * c.info);
}

/**
 * A cluster's score as `report compliance` gives it: its compliance row's (null there: not graded), or,
 * for an evaluation stored before the compliance section (`comp` undefined), from its findings unless
 * no scan has read it (nothing to judge). `comp` null: the section has no row for the cluster.
 */
function scoreOf(comp: ComplianceCluster | null | undefined, counts: SeverityCounts, lastOkAt: string | null): Pick<DashboardCluster, "score" | "grade" | "scoreFrom"> {
  if (comp && comp.score !== null && comp.grade !== null) return { score: comp.score, grade: comp.grade, scoreFrom: "compliance" };
  if (comp !== undefined || lastOkAt === null) return { score: null, grade: null, scoreFrom: null };
  const score = findingsScore(counts);
  return { score, grade: grade(score), scoreFrom: "findings" };
}

function countsByCluster(findings: readonly Finding[]): Map<string, SeverityCounts> {
  const m = new Map<string, SeverityCounts>();
  for (const f of findings) {
    for (const name of new Set(clustersOf(f))) {
      const c = m.get(name) ?? zero();
      if (f.waived) c.waived++;
      else c[f.severity]++;
      m.set(name, c);
    }
  }
  return m;
}

/**
 * The evaluation as far as `scope` reaches: its clusters, the findings about them and the pod subnets
 * they use. Fleet rules stay as they were judged (a shared subnet still counts every cluster on it).
 */
function scoped(e: FleetEvaluation, scope: ReportFilter): FleetEvaluation {
  const inScope = (c: string) => matchesCluster(scope, c);
  return { ...keepClusters(e, inScope), subnets: e.subnets.filter((s) => s.clusters.some(inScope)) };
}

export function dashboardData(whole: FleetEvaluation, history: readonly EvaluationSummary[], scope: ReportFilter = {}): DashboardData {
  const e = scope.cluster === undefined ? whole : scoped(whole, scope);
  const byCluster = countsByCluster(e.findings);
  const compliance = new Map((e.sections?.compliance?.clusters ?? []).map((c) => [c.cluster, c]));
  const health = new Map((e.sections?.health?.clusters ?? []).map((c) => [c.cluster, c]));
  const drift = new Map((e.sections?.drift?.clusters ?? []).map((c) => [c.cluster, c]));

  const clusters: DashboardCluster[] = e.clusters.map((row) => {
    const counts = byCluster.get(row.cluster) ?? zero();
    const comp = compliance.get(row.cluster);
    const h = health.get(row.cluster);
    const d = drift.get(row.cluster);
    const lastOkAt = rowLastOkAt(row);
    const out: DashboardCluster = {
      ...row,
      lastOkAt,
      notes: row.notes ?? [],
      ...scoreOf(e.sections?.compliance ? (comp ?? null) : undefined, counts, lastOkAt),
      scanFailed: scanFailed(row.status),
      counts,
      findingsTotal: counts.critical + counts.warning + counts.info + counts.waived,
    };
    if (comp) out.results = comp.results.filter((r) => r.status !== "pass");
    // A cluster no scan has read has a health row of zeros: nothing to show.
    if (h && out.lastOkAt !== null) {
      const attention = nodesNeedingAttention(h);
      const severity = cnsSeverity(h);
      out.health = {
        version: h.version,
        daemonset: h.daemonset && daemonSetCounts(h.daemonset),
        ...(h.windowsDaemonset !== undefined ? { windowsDaemonset: h.windowsDaemonset && daemonSetCounts(h.windowsDaemonset) } : {}),
        ...(h.windowsNodesNeedingPod !== undefined ? { windowsNodesNeedingPod: h.windowsNodesNeedingPod } : {}),
        images: h.images,
        pods: h.pods,
        nodes: h.nodes,
        ready: daemonSetReady(h),
        ...severityOf(severity),
        severities: cnsSeverities(h),
        attention: attention.slice(0, DASHBOARD_LIMITS.cnsNodesPerCluster).map((r) => ({ node: r.node, pod: r.pod, status: r.status, severity: nodeSeverity(r)!, restarts: nodeRestarts(r), reason: nodeReason(h, r) })),
        attentionTotal: attention.length,
      };
    }
    if (d) {
      out.drift = {
        from: d.from,
        nodesAdded: d.nodes.added.length,
        nodesRemoved: d.nodes.removed.length,
        addressesGained: d.addresses.gained,
        addressesLost: d.addresses.lost,
        newFindings: d.findings.new.length,
        resolvedFindings: d.findings.resolved.length,
        cnsChanged: d.cns.changed,
        ...(d.note ? { note: d.note } : {}),
      };
    }
    return out;
  });
  // A cluster the scan could not read comes first: the fleet is blind there, whatever its score says.
  clusters.sort(attentionOrder((c) => c.scanFailed));

  const severity = subnetSeverity(e.findings);
  const forecastAbout = worstFindingAbout(e.findings.filter((f) => f.rule === "IPX004"));
  const labels = subnetLabels(e.subnets);
  const subnets: DashboardSubnet[] = e.subnets
    .map((s) => ({
      key: s.key,
      cidr: s.cidr,
      label: labels.get(s.key)!,
      mode: s.mode,
      clusters: s.clusters,
      shared: s.clusters.length > 1,
      capacity: s.capacity,
      used: s.used,
      utilization: s.utilization,
      forecastExhaustionAt: s.forecastExhaustionAt,
      ...(s.forecastNote ? { forecastNote: s.forecastNote } : {}),
      ...(forecastSummaryOf(s) ? { forecastSummary: forecastSummaryOf(s)! } : {}),
      ...(saysAlreadyFull(s.forecastNote) ? { alreadyFull: true as const } : {}),
      ...severityOf(severity(s)),
      // A stored evaluation from before headroom existed says "unknown", as the exhaustion report does.
      headroom: s.headroom ?? "unknown",
      headroomText: headroomCell(s),
      ...(forecastAbout.has(subnetKeyOf(s)) ? { forecastSeverity: forecastAbout.get(subnetKeyOf(s))! } : {}),
    }))
    .sort((a, b) => b.utilization - a.utilization || a.cidr.localeCompare(b.cidr));

  const findings: DashboardFinding[] = e.findings.slice(0, DASHBOARD_LIMITS.findings).map((f) => ({
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    cluster: f.cluster,
    ...(f.clusters && f.clusters.length > 1 ? { clusters: f.clusters } : {}),
    resource: f.resource,
    message: f.message,
    firstSeen: f.firstSeen,
    lastSeen: f.lastSeen,
    ...(f.waived ? { waived: waiverText(f.waived) } : {}),
  }));

  // The charts read left to right, oldest first. The current evaluation is in the history once stored;
  // add it when it is not (a page served mid-write).
  const current = history.some((p) => p.scanId === e.scanId) ? [] : [{ scanId: whole.scanId, generatedAt: whole.generatedAt, clusters: whole.clusters.length, counts: countFindings(whole.findings), subnets: subnetSummaries(whole), ref: "" }];
  const points = trendHistory([...history, ...current]).reverse();
  const followed = new Set(subnets.slice(0, DASHBOARD_LIMITS.trendSubnets).map((s) => s.key));
  // A stored row goes on under the key it has now (an overlay pod CIDR expanded since), as the forecast follows it.
  const keyOf = followedKey(e.subnets);
  // Scoped, the address lines follow the scope's subnets and the findings line the scope's findings.
  const keys = scope.cluster === undefined ? undefined : new Set(subnets.map((s) => s.key));
  // A subnet's row of the same data as the point before (every cluster on it failed its scans between)
  // is a copy, not a reading: its line ends where its data end, and resumes when a scan reads it again.
  const readAt = new Map<string, number>();
  const trend: TrendPoint[] = points.map((p) => {
    const copies = new Set(p.subnets.filter((s) => {
      const t = Date.parse(s.dataAt ?? p.generatedAt);
      const copy = readAt.get(s.key) === t;
      readAt.set(s.key, t);
      return copy;
    }));
    // The summed line is VNet addresses: an overlay pod CIDR's are private to its cluster, and a /16 of
    // them would bury a nearly full /24 pod subnet.
    const inScope = p.subnets.filter((s) => !isOverlayKey(s.key) && (!keys || keys.has(s.key)));
    const lines = trendLines(p.subnets.filter((s) => !copies.has(s)), followed, keyOf);
    return {
      at: p.generatedAt,
      scanId: p.scanId,
      clusters: p.clusters,
      counts: !keys ? p.counts : p.scanId === e.scanId ? countFindings(e.findings) : p.findingClusters ? countFindingClusters(p.findingClusters, (c) => matchesCluster(scope, c)) : null,
      used: inScope.length > 0 && inScope.every((s) => copies.has(s)) ? null : inScope.reduce((a, s) => a + s.used, 0),
      capacity: inScope.reduce((a, s) => a + s.capacity, 0),
      subnets: Object.fromEntries([...lines].map(([key, l]) => [key, l.used])),
      subnetCapacity: Object.fromEntries([...lines].map(([key, l]) => [key, l.capacity])),
    };
  });

  return {
    ...(scope.cluster !== undefined ? { scope: scope.cluster } : {}),
    scanId: e.scanId,
    generatedAt: e.generatedAt,
    counts: countFindings(e.findings),
    resolved: e.resolved.length,
    clusters,
    subnets,
    findings,
    findingsTotal: e.findings.length,
    rules: [...new Set(e.findings.map((f) => f.rule))].sort(),
    trend,
    cns: cnsSummary(clusters),
    trendSubnets: subnets.filter((s) => followed.has(s.key)).map((s) => ({ key: s.key, label: s.label })),
    notes: e.notes,
  };
}

/**
 * One stored point's followed subnet lines, by the key each is followed under now. Rows stored split while an
 * expansion reached the nodes add up, within the wider pod CIDR's capacity (it holds the narrower).
 */
function trendLines(rows: EvaluationSummary["subnets"], followed: ReadonlySet<string>, keyOf: (key: string) => string): Map<string, { used: number; capacity: number }> {
  const lines = new Map<string, { used: number; capacity: number }>();
  for (const s of rows) {
    const key = keyOf(s.key);
    if (!followed.has(key)) continue;
    const line = lines.get(key);
    if (line) {
      line.used += s.used;
      line.capacity = Math.max(line.capacity, s.capacity);
    } else lines.set(key, { used: s.used, capacity: s.capacity });
  }
  return lines;
}

/** The CNS health view over the ranked clusters: critical before warning, then in ranking order. */
function cnsSummary(clusters: readonly DashboardCluster[]): DashboardData["cns"] {
  const read = clusters.filter((c) => c.health);
  const daemonSets = read.reduce((n, c) => n + (c.health!.daemonset ? 1 : 0) + ((c.health!.windowsDaemonset?.desired ?? 0) > 0 ? 1 : 0), 0);
  const rank = (c: DashboardCluster) => severityRank(c.health!.severity!);
  const sick = read.filter((c) => c.health!.severity).sort((a, b) => rank(b) - rank(a));
  return { clustersRead: read.length, daemonSets, sick: sick.map((c) => c.cluster) };
}

/**
 * JSON that is safe inside a <script type="application/json"> element: no `<`, `>` or `&` (so no
 * `</script>` or `<!--`), and no U+2028/2029. JSON.parse reads the escapes back as the same text.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
