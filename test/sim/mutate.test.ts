// Editing a running cluster between scans: coherent objects, shared-subnet allocation, served results.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mutate, startSimulator, type NncObject, type SimCluster, type Simulator } from "../../src/sim/index.js";
import { NNC, clientsFor, rawGet } from "../helpers/sim-kube.js";

const subnet = { name: "podsubnet", cidr: "10.40.0.0/13", vnet: "vnet-shared", resourceGroup: "rg-net", subscription: "00000000-0000-4000-8000-000000000001" };

function blocks(nnc: NncObject | undefined): string[] {
  const nc = nnc?.status?.networkContainers?.[0];
  return nc ? [nc.primaryIP ?? "", ...(nc.ipAssignments ?? []).map((a) => a.ip)] : [];
}

describe("mutate helpers", () => {
  let sim: Simulator;
  let a: SimCluster, b: SimCluster, d: SimCluster, o: SimCluster;

  beforeAll(async () => {
    sim = await startSimulator([
      { name: "a", mode: "vnetblock", nodes: 3, podSubnet: subnet },
      { name: "b", mode: "vnetblock", nodes: 3, podSubnet: subnet },
      { name: "d", mode: "dynamic", nodes: 2, podSubnet: { ...subnet, name: "tiny", cidr: "10.50.0.0/26", vnet: "vnet-tiny" } },
      { name: "o", mode: "overlay", nodes: 3, podCidr: "10.244.0.0/22" },
    ]);
    [a, b, d, o] = ["a", "b", "d", "o"].map((n) => sim.cluster(n)) as [SimCluster, SimCluster, SimCluster, SimCluster];
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("addNode creates node, NNC and CNS pod, drawing blocks from the shared subnet", async () => {
    const taken = new Set([...a.state.nncs.list(), ...b.state.nncs.list()].flatMap(blocks));
    expect(taken.size).toBe(6 * 16);
    const node = mutate.addNode(b.state);
    const name = node.metadata.name;
    expect(name).toMatch(/vmss000003$/);
    const nnc = b.state.nncs.get(name, "kube-system");
    expect(nnc?.metadata.ownerReferences?.[0]?.uid).toBe(node.metadata.uid);
    const fresh = blocks(nnc);
    expect(fresh).toHaveLength(16);
    expect(fresh.filter((x) => taken.has(x))).toEqual([]);
    expect(node.status?.addresses?.[0]?.address).toBe("10.240.0.7");
    const { core, apps, custom } = clientsFor(sim, "b");
    expect((await core.listNamespacedPod({ namespace: "kube-system", fieldSelector: `spec.nodeName=${name}` })).items).toHaveLength(1);
    expect((await apps.readNamespacedDaemonSet({ name: "azure-cns", namespace: "kube-system" })).status?.desiredNumberScheduled).toBe(4);
    expect(((await custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" })) as { items: unknown[] }).items).toHaveLength(4);
  });

  it("removeNode deletes node, pod and NNC and gives the blocks back", () => {
    const pool = a.state.profile.podPool!;
    const used = pool.usedCount;
    const name = a.state.nodes.list()[0]!.metadata.name;
    mutate.removeNode(a.state, name);
    expect(a.state.nodes.get(name)).toBeUndefined();
    expect(a.state.nncs.get(name, "kube-system")).toBeUndefined();
    expect(a.state.pods.list().some((p) => p.spec?.nodeName === name)).toBe(false);
    expect(pool.usedCount).toBe(used - 256);
    expect(a.state.daemonsets.get("azure-cns", "kube-system")?.status?.desiredNumberScheduled).toBe(2);
  });

  it("releaseBlocks / releaseIPs drop assignments and fix assignedIPCount", () => {
    const name = a.state.nodes.list()[0]!.metadata.name;
    const used = a.state.profile.podPool!.usedCount;
    expect(mutate.releaseBlocks(a.state, name, 2)).toBe(2);
    const nnc = a.state.nncs.get(name, "kube-system")!;
    expect(nnc.status?.networkContainers?.[0]?.ipAssignments).toHaveLength(13);
    expect(nnc.status?.assignedIPCount).toBe(16 * 14 - 1);
    expect(a.state.profile.podPool!.usedCount).toBe(used - 32);

    const dn = d.state.nodes.list()[0]!.metadata.name;
    expect(mutate.releaseIPs(d.state, dn, 5)).toBe(5);
    const dnnc = d.state.nncs.get(dn, "kube-system")!;
    expect(dnnc.status?.assignedIPCount).toBe(dnnc.status?.networkContainers?.[0]?.ipAssignments?.length);
    expect(dnnc.status?.assignedIPCount).toBe(11);
  });

  it("a small dynamic subnet runs full: the next node's NC says NCUpdateSubnetFullError", () => {
    // A /26 has 59 usable addresses. Two nodes held 2 x 17, the test above freed 5: 30 free.
    // A third node takes 1 + 16; the fourth finds 13 and cannot get a whole batch.
    const extra = mutate.addNode(d.state);
    const third = d.state.nncs.get(extra.metadata.name, "kube-system")!;
    expect(third.status?.networkContainers?.[0]?.status).toBeUndefined();
    const fourth = mutate.addNode(d.state);
    const nnc = d.state.nncs.get(fourth.metadata.name, "kube-system")!;
    expect(nnc.status?.networkContainers?.[0]?.status).toBe("NCUpdateSubnetFullError");
    expect(nnc.status?.assignedIPCount).toBeLessThan(nnc.spec?.requestedIPCount ?? 0);
  });

  it("setNcStatus sets and clears an NC status", () => {
    const name = o.state.nodes.list()[0]!.metadata.name;
    mutate.setNcStatus(o.state, name, "NCUpdateInternalServerError");
    expect(o.state.nncs.get(name, "kube-system")?.status?.networkContainers?.[0]?.status).toBe("NCUpdateInternalServerError");
    mutate.setNcStatus(o.state, name, undefined);
    expect(o.state.nncs.get(name, "kube-system")?.status?.networkContainers?.[0]).not.toHaveProperty("status");
  });

  it("crashLoopCnsPod makes the pod crash-loop and the DaemonSet lose a ready pod", async () => {
    const name = o.state.nodes.list()[1]!.metadata.name;
    const pod = mutate.crashLoopCnsPod(o.state, name, 5);
    const cs = pod.status?.containerStatuses?.[0];
    expect(cs).toMatchObject({ ready: false, restartCount: 5, state: { waiting: { reason: "CrashLoopBackOff" } } });
    expect(cs?.lastState?.terminated?.exitCode).toBe(2);
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    const ds = await clientsFor(sim, "o").apps.readNamespacedDaemonSet({ name: "azure-cns", namespace: "kube-system" });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 2, numberAvailable: 2, numberUnavailable: 1 });
  });

  it("orphanNnc leaves an NNC whose owner node is gone", () => {
    const name = o.state.nodes.list()[2]!.metadata.name;
    mutate.orphanNnc(o.state, name);
    expect(o.state.nodes.get(name)).toBeUndefined();
    const nnc = o.state.nncs.get(name, "kube-system")!;
    expect(o.state.nodes.list().some((n) => n.metadata.uid === nnc.metadata.ownerReferences?.[0]?.uid)).toBe(false);
    expect(o.state.daemonsets.get("azure-cns", "kube-system")?.status?.desiredNumberScheduled).toBe(2);
  });

  it("deleteNnc leaves a node without NNC whose CNS is not ready and says so in metrics", async () => {
    const name = b.state.nodes.list()[0]!.metadata.name;
    mutate.deleteNnc(b.state, name, { nodeNotReady: true });
    expect(b.state.nncs.get(name, "kube-system")).toBeUndefined();
    expect(b.state.nodes.get(name)?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    const pod = b.state.pods.list().find((p) => p.spec?.nodeName === name)!;
    const m = await clientsFor(sim, "b").core.connectGetNamespacedPodProxyWithPath({ name: `${pod.metadata.name}:10092`, namespace: "kube-system", path: "metrics" });
    expect(m).toMatch(/^nnc_has_nodenetworkconfig 0$/m);
    expect(m).toMatch(/^cns_nnc_reconciler_start_failures_total [1-9]\d*$/m);
    const ready = await rawGet(sim, "b", `/api/v1/namespaces/kube-system/pods/${pod.metadata.name}:10092/proxy/readyz`);
    expect(ready.status).toBe(500);
  });

  it("setNodeInternalIP makes the NC's nodeIP stale", () => {
    const name = a.state.nodes.list()[1]!.metadata.name;
    mutate.setNodeInternalIP(a.state, name, "10.240.9.9");
    expect(a.state.nodes.get(name)?.status?.addresses?.find((x) => x.type === "InternalIP")?.address).toBe("10.240.9.9");
    expect(a.state.nncs.get(name, "kube-system")?.status?.networkContainers?.[0]?.nodeIP).not.toBe("10.240.9.9");
  });

  it("every edit bumps resourceVersion past the previous list's", async () => {
    const { core } = clientsFor(sim, "a");
    const before = await core.listNode();
    const name = a.state.nodes.list()[0]!.metadata.name;
    mutate.setNodeReady(a.state, name, false);
    const after = await core.listNode();
    expect(Number(after.metadata?.resourceVersion)).toBeGreaterThan(Number(before.metadata?.resourceVersion));
    const node = after.items.find((n) => n.metadata?.name === name)!;
    expect(Number(node.metadata?.resourceVersion)).toBe(Number(after.metadata?.resourceVersion));
    expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
  });

  it("put() serves any raw object; get() objects are frozen", () => {
    a.state.putObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "extra", namespace: "kube-system" }, data: { k: "v" } });
    const cm = a.state.configmaps.get("extra", "kube-system")!;
    expect(cm.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(cm.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => {
      (cm as unknown as { data: Record<string, string> }).data["k"] = "w";
    }).toThrow(TypeError);
    expect(() => a.state.putObject({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "x" } })).toThrow(/does not serve kind Secret/);
  });

  it("serves a garbage NNC (nulls and scalars where NCs and assignments belong) as given, without taking its addresses", async () => {
    const garbage = { apiVersion: "acn.azure.com/v1alpha", kind: "NodeNetworkConfig", metadata: { name: "garbage", namespace: "kube-system" }, status: { networkContainers: [null, 42, { primaryIP: 7, ipAssignments: [null, { ip: "banana" }] }, { ipAssignments: "x" }] } };
    const own = await startSimulator([{ name: "g", mode: "vnetblock", nodes: 1, objects: [garbage as unknown as NncObject] }]);
    try {
      const got = (await clientsFor(own, "g").custom.getNamespacedCustomObject({ ...NNC, namespace: "kube-system", name: "garbage" })) as NncObject;
      expect(got.status).toEqual(garbage.status);
    } finally {
      await own.close();
    }
  });
});
