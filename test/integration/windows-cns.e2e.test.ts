// The Windows nodes' CNS end to end: a simulated cluster with a Windows pool whose azure-cns-win breaks
// in each way the CNS rules know, scanned by the real collector over HTTPS and judged by the rules.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { view } from "../fixtures/builders.js";

const WIN_IMAGE = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26";
const NEXT = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.27";
const FLEET: SimClusterSpec[] = [
  {
    name: "win",
    mode: "dynamic",
    nodes: 2,
    windows: { nodes: 3, cnsImage: WIN_IMAGE },
    problems: [
      { kind: "crashLoopCns", node: 0, windows: true, restarts: 6 },
      { kind: "missingCnsPod", node: 2, windows: true },
    ],
  },
  // A healthy Windows pool on another CNS release than its Linux nodes.
  { name: "calm", mode: "overlay", nodes: 2, windows: { nodes: 2, cnsImage: WIN_IMAGE } },
];

let sim: Simulator;
let targets: Map<string, ClusterTarget>;

beforeAll(async () => {
  sim = await startSimulator(FLEET);
  const dir = mkdtempSync(path.join(tmpdir(), "windows-cns-"));
  targets = new Map(discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] }).map((t) => [t.name, t]));
});

afterAll(async () => {
  await sim?.close();
});

const collect = (name: string) => collectCluster(targets.get(name)!, { scanId: "20261128T040000000Z-test", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 });
/** Taken an hour before `s`: long enough that a moving rollout would have moved since. */
const hourBefore = (prev: ClusterSnapshot, s: ClusterSnapshot): ClusterSnapshot => ({ ...prev, takenAt: new Date(Date.parse(s.takenAt) - 3_600_000).toISOString() });
const cnsFindings = (s: ClusterSnapshot, prev: ClusterSnapshot) =>
  evaluate({ scanId: "s", now: new Date(s.takenAt), views: [view(s, s, prev)] })
    .findings.filter((f) => f.rule.startsWith("CNS"))
    .map((f) => [f.rule, f.resource, f.message]);

describe("azure-cns-win through the collector and the rules", () => {
  it("reports a crash-looping Windows CNS pod, a Windows node without one, and azure-cns-win not converged", async () => {
    const prev = await collect("win");
    const s = await collect("win");
    const crashing = s.cns.pods.find((p) => p.node === "aksnpwin000000")!.name;
    expect(crashing).toMatch(/^azure-cns-win-/);
    expect(cnsFindings(s, hourBefore(prev, s)).sort()).toEqual([
      ["CNS001", "daemonset/azure-cns-win", expect.stringContaining("DaemonSet azure-cns-win has not converged: 1 of 2 pods Ready")],
      ["CNS002", `pod/${crashing}`, expect.stringMatching(/^azure-cns-win pod .* on aksnpwin000000 is in CrashLoopBackOff/)],
      ["CNS003", `pod/${crashing}`, expect.stringContaining("6 restarts in all")],
      ["CNS004", "node/aksnpwin000002", expect.stringContaining("runs no azure-cns-win pod")],
    ]);
  });

  it("sees no skew in a Windows pool on another release, and a stalled Windows rollout as azure-cns-win's", async () => {
    const first = await collect("calm");
    expect(cnsFindings(first, hourBefore(first, first))).toEqual([]);
    // A rollout of azure-cns-win that replaced one pod and stopped there.
    const st = sim.cluster("calm").state;
    st.daemonsets.update("azure-cns-win", (d) => void (d.spec!.template!.spec!.containers![0]!.image = NEXT), "kube-system");
    const pod = st.pods.list("kube-system").find((p) => p.spec?.nodeName === "aksnpwin000000")!;
    st.pods.update(pod.metadata.name, (p) => void (p.status!.containerStatuses![0]!.image = NEXT), "kube-system");
    const before = await collect("calm");
    const s = await collect("calm");
    expect(cnsFindings(s, hourBefore(before, s))).toEqual([
      ["CNS005", "daemonset/azure-cns-win", expect.stringMatching(/^2 azure-cns-win images in one cluster: azure-cns:v1\.6\.26 on 1 pod\(s\), azure-cns:v1\.6\.27 on 1 pod\(s\) \(template\)/)],
    ]);
  });
});
