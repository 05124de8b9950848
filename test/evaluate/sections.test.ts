// Drift, health and compliance sections, computed with the findings at evaluation time.
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { grade } from "../../src/evaluate/sections/compliance.js";
import { clusterHealth } from "../../src/evaluate/sections/health.js";
import { defineRule } from "../../src/rules/rule.js";
import { node, nnc, snapshot, T0, view } from "../fixtures/builders.js";
import { cnsPod, earlier, healthy, nc, WIN_IMAGE, winPod, withWindows } from "../rules/cns-fixtures.js";

const LATER = new Date(T0.getTime() + 3_600_000);

/** A vnetblock cluster whose NNCs hold real /28 blocks. */
function blocks(name: string, nodes: number) {
  const s = healthy(name, nodes);
  s.nncs.forEach((n, i) => {
    n.networkContainers = [nc("vnetblock", { primaryIP: `10.40.${i}.0/28`, ipAssignments: [`10.40.${i}.16/28`, `10.40.${i}.32/28`] })];
  });
  return s;
}

describe("drift section", () => {
  it("lists nodes and NNCs added and removed, blocks gained and lost, image changes and moving findings", () => {
    const before = blocks("a", 3);
    before.takenAt = T0.toISOString();
    const first = evaluate({ scanId: "s1", now: T0, views: [view(before)] });

    const after = structuredClone(before);
    after.takenAt = LATER.toISOString();
    after.nodes.push(node("n4"));
    after.nncs.push(nnc("n4", { networkContainers: [nc("vnetblock", { primaryIP: "10.40.9.0/28" })] }));
    after.cns.pods.push(cnsPod("n4"));
    after.nncs[0]!.networkContainers[0]!.ipAssignments.pop(); // a block released
    after.cns.pods[1] = cnsPod("n2", { ready: false, reason: "CrashLoopBackOff", restarts: 6, image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26" });
    const second = evaluate({ scanId: "s2", now: LATER, views: [view(after, after, before)], previous: first });
    const d = second.sections!.drift!.clusters[0]!;
    expect(d).toMatchObject({
      cluster: "a",
      from: T0.toISOString(),
      to: LATER.toISOString(),
      nodes: { added: ["n4"], removed: [] },
      nncs: { added: ["n4"], removed: [] },
      addresses: { gained: 16, lost: 16, entriesGained: 1, entriesLost: 1 },
      nncChanges: [{ nnc: "n1", gained: [], lost: ["10.40.0.32/28"] }],
      cns: { changed: true, podImagesAfter: { "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25": 3, "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26": 1 } },
    });
    // One pod on a new image is a rollout that may still be moving: no CNS005 yet.
    expect(d.findings.new.map((f) => f.rule).sort()).toEqual(["CNS002", "CNS003"]);
    expect(d.findings.resolved).toEqual([]);

    // Third scan: the split has not moved, so the skew is a stalled rollout.
    const stalled = structuredClone(after);
    stalled.takenAt = new Date(LATER.getTime() + 3_600_000).toISOString();
    const third = evaluate({ scanId: "s3", now: new Date(stalled.takenAt), views: [view(stalled, stalled, after)], previous: second });
    expect(third.sections!.drift!.clusters[0]!.findings.new.map((f) => f.rule)).toEqual(["CNS005"]);

    // Fourth scan: a waiver covers the skew, a policy raises CNS003 to critical.
    const fourth = evaluate({
      scanId: "s4",
      now: new Date(LATER.getTime() + 7_200_000),
      views: [view(stalled, stalled, after)],
      previous: third,
      policy: { severity: { CNS003: "critical" }, waivers: [{ rule: "CNS005", cluster: "a", reason: "canary" }] },
    });
    const d4 = fourth.sections!.drift!.clusters[0]!;
    expect(d4.findings.new).toEqual([]);
    expect(d4.findings.changedSeverity).toEqual([expect.objectContaining({ rule: "CNS003", severity: "critical", previousSeverity: "warning" })]);
    expect(d4.findings.waived).toEqual([expect.objectContaining({ rule: "CNS005" })]);
  });

  it("compares holdings, not their text: a block written another way is no change; a removed NNC loses all it held", () => {
    const before = blocks("a", 3);
    before.takenAt = T0.toISOString();
    const after = structuredClone(before);
    after.takenAt = LATER.toISOString();
    // The same /28 written with a host address and reordered: same holdings.
    after.nncs[0]!.networkContainers[0]!.ipAssignments = ["10.40.0.33/28", "10.40.0.16/28"];
    after.nncs.pop(); // n3 is gone with its three blocks
    const d = evaluate({ scanId: "s2", now: LATER, views: [view(after, after, before)] }).sections!.drift!.clusters[0]!;
    expect(d.addresses).toEqual({ gained: 0, lost: 48, entriesGained: 0, entriesLost: 3 });
    expect(d.nncChanges).toEqual([]);
    expect(d.nncs).toEqual({ added: [], removed: ["n3"] });
  });

  it("follows azure-cns-win's image apart from azure-cns's, against a snapshot that read it too", () => {
    const before = withWindows(healthy("a"));
    const after = structuredClone(before);
    after.takenAt = LATER.toISOString();
    const NEXT = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.27";
    after.cns.windowsDaemonset!.images = [NEXT];
    const drift = (prev: typeof before) => evaluate({ scanId: "s", now: LATER, views: [view(after, after, prev)] }).sections!.drift!.clusters[0]!.cns;
    expect(drift(before)).toMatchObject({ changed: false, podImagesAfter: { "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25": 3 }, windows: { imageBefore: WIN_IMAGE, imageAfter: NEXT, changed: true } });
    const unread = earlier(before, (p) => void delete p.cns.windowsDaemonset);
    expect(drift(unread).windows).toEqual({ imageBefore: NEXT, imageAfter: NEXT, changed: false });
  });

  it("says when there is nothing to compare", () => {
    const e = evaluate({ scanId: "s1", now: T0, views: [view(healthy("a")), view(snapshot("down", {}, "unreachable"))] });
    const [a, down] = e.sections!.drift!.clusters;
    expect(a).toMatchObject({ from: null, note: "first good snapshot: nothing to compare with", nodes: { added: [], removed: [] } });
    expect(down!.note).toContain("no good snapshot yet");
    expect(a).toMatchObject({ status: "ok", lastOkAt: T0.toISOString() });
    expect(down).toMatchObject({ status: "unreachable", lastOkAt: null });
  });

  it("says when the latest scan did not read the cluster and its data are the last good snapshot's", () => {
    const good = healthy("a");
    const failed = snapshot("a", { takenAt: LATER.toISOString() }, "unreachable");
    const drift = (v: ReturnType<typeof view>) => evaluate({ scanId: "s", now: LATER, views: [v] }).sections!.drift!.clusters[0]!;
    const first = drift(view(good, failed));
    expect(first).toMatchObject({ status: "unreachable", lastOkAt: T0.toISOString(), from: null, to: T0.toISOString() });
    expect(first.note).toBe(`latest scan unreachable: using data from ${T0.toISOString()}, nothing to compare with`);
    const before = earlier(good, (p) => void p.nodes.pop());
    const compared = drift(view(good, failed, before));
    expect(compared).toMatchObject({ from: before.takenAt, nodes: { added: ["n3"], removed: [] } });
    expect(compared.note).toBe(`latest scan unreachable: using data from ${T0.toISOString()}, compared with ${before.takenAt}`);
    const stopped = snapshot("a", { takenAt: LATER.toISOString() }, "stopped");
    expect(drift(view(good, stopped)).note).toMatch(/^stopped in ARM, not scanned: using data from /);
  });
});

describe("health section", () => {
  it("gives the CNS view per cluster and node, problems first", () => {
    const s = healthy("a", 4);
    s.cns.pods[1] = cnsPod("n2", { ready: false, reason: "CrashLoopBackOff", restarts: 9, lastTerminationReason: "Error" });
    s.cns.pods = s.cns.pods.filter((p) => p.node !== "n3");
    s.nncs = s.nncs.filter((n) => n.name !== "n4");
    s.cns.pods[2] = cnsPod("n4", { ready: false });
    s.cns.daemonset!.ready = 2;
    s.cns.metrics = [{ pod: "azure-cns-n4", node: "n4", values: { nnc_has_nodenetworkconfig: 0 } }];
    s.cns.metricsScope = { budget: 10, selected: 3, scraped: 1, failed: 0 };
    // A Windows node runs no azure-cns pod: its row is "not-needed".
    s.nodes.push(node("w1", { labels: { "kubernetes.io/os": "windows" } }));
    s.nncs.push(nnc("w1"));
    const prev = earlier(s, (p) => (p.cns.pods[1]!.restarts = 2));
    const all = clusterHealth(view(s, s, prev));
    const h = evaluate({ scanId: "s", now: T0, views: [view(s, s, prev)] }).sections!.health!.clusters[0]!;
    expect(h).toMatchObject({
      cluster: "a",
      status: "ok",
      mode: "vnetblock",
      version: "v1.6.25",
      daemonset: { desired: 4, ready: 2 },
      pods: { total: 3, ready: 1, notReady: 2, crashLooping: 1, restarts: 9 },
      nodes: { total: 5, withoutCnsPod: 1, withoutNnc: 1 },
      metrics: { budget: 10, scraped: 1 },
    });
    // Every row when built; the evaluation keeps the problems, with their details, and counts the rest.
    expect(all.nodeRows.map((r) => [r.node, r.status])).toEqual([
      ["n2", "crashloop"],
      ["n3", "missing"],
      ["n4", "not-ready"],
      ["w1", "not-needed"],
      ["n1", "ok"],
    ]);
    expect(h.nodeRows).toEqual(all.nodeRows.slice(0, 3));
    expect(h.nodeRowsOmitted).toBe(2);
    expect(h.nodeRows[0]).toMatchObject({ restarts: 9, restartsDelta: 7, lastTerminationReason: "Error", reason: "CrashLoopBackOff" });
    expect(h.nodeRows[2]!.metrics).toEqual({ nnc_has_nodenetworkconfig: 0 });
  });

  it("shows azure-cns-win beside azure-cns, and Windows nodes by their own DaemonSet's pod", () => {
    const s = withWindows(healthy("a", 1), 4);
    s.cns.daemonset!.images = [];
    s.cns.windowsDaemonset!.ready = 1;
    s.cns.pods = s.cns.pods.filter((p) => p.node !== "w2");
    s.cns.pods[1] = winPod("w1", { ready: false, reason: "CrashLoopBackOff", restarts: 4 });
    s.cns.pods.push(cnsPod("w2"));
    const h = clusterHealth(view(s));
    // The version is azure-cns's, even where more pods run azure-cns-win's image.
    expect(h).toMatchObject({ version: "v1.6.25", images: { "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25": 2 }, windowsDaemonset: { desired: 4, ready: 1, images: [WIN_IMAGE] } });
    expect(h.pods).toMatchObject({ total: 5, crashLooping: 1 });
    expect(h.nodeRows.map((r) => [r.node, r.status, r.pod])).toEqual([
      ["w1", "crashloop", "azure-cns-win-w1"],
      // A Linux pod serves nothing on a Windows node.
      ["w2", "missing", null],
      ["n1", "ok", "azure-cns-n1"],
      ["w3", "ok", "azure-cns-win-w3"],
      ["w4", "ok", "azure-cns-win-w4"],
    ]);
    expect(h.nodes.withoutCnsPod).toBe(1);
    // A snapshot that did not read azure-cns-win says nothing about it.
    delete s.cns.windowsDaemonset;
    expect("windowsDaemonset" in clusterHealth(view(s))).toBe(false);
    expect(clusterHealth(view(s)).nodeRows.find((r) => r.node === "w2")!.status).toBe("not-needed");
  });

  it("shows a CNS pod on a node whose OS maps to no DaemonSet in that node's row, not nowhere", () => {
    const s = healthy("a", 1);
    s.nodes.push(node("vk", { labels: { "kubernetes.io/os": "linux", type: "virtual-kubelet" } }), node("bsd", { labels: { "kubernetes.io/os": "freebsd" } }));
    s.nncs.push(nnc("vk"), nnc("bsd"));
    s.cns.pods.push(cnsPod("vk", { ready: false, reason: "CrashLoopBackOff", restarts: 3 }), winPod("bsd"));
    const h = clusterHealth(view(s));
    expect(h.pods).toMatchObject({ total: 3, notReady: 1 });
    const pods = new Map(h.nodeRows.map((r) => [r.node, r.pod]));
    expect(pods).toEqual(new Map([["n1", "azure-cns-n1"], ["vk", "azure-cns-vk"], ["bsd", "azure-cns-win-bsd"]]));
    expect(h.nodeRows.find((r) => r.node === "vk")!.status).toBe("crashloop");
  });

  it("shows a CNS pod on a node the node list no longer holds (deleted between the lists) in a row of its own", () => {
    const s = healthy("a", 2);
    s.nodes = s.nodes.filter((n) => n.name !== "n2");
    s.cns.pods[1] = { ...s.cns.pods[1]!, ready: false, reason: "CrashLoopBackOff", restarts: 4 };
    const h = clusterHealth(view(s));
    expect(h.pods).toMatchObject({ total: 2, notReady: 1 });
    expect(h.nodeRows.map((r) => [r.node, r.pod, r.status]).sort()).toEqual([
      ["n1", "azure-cns-n1", "ok"],
      ["n2 (not listed)", "azure-cns-n2", "crashloop"],
    ]);
  });

  it("does not count virtual-kubelet nodes as nodes without an NNC (as NNC001 does not)", () => {
    const s = healthy("a", 2);
    s.nodes.push(node("virtual-node-aci-linux", { labels: { "kubernetes.io/os": "linux", type: "virtual-kubelet" } }));
    expect(clusterHealth(view(s)).nodes).toMatchObject({ total: 3, withoutNnc: 0 });
  });

  it("stores a healthy cluster's health without node rows, counting them", () => {
    const h = evaluate({ scanId: "s", now: T0, views: [view(healthy("a", 3))] }).sections!.health!.clusters[0]!;
    expect(h.nodeRows).toEqual([]);
    expect(h.nodeRowsOmitted).toBe(3);
    expect(h.nodes.total).toBe(3);
  });

  it("says whose data a cluster's health is: the latest scan's, the last good snapshot's, or none", () => {
    const failed = (name: string) => snapshot(name, { takenAt: LATER.toISOString() }, "unreachable");
    const h = evaluate({ scanId: "s", now: LATER, views: [view(healthy("ok")), view(healthy("stale"), failed("stale")), view(failed("never"))] }).sections!.health!.clusters;
    expect(h.map((c) => [c.cluster, c.status, c.lastOkAt, c.takenAt])).toEqual([
      ["never", "unreachable", null, LATER.toISOString()],
      ["ok", "ok", T0.toISOString(), T0.toISOString()],
      ["stale", "unreachable", T0.toISOString(), T0.toISOString()],
    ]);
  });
});

describe("compliance section", () => {
  it("marks every cluster × rule pass, fail, waived or not applicable, and scores clusters", () => {
    const ok = healthy("ok");
    const sick = healthy("sick");
    sick.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", restarts: 7 });
    const waived = healthy("waived");
    waived.cns.pods[0]!.image = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24";
    const down = snapshot("down", {}, "unreachable");
    const e = evaluate({ scanId: "s", now: T0, views: [view(ok), view(sick), view(waived, waived, earlier(waived)), view(down)], policy: { waivers: [{ cluster: "waived", rule: "CNS005", reason: "canary", expires: "2027-01-01" }] } });
    const c = e.sections!.compliance!;
    const of = (cluster: string, rule: string) => c.clusters.find((x) => x.cluster === cluster)!.results.find((r) => r.rule === rule)!;
    expect(of("ok", "CNS002")).toEqual({ rule: "CNS002", status: "pass", findings: 0 });
    expect(of("sick", "CNS002")).toEqual({ rule: "CNS002", status: "fail", severity: "critical", findings: 1 });
    expect(of("waived", "CNS005")).toEqual({ rule: "CNS005", status: "waived", severity: "warning", findings: 1 });
    // Rules about a mode or about ARM data do not "pass" where they never looked (ok is vnetblock, without ARM).
    expect(of("ok", "DRF004")).toMatchObject({ status: "not-applicable", reason: "not an overlay cluster" });
    expect(of("ok", "IPX005")).toMatchObject({ status: "not-applicable", reason: "not an overlay cluster" });
    expect(of("ok", "IPX003")).toMatchObject({ status: "not-applicable", reason: "no ARM agent-pool data" });
    // Its NCs name no subnet (the fixture has none): nothing to forecast is no pass either.
    expect(of("ok", "IPX004")).toMatchObject({ status: "not-applicable", reason: "no forecast: none of its NCs is on a pod subnet the accounting could place" });
    expect(of("ok", "IPX006")).toMatchObject({ status: "not-applicable", reason: "no dynamic-mode NNCs" });
    expect(of("ok", "NNC008")).toMatchObject({ status: "not-applicable", reason: "no dynamic-mode NNCs" });
    expect(of("down", "CNS001")).toMatchObject({ status: "not-applicable", reason: "no good snapshot" });
    expect(of("down", "SCN001")).toMatchObject({ status: "fail", severity: "critical" });

    const score = (cluster: string) => c.clusters.find((x) => x.cluster === cluster)!;
    expect(score("ok")).toMatchObject({ score: 100, grade: "A" });
    // CNS002 critical (−25) and CNS003 warning (−10); CNS005 waived costs nothing.
    expect(score("sick")).toMatchObject({ score: 65, grade: "D" });
    expect(score("waived")).toMatchObject({ score: 100, grade: "A" });
    // Never read: only the SCN rules judged it (its scan failed), so there is nothing to grade.
    expect(score("down")).toMatchObject({ score: null, grade: null, counts: expect.objectContaining({ fail: 1 }) });
    expect(c.totals).toMatchObject({ clusters: 4, failingClusters: 2, ungraded: 1, averageScore: 88.3, grades: { A: 2, B: 0, C: 0, D: 1, F: 0 } });
    expect(c.totals.counts.pass + c.totals.counts.fail + c.totals.counts.waived + c.totals.counts["not-applicable"]).toBe(4 * c.rules.length);
  });

  it("grades only clusters it has data to judge: not one that is not CNS or never read, yes one read before", () => {
    const LATER = new Date(T0.getTime() + 3_600_000);
    const knet = snapshot("knet", {}, "not-cns");
    const stale = view(healthy("stale"), snapshot("stale", { takenAt: LATER.toISOString() }, "unreachable"));
    const c = evaluate({ scanId: "s", now: LATER, views: [view(knet), stale, view(healthy("ok"))] }).sections!.compliance!;
    const row = (cluster: string) => c.clusters.find((x) => x.cluster === cluster)!;
    expect(row("knet").results.find((r) => r.rule === "CNS001")).toMatchObject({ status: "not-applicable", reason: "not a CNS-managed cluster" });
    expect(row("knet")).toMatchObject({ score: null, grade: null });
    // Judged on its last good snapshot, the failed scan (SCN001) counted against it.
    expect(row("stale").results.find((r) => r.rule === "SCN001")).toMatchObject({ status: "fail" });
    expect(row("stale").score).toBeLessThanOrEqual(75);
    expect(row("stale").grade).not.toBeNull();
    expect(c.totals).toMatchObject({ clusters: 3, ungraded: 1, averageScore: (row("stale").score! + row("ok").score!) / 2 });
  });

  it("counts a finding about several clusters against each of them", () => {
    const shared = defineRule({ id: "IPX999", title: "shared", family: "IPX", severity: "warning", description: "d", remediation: "r" }, function* () {
      yield { severity: "warning", cluster: "a", clusters: ["a", "b"], resource: "subnet/10.40.0.0/13", message: "m" };
    });
    const e = evaluate({ scanId: "s", now: T0, views: [view(healthy("a")), view(healthy("b"))], rules: [shared] });
    expect(e.sections!.compliance!.clusters.map((c) => [c.cluster, c.results[0]!.status, c.score])).toEqual([
      ["a", "fail", 90],
      ["b", "fail", 90],
    ]);
  });

  it("grades on fixed steps", () => {
    expect([100, 90, 89, 80, 70, 60, 59, 0].map(grade)).toEqual(["A", "A", "B", "B", "C", "D", "F", "F"]);
  });
});
