// CNS001–CNS005 on Windows nodes: azure-cns-win judged like azure-cns, as findings of its own, while
// the Linux findings keep their IDs; snapshots that never read azure-cns-win are judged as before.
import { describe, expect, it } from "vitest";
import cns001 from "../../src/rules/cns/cns001-daemonset-not-converged.js";
import cns002 from "../../src/rules/cns/cns002-pod-not-ready.js";
import cns003 from "../../src/rules/cns/cns003-restarts.js";
import cns004 from "../../src/rules/cns/cns004-node-without-cns.js";
import cns005 from "../../src/rules/cns/cns005-image-skew.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import type { Rule } from "../../src/rules/rule.js";
import { context, nnc, node, view } from "../fixtures/builders.js";
import { cnsPod, earlier, healthy, IMAGE, WIN_IMAGE, winPod, withWindows } from "./cns-fixtures.js";

const run = (rule: Rule, ...views: ReturnType<typeof view>[]) => [...rule.check(context(views))];
const ids = (s: ClusterSnapshot, previous?: ClusterSnapshot) =>
  evaluate({ scanId: "s", now: new Date(s.takenAt), views: [view(s, s, previous)] }).findings.map((f) => [f.rule, f.resource, f.id]);
/** The IDs these Linux findings had before azure-cns-win was judged: alerts and waivers keyed on them must still match. */
const LINUX_IDS = { CNS001: "CNS001-55eb2d1d666d0e1df29b", CNS005: "CNS005-ea0f0dd681d86baf0f95" };

it("a healthy Windows pool, on another CNS release than the Linux nodes, trips no CNS rule", () => {
  const s = withWindows(healthy("a"));
  for (const rule of [cns001, cns002, cns003, cns004, cns005]) expect(run(rule, view(s, s, earlier(s))), rule.meta.id).toEqual([]);
});

describe("CNS001 azure-cns-win not converged", () => {
  it("is its own finding beside azure-cns's, which keeps its ID", () => {
    const s = withWindows(healthy("a"));
    s.cns.windowsDaemonset!.ready = 1;
    expect(run(cns001, view(s))).toEqual([
      expect.objectContaining({ severity: "critical", resource: "daemonset/azure-cns-win", message: expect.stringMatching(/^DaemonSet azure-cns-win has not converged: 1 of 2 pods Ready\. Windows nodes without/) }),
    ]);
    s.cns.daemonset!.ready = 2;
    expect(ids(s)).toEqual(expect.arrayContaining([["CNS001", "daemonset/azure-cns", LINUX_IDS.CNS001], ["CNS001", "daemonset/azure-cns-win", expect.not.stringMatching(LINUX_IDS.CNS001)]]));
  });

  it("flags a Windows rollout that has not moved since the previous scan, judged against azure-cns-win's previous state", () => {
    const s = withWindows(healthy("a"), 3);
    Object.assign(s.cns.windowsDaemonset!, { updated: 1, generation: 2 });
    const stuck = earlier(s);
    expect(run(cns001, view(s, s, stuck))).toEqual([expect.objectContaining({ resource: "daemonset/azure-cns-win", message: expect.stringContaining("1 of 3 pods on the current template") })]);
    const moving = earlier(s, (p) => void (p.cns.windowsDaemonset!.updated = 0));
    expect(run(cns001, view(s, s, moving))).toEqual([]);
  });

  it("does not count a Windows node younger than the grace, nor Linux nodes' pods, as settling for azure-cns-win", () => {
    const s = withWindows(healthy("a"));
    const fresh = new Date(Date.parse(s.takenAt) - 30_000).toISOString();
    s.nodes.push(node("w3", { createdAt: fresh, labels: { "kubernetes.io/os": "windows" } }));
    Object.assign(s.cns.windowsDaemonset!, { desired: 3, current: 3, updated: 3 });
    expect(run(cns001, view(s))).toEqual([]);
    // A young Linux node does not excuse an unready Windows pod.
    s.nodes.pop();
    s.nodes.push(node("n4", { createdAt: fresh }));
    expect(run(cns001, view(s))).toEqual([expect.objectContaining({ resource: "daemonset/azure-cns-win", message: expect.stringContaining("2 of 3 pods Ready") })]);
  });

  it("flags a missing azure-cns-win where Windows nodes have NNCs, and says nothing where it was not read", () => {
    const s = withWindows(healthy("a"));
    s.cns.windowsDaemonset = null;
    s.cns.pods = s.cns.pods.filter((p) => !p.daemonset);
    expect(run(cns001, view(s))).toEqual([
      expect.objectContaining({ severity: "critical", resource: "daemonset/azure-cns-win", message: expect.stringContaining("azure-cns-win is missing, yet 2 Windows node(s) have a NodeNetworkConfig") }),
    ]);
    s.nncs = s.nncs.filter((n) => !n.name.startsWith("w"));
    expect(run(cns001, view(s))).toEqual([]);
    // Not read (an older snapshot): Windows nodes with NNCs and no Windows pods, yet nothing to say.
    const unread = withWindows(healthy("b"));
    delete unread.cns.windowsDaemonset;
    unread.cns.pods = unread.cns.pods.filter((p) => !p.daemonset);
    expect(unread.nncs.filter((n) => n.name.startsWith("w"))).toHaveLength(2);
    expect(run(cns001, view(unread))).toEqual([]);
  });
});

