// The IPX/NNC rules through evaluate(): the seed NNC alone is clean, identity is stable across scans,
// NNC003 escalates on the second scan, and the catalogue matches RULES.md's default severities.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeNnc } from "../../src/collect/normalize/nnc.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { RULES } from "../../src/rules/catalogue.js";
import { node, snapshot, T0, view } from "../fixtures/builders.js";
import { seedNnc } from "../fixtures/seed.js";
import { blockNnc, dynNnc, nodesFor } from "./ipam-fixtures.js";

const IPX_NNC = RULES.filter((r) => r.meta.family === "IPX" || r.meta.family === "NNC");
const RULES_MD = readFileSync(new URL("../fixtures/shared/RULES.md", import.meta.url), "utf8");

describe("IPX and NNC rules together", () => {
  it("has every IPX001–006 and NNC001–008 rule, each with RULES.md's default severity", () => {
    expect(IPX_NNC.map((r) => r.meta.id).sort()).toEqual(["IPX001", "IPX002", "IPX003", "IPX004", "IPX005", "IPX006", "NNC001", "NNC002", "NNC003", "NNC004", "NNC005", "NNC006", "NNC007", "NNC008"]);
    for (const r of IPX_NNC) {
      const row = RULES_MD.split("\n").find((l) => l.startsWith(`| ${r.meta.id} |`))!;
      const severity = row.split("|").at(-2)!.trim();
      expect(severity.startsWith(r.meta.severity), `${r.meta.id}: ${severity}`).toBe(true);
    }
  });

  it("raise nothing for the production seed NNC and its node", () => {
    const seed = normalizeNnc(seedNnc())!;
    const s = snapshot("seed", { nncs: [seed], nodes: [node(seed.name, { uid: "e9fe832a-a94b-44b4-a775-0d1b1ce521a5", internalIP: "10.240.0.4" })] });
    const e = evaluate({ scanId: s.scanId, now: T0, views: [view(s)], rules: IPX_NNC });
    expect(e.findings).toEqual([]);
    expect(e.notes).toEqual([]);
    expect(e.subnets).toEqual([expect.objectContaining({ cidr: "10.40.0.0/13", mode: "vnetblock", used: 256, capacity: 524283, forecastExhaustionAt: null })]);
  });

  it("keeps identity and firstSeen across scans, and escalates NNC003 on the second scan", () => {
    const build = (takenAt: string): ClusterSnapshot => {
      const nncs = [dynNnc("n1", { held: 16, requested: 32 }), blockNnc("b1", "10.40.0.0"), blockNnc("b2", "10.40.0.0")];
      return snapshot("a", { nncs, nodes: nodesFor(nncs), takenAt });
    };
    const s1 = build("2026-11-28T04:00:00.000Z");
    const e1 = evaluate({ scanId: s1.scanId, now: T0, views: [view(s1)], rules: IPX_NNC });
    expect(e1.findings.map((f) => `${f.rule} ${f.severity} ${f.resource}`)).toEqual(["NNC006 critical nnc/b1", "NNC003 warning nnc/n1"]);

    const later = new Date(T0.getTime() + 3_600_000);
    const s2 = build(later.toISOString());
    const e2 = evaluate({ scanId: "20261128T050000000Z-abcd", now: later, views: [view(s2, s2, s1)], previous: e1, rules: IPX_NNC });
    expect(e2.findings.map((f) => `${f.rule} ${f.severity} ${f.resource}`)).toEqual(["NNC003 critical nnc/n1", "NNC006 critical nnc/b1"]);
    for (const f of e2.findings) {
      const before = e1.findings.find((x) => x.rule === f.rule)!;
      expect(f.id).toBe(before.id);
      expect(f.firstSeen).toBe(T0.toISOString());
      expect(f.lastSeen).toBe(later.toISOString());
    }
    expect(e2.resolved).toEqual([]);
  });
});

describe("NNC006 and IPX001 over clusters read hours apart", () => {
  const at = (hoursBefore: number) => new Date(T0.getTime() - hoursBefore * 3_600_000).toISOString();
  // a's last good snapshot is 6 h old: a1 held 10.1.0.4-10.1.0.20 then. a scaled down since, DNC-RC gave
  // those addresses to b, and a's scans time out now.
  const a = (takenAt = at(6)) => snapshot("a", { nncs: [dynNnc("a1", { first: "10.1.0.4" })], nodes: [node("a1")], takenAt });
  const aDark = () => ({ ...snapshot("a", {}, "unreachable"), reason: "connect ETIMEDOUT" });
  const b = (takenAt = at(0)) => snapshot("b", { nncs: [dynNnc("b1", { first: "10.1.0.4" })], nodes: [node("b1")], takenAt });
  const judge = (views: ReturnType<typeof view>[], over: Partial<Parameters<typeof evaluate>[0]> = {}) => evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views, rules: IPX_NNC, ...over });
  const nnc006 = (e: ReturnType<typeof evaluate>) => e.findings.filter((f) => f.rule === "NNC006").map((f) => `${f.severity} ${f.clusters}`);

  it("claims no duplicate between one cluster's 6-hour-old data and another's fresh data, says why in a note, and counts each address once", () => {
    const e = judge([view(a(), aDark()), view(b())]);
    expect(nnc006(e)).toEqual([]);
    expect(e.subnets).toEqual([expect.objectContaining({ clusters: ["a", "b"], used: 17 })]);
    expect(e.notes).toEqual([
      `subnet 10.1.0.0/24 (${e.subnets[0]!.key}): 17 address(es) cluster a held in its data of ${at(6)} are held by b in data read a scan interval or more later (up to ${at(0)}): not judged duplicates (NNC006), as they may have changed hands between the reads`,
    ]);
    // A deleted cluster, never scanned since (until it is forgotten), alike.
    expect(nnc006(judge([view(a()), view(b())]))).toEqual([]);
  });

  it("claims the duplicate when both were read less than a scan interval apart (SCN004's, as the policy sets it)", () => {
    expect(nnc006(judge([view(a(at(0.25))), view(b())]))).toEqual(["critical a,b"]);
    expect(nnc006(judge([view(a(), aDark()), view(b())], { policy: { thresholds: { SCN004: { scanIntervalMinutes: 480 } } } }))).toEqual(["critical a,b"]);
  });

  it("keeps a duplicate reported while both were read together as a warning naming the old data, not resolved, until both are read again", () => {
    const first = judge([view(a()), view(b(at(6)))], { now: new Date(at(6)) });
    expect(nnc006(first)).toEqual(["critical a,b"]);
    const dark = judge([view(a(), aDark()), view(b())], { previous: first });
    const kept = dark.findings.find((f) => f.rule === "NNC006")!;
    expect(kept).toMatchObject({ id: first.findings.find((f) => f.rule === "NNC006")!.id, severity: "warning", firstSeen: at(6) });
    expect(kept.message).toContain(`was reported held by NNC a/a1 and b/b1`);
    expect(kept.message).toContain(`The data of a is from ${at(6)}, a scan interval or more older than the rest: whether the addresses are still held twice is unknown until that cluster is read again.`);
    expect(dark.resolved).toEqual([]);
    // a is read again, without those addresses: now it is resolved.
    const back = judge([view(snapshot("a", { nncs: [dynNnc("a2", { first: "10.1.0.40" })], nodes: [node("a2")] })), view(b())], { previous: dark });
    expect(back.resolved.map((f) => f.id)).toEqual([kept.id]);
  });
});
