// `--format sarif`: SARIF 2.1.0 validated against the OASIS schema (vendored), rule metadata from the
// catalogue, results with levels and logical locations.
import { readFileSync } from "node:fs";
import AjvDraft04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import type { Finding } from "../../src/model/finding.js";
import { findingId } from "../../src/model/finding.js";
import { RULES } from "../../src/rules/catalogue.js";
import { clusterArtifactUri } from "../../src/reports/formats/sarif.js";
import { renderReport } from "../../src/reports/render.js";
import { route } from "../../src/http/api.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";

const schema = JSON.parse(readFileSync(new URL("../fixtures/sarif/sarif-2.1.0-rtm.5.json", import.meta.url), "utf8"));
// CJS default export under NodeNext: the class is the module itself or its .default.
const Ajv = ((AjvDraft04 as unknown as { default?: unknown }).default ?? AjvDraft04) as typeof AjvDraft04.default;
const formats = ((addFormats as unknown as { default?: unknown }).default ?? addFormats) as typeof addFormats.default;
// The schema's language pattern is not valid in unicode mode (a stray "]"), so patterns compile without "u".
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
formats(ajv);
const validate = ajv.compile(schema);

function finding(rule: string, over: Partial<Finding>): Finding {
  const base = { severity: "critical" as const, cluster: "a", resource: "nnc/x", message: "m", ...over };
  return { id: findingId(rule, base), rule, firstSeen: "2026-11-28T04:00:00.000Z", lastSeen: "2026-11-28T05:00:00.000Z", ...base };
}

const evaluation: FleetEvaluation = {
  schemaVersion: 1,
  scanId: "20261128T050000000Z-abcd",
  generatedAt: "2026-11-28T05:00:00.000Z",
  clusters: [],
  subnets: [],
  findings: [
    finding("NNC006", { cluster: "aks-a", clusters: ["aks-a", "aks-b"], resource: "nnc/aks-np-vmss000000", message: "10.40.0.160/28 is held twice", data: { addresses: 16 } }),
    finding("IPX001", { severity: "warning", cluster: "aks-a", resource: "subnet/10.40.0.0/13", message: "85% used" }),
    finding("NNC008", { severity: "info", cluster: "aks-c", resource: "nnc/n1", message: "off batch", waived: { reason: "known; fix in Q1", expires: "2027-01-01" } }),
    finding("ZZZ999", { severity: "warning", cluster: "aks-c", resource: "cluster/aks-c", message: "from a newer version" }),
  ],
  resolved: [],
  notes: [],
};

describe("findings report as SARIF 2.1.0", () => {
  const r = renderReport("findings", evaluation, {}, "sarif");
  const log = JSON.parse(r.body);

  it("validates against the SARIF 2.1.0 schema", () => {
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
    expect(r.contentType).toMatch(/^application\/sarif\+json/);
    // The validator itself rejects a broken log, so the check above can fail.
    expect(validate({ version: "2.1.0", runs: [{ tool: { driver: {} }, results: [{ message: {} }] }] })).toBe(false);
  });

  it("describes every catalogue rule with id, name, descriptions, help and default level", () => {
    const rules = log.runs[0].tool.driver.rules;
    expect(log.version).toBe("2.1.0");
    expect(log.runs[0].tool.driver.name).toBe("fleet-audit");
    expect(rules.map((x: { id: string }) => x.id)).toEqual(RULES.map((x) => x.meta.id));
    const nnc006 = rules.find((x: { id: string }) => x.id === "NNC006");
    const meta = RULES.find((x) => x.meta.id === "NNC006")!.meta;
    expect(nnc006).toMatchObject({
      name: "DuplicateAssignment",
      shortDescription: { text: meta.title },
      fullDescription: { text: meta.description },
      help: { text: meta.remediation },
      defaultConfiguration: { level: "error" },
    });
    expect(rules.find((x: { id: string }) => x.id === "IPX001").defaultConfiguration.level).toBe("warning");
    expect(rules.find((x: { id: string }) => x.id === "NNC008").defaultConfiguration.level).toBe("note");
  });

  it("maps each finding to a result with level, message, rule index and cluster/resource logical locations", () => {
    const [dup, util, waived, unknown] = log.runs[0].results;
    const rules = log.runs[0].tool.driver.rules;
    expect(dup).toMatchObject({ ruleId: "NNC006", level: "error", message: { text: "10.40.0.160/28 is held twice" } });
    expect(rules[dup.ruleIndex].id).toBe("NNC006");
    expect(dup.locations[0].logicalLocations).toEqual([
      expect.objectContaining({ name: "aks-np-vmss000000", fullyQualifiedName: "aks-a/nnc/aks-np-vmss000000", kind: "resource" }),
      expect.objectContaining({ name: "aks-a", kind: "module" }),
    ]);
    expect(dup.relatedLocations).toEqual([expect.objectContaining({ logicalLocations: [expect.objectContaining({ name: "aks-b" })] })]);
    expect(dup.partialFingerprints["fleetAuditFindingId/v1"]).toBe(evaluation.findings[0]!.id);
    expect(dup.properties).toMatchObject({ clusters: ["aks-a", "aks-b"], firstSeen: "2026-11-28T04:00:00.000Z", data: { addresses: 16 } });
    expect(util).toMatchObject({ ruleId: "IPX001", level: "warning" });
    expect(util.locations[0].logicalLocations[0]).toMatchObject({ name: "10.40.0.0/13", fullyQualifiedName: "aks-a/subnet/10.40.0.0/13" });
    expect(waived).toMatchObject({ level: "note", suppressions: [{ kind: "external", justification: "known; fix in Q1" }] });
    expect(unknown.ruleId).toBe("ZZZ999");
    expect(unknown.ruleIndex).toBeUndefined();
  });

  it("gives every result the repository-relative file location GitHub code scanning requires, one path per cluster", () => {
    for (const res of log.runs[0].results) {
      const uri = res.locations[0].physicalLocation.artifactLocation.uri as string;
      expect(uri).toBe(`clusters/${res.locations[0].logicalLocations[1].name}`);
      expect(uri).not.toMatch(/^[a-z][\w+.-]*:|^\//i); // no scheme, not absolute
    }
    // A hostile name stays one path segment of a valid URI.
    expect(clusterArtifactUri("aks/../x y#1?")).toBe("clusters/aks%2F..%2Fx%20y%231%3F");
  });

  it("applies report filters and is refused for other report kinds", () => {
    const only = JSON.parse(renderReport("findings", evaluation, { severity: "critical" }, "sarif").body);
    expect(only.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(["NNC006"]);
    expect(() => renderReport("exhaustion", evaluation, {}, "sarif")).toThrow(UsageError);
  });

  it("is served over HTTP as application/sarif+json, and refused with 400 for other kinds", async () => {
    const store = new MemorySnapshotStore();
    await store.putEvaluation(evaluation);
    const get = (path: string, q: string) => route({ method: "GET", path, query: new URLSearchParams(q) }, { store });
    const ok = await get("/api/reports/findings", "format=sarif&severity=critical");
    expect(ok.status).toBe(200);
    expect(ok.headers["content-type"]).toMatch(/^application\/sarif\+json/);
    const body = JSON.parse(ok.body);
    expect(validate(body)).toBe(true);
    expect(body.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(["NNC006"]);
    const bad = await get("/api/reports/exhaustion", "format=sarif");
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain("sarif is only available for the findings report");
  });
});
