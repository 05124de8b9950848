// A Windows node pool in a simulated cluster: Windows nodes with NNCs, the azure-cns-win DaemonSet and
// its pods, the faults that break them, and the Linux part left exactly as a Linux-only cluster has it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCluster, mutate, startSimAzure, startSimulator, type SimClusterSpec, type Simulator } from "../../src/sim/index.js";
import { clientsFor } from "../helpers/sim-kube.js";

const EPOCH = Date.parse("2026-11-28T04:00:00Z");
const WIN_IMAGE = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26";
const spec = (over: Partial<SimClusterSpec> = {}): SimClusterSpec => ({ name: "w", mode: "dynamic", nodes: 3, windows: { nodes: 2, cnsImage: WIN_IMAGE }, ...over });
const os = (labels: Record<string, string> | undefined) => labels?.["kubernetes.io/os"];

describe("a Windows node pool", () => {
  it("gives Windows nodes their NNCs and azure-cns-win pods, and azure-cns-win a status", () => {
    const st = generateCluster(spec(), { epoch: EPOCH });
    const windows = st.nodes.list().filter((n) => os(n.metadata.labels) === "windows");
    expect(windows.map((n) => n.metadata.name)).toEqual(["aksnpwin000000", "aksnpwin000001"]);
    expect(windows[0]!.metadata.labels).toMatchObject({ agentpool: "npwin", "kubernetes.azure.com/os-sku": "Windows2022", "kubernetes.azure.com/mode": "user" });
    expect(windows[0]!.status?.nodeInfo?.["operatingSystem"]).toBe("windows");
    for (const n of windows) expect(st.nncs.get(n.metadata.name, "kube-system")?.status?.networkContainers?.[0]?.type).toBe("vnet");
    const winPods = st.pods.list("kube-system").filter((p) => p.metadata.labels?.["k8s-app"] === "azure-cns-win");
    expect(winPods.map((p) => p.spec?.nodeName).sort()).toEqual(["aksnpwin000000", "aksnpwin000001"]);
    expect(winPods[0]!.metadata.name).toMatch(/^azure-cns-win-[a-z0-9]{5}$/);
    expect(winPods[0]!.metadata.ownerReferences?.[0]).toMatchObject({ kind: "DaemonSet", name: "azure-cns-win", uid: st.daemonsets.get("azure-cns-win", "kube-system")?.metadata.uid });
    expect(winPods[0]!.status?.containerStatuses?.[0]).toMatchObject({ name: "cns-container", image: WIN_IMAGE, ready: true });
    expect(winPods[0]!.status?.initContainerStatuses).toBeUndefined();
    expect(st.daemonsets.get("azure-cns-win", "kube-system")?.status).toMatchObject({ desiredNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2 });
    expect(st.daemonsets.get("azure-cns-win", "kube-system")?.spec?.template?.spec?.containers?.[0]?.image).toBe(WIN_IMAGE);
    expect(st.daemonsets.get("azure-cns", "kube-system")?.status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3 });
  });

  it("leaves the Linux nodes, NNCs and pods as the same cluster without it has them", () => {
    const linuxOnly = generateCluster(spec({ windows: undefined }), { epoch: EPOCH });
    const mixed = generateCluster(spec(), { epoch: EPOCH });
    const linux = (st: typeof mixed) => ({
      nodes: st.nodes.list().filter((n) => os(n.metadata.labels) === "linux"),
      nncs: st.nncs.list().filter((n) => !n.metadata.name.startsWith("aksnpwin")),
      pods: st.pods.list("kube-system").filter((p) => p.metadata.labels?.["k8s-app"] === "azure-cns"),
    });
    const a = linux(linuxOnly), b = linux(mixed);
    expect(b.nodes).toEqual(a.nodes.map((n) => ({ ...n, metadata: { ...n.metadata, resourceVersion: expect.any(String) } })));
    expect(b.nncs.map((n) => n.status)).toEqual(a.nncs.map((n) => n.status));
    expect(b.pods.map((p) => p.metadata.name)).toEqual(a.pods.map((p) => p.metadata.name));
    // And the Windows DaemonSet of a Linux-only cluster is written once, never rewritten by a status sync.
    expect(linuxOnly.daemonsets.get("azure-cns-win", "kube-system")?.status).toMatchObject({ desiredNumberScheduled: 0 });
  });

  it("breaks Windows nodes on request: a crash-looping azure-cns-win pod, a node the DaemonSet leaves out", () => {
    const st = generateCluster(spec({ problems: [{ kind: "crashLoopCns", node: 0, windows: true, restarts: 6 }, { kind: "missingCnsPod", node: 1, windows: true }] }), { epoch: EPOCH });
    const winPods = st.pods.list("kube-system").filter((p) => p.metadata.labels?.["k8s-app"] === "azure-cns-win");
    expect(winPods).toEqual([expect.objectContaining({ spec: expect.objectContaining({ nodeName: "aksnpwin000000" }) })]);
    expect(winPods[0]!.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 6, state: { waiting: { reason: "CrashLoopBackOff" } } });
    expect(st.nodes.get("aksnpwin000001")?.metadata.labels?.["kubernetes.azure.com/cluster"]).toBeUndefined();
    expect(st.daemonsets.get("azure-cns-win", "kube-system")?.status).toMatchObject({ desiredNumberScheduled: 1, numberReady: 0 });
    expect(st.daemonsets.get("azure-cns", "kube-system")?.status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3 });
  });

  it("refuses Windows problems and nodes in a cluster without the pool, and a Windows pool name AKS would not take", () => {
    expect(() => generateCluster(spec({ windows: undefined, problems: [{ kind: "missingCnsPod", node: 0, windows: true }] }), { epoch: EPOCH })).toThrow(/no Windows node pool/);
    expect(() => mutate.addNode(generateCluster(spec({ windows: undefined }), { epoch: EPOCH }), { os: "windows" })).toThrow(/no Windows node pool/);
    expect(() => generateCluster(spec({ windows: { nodes: 1, pool: "windowspool" } }), { epoch: EPOCH })).toThrow(/1-6 lowercase/);
  });
});

