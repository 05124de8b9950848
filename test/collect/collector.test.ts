// The real client-node collector against the cluster simulator over HTTPS: paging, every fault mode,
// hostile names, and the production seed NNC.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newScanId } from "../../src/model/scan-id.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { collectCluster, collectFleet } from "../../src/collect/collector.js";
import { normalizeNnc } from "../../src/collect/normalize/nnc.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { type FaultSpec, type KObject, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { seedNnc } from "../fixtures/seed.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const HOSTILE = "prod/weu#1?x='<b>'";
const FAST = { retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 2000 } };

function spec(name: string, faults: FaultSpec[] = [], over: Partial<SimClusterSpec> = {}): SimClusterSpec {
  return { name, mode: "vnetblock", nodes: 3, faults, ...over };
}

let sim: Simulator;
let targets: Map<string, ClusterTarget>;

beforeAll(async () => {
  const seed = seedNnc();
  sim = await startSimulator([
    spec("paged", [], { nodes: 7 }),
    spec("hang", [{ kind: "hang" }]),
    spec("refuse", [{ kind: "refuse" }]),
    spec("denied", [{ kind: "status", code: 401 }]),
    spec("forbidden", [{ kind: "status", code: 403, message: 'nodenetworkconfigs.acn.azure.com is forbidden: User "auditor" cannot list resource' }]),
    spec("flaky", [{ kind: "flaky", code: 500, first: 2 }]),
    spec("throttled", [{ kind: "throttle", retryAfter: 1, first: 1 }]),
    spec("throttled-long", [{ kind: "throttle", retryAfter: 120 }]),
    spec("always-500", [{ kind: "status", code: 500 }]),
    spec("malformed", [{ kind: "malformed", path: "nodenetworkconfigs" }]),
    spec("truncated", [{ kind: "truncated", path: "/api/v1/nodes" }]),
    spec("expired", [{ kind: "expiredContinue", first: 1 }], { nodes: 5 }),
    spec("kubenet", [], { mode: "kubenet" }),
    spec("slow", [{ kind: "slow", delayMs: 150 }]),
    spec(HOSTILE),
    spec("seed", [], { nodes: 0, objects: [seed as KObject] }),
    spec("overlay", [], { mode: "overlay", nodes: 4 }),
    spec("dynamic", [], { mode: "dynamic", nodes: 4 }),
    spec("garbage-fields"),
    spec("windows", [], { mode: "dynamic", nodes: 2, windows: { nodes: 3, cnsImage: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26" }, problems: [{ kind: "crashLoopCns", node: 1, windows: true, restarts: 6 }] }),
    spec("no-windows-cns", [], { nodes: 2 }),
    spec("windows-refused", [{ kind: "status", code: 403, path: "daemonsets/azure-cns-win", message: 'daemonsets.apps "azure-cns-win" is forbidden: User "auditor" cannot get resource "daemonsets"' }], { nodes: 2, windows: { nodes: 2 } }),
  ]);
  sim.cluster("no-windows-cns").state.daemonsets.delete("azure-cns-win", "kube-system");
  const dir = mkdtempSync(path.join(tmpdir(), "collector-test-"));
  const file = await sim.writeKubeconfig(dir);
  targets = new Map(discoverFromKubeconfig({ files: [file] }).map((t) => [t.name, t]));
});

afterAll(async () => {
  await sim?.close();
});

const collect = (name: string, over: Record<string, unknown> = {}): Promise<ClusterSnapshot> =>
  collectCluster(targets.get(name)!, { scanId: "20261128T040000000Z-test", pageSize: 2, requestTimeoutMs: 1500, clusterDeadlineMs: 6000, ...FAST, ...over });

describe("collector against the simulator", () => {
  it("reads every NNC, node and CNS pod across many pages", async () => {
    const s = await collect("paged");
    expect(s.status).toBe("ok");
    expect(s.nncs).toHaveLength(7);
    expect(new Set(s.nncs.map((n) => n.name)).size).toBe(7);
    expect(s.nodes).toHaveLength(7);
    expect(s.cns.pods).toHaveLength(7);
    expect(s.cns.daemonset).toMatchObject({ name: "azure-cns", desired: 7, ready: 7 });
    expect(s.cns.config?.ChannelMode).toBe("CRD");
    expect(s.kubernetesVersion).toMatch(/^v1\./);
    // 7 NNCs at 2 per page = 4 requests for the NNC list alone.
    expect(sim.cluster("paged").requests.filter((r) => r.path.includes("nodenetworkconfigs")).length).toBe(4);
    const nc = s.nncs[0]!.networkContainers[0]!;
    expect(nc.type).toBe("vnetblock");
    expect(nc.ipAssignments).toHaveLength(15);
  });

  it("reads both CNS DaemonSets, and their pods in one list request", async () => {
    const s = await collect("windows");
    expect(s.status).toBe("ok");
    expect(s.cns.daemonset).toMatchObject({ name: "azure-cns", desired: 2, ready: 2 });
    expect(s.cns.windowsDaemonset).toMatchObject({ name: "azure-cns-win", desired: 3, ready: 2, images: ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.26"] });
    const win = s.cns.pods.filter((p) => p.daemonset === "azure-cns-win");
    expect(win.map((p) => p.node).sort()).toEqual(["aksnpwin000000", "aksnpwin000001", "aksnpwin000002"]);
    expect(win.find((p) => p.node === "aksnpwin000001")).toMatchObject({ reason: "CrashLoopBackOff", restarts: 6, ready: false, image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26" });
    // azure-cns stays implicit, as in the snapshots stored before azure-cns-win was read.
    expect(s.cns.pods.filter((p) => !("daemonset" in p)).map((p) => p.node)).toEqual(s.nodes.filter((n) => n.labels["kubernetes.io/os"] === "linux").map((n) => n.name));
    const podLists = sim.cluster("windows").requests.filter((r) => r.path.startsWith("/api/v1/namespaces/kube-system/pods?"));
    // 5 pods at 2 a page: 3 pages of the one list, no second list for the Windows pods.
    expect(podLists).toHaveLength(3);
    expect(new URLSearchParams(podLists[0]!.path.split("?")[1]).get("labelSelector")).toBe("k8s-app in (azure-cns,azure-cns-win)");
  });

  it("tells a cluster without azure-cns-win (null) from one whose scan was refused it (not read, with a note)", async () => {
    const [none, refused] = await Promise.all([collect("no-windows-cns"), collect("windows-refused")]);
    expect(none.status).toBe("ok");
    expect(none.cns.windowsDaemonset).toBeNull();
    expect(refused.status).toBe("ok");
    expect(refused.cns.daemonset).toMatchObject({ name: "azure-cns", desired: 2 });
    expect("windowsDaemonset" in refused.cns).toBe(false);
    expect(refused.notes).toEqual([expect.stringMatching(/DaemonSet kube-system\/azure-cns-win.*403.*the Windows nodes' CNS was not judged/)]);
    // Its pods came in the one pod list, but are not kept: no rule judges half of what was not read.
    expect(refused.nodes.filter((n) => n.labels["kubernetes.io/os"] === "windows")).toHaveLength(2);
    expect(refused.cns.pods.map((p) => p.daemonset ?? "azure-cns")).toEqual(["azure-cns", "azure-cns"]);
  });

  it("reads the production seed NNC back intact, through Azurite too", async () => {
    const s = await collect("seed");
    expect(s.status).toBe("ok");
    expect(s.nncs).toEqual([normalizeNnc(seedNnc())]);
    const store = TableSnapshotStore.fromConnectionString(inject("azuriteConnectionString"), { tablePrefix: `seed${process.pid}` });
    await store.init();
    const stored = await store.putSnapshot({ ...s, scanId: newScanId() });
    expect((await store.getSnapshot("seed", stored.ref))?.nncs).toEqual([normalizeNnc(seedNnc())]);
    await store.close();
  });

  it.each([
    ["hang", "unreachable", /no answer before the timeout|deadline/],
    ["refuse", "unreachable", /ECONNREFUSED/],
    ["denied", "unauthorized", /401 Unauthorized/],
    ["forbidden", "unauthorized", /403 Forbidden.*cannot list/],
    ["always-500", "error", /HTTP 500/],
    ["throttled-long", "error", /throttled \(429\).*Retry-After 120s/],
    ["malformed", "error", /malformed JSON/],
    ["truncated", "error", /cut short|malformed JSON|Premature/i],
    ["kubenet", "not-cns", /NodeNetworkConfig API/],
  ])("classifies %s as %s with a reason naming the failure", async (name, status, reason) => {
    const s = await collect(name);
    expect(s.status).toBe(status);
    expect(s.reason).toMatch(reason);
    expect(s.nncs).toEqual([]);
  });

  it.each(["flaky", "throttled", "expired", "slow"])("recovers from %s", async (name) => {
    const s = await collect(name);
    expect(s.reason).toBeUndefined();
    expect(s.status).toBe("ok");
    expect(s.nncs.length).toBe(s.nodes.length);
  });

  it("keeps a node and a CNS pod whose lists of conditions, addresses and containers are garbage", async () => {
    const st = sim.cluster("garbage-fields").state;
    const node = st.nodes.list()[0]!.metadata.name;
    st.nodes.update(node, (d) => {
      (d as { status: unknown }).status = { conditions: { Ready: "True" }, addresses: "10.0.0.1" };
    });
    const pod = st.pods.list("kube-system").find((p) => p.spec?.nodeName === node)!.metadata.name;
    st.pods.update(pod, (d) => {
      (d as { status: unknown }).status = { phase: 7, conditions: 42, containerStatuses: "broken", initContainerStatuses: [null] };
    }, "kube-system");
    const s = await collect("garbage-fields");
    expect(s.reason).toBeUndefined();
    expect(s.status).toBe("ok");
    expect(s.nodes).toHaveLength(3);
    expect(s.nodes.find((n) => n.name === node)).toMatchObject({ ready: false });
    expect(s.nodes.find((n) => n.name === node)?.internalIP).toBeUndefined();
    expect(s.nodes.filter((n) => n.ready)).toHaveLength(2);
    expect(s.cns.pods.find((p) => p.name === pod)).toMatchObject({ phase: "Unknown", ready: false, restarts: 0, node });
  });

  it("honours Retry-After before retrying a 429", async () => {
    sim.cluster("throttled").setFaults([{ kind: "throttle", retryAfter: 1, first: 1 }]);
    const t0 = Date.now();
    const s = await collect("throttled");
    expect(s.status).toBe("ok");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });

  it("scans clusters with hostile names by their exact context", async () => {
    const s = await collect(HOSTILE);
    expect(s.status).toBe("ok");
    expect(s.cluster).toBe(HOSTILE);
    expect(s.source.context).toBe(HOSTILE);
  });

  it("reads dynamic and overlay NNCs", async () => {
    const [d, o] = await Promise.all([collect("dynamic"), collect("overlay")]);
    expect(d.nncs[0]!.networkContainers[0]).toMatchObject({ type: "vnet", assignmentMode: "dynamic" });
    expect(d.nncs[0]!.scaler).toMatchObject({ batchSize: 16, maxIPCount: 250 });
    expect(o.nncs[0]!.networkContainers[0]).toMatchObject({ type: "overlay", assignmentMode: "static" });
    expect(o.nncs[0]!.networkContainers[0]!.primaryIP).toMatch(/\/24$/);
  });

  it("one hung cluster costs only its own deadline and never another cluster's snapshot", async () => {
    const names = ["hang", "paged", "dynamic", "overlay", HOSTILE];
    const done: ClusterSnapshot[] = [];
    const finishedAt = new Map<string, number>();
    const t0 = Date.now();
    await collectFleet(names.map((n) => targets.get(n)!), { scanId: "20261128T040000000Z-test", concurrency: 2, requestTimeoutMs: 30_000, clusterDeadlineMs: 2000, ...FAST }, (s) => {
      done.push(s);
      finishedAt.set(s.cluster, Date.now() - t0);
    });
    expect(done).toHaveLength(5);
    expect(done.find((s) => s.cluster === "hang")).toMatchObject({ status: "unreachable", reason: expect.stringMatching(/deadline/) });
    for (const s of done.filter((x) => x.cluster !== "hang")) expect(s.status, s.cluster).toBe("ok");
    // The hung cluster held one of two slots for its 2 s deadline; the others went through the other slot.
    expect(finishedAt.get("hang")!).toBeGreaterThanOrEqual(1900);
    expect(finishedAt.get("hang")!).toBeLessThan(6000);
  });
});
