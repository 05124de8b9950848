// Waiver matching (cluster / rule / resource patterns) and expiry.
import { describe, expect, it } from "vitest";
import type { Finding } from "../../src/model/finding.js";
import { applyWaivers, globMatch, waiverExpiresAt, waiverMatches } from "../../src/policy/waivers.js";

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: "CNS002-x",
  rule: "CNS002",
  severity: "critical",
  cluster: "aks-prod-weu-01",
  resource: "pod/azure-cns-abcde",
  message: "azure-cns pod is in CrashLoopBackOff.",
  firstSeen: "2026-11-28T00:00:00Z",
  lastSeen: "2026-11-28T00:00:00Z",
  ...over,
});
const NOW = new Date("2026-11-28T12:00:00Z");

describe("waiver matching", () => {
  it("matches glob patterns on cluster, rule and resource; absent means any", () => {
    const f = finding();
    expect(waiverMatches({ reason: "r", cluster: "aks-prod-*" }, f)).toBe(true);
    expect(waiverMatches({ reason: "r", rule: "CNS*", resource: "pod/azure-cns-*" }, f)).toBe(true);
    expect(waiverMatches({ reason: "r", cluster: "aks-prod-*", rule: "CNS003" }, f)).toBe(false);
    expect(waiverMatches({ reason: "r", resource: "node/*" }, f)).toBe(false);
    expect(waiverMatches({ reason: "r", cluster: "aks-prod" }, f)).toBe(false); // whole string
  });
  it("lets an azure-cns pattern ending in * match azure-cns-win's findings too, as the README says; the exact name does not", () => {
    const win = finding({ rule: "CNS001", resource: "daemonset/azure-cns-win" });
    expect(waiverMatches({ reason: "r", resource: "daemonset/azure-cns*" }, win)).toBe(true);
    expect(waiverMatches({ reason: "r", resource: "daemonset/azure-cns" }, win)).toBe(false);
    expect(waiverMatches({ reason: "r", resource: "pod/azure-cns-*" }, finding({ resource: "pod/azure-cns-win-x7k2p" }))).toBe(true);
    expect(waiverMatches({ reason: "r", resource: "pod/azure-cns-win-*" }, finding())).toBe(false);
  });
  it("treats pattern text literally apart from *", () => {
    expect(globMatch("10.40.0.0/13", "10.40.0.0/13")).toBe(true);
    expect(globMatch("a.c", "abc")).toBe(false);
    expect(globMatch("prod(1)+", "prod(1)+")).toBe(true);
    expect(globMatch("AKS-*", "aks-1")).toBe(false);
  });
  it("matches a pathological pattern without backtracking for ever", () => {
    const name = `aks-${"a".repeat(200)}`;
    expect(globMatch(`*${"a*".repeat(40)}x`, name)).toBe(false);
    expect(globMatch(`*${"a*".repeat(40)}`, name)).toBe(true);
    expect(waiverMatches({ reason: "r", cluster: `*${"a*".repeat(40)}x` }, finding({ cluster: name }))).toBe(false);
  });
  it("waives a shared-resource finding only when the pattern matches every cluster it names", () => {
    const f = finding({ rule: "IPX001", cluster: "aks-dev-1", clusters: ["aks-dev-1", "aks-prod-1"], resource: "subnet/10.40.0.0/13" });
    expect(waiverMatches({ reason: "r", cluster: "aks-dev-*" }, f)).toBe(false);
    expect(waiverMatches({ reason: "r", cluster: "aks-prod-1" }, f)).toBe(false);
    expect(waiverMatches({ reason: "r", cluster: "aks-*" }, f)).toBe(true);
    expect(waiverMatches({ reason: "r", rule: "IPX001" }, f)).toBe(true);
  });
});

describe("waiver expiry", () => {
  it("a date alone lasts to the end of that day (UTC); a time is exact", () => {
    expect(waiverExpiresAt("2026-11-28")).toBe(Date.parse("2026-11-29T00:00:00Z"));
    expect(waiverExpiresAt("2026-11-28T06:00:00Z")).toBe(Date.parse("2026-11-28T06:00:00Z"));
  });

  it("marks a finding waived while the waiver lives, and keeps it in the list", () => {
    const fs = [finding(), finding({ id: "other", rule: "CNS003" })];
    const notes = applyWaivers(fs, { waivers: [{ rule: "CNS002", reason: "node being replaced", expires: "2026-11-28" }] }, NOW);
    expect(fs[0]!.waived).toEqual({ reason: "node being replaced", expires: "2026-11-28", source: "waivers[0]" });
    expect(fs[1]!.waived).toBeUndefined();
    expect(notes).toEqual([]);
  });

  it("an expired waiver stops applying, the finding says so, and the evaluation notes it", () => {
    const fs = [finding()];
    const notes = applyWaivers(fs, { source: "policy.yaml", waivers: [{ rule: "CNS002", reason: "node being replaced", expires: "2026-11-28T06:00:00Z" }] }, NOW);
    expect(fs[0]!.waived).toBeUndefined();
    expect(fs[0]!.waiverExpired).toEqual({ reason: "node being replaced", expires: "2026-11-28T06:00:00Z", source: "waivers[0]" });
    expect(fs[0]!.message).toContain("(waiver expired 2026-11-28T06:00:00Z: node being replaced)");
    expect(notes).toEqual(["policy.yaml: waivers[0] expired 2026-11-28T06:00:00Z and no longer applies to 1 finding(s): node being replaced"]);
  });

  it("a live waiver wins over an expired one, without the expired message", () => {
    const fs = [finding()];
    applyWaivers(fs, { waivers: [{ rule: "CNS002", reason: "old", expires: "2026-01-01" }, { cluster: "aks-prod-*", reason: "new", expires: "2027-01-01" }] }, NOW);
    expect(fs[0]!.waived?.reason).toBe("new");
    expect(fs[0]!.waiverExpired).toBeUndefined();
    expect(fs[0]!.message).not.toContain("expired");
  });

  it("notes a live waiver that matches nothing (a typo, or a problem that is gone)", () => {
    expect(applyWaivers([finding()], { waivers: [{ cluster: "aks-prdo-*", reason: "typo" }] }, NOW)).toEqual(["waivers[0] matches no current finding (cluster aks-prdo-*)"]);
  });

  it("notes an expired waiver that matches nothing, so the policy can be cleaned up", () => {
    expect(applyWaivers([finding()], { waivers: [{ cluster: "aks-dev-*", reason: "old", expires: "2026-01-01" }] }, NOW)).toEqual(["waivers[0] expired 2026-01-01 and matches no current finding: it can go"]);
  });
});
