// Report sections computed at evaluation time and stored in the evaluation document, so the drift,
// health and compliance reports are a read and a filter.
import type { Severity } from "./finding.js";
import type { IpamMode, ScanStatus } from "./snapshot.js";

/**
 * Whose data a cluster's row shows: the newest scan's outcome, and when the last good snapshot (the
 * data shown) was taken, null when no scan has read the cluster. A row whose status is not ok but has
 * a lastOkAt shows that older snapshot. Absent in evaluations stored before rows said so.
 */
export interface DataAge {
  status?: ScanStatus;
  lastOkAt?: string | null;
}

// ---- drift: what changed in each cluster since its previous snapshot ----

export interface DriftFinding {
  id: string;
  rule: string;
  severity: Severity;
  resource: string;
  message: string;
}

export interface NncAddressChange {
  nnc: string;
  /** NC primaries and ipAssignments (addresses or CIDR blocks) that appeared / disappeared. */
  gained: string[];
  lost: string[];
}

export interface DriftCluster extends DataAge {
  cluster: string;
  /** takenAt of the previous good snapshot, or null when this is the first. */
  from: string | null;
  to: string;
  /** Why there is nothing to compare, when there is nothing; or that the latest scan did not read the cluster. */
  note?: string;
  nodes: { added: string[]; removed: string[] };
  nncs: { added: string[]; removed: string[] };
  /** Over every NNC, added and removed ones included. `entries` count blocks or single IPs. */
  addresses: { gained: number; lost: number; entriesGained: number; entriesLost: number };
  /** NNCs present in both snapshots whose allocation changed (at most 50 listed, 20 entries each). */
  nncChanges: NncAddressChange[];
  requestedIPs: { before: number; after: number };
  assignedIPs: { before: number; after: number };
  cns: {
    /** DaemonSet template image of cns-container. */
    imageBefore: string | null;
    imageAfter: string | null;
    /** Pod images with counts, before and after, when they changed. */
    podImagesBefore: Record<string, number>;
    podImagesAfter: Record<string, number>;
    /** Whether azure-cns changed (template or the set of pod images). */
    changed: boolean;
    /** azure-cns-win's template image, where the scan read it; changed only against a snapshot that read it too. */
    windows?: { imageBefore: string | null; imageAfter: string | null; changed: boolean };
  };
  findings: {
    new: DriftFinding[];
    resolved: DriftFinding[];
    changedSeverity: Array<DriftFinding & { previousSeverity: Severity }>;
    /** Findings a waiver now covers / no longer covers. */
    waived: DriftFinding[];
    unwaived: DriftFinding[];
  };
}

export interface DriftSection {
  clusters: DriftCluster[];
}

// ---- health: the azure-cns view per cluster and node ----

export interface CnsNodeHealth {
  node: string;
  nodeReady: boolean;
  schedulable: boolean;
  /** The node carries an NNC. */
  nnc: boolean;
  pendingPods: number;
  pod: string | null;
  phase: string | null;
  podReady: boolean;
  /** CrashLoopBackOff, Init:CrashLoopBackOff, ... */
  reason?: string;
  restarts: number;
  /** Restarts since the previous snapshot of the same pod, when known. */
  restartsDelta?: number;
  lastTerminationReason?: string;
  image?: string;
  /** Selected gauges from the pod's /metrics, when it was scraped. */
  metrics?: Record<string, number>;
  /** One word for the row: ok, not-ready, crashloop, pending, missing, no-nnc, ... */
  status: string;
}

export interface CnsDaemonSetHealth {
  desired: number;
  ready: number;
  updated: number;
  available: number;
  images: string[];
}

export interface CnsClusterHealth extends DataAge {
  cluster: string;
  status: ScanStatus;
  mode: IpamMode | null;
  /** The snapshot the row was built from: the last good one, if any. */
  takenAt: string;
  /** azure-cns, the Linux nodes' CNS. */
  daemonset: CnsDaemonSetHealth | null;
  /** azure-cns-win, the Windows nodes' CNS: null when the cluster has none; absent when the scan did not read it. */
  windowsDaemonset?: CnsDaemonSetHealth | null;
  /**
   * Windows nodes that need an azure-cns-win pod (analysis/cns.ts cnsDemand): every Windows node when the
   * DaemonSet exists, those with an NNC when it does not (CNS001's "missing"). Where the scan read azure-cns-win.
   */
  windowsNodesNeedingPod?: number;
  /** azure-cns's version (its template's image tag). */
  version: string | null;
  /** Images of azure-cns's pods, with counts. */
  images: Record<string, number>;
  /** Both DaemonSets' pods. */
  pods: { total: number; ready: number; notReady: number; crashLooping: number; pending: number; restarts: number };
  nodes: { total: number; withoutCnsPod: number; withoutNnc: number; notReady: number };
  metrics: { budget: number | "all"; selected: number; scraped: number; failed: number } | null;
  config: Record<string, string | number | boolean> | null;
  notes: string[];
  /** The rows that need attention; before nodeRowsOmitted existed, every node's row. */
  nodeRows: CnsNodeHealth[];
  /** Rows left out of the stored evaluation (status ok or not-needed): they grow with the fleet. */
  nodeRowsOmitted?: number;
}

export interface HealthSection {
  clusters: CnsClusterHealth[];
}

// ---- compliance: cluster × rule ----

export type ComplianceStatus = "pass" | "fail" | "waived" | "not-applicable";

export interface ComplianceResult {
  rule: string;
  status: ComplianceStatus;
  /** Worst unwaived severity (fail) or worst waived severity (waived). */
  severity?: Severity;
  findings: number;
  /** Why the rule does not apply. */
  reason?: string;
}

export interface ComplianceCluster {
  cluster: string;
  /**
   * 0-100: 100 minus 25 per failing critical rule, 10 per warning, 2 per info (floor 0). Null (and no
   * grade) when no rule judged the cluster's data: not CNS, never read, stopped; or, for one rule, that rule did not apply.
   */
  score: number | null;
  grade: string | null;
  counts: Record<ComplianceStatus, number>;
  results: ComplianceResult[];
}

export interface ComplianceSection {
  rules: Array<{ id: string; title: string; severity: Severity }>;
  clusters: ComplianceCluster[];
  totals: {
    clusters: number;
    counts: Record<ComplianceStatus, number>;
    /** Over the graded clusters; null when none is. */
    averageScore: number | null;
    grades: Record<string, number>;
    /** Clusters without a score (see ComplianceCluster.score). Absent in evaluations stored before it. */
    ungraded?: number;
    /** Clusters with at least one failing rule. */
    failingClusters: number;
  };
}

export interface EvaluationSections {
  drift?: DriftSection;
  health?: HealthSection;
  compliance?: ComplianceSection;
  [name: string]: unknown;
}