describe("CNS002 and CNS003 on azure-cns-win pods", () => {
  it("CNS002 names the Windows DaemonSet of a crash-looping pod", () => {
    const s = withWindows(healthy("a"));
    s.cns.pods[4] = winPod("w2", { ready: false, reason: "CrashLoopBackOff", restarts: 8, lastTerminationReason: "Error" });
    expect(run(cns002, view(s))).toEqual([
      expect.objectContaining({ resource: "pod/azure-cns-win-w2", message: expect.stringMatching(/^azure-cns-win pod azure-cns-win-w2 on w2 is in CrashLoopBackOff/), data: expect.objectContaining({ daemonset: "azure-cns-win" }) }),
    ]);
  });
  it("CNS003 counts a Windows pod's restarts, and says whose pod it is", () => {
    const s = withWindows(healthy("a"));
    s.cns.pods[3]!.restarts = 3;
    const prev = earlier(s, (p) => void (p.cns.pods[3]!.restarts = 1));
    expect(run(cns003, view(s, s, prev))).toEqual([expect.objectContaining({ resource: "pod/azure-cns-win-w1", data: expect.objectContaining({ restartsSincePrevious: 2, daemonset: "azure-cns-win" }) })]);
  });
});

describe("CNS004 Windows node without an azure-cns-win pod", () => {
  it("flags a schedulable Windows node with no azure-cns-win pod, and a Linux pod there does not count", () => {
    const s = withWindows(healthy("a"));
    s.cns.pods = s.cns.pods.filter((p) => p.node !== "w2");
    expect(run(cns004, view(s))).toEqual([expect.objectContaining({ severity: "critical", resource: "node/w2", message: expect.stringContaining("runs no azure-cns-win pod") })]);
    s.cns.pods.push(cnsPod("w2"));
    expect(run(cns004, view(s))).toEqual([expect.objectContaining({ resource: "node/w2" })]);
  });

  it("does not count a Windows pod on a Linux node, and keeps the Linux finding's ID", () => {
    const s = withWindows(healthy("a"));
    s.cns.pods = s.cns.pods.filter((p) => p.node !== "n3");
    s.cns.pods.push(winPod("n3"));
    expect(run(cns004, view(s))).toEqual([expect.objectContaining({ resource: "node/n3", message: expect.stringContaining("runs no azure-cns pod") })]);
    expect(ids(s)).toEqual([["CNS004", "node/n3", "CNS004-d52c22ff3fb258930028"]]);
  });

  it("without azure-cns-win, leaves the Windows nodes to CNS001's one finding, as without azure-cns the Linux ones; without azure-cns, still the Windows nodes", () => {
    const s = withWindows(healthy("a"), 3);
    s.cns.windowsDaemonset = null;
    s.cns.pods = s.cns.pods.filter((p) => !p.daemonset);
    expect(run(cns004, view(s))).toEqual([]);
    expect(run(cns001, view(s)).map((f) => f.resource)).toEqual(["daemonset/azure-cns-win"]);
    const noLinuxDs = withWindows(healthy("b"));
    noLinuxDs.cns.daemonset = null;
    noLinuxDs.cns.pods = noLinuxDs.cns.pods.filter((p) => p.node !== "n1" && p.node !== "w1");
    expect(run(cns004, view(noLinuxDs)).map((f) => f.resource)).toEqual(["node/w1"]);
  });

  it("judges Windows nodes only in snapshots that read azure-cns-win: not in one stored before it was", () => {
    const s = healthy("a");
    s.nodes.push(node("w1", { labels: { "kubernetes.io/os": "windows" } }));
    s.nncs.push(nnc("w1", { networkContainers: s.nncs[0]!.networkContainers }));
    const stored = JSON.parse(JSON.stringify(s)) as ClusterSnapshot;
    expect("windowsDaemonset" in stored.cns).toBe(false);
    expect(ids(stored, earlier(stored))).toEqual([]);
    s.cns.windowsDaemonset = { name: "azure-cns-win", desired: 0, current: 0, ready: 0, updated: 0, available: 0, misscheduled: 0, images: [WIN_IMAGE] };
    expect(ids(s, earlier(s))).toEqual([["CNS004", "node/w1", expect.any(String)]]);
  });
});

