// A one-cluster health report lists every node, but the stored evaluation keeps only the rows that
// need attention (compactHealth). The healthy rows are rebuilt from the cluster's snapshot in the
// store, and only when it is still the snapshot the evaluation judged: otherwise the report shows the
// stored rows and says how many it leaves out. Shared by the CLI and HTTP adapters, so the renderers
// stay pure.
import { loadView } from "../evaluate/run.js";
import { clusterHealth } from "../evaluate/sections/health.js";
import type { FleetEvaluation } from "../model/evaluation.js";
import type { CnsClusterHealth, CnsNodeHealth } from "../model/sections.js";
import type { SnapshotStore } from "../store/store.js";
import { matchesCluster, type ReportFilter } from "./filter.js";

/**
 * The evaluation `kind` should render for `filter`: for a health report of one cluster whose healthy
 * rows were left out, a copy with that cluster's every row; else the evaluation itself. Never changes
 * `evaluation` (the HTTP layer shares a frozen one between requests).
 */
export async function withEveryNodeRow(store: SnapshotStore, kind: string, evaluation: FleetEvaluation, filter: ReportFilter): Promise<FleetEvaluation> {
  const section = evaluation.sections?.health;
  if (kind !== "health" || !section) return evaluation;
  // The same test as the report's "one cluster: every node".
  const shown = section.clusters.filter((c) => matchesCluster(filter, c.cluster));
  const stored = shown.length === 1 ? shown[0]! : undefined;
  if (!stored?.nodeRowsOmitted) return evaluation;
  const nodeRows = await currentRows(store, stored);
  if (!nodeRows) return evaluation;
  const clusters = section.clusters.map((c) => (c === stored ? { ...c, nodeRows, nodeRowsOmitted: 0 } : c));
  return { ...evaluation, sections: { ...evaluation.sections, health: { ...section, clusters } } };
}

/** Every row of the cluster from the store, if its snapshot is still the one `stored` came from. */
async function currentRows(store: SnapshotStore, stored: CnsClusterHealth): Promise<CnsNodeHealth[] | undefined> {
  try {
    const entry = await store.getLatest(stored.cluster);
    // Notes on unreadable snapshots belong to scans; here the stored rows simply stand.
    const view = entry ? await loadView(store, entry, undefined, []) : undefined;
    return view && view.snapshot.takenAt === stored.takenAt ? clusterHealth(view).nodeRows : undefined;
  } catch {
    return undefined;
  }
}
