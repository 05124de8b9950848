// CONTRACT.md `exhaustion`: pod subnets (shared ones aggregated) and per-cluster allocation.
import { ALREADY_FULL, forecastSummaryOf, saysAlreadyFull } from "../../analysis/forecast.js";
import { headroomRoom } from "../../analysis/headroom.js";
import { subnetLabels } from "../../analysis/subnet-labels.js";
import { type ClusterRow, type FleetEvaluation, rowLastOkAt, type SubnetUsage } from "../../model/evaluation.js";
import { clustersOf, type Severity, severityOf, worstSeverity } from "../../model/finding.js";
import { scanFailed } from "../../model/snapshot.js";
import { STALE_COLUMN, staleSince } from "../as-of.js";
import { matchesCluster, meetsSeverity } from "../filter.js";
import { pct, type ReportKind } from "../report.js";
import { subnetSeverity } from "../subnet-findings.js";

export interface ExhaustionDocument {
  generatedAt: string;
  scanId: string;
  /**
   * `label`: how the subnet reads in this report's tables, told apart from others of the same CIDR and name.
   * `severity` (each row): what colours it and what `--severity` keeps it by (rowSeverities).
   */
  subnets: Array<Pick<SubnetUsage, "cidr" | "mode" | "clusters" | "capacity" | "used" | "utilization" | "forecastExhaustionAt"> & Partial<SubnetUsage> & { label: string; severity?: Severity }>;
  clusters: Array<Pick<ClusterRow, "cluster" | "status" | "mode" | "nodes" | "nncs" | "requestedIPs" | "assignedIPs"> & Partial<ClusterRow> & { lastOkAt: string | null; severity?: Severity }>;
}

export const exhaustionReport: ReportKind<ExhaustionDocument> = {
  name: "exhaustion",
  title: "IP exhaustion",
  filters: ["cluster", "severity"],
  build(e, f) {
    const { subnet, cluster } = rowSeverities(e);
    const subnets = e.subnets.filter((s) => s.clusters.some((c) => matchesCluster(f, c))).map((s) => ({ ...s, ...severityOf(subnet(s)) })).filter((s) => meetsSeverity(f, s.severity));
    const labels = subnetLabels(subnets);
    return {
      generatedAt: e.generatedAt,
      scanId: e.scanId,
      // A stored evaluation from before headroom existed still says "unknown", never "ok".
      subnets: subnets.map((s) => ({ ...s, label: labels.get(s.key)!, headroom: s.headroom ?? "unknown" })),
      clusters: e.clusters
        .filter((c) => matchesCluster(f, c.cluster))
        .map((c) => ({ ...c, lastOkAt: rowLastOkAt(c), ...severityOf(cluster(c)) }))
        .filter((c) => meetsSeverity(f, c.severity)),
    };
  },
  tables(doc) {
    return [
      {
        name: "subnets",
        title: "Pod subnets",
        columns: [
          { key: "cidr", title: "SUBNET" },
          { key: "mode", title: "MODE" },
          { key: "clusters", title: "CLUSTERS" },
          { key: "used", title: "USED", align: "right" },
          { key: "capacity", title: "CAPACITY", align: "right" },
          { key: "utilization", title: "UTIL", align: "right", format: pct },
          { key: "forecast", title: "FULL BY" },
          { key: "headroom", title: "HEADROOM" },
        ],
        rows: byUtilization(doc.subnets).map(({ severity: _severity, ...s }) => ({
          cidr: s.label,
          mode: s.mode,
          clusters: s.clusters.join(", "),
          used: s.used,
          capacity: s.capacity,
          utilization: s.utilization,
          forecast: saysAlreadyFull(s.forecastNote) ? ALREADY_FULL : (s.forecastExhaustionAt ?? forecastSummaryOf(s) ?? ""),
          headroom: headroomCell(s),
        })),
        rowSeverity: byUtilization(doc.subnets).map((s) => s.severity),
        empty: "No pod subnets seen.",
      },
      {
        name: "clusters",
        title: "Clusters",
        columns: [
          { key: "cluster", title: "CLUSTER" },
          { key: "status", title: "STATUS" },
          { key: "mode", title: "MODE" },
          { key: "nodes", title: "NODES", align: "right" },
          { key: "nncs", title: "NNCS", align: "right" },
          { key: "requestedIPs", title: "REQUESTED", align: "right" },
          { key: "assignedIPs", title: "ASSIGNED", align: "right" },
          STALE_COLUMN,
        ],
        // Counts the latest scan did not read are the last good snapshot's: the row says from when.
        rows: doc.clusters.map(({ notes: _notes, severity: _severity, ...c }) => ({ ...c, mode: c.mode ?? "-", ...(c.lastOkAt === null ? UNKNOWN_COUNTS : {}), staleDataFrom: staleSince(c) })),
        rowSeverity: doc.clusters.map((c) => c.severity),
        empty: "No clusters scanned yet.",
      },
    ];
  },
};

