// CONTRACT.md `findings`: the current findings, most severe first.
import type { Finding, Waiver } from "../../model/finding.js";
import { matchesFinding } from "../filter.js";
import type { ReportKind } from "../report.js";

export interface FindingsDocument {
  generatedAt: string;
  scanId: string;
  findings: Array<Pick<Finding, "rule" | "severity" | "cluster" | "resource" | "message" | "firstSeen" | "lastSeen"> & Partial<Pick<Finding, "clusters" | "waived" | "waiverExpired" | "id" | "data">>>;
}

/** Why a finding is waived and until when, as every report and the dashboard say it. */
export function waiverText(w: Waiver): string {
  return `waived: ${w.reason}${w.expires ? `, until ${w.expires}` : ""}`;
}

export const findingsReport: ReportKind<FindingsDocument> = {
  name: "findings",
  title: "Findings",
  filters: ["cluster", "severity", "rule", "since"],
  build(e, f) {
    const findings = e.findings
      .filter((x) => matchesFinding(f, x))
      .map((x) => {
        const out: FindingsDocument["findings"][number] = {
          rule: x.rule,
          severity: x.severity,
          cluster: x.cluster,
          resource: x.resource,
          message: x.message,
          firstSeen: x.firstSeen,
          lastSeen: x.lastSeen,
          id: x.id,
        };
        if (x.clusters) out.clusters = x.clusters;
        if (x.waived) out.waived = x.waived;
        if (x.waiverExpired) out.waiverExpired = x.waiverExpired;
        if (x.data) out.data = x.data;
        return out;
      });
    return { generatedAt: e.generatedAt, scanId: e.scanId, findings };
  },
  tables(doc) {
    return [
      {
        name: "findings",
        title: `Findings (${doc.findings.length})`,
        columns: [
          { key: "severity", title: "SEVERITY" },
          { key: "rule", title: "RULE" },
          { key: "cluster", title: "CLUSTER" },
          { key: "resource", title: "RESOURCE" },
          { key: "message", title: "MESSAGE" },
          { key: "firstSeen", title: "FIRST SEEN" },
          // People read why a finding is waived beside it, only where one is; a CSV keeps its columns
          // whatever the rows, one fact each, after the ones it always had.
          ...(doc.findings.some((f) => f.waived) ? [{ key: "waiver", title: "WAIVER", only: "people" as const }] : []),
          { key: "waived", title: "WAIVED", only: "csv" },
          { key: "waiverReason", title: "WAIVER REASON", only: "csv" },
          { key: "waiverExpires", title: "WAIVER EXPIRES", only: "csv" },
        ],
        rows: doc.findings.map((f) => ({
          severity: f.severity,
          rule: f.rule,
          cluster: f.clusters && f.clusters.length > 1 ? f.clusters.join(", ") : f.cluster,
          resource: f.resource,
          message: f.message,
          firstSeen: f.firstSeen,
          waiver: f.waived ? waiverText(f.waived) : "",
          waived: f.waived !== undefined,
          waiverReason: f.waived?.reason,
          waiverExpires: f.waived?.expires,
        })),
        rowSeverity: doc.findings.map((f) => (f.waived ? "waived" : f.severity)),
        empty: "No findings.",
      },
    ];
  },
};
