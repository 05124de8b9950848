// A fleet evaluation is the result of running the analysers and rules over the latest snapshots of
// every cluster. It is stored as one document, so reports are a read and a filter, not a recomputation.
import type { Finding, Severity } from "./finding.js";
import type { EvaluationSections } from "./sections.js";
import type { IpamMode, ScanStatus } from "./snapshot.js";

export const EVALUATION_SCHEMA_VERSION = 1;

/** One pod subnet (or overlay pod CIDR) with every cluster that draws from it (CONTRACT.md `exhaustion`). */
export interface SubnetUsage {
  /** Stable identity: subscription/resource group/VNet/subnet from the NC fields, else the CIDR. */
  key: string;
  cidr: string;
  name?: string;
  mode: IpamMode;
  clusters: string[];
  /** Usable addresses: VNet subnet size − 5; overlay pod CIDR whole. */
  capacity: number;
  /** Unique addresses held by NCs on this subnet. */
  used: number;
  utilization: number;
  forecastExhaustionAt: string | null;
  /** Why there is no forecast (e.g. "not enough history"), when there is none. */
  forecastNote?: string;
  /** The note as a short complete phrase for a table cell ("usage flat or shrinking"); absent before it was kept. */
  forecastSummary?: string;
  /** Scale headroom (IPX003): addresses the autoscaler maxima would need, or null when unknown. */
  projectedAtMax?: number | null;
  /** IPX003: addresses the current nodes plus an upgrade surge need, or null when unknown. */
  projectedNow?: number | null;
  /** IPX003: addresses the current nodes plus one upgrade's surge (the largest) need; what "short now" is judged on. */
  projectedNowOneUpgrade?: number | null;
  /** IPX003: running clusters whose surges `projectedNow` adds up. */
  surgeClusters?: number;
  /** What IPX003 judges against: `capacity`, or for static blocks the addresses of the assignable whole /28s. */
  room?: number;
  /** IPX003 verdict; "unknown" until ARM agent-pool data is there (never "fits" by default). */
  headroom?: "fits" | "exceeds-at-max" | "exceeds-now" | "unknown";
  headroomNote?: string;
}

/** One row of CONTRACT.md `exhaustion.clusters`, plus what the dashboard needs. */
export interface ClusterRow {
  cluster: string;
  status: ScanStatus;
  reason?: string;
  mode: IpamMode | null;
  nodes: number;
  nncs: number;
  requestedIPs: number;
  assignedIPs: number;
  takenAt: string;
  /** Set when the latest scan failed and data comes from the last good snapshot. */
  dataFrom?: string;
  /**
   * When the counts were read (the last good snapshot); null when no scan has read the cluster, whose
   * nodes, nncs, requestedIPs and assignedIPs are then 0 only because CONTRACT.md types them as numbers.
   * Absent in evaluations stored before: see rowLastOkAt.
   */
  lastOkAt?: string | null;
  /** Collection notes worth a person's attention (TLS verification off, optional reads that failed). */
  notes?: string[];
}

/** A row's lastOkAt, also for rows stored before it existed (their dataFrom said as much). */
export function rowLastOkAt(r: Pick<ClusterRow, "status" | "takenAt" | "dataFrom" | "lastOkAt">): string | null {
  if (r.lastOkAt !== undefined) return r.lastOkAt;
  return r.status === "ok" ? r.takenAt : (r.dataFrom ?? null);
}

export interface SeverityCounts {
  critical: number;
  warning: number;
  info: number;
  waived: number;
}

export interface FleetEvaluation {
  schemaVersion: number;
  /** The scan round that triggered it. */
  scanId: string;
  generatedAt: string;
  clusters: ClusterRow[];
  subnets: SubnetUsage[];
  /** Current findings, waived ones included (marked), sorted most severe first. */
  findings: Finding[];
  /** Findings of the previous evaluation that are gone now. */
  resolved: Array<Finding & { resolvedAt: string }>;
  /** Problems of the evaluation itself (a rule that failed, a snapshot that could not be read). */
  notes: string[];
  /** Report sections computed with the findings (drift, health, compliance; see sections.ts). */
  sections?: EvaluationSections;
}

