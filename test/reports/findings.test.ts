// The findings report in the text formats: a waived finding says why and until when, as the JSON and
// SARIF do; the CSV keeps `severity` a severity and gives the waiver columns of its own.
import { describe, expect, it } from "vitest";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import { findingId, type Finding } from "../../src/model/finding.js";
import { renderReport } from "../../src/reports/render.js";

function finding(rule: string, over: Partial<Finding>): Finding {
  const base = { severity: "critical" as const, cluster: "aks-a", resource: "nnc/n1", message: "m", ...over };
  return { id: findingId(rule, base), rule, firstSeen: "2026-11-28T04:00:00.000Z", lastSeen: "2026-11-28T05:00:00.000Z", ...base };
}

function evaluationOf(findings: Finding[]): FleetEvaluation {
  return { schemaVersion: 1, scanId: "20261128T050000000Z-abcd", generatedAt: "2026-11-28T05:00:00.000Z", clusters: [], subnets: [], findings, resolved: [], notes: [] };
}

const evaluation = evaluationOf([
  finding("NNC006", { message: "10.40.0.160/28 is held twice" }),
  finding("CNS005", { severity: "warning", resource: "daemonset/azure-cns", message: "two images", waived: { reason: "canary rollout on dev", expires: "2027-03-31" } }),
  finding("NNC001", { resource: "node/n3", message: "no NNC", waived: { reason: "node being reimaged" } }),
]);

const text = (format: "table" | "md" | "html" | "csv", e = evaluation) => renderReport("findings", e, {}, format, { width: 400 }).body;

describe("findings report: waived findings", () => {
  it("shows the waiver's reason and expiry in the table, Markdown and html", () => {
    for (const format of ["table", "md", "html"] as const) {
      const body = text(format);
      expect(body, format).toContain("waived: canary rollout on dev, until 2027-03-31");
      expect(body, format).toContain("waived: node being reimaged");
      expect(body, format).not.toContain("node being reimaged, until");
    }
  });

  it("keeps the CSV's severity column a severity, with waived, waiver_reason and waiver_expires columns after the others", () => {
    const [header, ...rows] = text("csv").trimEnd().split("\r\n");
    expect(header).toBe("severity,rule,cluster,resource,message,first_seen,waived,waiver_reason,waiver_expires");
    expect(rows).toEqual([
      "critical,NNC006,aks-a,nnc/n1,10.40.0.160/28 is held twice,2026-11-28T04:00:00.000Z,false,,",
      "warning,CNS005,aks-a,daemonset/azure-cns,two images,2026-11-28T04:00:00.000Z,true,canary rollout on dev,2027-03-31",
      "critical,NNC001,aks-a,node/n3,no NNC,2026-11-28T04:00:00.000Z,true,node being reimaged,",
    ]);
  });

  it("adds no waiver column for people when nothing is waived; the CSV keeps its columns", () => {
    const plain = evaluationOf([finding("NNC006", {})]);
    expect(text("table", plain)).not.toContain("WAIVER");
    expect(text("csv", plain).split("\r\n")[0]).toBe("severity,rule,cluster,resource,message,first_seen,waived,waiver_reason,waiver_expires");
  });

  it("neutralises a hostile reason as any other field: no formula in CSV, no markup in html or Markdown, no control character", () => {
    const hostile = evaluationOf([finding("NNC001", { waived: { reason: '=HYPERLINK("http://evil") <img src=x onerror=alert(1)> [x](http://evil) \u001b[2J' } })]);
    const csvRow = text("csv", hostile).split("\r\n")[1]!;
    expect(csvRow).toContain(`"'=HYPERLINK(""http://evil"")`);
    const html = text("html", hostile);
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    expect(text("md", hostile)).toContain("\\[x\\](http\\://evil)");
    for (const format of ["table", "md", "html", "csv"] as const) expect(text(format, hostile), format).not.toContain("\u001b");
  });
});
