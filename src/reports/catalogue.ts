// Report kinds by name.
import { NotFoundError, UsageError } from "../errors.js";
import { complianceReport } from "./kinds/compliance.js";
import { driftReport } from "./kinds/drift.js";
import { exhaustionReport } from "./kinds/exhaustion.js";
import { findingsReport } from "./kinds/findings.js";
import { healthReport } from "./kinds/health.js";
import type { FleetEvaluation } from "../model/evaluation.js";
import type { ReportFilter } from "./filter.js";
import type { ReportKind } from "./report.js";

export const REPORT_KINDS: ReadonlyMap<string, ReportKind<any>> = new Map<string, ReportKind<any>>([
  [findingsReport.name, findingsReport],
  [exhaustionReport.name, exhaustionReport],
  [driftReport.name, driftReport],
  [healthReport.name, healthReport],
  [complianceReport.name, complianceReport],
]);

/** A report kind by name, in any case (`Exhaustion`), as formats and severities are taken. */
export function reportKind(name: string): ReportKind<unknown> {
  const k = REPORT_KINDS.get(name.toLowerCase());
  if (!k) throw new NotFoundError(`unknown report ${JSON.stringify(name.slice(0, 40))}; known: ${[...REPORT_KINDS.keys()].join(", ")}`);
  return k;
}

/** Refuses a filter the report does not apply (`health` by rule): an answer that ignored it would look filtered. */
export function checkReportFilter(kind: ReportKind<unknown>, f: ReportFilter): void {
  for (const key of Object.keys(f) as Array<keyof ReportFilter>) {
    if (f[key] !== undefined && !kind.filters.includes(key)) {
      throw new UsageError(`the ${kind.name} report cannot be filtered by ${key}; it takes ${kind.filters.join(", ")}`);
    }
  }
}

/** The names of a report's tables: every kind lays out the same tables whatever the evaluation holds. */
export function tableNames(kind: ReportKind<unknown>): string[] {
  const empty: FleetEvaluation = { schemaVersion: 1, scanId: "", generatedAt: "", clusters: [], subnets: [], findings: [], resolved: [], notes: [] };
  return kind.tables(kind.build(empty, {})).map((t) => t.name);
}
