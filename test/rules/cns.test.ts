// CNS001–CNS005: each trips on its problem and stays quiet on the near miss.
import { describe, expect, it } from "vitest";
import cns001 from "../../src/rules/cns/cns001-daemonset-not-converged.js";
import cns002 from "../../src/rules/cns/cns002-pod-not-ready.js";
import cns003 from "../../src/rules/cns/cns003-restarts.js";
import cns004 from "../../src/rules/cns/cns004-node-without-cns.js";
import cns005 from "../../src/rules/cns/cns005-image-skew.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { ClusterSnapshot, CnsPodMetrics } from "../../src/model/snapshot.js";
import type { Rule } from "../../src/rules/rule.js";
import { context, node, snapshot, view } from "../fixtures/builders.js";
import { cnsPod, earlier, healthy, IMAGE } from "./cns-fixtures.js";

const run = (rule: Rule, ...views: ReturnType<typeof view>[]) => [...rule.check(context(views))];

describe("a healthy cluster trips no CNS rule", () => {
  it.each([cns001, cns002, cns003, cns004, cns005].map((r) => [r.meta.id, r] as const))("%s", (_id, rule) => {
    const s = healthy("a");
    expect(run(rule, view(s, s, earlier(s)))).toEqual([]);
  });
  it("and a cluster without CNS trips none either", () => {
    const legacy = snapshot("legacy", { nodes: [node("x")] });
    for (const r of [cns001, cns002, cns003, cns004, cns005]) expect(run(r, view(legacy))).toEqual([]);
  });
});

