// From a request (CLI flags or a query string) to a rendered report of the stored evaluation: the one
// sequence both adapters take, so their checks cannot drift apart.
import type { FleetEvaluation } from "../model/evaluation.js";
import type { SnapshotStore } from "../store/store.js";
import { checkReportFilter, reportKind } from "./catalogue.js";
import { checkClusterFilter, parseFilter, type ReportFilter } from "./filter.js";
import { withEveryNodeRow } from "./health-rows.js";
import { type Format, type Rendered, type RenderOptions, renderReport } from "./render.js";
import type { ReportKind } from "./report.js";

/** What can be checked before the store is read: the kind (404), the filter values and whether the kind applies them (400). */
export function reportRequest(kind: string, raw: Parameters<typeof parseFilter>[0], now = new Date()): { report: ReportKind<unknown>; filter: ReportFilter } {
  const report = reportKind(kind);
  const filter = parseFilter(raw, now);
  checkReportFilter(report, filter);
  return { report, filter };
}

/**
 * `kind` rendered from `evaluation`, once the cluster filter names a cluster in it (404 otherwise); a
 * one-cluster health report gets its healthy node rows back from the store.
 */
export async function renderStored(store: SnapshotStore, evaluation: FleetEvaluation, kind: string, filter: ReportFilter, format: Format, opts: RenderOptions = {}): Promise<Rendered> {
  checkClusterFilter(filter, evaluation.clusters.map((c) => c.cluster));
  const name = reportKind(kind).name; // `Health` is health
  return renderReport(name, await withEveryNodeRow(store, name, evaluation, filter), filter, format, opts);
}
