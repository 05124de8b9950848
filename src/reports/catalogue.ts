// Report kinds by name.
import { NotFoundError } from "../errors.js";
import { complianceReport } from "./kinds/compliance.js";
import { driftReport } from "./kinds/drift.js";
import { exhaustionReport } from "./kinds/exhaustion.js";
import { findingsReport } from "./kinds/findings.js";
import { healthReport } from "./kinds/health.js";
import type { ReportKind } from "./report.js";

export const REPORT_KINDS: ReadonlyMap<string, ReportKind<any>> = new Map<string, ReportKind<any>>([
  [findingsReport.name, findingsReport],
  [exhaustionReport.name, exhaustionReport],
  [driftReport.name, driftReport],
  [healthReport.name, healthReport],
  [complianceReport.name, complianceReport],
]);

export function reportKind(name: string): ReportKind<unknown> {
  const k = REPORT_KINDS.get(name);
  if (!k) throw new NotFoundError(`unknown report ${JSON.stringify(name.slice(0, 40))}; known: ${[...REPORT_KINDS.keys()].join(", ")}`);
  return k;
}