/** The small part of an evaluation kept for trends and history lists. */
export interface EvaluationSummary {
  scanId: string;
  generatedAt: string;
  clusters: number;
  counts: SeverityCounts;
  subnets: SubnetSummary[];
  /** Only when asked for (a dashboard scoped to some clusters), and absent from older summaries. */
  findingClusters?: FindingClusters;
  ref: string;
}

/** A subnet's row in a summary. */
export interface SubnetSummary {
  key: string;
  cidr: string;
  used: number;
  capacity: number;
  /**
   * When the newest data counted were read (the newest lastOkAt of its clusters): older than the
   * evaluation while they all fail their scans, whose evaluations only copy it. Absent in older summaries.
   */
  dataAt?: string;
}

/**
 * Which clusters each finding was about, compact enough for a summary row: `findings[i]` is the
 * finding's severity code (0 critical, 1 warning, 2 info, 3 waived) then indexes into `names`.
 * Enough to count the findings of a slice of the fleet in history, each once.
 */
export interface FindingClusters {
  names: string[];
  findings: number[][];
}

const SEVERITY_CODES = ["critical", "warning", "info", "waived"] as const;

export function findingClusters(findings: readonly Finding[]): FindingClusters {
  const index = new Map<string, number>();
  const at = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) index.set(name, (i = index.size));
    return i;
  };
  const rows = findings.map((f) => [SEVERITY_CODES.indexOf(f.waived ? "waived" : (f.severity as Severity)), ...[...new Set([f.cluster, ...(f.clusters ?? [])])].map(at)]);
  return { names: [...index.keys()], findings: rows };
}

/** Counts the findings about at least one cluster `inScope` accepts, each once. */
export function countFindingClusters(fc: FindingClusters, inScope: (cluster: string) => boolean): SeverityCounts {
  const c: SeverityCounts = { critical: 0, warning: 0, info: 0, waived: 0 };
  const accepted = fc.names.map(inScope);
  for (const [code, ...clusters] of fc.findings) {
    const key = SEVERITY_CODES[code ?? -1];
    if (key && clusters.some((i) => accepted[i])) c[key]++;
  }
  return c;
}

/**
 * The evaluation's cluster rows, findings and resolutions of the clusters `keep` accepts (a finding
 * about several stays while one of them is kept); subnets and sections are the caller's to narrow.
 */
export function keepClusters(e: FleetEvaluation, keep: (cluster: string) => boolean): FleetEvaluation {
  const about = (f: Finding) => keep(f.cluster) || (f.clusters?.some(keep) ?? false);
  return { ...e, clusters: e.clusters.filter((c) => keep(c.cluster)), findings: e.findings.filter(about), resolved: e.resolved.filter(about) };
}

export function countFindings(findings: readonly Finding[]): SeverityCounts {
  const c: SeverityCounts = { critical: 0, warning: 0, info: 0, waived: 0 };
  for (const f of findings) {
    if (f.waived) c.waived++;
    else c[f.severity as Severity]++;
  }
  return c;
}

export function summarizeEvaluation(e: FleetEvaluation, ref: string): EvaluationSummary {
  return {
    scanId: e.scanId,
    generatedAt: e.generatedAt,
    clusters: e.clusters.length,
    counts: countFindings(e.findings),
    subnets: subnetSummaries(e),
    ref,
  };
}

/** The evaluation's subnets as its summary keeps them, each dated by the newest data of its clusters. */
export function subnetSummaries(e: Pick<FleetEvaluation, "clusters" | "subnets">): SubnetSummary[] {
  const readAt = new Map(e.clusters.map((c) => [c.cluster, rowLastOkAt(c)]));
  return e.subnets.map((s) => {
    const times = s.clusters.flatMap((c) => readAt.get(c) ?? []);
    const dataAt = times.length > 0 ? times.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a)) : undefined;
    return { key: s.key, cidr: s.cidr, used: s.used, capacity: s.capacity, ...(dataAt ? { dataAt } : {}) };
  });
}
