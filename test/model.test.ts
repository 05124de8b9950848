import { describe, expect, it } from "vitest";
import { findingId } from "../src/model/finding.js";
import { isScanId, newScanId, scanIdTime } from "../src/model/scan-id.js";

describe("scan id", () => {
  it("round-trips its start time to the millisecond", () => {
    const at = new Date("2026-11-28T04:07:22.123Z");
    const id = newScanId(at);
    expect(isScanId(id)).toBe(true);
    expect(scanIdTime(id).toISOString()).toBe(at.toISOString());
  });
  it("rejects strings that are not scan ids", () => {
    expect(() => scanIdTime("../../etc")).toThrow(/not a scan id/);
  });
});

describe("finding identity", () => {
  it("does not depend on which shared cluster is named first", () => {
    const a = findingId("IPX001", { cluster: "a", clusters: ["a", "b"], resource: "subnet/10.0.0.0/16" });
    const b = findingId("IPX001", { cluster: "b", clusters: ["b", "a"], resource: "subnet/10.0.0.0/16" });
    expect(a).toBe(b);
    expect(findingId("IPX002", { cluster: "a", clusters: ["a", "b"], resource: "subnet/10.0.0.0/16" })).not.toBe(a);
  });
});
