// The drift, health and compliance report kinds read the stored sections and filter them.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { renderReport } from "../../src/reports/render.js";
import { T0, view } from "../fixtures/builders.js";
import { cnsPod, healthy } from "../rules/cns-fixtures.js";

const sick = healthy("sick");
sick.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 9 });
const e = evaluate({ scanId: "s", now: T0, views: [view(healthy("ok")), view(sick)] });

describe("drift, health and compliance reports", () => {
  it("compliance filters by cluster and rule and recomputes the totals", () => {
    const doc = renderReport("compliance", e, { cluster: "sick", rule: "CNS002" }, "json").doc as { clusters: Array<{ cluster: string; results: unknown[]; counts: Record<string, number> }>; rules: unknown[]; totals: { clusters: number; failingClusters: number } };
    expect(doc.clusters.map((c) => c.cluster)).toEqual(["sick"]);
    expect(doc.clusters[0]!.results).toEqual([{ rule: "CNS002", status: "fail", severity: "critical", findings: 1 }]);
    expect(doc.clusters[0]!.counts).toEqual({ pass: 0, fail: 1, waived: 0, "not-applicable": 0 });
    expect(doc.rules).toHaveLength(1);
    expect(doc.totals).toMatchObject({ clusters: 1, failingClusters: 1 });
  });

  it("the compliance table lists every rule for one cluster, only non-passing cells for the fleet", () => {
    const one = renderReport("compliance", e, { cluster: "ok" }, "csv").body;
    expect(one).toContain("ok,CNS002,pass,");
    const fleet = renderReport("compliance", e, {}, "csv").body;
    expect(fleet).not.toContain("ok,CNS002,pass,");
    expect(fleet).toContain("sick,CNS002,fail,critical,1,");
  });

  it("health lists problem nodes first and renders Markdown", () => {
    const md = renderReport("health", e, { cluster: "sick" }, "md").body;
    expect(md).toMatch(/\| sick \| n1 \| crashloop \| azure-cns-n1 \|/);
  });

  it("says so when an evaluation predates the sections, instead of failing", () => {
    const old = { ...e };
    delete old.sections;
    for (const kind of ["drift", "health", "compliance"]) {
      const r = renderReport(kind, old, {}, "json");
      expect((r.doc as { note?: string }).note).toContain("predates");
      expect(renderReport(kind, old, {}, "table").body).toContain("predates");
    }
  });
});