describe("CNS001 DaemonSet not converged", () => {
  it("flags fewer Ready than desired, with the numbers", () => {
    const s = healthy("a");
    s.cns.daemonset!.ready = 2;
    expect(run(cns001, view(s))).toEqual([expect.objectContaining({ severity: "critical", resource: "daemonset/azure-cns", message: expect.stringContaining("2 of 3 pods Ready") })]);
  });
  it("flags a rollout that has not moved since the previous scan, and a generation unobserved in both", () => {
    const s = healthy("a");
    s.cns.daemonset!.updated = 1;
    s.cns.daemonset!.generation = 4;
    s.cns.daemonset!.observedGeneration = 3;
    const prev = earlier(s);
    const [f] = run(cns001, view(s, s, prev));
    expect(f!.message).toMatch(new RegExp(`1 of 3 pods on the current template, none replaced since ${prev.takenAt} \\(rollout stuck\\).*generation 4 not observed since`));
    // Without an earlier scan to compare with, whether it moves is unknown: no finding yet.
    expect(run(cns001, view(s))).toEqual([]);
  });
  it("stays quiet while a rollout moves between scans (2 then 6 of 10 updated, one pod being replaced)", () => {
    const s = healthy("a", 10);
    const NEW = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26";
    s.cns.daemonset!.images = [NEW];
    s.cns.daemonset!.updated = 6;
    s.cns.daemonset!.ready = 9;
    s.cns.pods.forEach((p, i) => { if (i < 6) p.image = NEW; });
    const prev = earlier(s, (p) => { p.cns.daemonset!.updated = 2; });
    expect(run(cns001, view(s, s, prev))).toEqual([]);
    // The same 6 an hour later: stuck.
    const stuck = earlier(s, (p) => { p.cns.daemonset!.updated = 6; });
    expect(run(cns001, view(s, s, stuck))).toEqual([expect.objectContaining({ severity: "critical", message: expect.stringMatching(/9 of 10 pods Ready; 6 of 10 pods on the current template.*rollout stuck/) })]);
    // Stuck still when two nodes joined meanwhile: their pods came on the current template, none was replaced.
    const grown = healthy("a", 12);
    Object.assign(grown.cns.daemonset!, { images: [NEW], updated: 8, ready: 11 });
    expect(run(cns001, view(grown, grown, stuck))).toEqual([expect.objectContaining({ message: expect.stringMatching(/11 of 12 pods Ready; 8 of 12 pods on the current template, none replaced since .*rollout stuck/) })]);
  });
  it("does not take a scale-out for a rollout: a crash-looping pod stays flagged when nodes join", () => {
    const prev = earlier(healthy("a", 5), (p) => {
      p.cns.daemonset!.ready = 4;
      p.cns.pods[4] = cnsPod("n5", { ready: false, reason: "CrashLoopBackOff", restarts: 30 });
    });
    expect(run(cns001, view(prev))).toEqual([expect.objectContaining({ message: expect.stringContaining("4 of 5 pods Ready") })]);
    // Three nodes join: updatedNumberScheduled grows with desired, yet no pod was replaced.
    const s = healthy("a", 8);
    Object.assign(s.cns.daemonset!, { ready: 7, available: 7 });
    s.cns.pods[4] = structuredClone(prev.cns.pods[4]!);
    expect(run(cns001, view(s, s, prev))).toEqual([expect.objectContaining({ severity: "critical", message: expect.stringContaining("7 of 8 pods Ready") })]);
  });
  it("does not excuse a failing pod while a rollout moves", () => {
    const s = healthy("a", 10);
    Object.assign(s.cns.daemonset!, { updated: 6, ready: 9 });
    s.cns.pods[7] = cnsPod("n8", { ready: false, reason: "ImagePullBackOff" });
    const prev = earlier(s, (p) => { p.cns.daemonset!.updated = 2; });
    expect(run(cns001, view(s, s, prev))).toEqual([expect.objectContaining({ message: expect.stringContaining("9 of 10 pods Ready") })]);
    // The same rollout with the pod merely not Ready yet: its churn, excused.
    s.cns.pods[7] = cnsPod("n8", { ready: false });
    expect(run(cns001, view(s, s, prev))).toEqual([]);
  });
  it("judges a rollout only against a scan at least the grace old, and of the same template", () => {
    const s = healthy("a");
    s.cns.daemonset!.updated = 1;
    const recent = earlier(s, (p) => (p.takenAt = new Date(Date.parse(s.takenAt) - 60_000).toISOString()));
    expect(run(cns001, view(s, s, recent))).toEqual([]);
    const otherTemplate = earlier(s, (p) => { p.cns.daemonset!.images = ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.24"]; p.cns.daemonset!.updated = 3; });
    expect(run(cns001, view(s, s, otherTemplate))).toEqual([]);
  });
  it("does not count nodes or pods younger than the grace as not Ready (scale-out, pod replaced)", () => {
    const s = healthy("a", 3);
    const fresh = new Date(Date.parse(s.takenAt) - 30_000).toISOString();
    s.nodes.push(node("n4", { createdAt: fresh, ready: false }));
    Object.assign(s.cns.daemonset!, { desired: 4, current: 4, updated: 4 }); // ready stays 3
    s.cns.pods.push(cnsPod("n4", { ready: false, createdAt: fresh }));
    expect(run(cns001, view(s))).toEqual([]);
    s.cns.pods[3] = cnsPod("n4", { ready: false }); // its pod is old, so the node too
    s.nodes[3]!.createdAt = "2026-11-01T00:00:00Z";
    expect(run(cns001, view(s))).toEqual([expect.objectContaining({ message: expect.stringContaining("3 of 4 pods Ready") })]);
    s.cns.pods[3] = cnsPod("n4", { ready: false, deletionTimestamp: fresh }); // being replaced
    expect(run(cns001, view(s))).toEqual([]);
    s.cns.pods[3] = cnsPod("n4", { ready: false, createdAt: fresh, reason: "CrashLoopBackOff" }); // young, but failing
    expect(run(cns001, view(s))).toHaveLength(1);
  });
  it("flags a missing DaemonSet in a cluster with NNCs", () => {
    const s = healthy("a");
    s.cns.daemonset = null;
    expect(run(cns001, view(s))).toEqual([expect.objectContaining({ message: expect.stringContaining("missing, yet the cluster has 3 NodeNetworkConfig") })]);
  });
  it("tolerates unready pods up to the policy threshold", () => {
    const s = healthy("a");
    s.cns.daemonset!.ready = 2;
    expect([...cns001.check(context([view(s)], { policy: { thresholds: { CNS001: { toleratedUnready: 1 } } } }))]).toEqual([]);
    expect([...cns001.check(context([view(s)], { policy: { overrides: [{ cluster: "other", thresholds: { CNS001: { toleratedUnready: 1 } } }] } }))]).toHaveLength(1);
    expect([...cns001.check(context([view(s)], { policy: { overrides: [{ cluster: "a*", thresholds: { CNS001: { toleratedUnready: 1 } } }] } }))]).toEqual([]);
  });
});

describe("CNS002 pod not Ready", () => {
  it.each([
    ["CrashLoopBackOff", { reason: "CrashLoopBackOff", ready: false, restarts: 7, lastTerminationReason: "Error" }, /CrashLoopBackOff.*last exit: Error; 7 restarts/],
    ["Init:CrashLoopBackOff", { initReason: "Init:CrashLoopBackOff", ready: false, phase: "Pending" }, /init container/],
    ["Pending", { phase: "Pending", ready: false }, /is Pending/],
    ["not Ready", { ready: false }, /Running but not Ready/],
    ["Init:Error", { initReason: "Init:Error", reason: "PodInitializing", ready: false, phase: "Pending" }, /cannot finish its init container \(Init:Error\)/],
    ["Init:CreateContainerConfigError", { initReason: "Init:CreateContainerConfigError", ready: false, phase: "Pending" }, /init container \(Init:CreateContainerConfigError\)(?!.*CrashLoopBackOff)/],
    ["OOMKilled", { reason: "OOMKilled", ready: false, restarts: 6 }, /is not running: cns-container OOMKilled/],
    ["ImagePullBackOff", { reason: "ImagePullBackOff", ready: false, restarts: 1 }, /is not running: cns-container ImagePullBackOff/],
  ])("flags %s", (_name, over, message) => {
    const s = healthy("a");
    s.cns.pods[1] = cnsPod("n2", over);
    expect(run(cns002, view(s))).toEqual([expect.objectContaining({ severity: "critical", resource: "pod/azure-cns-n2", message: expect.stringMatching(message) })]);
  });
  it("says why from the pod's metrics: no NNC, reconciler start failures", () => {
    const s = healthy("a");
    s.cns.pods[0] = cnsPod("n1", { ready: false });
    s.cns.metrics = [{ pod: "azure-cns-n1", node: "n1", values: { nnc_has_nodenetworkconfig: 0, cns_nnc_reconciler_start_failures_total: 3 } }];
    expect(run(cns002, view(s))[0]!.message).toContain("no NodeNetworkConfig (nnc_has_nodenetworkconfig=0, 3 reconciler start failures)");
  });
  it("gives a just-created pod time to become Ready, but not a crash loop; ignores terminating pods", () => {
    const s = healthy("a");
    const justNow = new Date(Date.parse(s.takenAt) - 30_000).toISOString();
    s.cns.pods[0] = cnsPod("n1", { ready: false, createdAt: justNow });
    s.cns.pods[1] = cnsPod("n2", { ready: false, deletionTimestamp: justNow });
    expect(run(cns002, view(s))).toEqual([]);
    s.cns.pods[0] = cnsPod("n1", { ready: false, reason: "CrashLoopBackOff", createdAt: justNow });
    expect(run(cns002, view(s))).toHaveLength(1);
    // A failed init container is no start-up either (kubectl: Init:Error).
    s.cns.pods[0] = cnsPod("n1", { ready: false, phase: "Pending", initReason: "Init:Error", reason: "PodInitializing", createdAt: justNow });
    expect(run(cns002, view(s))).toEqual([expect.objectContaining({ data: expect.objectContaining({ reason: "Init:Error" }) })]);
  });
  it("warns about IPs PendingProgramming across two scans, not in one", () => {
    const s = healthy("a");
    s.cns.metrics = [{ pod: "azure-cns-n1", node: "n1", values: { cx_ipam_pending_programming_ips: 4, 'sync_host_nc_version_total{ok="false"}': 12 } }];
    expect(run(cns002, view(s, s, earlier(s, (p) => (p.cns.metrics = []))))).toEqual([]);
    const prev = earlier(s, (p) => (p.cns.metrics = [{ pod: "azure-cns-n1", values: { cx_ipam_pending_programming_ips: 2 } }]));
    expect(run(cns002, view(s, s, prev))).toEqual([
      expect.objectContaining({ severity: "warning", discriminator: "pending-programming", message: expect.stringContaining("2 then 4 PendingProgramming; 12 failed NC version syncs") }),
    ]);
  });
});

describe("CNS002 PendingProgramming when the metrics sample rotates", () => {
  const lag = (e: ReturnType<typeof evaluate>) => e.findings.filter((f) => f.discriminator === "pending-programming");
  const scan = (s: ClusterSnapshot, minutes: number, metrics: CnsPodMetrics[]): ClusterSnapshot => {
    const n = structuredClone(s);
    n.takenAt = new Date(Date.parse(s.takenAt) + minutes * 60_000).toISOString();
    n.cns.metrics = metrics;
    return n;
  };
  it("keeps the finding while the pod is not scraped, and judges it again once it is", () => {
    const s1 = healthy("a");
    s1.cns.metrics = [{ pod: "azure-cns-n1", node: "n1", values: { cx_ipam_pending_programming_ips: 4 } }];
    const s0 = earlier(s1);
    const e1 = evaluate({ scanId: "s1", now: new Date(s1.takenAt), views: [view(s1, s1, s0)] });
    expect(lag(e1)).toHaveLength(1);
    // n1 is not in the next sample: not a recovery.
    const s2 = scan(s1, 15, [{ pod: "azure-cns-n2", node: "n2", values: { cx_ipam_pending_programming_ips: 0 } }]);
    const e2 = evaluate({ scanId: "s2", now: new Date(s2.takenAt), previous: e1, views: [view(s2, s2, s1)] });
    expect(lag(e2)).toEqual([expect.objectContaining({ id: lag(e1)[0]!.id, firstSeen: lag(e1)[0]!.firstSeen, message: lag(e1)[0]!.message })]);
    expect(e2.resolved).toEqual([]);
    // Scraped again, still pending: the kept finding stands for the scan that skipped it.
    const s3 = scan(s2, 15, [{ pod: "azure-cns-n1", node: "n1", values: { cx_ipam_pending_programming_ips: 3 } }]);
    const e3 = evaluate({ scanId: "s3", now: new Date(s3.takenAt), previous: e2, views: [view(s3, s3, s2)] });
    expect(lag(e3)).toEqual([expect.objectContaining({ message: expect.stringContaining("4 then 3 PendingProgramming") })]);
    // Scraped and programmed: resolved.
    const s4 = scan(s3, 15, [{ pod: "azure-cns-n1", node: "n1", values: { cx_ipam_pending_programming_ips: 0 } }]);
    const e4 = evaluate({ scanId: "s4", now: new Date(s4.takenAt), previous: e3, views: [view(s4, s4, s3)] });
    expect(lag(e4)).toEqual([]);
    expect(e4.resolved.map((f) => f.discriminator)).toEqual(["pending-programming"]);
  });
});

describe("CNS003 restarts", () => {
  it("flags restarts that grew since the previous snapshot", () => {
    const s = healthy("a");
    s.cns.pods[0]!.restarts = 2;
    const prev = earlier(s, (p) => (p.cns.pods[0]!.restarts = 1));
    expect(run(cns003, view(s, s, prev))).toEqual([expect.objectContaining({ severity: "warning", resource: "pod/azure-cns-n1", message: expect.stringContaining("1 restart(s) since"), data: expect.objectContaining({ restartsSincePrevious: 1 }) })]);
  });
  it("flags 5 or more in all, even without history", () => {
    const s = healthy("a");
    s.cns.pods[0]!.restarts = 5;
    expect(run(cns003, view(s))).toHaveLength(1);
  });
  it("stays quiet at 4 unchanged restarts, and for a replaced pod with fewer", () => {
    const s = healthy("a");
    s.cns.pods[0]!.restarts = 4;
    s.cns.pods[1] = cnsPod("n2", { name: "azure-cns-new", restarts: 1 });
    const prev = earlier(s, (p) => (p.cns.pods[1] = cnsPod("n2", { name: "azure-cns-old", restarts: 3 })));
    expect(run(cns003, view(s, s, prev))).toEqual([]);
  });
});

describe("CNS004 node without an azure-cns pod", () => {
  it("flags a schedulable Linux node with no pod", () => {
    const s = healthy("a");
    s.cns.pods = s.cns.pods.filter((p) => p.node !== "n3");
    expect(run(cns004, view(s))).toEqual([expect.objectContaining({ severity: "critical", resource: "node/n3" })]);
  });
  it("counts a pod deleted less than the grace ago as present (rollout: its replacement is not created yet)", () => {
    const s = healthy("a");
    const t = Date.parse(s.takenAt);
    s.cns.pods[2] = cnsPod("n3", { ready: false, deletionTimestamp: new Date(t - 5_000).toISOString() });
    expect(run(cns004, view(s))).toEqual([]);
    s.cns.pods[2]!.deletionTimestamp = new Date(t - 10 * 60_000).toISOString();
    expect(run(cns004, view(s))).toEqual([expect.objectContaining({ resource: "node/n3" })]);
  });
  it("ignores cordoned, Windows, virtual and brand-new nodes, and clusters without the DaemonSet", () => {
    const s = healthy("a", 1);
    const fresh = new Date(Date.parse(s.takenAt) - 60_000).toISOString();
    s.nodes.push(
      node("cordoned", { unschedulable: true }),
      node("win", { labels: { "kubernetes.io/os": "windows" } }),
      node("virtual-node-aci-linux", { labels: { "kubernetes.io/os": "linux", type: "virtual-kubelet" } }),
      node("new", { createdAt: fresh }),
    );
    expect(run(cns004, view(s))).toEqual([]);
    const noDs = healthy("b");
    noDs.cns.daemonset = null;
    noDs.cns.pods = [];
    expect(run(cns004, view(noDs))).toEqual([]);
  });
});

describe("CNS005 image skew", () => {
  const NEW = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26";
  it("flags two images among the pods, split as in the previous scan", () => {
    const s = healthy("a");
    s.cns.pods[2]!.image = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24";
    const prev = earlier(s);
    const [f] = run(cns005, view(s, s, prev));
    expect(f).toMatchObject({ severity: "warning", resource: "daemonset/azure-cns" });
    expect(f!.message).toMatch(/2 azure-cns images.*azure-cns:v1.6.24 on 1 pod\(s\).*azure-cns:v1.6.25 on 2 pod\(s\) \(template\), as at .*A rollout has stalled/);
  });
  it("flags a template that no pod runs yet (rollout not started) in two scans", () => {
    const s = healthy("a");
    s.cns.daemonset!.images = [NEW];
    expect(run(cns005, view(s, s, earlier(s)))).toHaveLength(1);
  });
  it("stays quiet while a rollout moves (2 then 6 of 10 on the new image), and on a first scan", () => {
    const s = healthy("a", 10);
    s.cns.daemonset!.images = [NEW];
    s.cns.daemonset!.updated = 6;
    s.cns.pods.forEach((p, i) => { if (i < 6) p.image = NEW; });
    const prev = earlier(s, (p) => { p.cns.daemonset!.updated = 2; p.cns.pods.forEach((q, i) => { if (i >= 2) q.image = IMAGE; }); });
    expect(run(cns005, view(s, s, prev))).toEqual([]);
    expect(run(cns005, view(s))).toEqual([]);
    // Pods churned (a node replaced) but no more were updated: stalled.
    const scaled = earlier(s, (p) => { p.cns.pods.pop(); });
    expect(run(cns005, view(s, s, scaled))).toHaveLength(1);
  });
  it("does not call a split stalled from a re-scan minutes after the last one", () => {
    const s = healthy("a");
    s.cns.pods[2]!.image = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24";
    const minuteAgo = earlier(s, (p) => void (p.takenAt = new Date(Date.parse(s.takenAt) - 60_000).toISOString()));
    expect(run(cns005, view(s, s, minuteAgo))).toEqual([]);
    const tenAgo = earlier(s, (p) => void (p.takenAt = new Date(Date.parse(s.takenAt) - 10 * 60_000).toISOString()));
    expect(run(cns005, view(s, s, tenAgo))).toHaveLength(1);
  });
  it("ignores digests and images without a tag", () => {
    const s = healthy("a");
    s.cns.pods[0]!.image = `mcr.microsoft.com/containernetworking/azure-cns:v1.6.25@sha256:${"a".repeat(64)}`;
    s.cns.pods[1]!.image = `sha256:${"b".repeat(64)}`;
    expect(run(cns005, view(s, s, earlier(s)))).toEqual([]);
  });
});