/** A cluster's scan that could not read it. */
const scanSeverity = (c: Pick<ClusterRow, "status">): Severity | undefined => (scanFailed(c.status) ? "critical" : undefined);

/**
 * A row's severity, what colours it and what `--severity` judges it by: a subnet as the dashboard colours its
 * bar (subnetSeverity); a cluster by a failed scan or its worst unwaived IPX finding (the exhaustion rules).
 */
function rowSeverities(e: FleetEvaluation): { subnet: (s: SubnetUsage) => Severity | undefined; cluster: (c: ClusterRow) => Severity | undefined } {
  const ipx = new Map<string, Severity>();
  for (const x of e.findings) {
    if (x.waived || !x.rule.startsWith("IPX")) continue;
    for (const c of clustersOf(x)) ipx.set(c, worstSeverity([ipx.get(c), x.severity])!);
  }
  return {
    subnet: subnetSeverity(e.findings),
    cluster: (c) => worstSeverity([scanSeverity(c), ipx.get(c.cluster)]),
  };
}

/** A cluster no scan has read: its counts are unknown, not the 0 its JSON row carries as a number. */
const UNKNOWN_COUNTS = { nodes: "-", nncs: "-", requestedIPs: "-", assignedIPs: "-" } as const;

/** Fullest first, as the dashboard shows them: the rows that need a look come first. The JSON keeps the evaluation's order. */
function byUtilization<S extends { utilization: number; cidr: string }>(subnets: readonly S[]): S[] {
  return [...subnets].sort((a, b) => b.utilization - a.utilization || a.cidr.localeCompare(b.cidr));
}

/** Several clusters' surges at once overflow the room, one at a time does not. */
function shortIfAllUpgrade(s: HeadroomRow, room: number): boolean {
  return (s.surgeClusters ?? 0) > 1 && s.projectedNow != null && s.projectedNow > room && s.projectedNowOneUpgrade != null && s.projectedNowOneUpgrade <= room;
}

/** What the HEADROOM cell reads: a subnet row of an evaluation, of any age. */
export type HeadroomRow = Pick<SubnetUsage, "mode" | "capacity"> & Partial<Pick<SubnetUsage, "headroom" | "headroomNote" | "projectedAtMax" | "projectedNow" | "projectedNowOneUpgrade" | "surgeClusters" | "room">>;

/**
 * IPX003 in one cell (the dashboard's "Headroom" too), in its numbers: the need against the room it judges by (static block: the whole
 * /28s it can assign, not size − 5), and for "short now" the need of today's nodes plus a surge, which
 * is what makes it critical (one upgrade at a time where clusters share it: all of them surging at once is "short if all N
 * clusters upgrade at once", a warning). "unknown (no ARM pool data)" until ARM data is there; never a silent "ok".
 */
export function headroomCell(s: HeadroomRow): string {
  const atMax = s.projectedAtMax ?? null;
  // An evaluation stored before `room` was kept: the rule IPX003 uses gives it.
  const room = s.room ?? headroomRoom(s.mode, s.capacity);
  const of = `of ${room}${room !== s.capacity ? " in whole /28 blocks" : ""}`;
  switch (s.headroom) {
    case "fits":
      return `fits (${atMax} ${of} at max)`;
    case "exceeds-at-max":
      return shortIfAllUpgrade(s, room) ? `short if all ${s.surgeClusters} clusters upgrade at once (${s.projectedNow} ${of}; ${atMax} at max); one at a time fits` : `short at max (${atMax} ${of})`;
    case "exceeds-now": {
      const now = s.projectedNowOneUpgrade ?? s.projectedNow;
      // No surge: every pool upgrades in place (maxSurge 0), or the clusters are stopped.
      const surge = s.surgeClusters === 0 ? "" : (s.surgeClusters ?? 0) > 1 ? " + one cluster's upgrade surge" : " + surge";
      return now == null ? `short now (${atMax} ${of} at max)` : `short now (${now} ${of} with current nodes${surge}; ${atMax} at max)`;
    }
    default:
      return s.headroomNote?.includes("no ARM data") || !s.headroomNote ? "unknown (no ARM pool data)" : "unknown";
  }
}