describe("a Windows node pool over the API", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator([spec()]);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("answers a set-based selector over both CNS DaemonSets' pods", async () => {
    const { core } = clientsFor(sim, "w");
    const both = await core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app in (azure-cns,azure-cns-win)" });
    expect(both.items.map((p) => p.metadata?.labels?.["k8s-app"]).sort()).toEqual(["azure-cns", "azure-cns", "azure-cns", "azure-cns-win", "azure-cns-win"]);
    const notWin = await core.listNamespacedPod({ namespace: "kube-system", labelSelector: "k8s-app notin (azure-cns-win),k8s-app" });
    expect(notWin.items.map((p) => p.metadata?.labels?.["k8s-app"])).not.toContain("azure-cns-win");
  });

  it("adds a Windows node the way a scale-out would", async () => {
    const st = sim.cluster("w").state;
    const node = mutate.addNode(st, { os: "windows" });
    expect(node.metadata.name).toBe("aksnpwin000002");
    const { apps } = clientsFor(sim, "w");
    expect((await apps.readNamespacedDaemonSet({ name: "azure-cns-win", namespace: "kube-system" })).status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3 });
  });
});

describe("a Windows node pool in ARM", () => {
  it("is an agent pool of its own, beside the Linux one, on the same subnets", async () => {
    const az = await startSimAzure({ clusters: [spec()] });
    try {
      const pools = (az.managedCluster("w").resource()["properties"] as { agentPoolProfiles: Record<string, unknown>[] }).agentPoolProfiles;
      expect(pools.map((p) => [p["name"], p["osType"], p["count"], p["mode"]])).toEqual([["nodepool1", "Linux", 3, "System"], ["npwin", "Windows", 2, "User"]]);
      expect(pools[1]!["podSubnetID"]).toBe(pools[0]!["podSubnetID"]);
    } finally {
      await az.close();
    }
  });
});
