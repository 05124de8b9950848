// `health`: the azure-cns view per cluster (DaemonSet, pods, version, metrics coverage) and per node.
import type { Severity } from "../../model/finding.js";
import type { CnsClusterHealth, CnsNodeHealth } from "../../model/sections.js";
import { scanFailed } from "../../model/snapshot.js";
import { asOfText, STALE_COLUMN, staleSince } from "../as-of.js";
import { cnsSeverity, daemonSetReady, hasCnsData, nodeReason, nodeRestarts, nodeSeverity } from "../cns-attention.js";
import { matchesCluster, meetsSeverity } from "../filter.js";
import type { ReportKind } from "../report.js";

export interface HealthDocument {
  generatedAt: string;
  scanId: string;
  clusters: CnsClusterHealth[];
  /** The `--severity` the node rows were kept by: an empty list then says nothing of the nodes below it. */
  severity?: Severity;
  note?: string;
}

function metricsSummary(m: Record<string, number> | undefined): string {
  if (!m) return "";
  const parts: string[] = [];
  if (m.nnc_has_nodenetworkconfig === 0) parts.push("no NNC");
  if (m.cns_nnc_reconciler_start_failures_total) parts.push(`${m.cns_nnc_reconciler_start_failures_total} reconciler start failures`);
  const pp = m.cx_ipam_pending_programming_ips ?? m.cx_pending_programming_ips_v2;
  if (pp) parts.push(`${pp} pending programming`);
  const assigned = m.cx_ipam_pod_allocated_ips ?? m.cx_assigned_ips_v2;
  const allocated = m.cx_ipam_total_ips ?? m.cx_allocated_ips_v2;
  if (assigned !== undefined && allocated !== undefined) parts.push(`${assigned}/${allocated} IPs used`);
  return parts.join(", ");
}

/**
 * A cluster row's severity, as its colour: its azure-cns's worst problem, else a warning for a cluster the
 * latest scan could not read (one without CNS or stopped was read: nothing there to warn about).
 */
function clusterSeverity(c: CnsClusterHealth): Severity | undefined {
  return cnsSeverity(c) ?? (scanFailed(c.status) ? "warning" : undefined);
}

/**
 * What an empty node table says: every node Ready only when no filter hid a row and the scan read the
 * clusters' azure-cns; a severity may leave a cluster kept for its DaemonSet alone.
 */
function nodesEmpty(doc: HealthDocument): string {
  if (doc.severity) return `No node-level azure-cns problem at or above ${doc.severity}.`;
  const read = doc.clusters.filter(hasCnsData).length;
  if (read === 0) return "No node data: the scan has not read these clusters.";
  return read === doc.clusters.length ? "Every node's azure-cns is Ready." : "Every node's azure-cns is Ready in the clusters the scan read.";
}

function nodesTitle(all: boolean, omitted: number): string {
  return omitted ? `Nodes needing attention (${omitted} healthy nodes not listed)` : all ? "Nodes" : "Nodes needing attention";
}

export const healthReport: ReportKind<HealthDocument> = {
  name: "health",
  title: "azure-cns health",
  filters: ["cluster", "severity"],
  build(e, f) {
    const section = e.sections?.health;
    if (!section) return { generatedAt: e.generatedAt, scanId: e.scanId, clusters: [], note: "this evaluation has no health section (it predates it): run a scan" };
    const clusters = section.clusters.filter((c) => matchesCluster(f, c.cluster) && meetsSeverity(f, clusterSeverity(c)));
    // A severity keeps the clusters and the node rows at or above it, as it keeps findings.
    if (!f.severity) return { generatedAt: e.generatedAt, scanId: e.scanId, clusters };
    return { generatedAt: e.generatedAt, scanId: e.scanId, clusters: clusters.map((c) => ({ ...c, nodeRows: c.nodeRows.filter((r) => meetsSeverity(f, nodeSeverity(r))) })), severity: f.severity };
  },
  tables(doc) {
    // One cluster: every node (unless a severity left only those needing attention); the fleet: only the nodes that need attention.
    const all = doc.clusters.length === 1;
    // Left out of the evaluation and not rebuilt for this report (its snapshot has moved on since).
    const omitted = all ? (doc.clusters[0]!.nodeRowsOmitted ?? 0) : 0;
    const nodeRows: Array<{ c: CnsClusterHealth; r: CnsNodeHealth }> = doc.clusters.flatMap((c) => c.nodeRows.filter((r) => all || r.status !== "ok").map((r) => ({ c, r })));
    return [
      {
        name: "clusters",
        title: "azure-cns by cluster",
        columns: [
          { key: "cluster", title: "CLUSTER" },
          { key: "status", title: "SCAN" },
          { key: "mode", title: "MODE" },
          { key: "version", title: "CNS" },
          { key: "ds", title: "DS READY", align: "right" },
          { key: "notReady", title: "NOT READY", align: "right" },
          { key: "crash", title: "CRASHLOOP", align: "right" },
          { key: "restarts", title: "RESTARTS", align: "right" },
          { key: "missing", title: "NODES W/O CNS", align: "right" },
          { key: "metrics", title: "METRICS READ" },
          STALE_COLUMN,
        ],
        // A cluster no scan has read has no counts: blank, not "0" or "none" that read as facts. One
        // the latest scan did not read shows its last good snapshot's, saying as of when.
        rows: doc.clusters.map((c) =>
          !hasCnsData(c)
            ? { cluster: c.cluster, status: c.status }
            : {
                cluster: c.cluster,
                status: c.status,
                mode: c.mode ?? "",
                version: c.version ?? "",
                ds: daemonSetReady(c),
                notReady: c.pods.notReady,
                crash: c.pods.crashLooping,
                restarts: c.pods.restarts,
                missing: c.nodes.withoutCnsPod,
                metrics: c.metrics ? `${c.metrics.scraped}/${c.metrics.selected}${c.metrics.failed ? ` (${c.metrics.failed} failed)` : ""}` : "off",
                staleDataFrom: staleSince(c),
              },
        ),
        rowSeverity: doc.clusters.map(clusterSeverity),
        empty: doc.note ?? "No clusters.",
      },
      {
        name: "nodes",
        title: [nodesTitle(all && doc.clusters[0]!.nodeRows.some((r) => !nodeSeverity(r)), omitted), all ? asOfText(doc.clusters[0]!) : ""].filter(Boolean).join(" "),
        columns: [
          { key: "cluster", title: "CLUSTER" },
          { key: "node", title: "NODE" },
          { key: "status", title: "STATUS" },
          { key: "pod", title: "POD" },
          { key: "restarts", title: "RESTARTS", align: "right" },
          { key: "reason", title: "REASON" },
          { key: "metrics", title: "METRICS" },
          STALE_COLUMN,
        ],
        rows: nodeRows.map(({ c, r }) => ({
          cluster: c.cluster,
          node: r.node,
          status: r.status,
          pod: r.pod ?? "",
          restarts: nodeRestarts(r),
          reason: nodeReason(c, r),
          metrics: metricsSummary(r.metrics),
          staleDataFrom: staleSince(c),
        })),
        rowSeverity: nodeRows.map(({ r }) => nodeSeverity(r)),
        empty: nodesEmpty(doc),
      },
    ];
  },
};