describe("CNS005 image skew per DaemonSet", () => {
  it("does not call a Windows image beside a Linux one skew", () => {
    const s = withWindows(healthy("a"));
    expect(new Set(s.cns.pods.map((p) => p.image))).toEqual(new Set([IMAGE, WIN_IMAGE]));
    expect(run(cns005, view(s, s, earlier(s)))).toEqual([]);
  });

  it("flags a stalled Windows rollout as azure-cns-win's, and a stalled Linux one under its old ID", () => {
    const NEXT = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.27";
    const s = withWindows(healthy("a"), 3);
    s.cns.windowsDaemonset!.images = [NEXT];
    s.cns.pods.find((p) => p.node === "w1")!.image = NEXT;
    const [f] = run(cns005, view(s, s, earlier(s)));
    expect(f).toMatchObject({ resource: "daemonset/azure-cns-win", message: expect.stringMatching(/^2 azure-cns-win images in one cluster: azure-cns:v1.6.26 on 2 pod\(s\), azure-cns:v1.6.27 on 1 pod\(s\) \(template\)/) });
    s.cns.pods[0]!.image = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24";
    expect(ids(s, earlier(s)).filter(([rule]) => rule === "CNS005")).toEqual([
      ["CNS005", "daemonset/azure-cns", LINUX_IDS.CNS005],
      ["CNS005", "daemonset/azure-cns-win", expect.any(String)],
    ]);
  });

  it("does not call a Windows split stalled against a scan that never read azure-cns-win", () => {
    const s = withWindows(healthy("a"), 3);
    s.cns.pods.find((p) => p.node === "w1")!.image = IMAGE;
    const before = earlier(s, (p) => {
      delete p.cns.windowsDaemonset;
      p.cns.pods = p.cns.pods.filter((q) => !q.daemonset);
    });
    expect(run(cns005, view(s, s, before))).toEqual([]);
    expect(run(cns005, view(s, s, earlier(s)))).toEqual([expect.objectContaining({ resource: "daemonset/azure-cns-win" })]);
  });
});
