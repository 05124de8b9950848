// The simulator as the real @kubernetes/client-node sees it.
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type KObject, type Simulator } from "../../src/sim/index.js";
import { NNC, clientsFor, kubeConfigForContext, listNncPages, rawGet, rejection } from "../helpers/sim-kube.js";

const SEED_NNC = JSON.parse(
  readFileSync(new URL("../fixtures/shared/seed/nnc-vmss000000.json", import.meta.url), "utf8"),
) as KObject;
const ODD = "a/b#c?d'e<f>";
const UNICODE = "clüster ☃ 東京 prod";

interface Named {
  metadata: { name: string; resourceVersion?: string; continue?: string; remainingItemCount?: number };
}

function parseMetrics(text: string): Map<string, { labels: string; value: number }[]> {
  const out = new Map<string, { labels: string; value: number }[]>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad exposition line: ${line}`);
    const list = out.get(m[1]!) ?? [];
    list.push({ labels: m[2] ?? "", value: Number(m[3]) });
    out.set(m[1]!, list);
  }
  return out;
}

describe("simulator through @kubernetes/client-node", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator(
      [
        { name: "blk", mode: "vnetblock", nodes: 7 },
        { name: "dyn", mode: "dynamic", nodes: 4, requestedIPs: [16, 32] },
        { name: "ovl", mode: "overlay", nodes: 3 },
        { name: "knet", mode: "kubenet", nodes: 2 },
        { name: "seed", mode: "vnetblock", nodes: 0, objects: [SEED_NNC] },
        { name: ODD, mode: "overlay", nodes: 1 },
        { name: UNICODE, mode: "dynamic", nodes: 2 },
        { name: "big", mode: "overlay", nodes: 40 },
      ],
      { epoch: Date.UTC(2026, 10, 1) },
    );
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("pages the namespaced NNC list two at a time, every item exactly once", async () => {
    const { custom } = clientsFor(sim, "blk");
    const pages = await listNncPages(custom, 2, "kube-system");
    expect(pages.map((p) => p.items.length)).toEqual([2, 2, 2, 1]);
    expect(pages.map((p) => p.metadata?.remainingItemCount)).toEqual([5, 3, 1, undefined]);
    expect(new Set(pages.map((p) => p.metadata?.resourceVersion)).size).toBe(1);
    const names = pages.flatMap((p) => p.items.map((i) => i.metadata.name));
    expect(names).toEqual([...new Set(names)].sort());
    expect(names).toEqual(sim.cluster("blk").state.nncs.list().map((n) => n.metadata.name));
  });

  it("pages the cluster-wide NNC list too", async () => {
    const { custom } = clientsFor(sim, "blk");
    const pages = await listNncPages(custom, 3);
    expect(pages.flatMap((p) => p.items.map((i) => i.metadata.name))).toHaveLength(7);
    const all = (await custom.listClusterCustomObject({ ...NNC })) as { kind: string; apiVersion: string; items: unknown[]; metadata: object };
    expect(all.kind).toBe("NodeNetworkConfigList");
    expect(all.apiVersion).toBe("acn.azure.com/v1alpha");
    expect(all.items).toHaveLength(7);
    expect(all.metadata).not.toHaveProperty("continue");
  });

  it("serves NNCs shaped like the seed in every mode", async () => {
    const blk = (await clientsFor(sim, "blk").custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" })) as { items: KObject[] };
    const n = blk.items[0] as typeof SEED_NNC & Record<string, any>;
    const seed = SEED_NNC as Record<string, any>;
    expect(Object.keys(n.metadata).sort()).toEqual(Object.keys(seed.metadata).sort());
    expect(Object.keys(n.status.networkContainers[0]).sort()).toEqual(Object.keys(seed.status.networkContainers[0]).sort());
    expect(n.status.networkContainers[0].ipAssignments).toHaveLength(15);
    expect(n.spec).toEqual({ requestedIPCount: 250 });
    expect(n.status.assignedIPCount).toBe(255);
    const node = await clientsFor(sim, "blk").core.readNode({ name: n.metadata.name });
    expect(n.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", uid: node.metadata?.uid, controller: true });

    const dyn = (await clientsFor(sim, "dyn").custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" })) as { items: any[] };
    expect(dyn.items.map((i) => i.spec.requestedIPCount)).toEqual([16, 32, 32, 32]);
    for (const i of dyn.items) {
      const nc = i.status.networkContainers[0];
      expect(nc).toMatchObject({ type: "vnet", assignmentMode: "dynamic" });
      expect(nc.ipAssignments).toHaveLength(i.spec.requestedIPCount);
      expect(i.status.assignedIPCount).toBe(i.spec.requestedIPCount);
      expect(i.status.scaler).toEqual({ batchSize: 16, maxIPCount: 250, releaseThresholdPercent: 150, requestThresholdPercent: 50 });
    }
    const ovl = (await clientsFor(sim, "ovl").custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" })) as { items: any[] };
    expect(ovl.items.map((i) => i.status.networkContainers[0].primaryIP)).toEqual(["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]);
    expect(ovl.items[0].status).toMatchObject({ assignedIPCount: 256 });
    expect(ovl.items[0].status.networkContainers[0].subnetName).toMatch(/^routingdomain_[0-9a-f-]{36}_overlaysubnet$/);
  });

  it("serves a recorded NNC verbatim", async () => {
    const got = await clientsFor(sim, "seed").custom.getNamespacedCustomObject({
      ...NNC,
      namespace: "kube-system",
      name: "aks-nodepool1-36149301-vmss000000",
    });
    expect(got).toEqual(SEED_NNC);
  });

  it("lists and reads nodes", async () => {
    const { core } = clientsFor(sim, "blk");
    const nodes = await core.listNode();
    expect(nodes.items).toHaveLength(7);
    const n = nodes.items[0]!;
    expect(n.metadata?.name).toMatch(/^aks-nodepool1-\d{8}-vmss000000$/);
    expect(n.metadata?.labels).toMatchObject({
      "kubernetes.io/os": "linux",
      "kubernetes.azure.com/agentpool": "nodepool1",
      agentpool: "nodepool1",
      "kubernetes.azure.com/podnetwork-type": "vnetblock",
    });
    expect(n.metadata?.labels?.["topology.kubernetes.io/zone"]).toBe("westeurope-1");
    expect(n.status?.addresses).toEqual([
      { type: "InternalIP", address: "10.240.0.4" },
      { type: "Hostname", address: n.metadata?.name },
    ]);
    expect(n.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(new Set(nodes.items.map((x) => x.status?.addresses?.[0]?.address)).size).toBe(7);
    const one = await core.readNode({ name: n.metadata!.name! });
    expect(one.metadata?.uid).toBe(n.metadata?.uid);
    const e = await rejection(core.readNode({ name: "nope" }));
    expect(e.code).toBe(404);
    expect(JSON.parse(e.body as string)).toMatchObject({ kind: "Status", reason: "NotFound", message: 'nodes "nope" not found' });
  });

  it("selects pods by label selector", async () => {
    const { core } = clientsFor(sim, "blk");
    const count = async (labelSelector: string): Promise<number> =>
      (await core.listNamespacedPod({ namespace: "kube-system", labelSelector })).items.length;
    expect(await count("k8s-app=azure-cns")).toBe(7);
    expect(await count("k8s-app==azure-cns,pod-template-generation=1")).toBe(7);
    expect(await count("k8s-app in (azure-cns, kube-proxy)")).toBe(7);
    expect(await count("k8s-app notin (azure-cns)")).toBe(0);
    expect(await count("k8s-app")).toBe(7);
    expect(await count("!k8s-app")).toBe(0);
    expect(await count("k8s-app!=azure-cns")).toBe(0);
    const all = await core.listPodForAllNamespaces({ labelSelector: "k8s-app=azure-cns", limit: 3 });
    expect(all.items).toHaveLength(3);
    expect(all.metadata?._continue).toBeTruthy();
    const e = await rejection(core.listNamespacedPod({ namespace: "kube-system", labelSelector: "a b c" }));
    expect(e.code).toBe(400);
  });

  it("selects pods by field selector", async () => {
    const { core } = clientsFor(sim, "blk");
    const node = sim.cluster("blk").state.nodes.list()[2]!.metadata.name;
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    expect(onNode.items.map((p) => p.spec?.nodeName)).toEqual([node]);
    expect(onNode.items[0]?.spec?.hostNetwork).toBe(true);
    const cs = onNode.items[0]?.status?.containerStatuses?.[0];
    expect(cs).toMatchObject({ name: "cns-container", ready: true, restartCount: 0, image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25" });
    expect(onNode.items[0]?.status?.initContainerStatuses?.[0]?.name).toBe("cni-installer");
    const running = await core.listNamespacedPod({ namespace: "kube-system", fieldSelector: "status.phase==Running,spec.nodeName!=" + node });
    expect(running.items).toHaveLength(6);
    const byName = await core.listNamespacedPod({ namespace: "kube-system", fieldSelector: `metadata.name=${onNode.items[0]?.metadata?.name}` });
    expect(byName.items).toHaveLength(1);
    const e = await rejection(core.listNamespacedPod({ namespace: "kube-system", fieldSelector: "spec.bogus=1" }));
    expect(e.code).toBe(400);
    expect(JSON.parse(e.body as string).message).toContain("field label not supported: spec.bogus");
  });

  it("reads the azure-cns DaemonSet and cns-config", async () => {
    const { apps, core } = clientsFor(sim, "blk");
    const ds = await apps.readNamespacedDaemonSet({ name: "azure-cns", namespace: "kube-system" });
    expect(ds.spec?.selector.matchLabels).toEqual({ "k8s-app": "azure-cns" });
    expect(ds.spec?.template.spec?.containers[0]).toMatchObject({ name: "cns-container", image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25" });
    expect(ds.spec?.template.spec?.initContainers?.[0]?.name).toBe("cni-installer");
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 7, currentNumberScheduled: 7, numberReady: 7, updatedNumberScheduled: 7, numberAvailable: 7, observedGeneration: 1 });
    const list = await apps.listDaemonSetForAllNamespaces();
    expect(list.items.map((d) => d.metadata?.name)).toEqual(["azure-cns", "azure-cns-win"]);
    const cm = await core.readNamespacedConfigMap({ name: "cns-config", namespace: "kube-system" });
    const cfg = JSON.parse(cm.data?.["cns_config.json"] ?? "{}");
    expect(cfg).toMatchObject({
      ChannelMode: "CRD",
      EnableIPAMv2: false,
      EnableSubnetScarcity: false,
      InitializeFromCNI: true,
      ManageEndpointState: false,
      MetricsBindAddress: ":10092",
    });
  });

  it("serves CNS metrics through the pod proxy, derived from the node's NNC", async () => {
    const scrape = async (cluster: string): Promise<Map<string, { labels: string; value: number }[]>> => {
      const { core } = clientsFor(sim, cluster);
      const node = sim.cluster(cluster).state.nodes.list()[1]!.metadata.name;
      const pod = (await core.listNamespacedPod({ namespace: "kube-system", fieldSelector: `spec.nodeName=${node}` })).items[0]!;
      const text = await core.connectGetNamespacedPodProxyWithPath({ name: `${pod.metadata!.name}:10092`, namespace: "kube-system", path: "metrics" });
      return parseMetrics(text);
    };
    const dyn = await scrape("dyn");
    expect(dyn.get("cx_ipam_requested_ips")?.[0]?.value).toBe(32);
    expect(dyn.get("cx_ipam_secondary_ips")?.[0]?.value).toBe(32);
    expect(dyn.get("cx_ipam_total_ips")?.[0]?.value).toBe(33);
    expect(dyn.get("cx_ipam_batch_size")?.[0]?.value).toBe(16);
    expect(dyn.get("cx_ipam_requested_ips")?.[0]?.labels).toMatch(/podnet_arm_id="\/subscriptions\/[^"]+\/resourceGroups\/rg-dyn\/providers\/Microsoft.Network\/virtualNetworks\/vnet-dyn\/subnets\/podsubnet",subnet="podsubnet",subnet_cidr="10.241.0.0\/16"/);
    expect(dyn.get("nnc_has_nodenetworkconfig")?.[0]?.value).toBe(1);
    const blk = await scrape("blk");
    expect([...blk.keys()].some((k) => k.startsWith("cx_ipam_"))).toBe(false);
    expect(blk.get("cx_allocated_ips_v2")?.[0]?.value).toBe(255);
    expect(blk.get("nnc_ncs")?.[0]?.value).toBe(1);
    expect(blk.get("cns_nnc_reconciler_start_failures_total")?.[0]?.value).toBe(0);
  });

  it("has no acn.azure.com API in kubenet clusters", async () => {
    const { custom, kc } = clientsFor(sim, "knet");
    const e = await rejection(custom.listNamespacedCustomObject({ ...NNC, namespace: "kube-system" }));
    expect(e.code).toBe(404);
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(["apps", "authorization.k8s.io"]);
    const withNnc = await clientsFor(sim, "blk").kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(withNnc.groups.map((g) => g.name)).toEqual(["apps", "authorization.k8s.io", "acn.azure.com"]);
    const ds = await rejection(clientsFor(sim, "knet").apps.readNamespacedDaemonSet({ name: "azure-cns", namespace: "kube-system" }));
    expect(ds.code).toBe(404);
  });

  it("serves discovery documents kubectl understands", async () => {
    const res = await rawGet(sim, "blk", "/apis/acn.azure.com/v1alpha");
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body)).toMatchObject({
      kind: "APIResourceList",
      groupVersion: "acn.azure.com/v1alpha",
      resources: [{ name: "nodenetworkconfigs", singularName: "nodenetworkconfig", namespaced: true, kind: "NodeNetworkConfig", shortNames: ["nnc"] }, { name: "nodenetworkconfigs/status" }],
    });
    const version = await clientsFor(sim, "blk").kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toBe("v1.30.6");
    const missing = await rawGet(sim, "blk", "/apis/example.com/v1/things");
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
  });

  it("reaches clusters with awkward names through their kubeconfig context", async () => {
    const yaml = sim.kubeconfig();
    for (const name of [ODD, UNICODE]) {
      const kc = kubeConfigForContext(yaml, name);
      expect(kc.getCurrentContext()).toBe(name);
      expect(kc.getCurrentCluster()?.server).toBe(sim.cluster(name).url);
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      expect(nodes.items).toHaveLength(sim.cluster(name).state.nodes.size);
    }
    const base = new k8s.KubeConfig();
    base.loadFromString(yaml);
    expect(base.getContexts().map((c) => c.name)).toEqual(sim.clusters.map((c) => c.name));
    expect(base.getCurrentContext()).toBe("blk");
  });

  it("accepts a client certificate from the sim CA instead of a token, and rejects a wrong token", async () => {
    const viaCert = clientsFor(sim, "ovl", "cert");
    expect((await viaCert.core.listNode()).items).toHaveLength(3);
    const bad = new k8s.KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: "c", server: sim.cluster("ovl").url, caData: Buffer.from(sim.caPem).toString("base64") }],
      users: [{ name: "u", token: "wrong" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const e = await rejection(bad.makeApiClient(k8s.CoreV1Api).listNode());
    expect(e.code).toBe(401);
  });

  it("gzips large responses like the apiserver, and the client reads them", async () => {
    const plain = await rawGet(sim, "big", "/api/v1/pods");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(128 * 1024);
    for (let i = 0; i < 2; i++) {
      // The second round comes from the page cache.
      const zipped = await rawGet(sim, "big", "/api/v1/pods", { "accept-encoding": "gzip" });
      expect(zipped.headers["content-encoding"]).toBe("gzip");
      expect(zipped.raw.length).toBeLessThan(plain.raw.length / 5);
      expect(gunzipSync(zipped.raw).toString("utf8")).toBe(plain.body);
    }
    const pods = await clientsFor(sim, "big").core.listPodForAllNamespaces();
    expect(pods.items).toHaveLength(40);
    expect(sim.cluster("big").requests.at(-1)?.status).toBe(200);
  });

  it("logs every request", async () => {
    const c = sim.cluster("ovl");
    c.clearRequests();
    await clientsFor(sim, "ovl").core.listNamespacedPod({ namespace: "kube-system", limit: 1 });
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]).toMatchObject({ method: "GET", path: "/api/v1/namespaces/kube-system/pods?limit=1", status: 200 });
  });

  it("bumps resourceVersions on edits and serves the edit", async () => {
    const st = sim.cluster("ovl").state;
    const name = st.nncs.list()[0]!.metadata.name;
    const before = st.nncs.get(name, "kube-system")!;
    expect(() => {
      (before.spec as { requestedIPCount: number }).requestedIPCount = 1;
    }).toThrow(TypeError);
    st.nncs.update(name, (d) => void (d.spec = { requestedIPCount: 7 }), "kube-system");
    const got = (await clientsFor(sim, "ovl").custom.getNamespacedCustomObject({ ...NNC, namespace: "kube-system", name })) as Named & { spec: unknown };
    expect(got.spec).toEqual({ requestedIPCount: 7 });
    expect(Number(got.metadata.resourceVersion)).toBeGreaterThan(Number(before.metadata.resourceVersion));
  });
});
