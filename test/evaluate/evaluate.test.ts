import { describe, expect, it } from "vitest";
import { evaluate, Evaluator } from "../../src/evaluate/evaluate.js";
import { subnetAccounting } from "../../src/rules/analyses.js";
import type { FindingsDocument } from "../../src/reports/kinds/findings.js";
import { renderReport } from "../../src/reports/render.js";
import { RULES } from "../../src/rules/catalogue.js";
import { defineRule } from "../../src/rules/rule.js";
import { blockNodes, cluster as ipamCluster, nc, nnc, vnetFields } from "../analysis/fixtures.js";
import { cnsCluster, node, snapshot, T0, view } from "../fixtures/builders.js";
import { dynNnc } from "../rules/ipam-fixtures.js";

const missingNnc = () => {
  const s = cnsCluster("a", ["n1", "n2"]);
  s.nncs = s.nncs.slice(0, 1);
  return s;
};

describe("evaluate", () => {
  it("keeps firstSeen of a finding seen again and lists resolved ones", () => {
    const first = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())] });
    const f1 = first.findings.find((f) => f.rule === "NNC001")!;
    expect(f1.firstSeen).toBe(T0.toISOString());

    const later = new Date(T0.getTime() + 3_600_000);
    const second = evaluate({ scanId: "s2", now: later, views: [view(missingNnc())], previous: first });
    const f2 = second.findings.find((f) => f.rule === "NNC001")!;
    expect(f2.id).toBe(f1.id);
    expect(f2.firstSeen).toBe(T0.toISOString());
    expect(f2.lastSeen).toBe(later.toISOString());

    const third = evaluate({ scanId: "s3", now: later, views: [view(cnsCluster("a", ["n1", "n2"]))], previous: second });
    expect(third.findings.filter((f) => f.rule === "NNC001")).toEqual([]);
    expect(third.resolved).toEqual([expect.objectContaining({ id: f1.id, resolvedAt: later.toISOString() })]);
  });

  it("applies waivers and severity overrides without dropping the finding", () => {
    const e = evaluate({
      scanId: "s1",
      now: T0,
      views: [view(missingNnc())],
      policy: { severity: { NNC001: "warning" }, waivers: [{ cluster: "a", rule: "NNC001", resource: "node/*", reason: "being replaced", expires: "2027-01-01T00:00:00Z" }] },
    });
    expect(e.findings).toEqual([expect.objectContaining({ rule: "NNC001", severity: "warning", waived: expect.objectContaining({ reason: "being replaced" }) })]);
  });

  it("notes an override that matches no cluster of the evaluation (a typo, or a cluster that is gone)", () => {
    const policy = { source: "policy.yaml", overrides: [{ cluster: "a", severity: { NNC001: "warning" as const } }, { cluster: "aks-prdo-*", severity: { NNC001: "info" as const } }, { subscription: "0000*", severity: { NNC001: "info" as const } }] };
    const e = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())], policy });
    expect(e.notes).toEqual([
      "policy.yaml: overrides[1] matches no cluster of this evaluation (cluster aks-prdo-*)",
      "policy.yaml: overrides[2] matches no cluster of this evaluation (subscription 0000*)",
    ]);
    expect(e.findings[0]!.severity).toBe("warning");
  });

  it("an expired waiver stops applying and says so", () => {
    const e = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())], policy: { waivers: [{ rule: "NNC001", reason: "old", expires: "2026-01-01T00:00:00Z" }] } });
    expect(e.findings[0]!.waived).toBeUndefined();
    expect(e.findings[0]!.message).toContain("waiver expired 2026-01-01T00:00:00Z");
  });

  it("a rule that throws is a note, and the other rules still run", () => {
    const broken = defineRule({ id: "NNC999", title: "broken", family: "NNC", severity: "info", description: "d", remediation: "r" }, () => {
      throw new Error("boom");
    });
    const ok = defineRule({ id: "SCN999", title: "ok", family: "SCN", severity: "info", description: "d", remediation: "r" }, function* () {
      yield { severity: "info", cluster: "a", resource: "cluster/a", message: "m" };
    });
    const e = evaluate({ scanId: "s1", now: T0, views: [view(snapshot("a"))], rules: [broken, ok] });
    expect(e.notes).toEqual(["rule NNC999 failed: boom"]);
    expect(e.findings.map((f) => f.rule)).toEqual(["SCN999"]);
  });

  it("a rule that fails keeps its previous findings as last seen instead of resolving them", () => {
    const first = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())] });
    const f1 = first.findings.find((f) => f.rule === "NNC001")!;
    const later = new Date(T0.getTime() + 3_600_000);
    let fail = true;
    const rules = RULES.map((r) =>
      r.meta.id !== "NNC001"
        ? r
        : defineRule(r.meta, (ctx) => {
            if (fail) throw new Error("boom");
            return r.check(ctx);
          }),
    );
    // The cluster is fixed meanwhile, but the rule could not check it: not a recovery.
    const second = evaluate({ scanId: "s2", now: later, views: [view(cnsCluster("a", ["n1", "n2"]))], previous: first, rules });
    expect(second.resolved).toEqual([]);
    expect(second.findings).toContainEqual(expect.objectContaining({ id: f1.id, firstSeen: f1.firstSeen, lastSeen: f1.lastSeen }));
    expect(second.notes).toContain("1 finding(s) kept as last seen: their rule failed or their cluster's snapshot could not be read");
    fail = false;
    const third = evaluate({ scanId: "s3", now: later, views: [view(cnsCluster("a", ["n1", "n2"]))], previous: second, rules });
    expect(third.resolved).toEqual([expect.objectContaining({ id: f1.id })]);
  });

  it("findings of a cluster whose snapshot could not be read are kept, not resolved", () => {
    const first = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc()), view(cnsCluster("b", ["m1"]))] });
    const ids = first.findings.filter((f) => f.cluster === "a").map((f) => f.id);
    expect(ids.length).toBeGreaterThan(0);
    const second = evaluate({ scanId: "s2", now: T0, views: [view(cnsCluster("b", ["m1"]))], previous: first, unreadClusters: ["a"] });
    expect(second.resolved).toEqual([]);
    expect(second.findings.map((f) => f.id)).toEqual(expect.arrayContaining(ids));
    // Without the hint the cluster's findings really are gone (it left the fleet).
    const third = evaluate({ scanId: "s3", now: T0, views: [view(cnsCluster("b", ["m1"]))], previous: first });
    expect(third.resolved.map((f) => f.id)).toEqual(expect.arrayContaining(ids));
  });

  it("re-applies waivers to findings kept as last seen: they lapse, go with the policy, and the expiry words never pile up", () => {
    const hour = (h: number) => new Date(T0.getTime() + h * 3_600_000);
    const waiver = { cluster: "a", rule: "NNC001", reason: "CHG-1", expires: "2026-11-28T06:00:00Z" };
    let e = evaluate({ scanId: "s0", now: hour(-1), views: [view(missingNnc())], policy: { waivers: [waiver] } });
    const id = e.findings.find((f) => f.rule === "NNC001")!.id;
    const kept = () => e.findings.find((f) => f.id === id)!;
    expect(kept().waived).toBeDefined();
    const messages: string[] = [];
    for (let h = 1; h <= 4; h++) {
      e = evaluate({ scanId: `s${h}`, now: hour(h), views: [], unreadClusters: ["a"], previous: e, policy: { waivers: [waiver] } });
      messages.push(kept().message);
    }
    // T0 is 04:00: the waiver lapses at 06:00, while the cluster cannot be read.
    expect(kept().waived).toBeUndefined();
    expect(kept().waiverExpired).toEqual(expect.objectContaining({ reason: "CHG-1" }));
    expect(messages.map((m) => m.split("(waiver expired").length - 1)).toEqual([0, 1, 1, 1]);
    // The waiver taken out of the policy: no marks left, the message is the rule's own again.
    e = evaluate({ scanId: "s9", now: hour(9), views: [], unreadClusters: ["a"], previous: e, policy: {} });
    expect(kept().waiverExpired).toBeUndefined();
    expect(kept().message).toBe(messages[0]);
    // A waiver added while the cluster is unreadable applies to the kept finding.
    e = evaluate({ scanId: "s10", now: hour(10), views: [], unreadClusters: ["a"], previous: e, policy: { waivers: [{ ...waiver, expires: "2027-01-01" }] } });
    expect(kept().waived).toEqual(expect.objectContaining({ reason: "CHG-1" }));
  });

  it("a shared subnet's finding keeps its ID and firstSeen when a cluster joins or leaves the subnet", () => {
    // One /24 (251 usable): a holds 121, b 81 (80 %); c joins with 4 more.
    const on = (name: string, first: string, held: number) => view(snapshot(name, { nodes: [node(`${name}1`)], nncs: [dynNnc(`${name}1`, { first, held })] }));
    const [a, b, c] = [on("a", "10.1.0.4", 120), on("b", "10.1.0.130", 80), on("c", "10.1.0.220", 3)];
    const ipx001 = (e: ReturnType<typeof evaluate>) => e.findings.filter((f) => f.rule === "IPX001");
    const first = evaluate({ scanId: "s1", now: T0, views: [a, b] });
    expect(ipx001(first)).toEqual([expect.objectContaining({ clusters: ["a", "b"] })]);
    const later = new Date(T0.getTime() + 3_600_000);
    const joined = evaluate({ scanId: "s2", now: later, views: [a, b, c], previous: first });
    expect(ipx001(joined)).toEqual([expect.objectContaining({ id: ipx001(first)[0]!.id, clusters: ["a", "b", "c"], firstSeen: T0.toISOString() })]);
    expect(joined.resolved).toEqual([]);
    // a leaves the subnet: the finding names b first now, and is still the same finding.
    const left = evaluate({ scanId: "s3", now: later, views: [on("b", "10.1.0.4", 200), c], previous: joined });
    expect(ipx001(left)).toEqual([expect.objectContaining({ id: ipx001(first)[0]!.id, cluster: "b", firstSeen: T0.toISOString() })]);
    expect(left.resolved.filter((f) => f.rule === "IPX001")).toEqual([]);
  });

  it("an override or waiver decides for a finding about several clusters only when it matches every one of them", () => {
    // A /24 shared by two clusters, 232 of 251 held (92.4 %): IPX001 warning by default.
    const on = (name: string, first: string, held: number) => view(snapshot(name, { nodes: [node(`${name}1`)], nncs: [dynNnc(`${name}1`, { first, held })] }));
    const ipx001 = (dev: string, prod: string, policy: Parameters<typeof evaluate>[0]["policy"]) =>
      evaluate({ scanId: "s1", now: T0, views: [on(dev, "10.1.0.4", 120), on(prod, "10.1.0.130", 110)], policy }).findings.find((f) => f.rule === "IPX001");
    const devSeverity = { overrides: [{ cluster: "aks-dev-*", severity: { IPX001: "info" as const } }] };
    // Whichever cluster sorts first, a dev-only override does not decide for prod.
    expect(ipx001("aks-dev-1", "aks-prod-1", devSeverity)).toMatchObject({ cluster: "aks-dev-1", severity: "warning" });
    expect(ipx001("aks-dev-1", "aks-a-prod", devSeverity)).toMatchObject({ cluster: "aks-a-prod", severity: "warning" });
    expect(ipx001("aks-dev-1", "aks-dev-2", devSeverity)).toMatchObject({ severity: "info" });
    // Thresholds: an override matching every cluster of the subnet applies; one matching some does not.
    const quiet = (cluster: string) => ({ overrides: [{ cluster, thresholds: { IPX001: { warningPercent: 99, criticalPercent: 99.5 } } }] });
    expect(ipx001("aks-dev-1", "aks-prod-1", quiet("aks-*"))).toBeUndefined();
    expect(ipx001("aks-dev-1", "aks-prod-1", quiet("aks-dev-*"))).toMatchObject({ severity: "warning" });
    // Waivers: a dev waiver does not waive what prod shares.
    const waive = (cluster: string) => ({ waivers: [{ cluster, rule: "IPX001", reason: "dev accepts it" }] });
    expect(ipx001("aks-dev-1", "aks-prod-1", waive("aks-dev-*"))!.waived).toBeUndefined();
    expect(ipx001("aks-dev-1", "aks-dev-2", waive("aks-dev-*"))!.waived).toEqual(expect.objectContaining({ reason: "dev accepts it" }));
  });

  it("notes NCs that disagree on their subnet's CIDR and addresses held outside it", () => {
    // One NC says the subnet is 10.1.0.0/24 and holds addresses in 10.1.2.0/24 (outside both).
    const s = snapshot("a", {
      nodes: [node("n1"), node("n2")],
      nncs: [dynNnc("n1", { held: 20 }), dynNnc("n2", { first: "10.1.2.4", held: 3, cidr: "10.1.0.0/25" })],
    });
    const e = evaluate({ scanId: "s1", now: T0, views: [view(s)] });
    expect(e.subnets).toEqual([expect.objectContaining({ cidr: "10.1.0.0/24", used: 21 })]);
    expect(e.notes).toEqual([
      expect.stringMatching(/^subnet 10\.1\.0\.0\/24 \(.*\): 1 NC\(s\) report another CIDR, e\.g\. NC nc-n2 on NNC n2 \(a\) says subnet .* is 10\.1\.0\.0\/25; other NCs say 10\.1\.0\.0\/24, which contains it/),
      expect.stringMatching(/^subnet 10\.1\.0\.0\/24 \(.*\): 4 address\(es\) held outside its CIDR are not counted in its use, e\.g\. NC nc-n2/),
    ]);
  });

  it("runs a cluster's own rules on that cluster alone and the fleet rules once over every cluster's fleet view, without snapshots", () => {
    const seen: Array<{ rule: string; clusters: string[]; previous: boolean }> = [];
    const record = (id: string, scope?: "fleet") =>
      defineRule({ id, title: id, family: "NNC", severity: "info", description: "d", remediation: "r", ...(scope ? { scope } : {}) }, function* (ctx) {
        if (scope) seen.push({ rule: id, clusters: ctx.fleet.map((c) => c.name), previous: false });
        else seen.push({ rule: id, clusters: ctx.clusters.map((c) => c.name), previous: ctx.clusters.some((c) => c.previous) });
      });
    const b = cnsCluster("b", ["m1"]);
    const views = [view(cnsCluster("c", ["k1"])), view(b, b, cnsCluster("b", ["m1"])), view(missingNnc())];
    evaluate({ scanId: "s1", now: T0, views, rules: [record("NNC901"), record("NNC902", "fleet")] });
    expect(seen).toEqual([
      { rule: "NNC901", clusters: ["c"], previous: false },
      { rule: "NNC901", clusters: ["b"], previous: true },
      { rule: "NNC901", clusters: ["a"], previous: false },
      // By name, whatever order the clusters arrived in.
      { rule: "NNC902", clusters: ["a", "b", "c"], previous: false },
    ]);
  });

  it("dates what it finds in an unreachable cluster's last good snapshot by that snapshot, not now; the scan's own findings (SCN) by now", () => {
    const good = missingNnc(); // taken at T0
    const evaluatedAt = new Date(T0.getTime() + 60_000);
    const first = evaluate({ scanId: "s1", now: evaluatedAt, views: [view(good), view(cnsCluster("b", ["m1"]))] });
    expect(first.findings.find((f) => f.rule === "NNC001")).toMatchObject({ firstSeen: evaluatedAt.toISOString(), lastSeen: evaluatedAt.toISOString() });
    // Half an hour later a refuses connections; b is read again, with a problem of its own now.
    const later = new Date(T0.getTime() + 1_800_000);
    const failed = snapshot("a", { takenAt: later.toISOString() }, "unreachable");
    const b = cnsCluster("b", ["m1", "m2"]);
    b.nncs.pop();
    const second = evaluate({ scanId: "s2", now: later, views: [view(good, failed), view({ ...b, takenAt: later.toISOString() })], previous: first });
    const of = (rule: string, cluster: string) => second.findings.find((f) => f.rule === rule && f.cluster === cluster)!;
    // Still found, as of when the data were read, and never first seen after that.
    expect(of("NNC001", "a")).toMatchObject({ firstSeen: T0.toISOString(), lastSeen: T0.toISOString() });
    expect(of("SCN001", "a").lastSeen).toBe(later.toISOString());
    expect(of("NNC001", "b")).toMatchObject({ firstSeen: later.toISOString(), lastSeen: later.toISOString() });
    // So "seen in the last 5 minutes" tells the unreachable cluster's old problems from current ones.
    const recent = renderReport("findings", second, { since: new Date(later.getTime() - 300_000) }, "json").doc as FindingsDocument;
    expect(recent.findings.map((f) => `${f.rule} ${f.cluster}`).sort()).toEqual(["NNC001 b", "SCN001 a"]);
  });

  it("gives the fleet rules no snapshots: reading ctx.clusters there is an error that says what to read", () => {
    const snooping = defineRule({ id: "NNC903", title: "t", family: "NNC", severity: "info", description: "d", remediation: "r", scope: "fleet" }, function* (ctx) {
      yield* ctx.clusters.map((c) => ({ severity: "info" as const, cluster: c.name, resource: "cluster/x", message: "m" }));
    });
    const e = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())], rules: [snooping] });
    expect(e.findings).toEqual([]);
    expect(e.notes).toEqual(['rule NNC903 failed: this context holds fleet views only: a rule with scope "fleet" reads ctx.fleet, not ctx.clusters']);
  });

  it("refuses a fleet analysis to a rule that judges one cluster at a time, and says which rule", () => {
    const wrong = defineRule({ id: "IPX901", title: "t", family: "IPX", severity: "info", description: "d", remediation: "r" }, function* (ctx) {
      yield* subnetAccounting(ctx).subnets.map((s) => ({ severity: "info" as const, cluster: s.clusters[0]!, resource: `subnet/${s.cidr}`, message: "m" }));
    });
    const e = evaluate({ scanId: "s1", now: T0, views: [view(missingNnc())], rules: [wrong] });
    expect(e.notes).toEqual(['rule IPX901 failed: subnet accounting compares clusters: only a rule with scope "fleet" may use it']);
  });

  it("a rule that fails on one cluster keeps that cluster's previous findings and still judges the others", () => {
    const two = () => [view(missingNnc()), view({ ...missingNnc(), cluster: "b" })];
    const first = evaluate({ scanId: "s1", now: T0, views: two() });
    const byCluster = (c: string) => first.findings.find((f) => f.rule === "NNC001" && f.cluster === c)!;
    const rules = RULES.map((r) =>
      r.meta.id !== "NNC001"
        ? r
        : defineRule(r.meta, (ctx) => {
            if (ctx.clusters[0]!.name === "a") throw new Error("boom");
            return r.check(ctx);
          }),
    );
    const later = new Date(T0.getTime() + 3_600_000);
    // Both clusters are fixed meanwhile; only b could be checked.
    const second = evaluate({ scanId: "s2", now: later, views: [view(cnsCluster("a", ["n1", "n2"])), view(cnsCluster("b", ["n1", "n2"]))], previous: first, rules });
    expect(second.notes).toContain("rule NNC001 failed on a: boom");
    expect(second.findings).toContainEqual(expect.objectContaining({ id: byCluster("a").id, lastSeen: T0.toISOString() }));
    expect(second.resolved.map((f) => f.id)).toEqual([byCluster("b").id]);
  });

  it("a cluster whose data breaks its fleet view keeps its fleet-rule findings; the fleet rules still judge the others", () => {
    // Each cluster holds one block twice (NNC006), each on its own pod subnet.
    const twice = (c: string, block: string, cidr: string, assignments: string[] = []) => {
      const f = vnetFields(`pods-${c}`, cidr);
      return ipamCluster(c, [nnc(`${c}-n1`, [nc({ type: "vnetblock", primaryIP: block, ipAssignments: assignments, ...f })]), nnc(`${c}-n2`, [nc({ type: "vnetblock", primaryIP: block, ...f })])]);
    };
    const first = evaluate({ scanId: "s1", now: T0, views: [view(twice("a", "10.40.0.0/28", "10.40.0.0/16")), view(twice("b", "10.41.0.0/28", "10.41.0.0/16"))] });
    const nnc006 = (c: string) => first.findings.find((x) => x.rule === "NNC006" && x.cluster === c)!;
    expect(nnc006("a")).toBeDefined();
    expect(nnc006("b")).toBeDefined();
    // An hour later a's stored data is garbage (an NC whose ipAssignments is not a list); b is fixed.
    const garbage = twice("a", "10.40.0.0/28", "10.40.0.0/16", null as unknown as string[]);
    const fixed = ipamCluster("b", [nnc("b-n1", [nc({ type: "vnetblock", primaryIP: "10.41.0.0/28", ...vnetFields("pods-b", "10.41.0.0/16") })])]);
    const later = new Date(T0.getTime() + 3_600_000);
    const second = evaluate({ scanId: "s2", now: later, views: [view(garbage), view(fixed)], previous: first });
    expect(second.notes).toContainEqual(expect.stringMatching(/^rule NNC006 failed on a: /));
    expect(second.findings).toContainEqual(expect.objectContaining({ id: nnc006("a").id, lastSeen: T0.toISOString() }));
    expect(second.resolved.map((x) => x.id)).toContain(nnc006("b").id);
    expect(second.subnets.map((s) => s.cidr)).toEqual(["10.41.0.0/16"]);
  });

  it("gives the same evaluation whatever order the clusters arrive in (shared subnet, duplicate blocks)", () => {
    // Two clusters given the same pod subnet by mistake: the same blocks, held on both sides.
    const shared = (name: string) => view(ipamCluster(name, blockNodes(name, 3, 2, "10.40.0.0", "10.40.0.0/16")));
    const run = (names: string[]) => {
      const ev = new Evaluator({ scanId: "s1", now: T0 });
      for (const n of names) ev.add(shared(n));
      return ev.finish();
    };
    const forward = run(["x", "y", "z"]);
    expect(forward.findings.filter((f) => f.rule === "NNC006").length).toBeGreaterThan(0);
    expect(forward.findings.find((f) => f.rule === "NNC006")!.clusters).toEqual(["x", "y", "z"]);
    expect(run(["z", "x", "y"])).toEqual(forward);
  });

  it("takes each cluster once, and nothing after finish", () => {
    const ev = new Evaluator({ scanId: "s1", now: T0 });
    ev.add(view(missingNnc()));
    expect(() => ev.add(view(missingNnc()))).toThrow("cluster a was added twice");
    ev.finish();
    expect(() => ev.add(view(cnsCluster("b", ["m1"])))).toThrow("finished");
  });
});
