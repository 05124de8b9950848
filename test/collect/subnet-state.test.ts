// ClusterSubnetState (acn.azure.com/v1alpha1) end to end: the simulator serves it (objects, discovery,
// Tables), the real client-node collector reads it into the snapshot, and a missing CRD is no error.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { normalizeSubnetState } from "../../src/collect/normalize/subnet-state.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { type KObject, mutate, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { rawGet } from "../helpers/sim-kube.js";

const garbage: KObject = { apiVersion: "acn.azure.com/v1alpha1", kind: "ClusterSubnetState", metadata: { name: "odd", namespace: "kube-system" }, status: { exhausted: "true", timestamp: 1732766400 } };

let sim: Simulator;
let targets: Map<string, ClusterTarget>;

beforeAll(async () => {
  sim = await startSimulator([
    { name: "blk", mode: "vnetblock", nodes: 2 },
    { name: "dyn-full", mode: "dynamic", nodes: 2, subnetState: "exhausted", podSubnet: { name: "pods-x", cidr: "10.9.0.0/24", vnet: "v", resourceGroup: "rg", subscription: "s" } },
    { name: "no-crd", mode: "dynamic", nodes: 1, subnetState: "none" },
    { name: "ovl", mode: "overlay", nodes: 1 },
    { name: "forbidden", mode: "vnetblock", nodes: 1, faults: [{ kind: "status", code: 403, path: "clustersubnetstates" }] },
    { name: "garbage", mode: "vnetblock", nodes: 1, objects: [garbage] },
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), "css-test-"));
  targets = new Map(discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] }).map((t) => [t.name, t]));
});

afterAll(async () => {
  await sim?.close();
});

const collect = (name: string): Promise<ClusterSnapshot> =>
  collectCluster(targets.get(name)!, { scanId: "20261128T040000000Z-test", requestTimeoutMs: 3000, clusterDeadlineMs: 10_000, retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 100 } });

describe("simulated ClusterSubnetState", () => {
  it("is discoverable beside the NNC API, and absent with the CRD", async () => {
    const group = JSON.parse((await rawGet(sim, "blk", "/apis/acn.azure.com")).body);
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(["v1alpha1", "v1alpha"]);
    const list = JSON.parse((await rawGet(sim, "blk", "/apis/acn.azure.com/v1alpha1")).body);
    expect(list.resources).toEqual([expect.objectContaining({ name: "clustersubnetstates", kind: "ClusterSubnetState", namespaced: true })]);
    expect(JSON.parse((await rawGet(sim, "no-crd", "/apis/acn.azure.com")).body).versions).toEqual([{ groupVersion: "acn.azure.com/v1alpha", version: "v1alpha" }]);
    expect((await rawGet(sim, "no-crd", "/apis/acn.azure.com/v1alpha1/namespaces/kube-system/clustersubnetstates")).status).toBe(404);
    // The NNC API is untouched.
    expect((await rawGet(sim, "no-crd", "/apis/acn.azure.com/v1alpha/namespaces/kube-system/nodenetworkconfigs")).status).toBe(200);
  });

  it("serves one object per pod subnet, named after it, as JSON and as a Table", async () => {
    const res = await rawGet(sim, "dyn-full", "/apis/acn.azure.com/v1alpha1/namespaces/kube-system/clustersubnetstates");
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ kind: "ClusterSubnetStateList", apiVersion: "acn.azure.com/v1alpha1", items: [{ metadata: { name: "pods-x", namespace: "kube-system" }, status: { exhausted: true } }] });
    const table = JSON.parse((await rawGet(sim, "dyn-full", "/apis/acn.azure.com/v1alpha1/namespaces/kube-system/clustersubnetstates", { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).body);
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Exhausted", "Updated", "Age"]);
    expect(table.rows[0].cells.slice(0, 2)).toEqual(["pods-x", true]);
    const ovl = JSON.parse((await rawGet(sim, "ovl", "/apis/acn.azure.com/v1alpha1/namespaces/kube-system/clustersubnetstates")).body);
    expect(ovl.items).toEqual([]);
  });
});

describe("collector reads ClusterSubnetStates", () => {
  it("into the snapshot, flipping with DNC-RC", async () => {
    const blk = await collect("blk");
    expect(blk.status).toBe("ok");
    expect(blk.subnetStates).toEqual([expect.objectContaining({ name: "podsubnet", namespace: "kube-system", exhausted: false })]);
    const full = await collect("dyn-full");
    expect(full.subnetStates).toEqual([expect.objectContaining({ name: "pods-x", exhausted: true, timestamp: expect.any(String) })]);
    mutate.setSubnetExhausted(sim.cluster("blk").state, true);
    expect((await collect("blk")).subnetStates).toEqual([expect.objectContaining({ name: "podsubnet", exhausted: true })]);
  });

  it("treats a missing CRD as absent, not an error, and a refusal as a note", async () => {
    const none = await collect("no-crd");
    expect(none.status).toBe("ok");
    expect(none.subnetStates).toBeUndefined();
    expect(none.notes.join(" ")).not.toMatch(/ClusterSubnetState/);
    const forbidden = await collect("forbidden");
    expect(forbidden.status).toBe("ok");
    expect(forbidden.nncs).toHaveLength(1);
    expect(forbidden.subnetStates).toBeUndefined();
    expect(forbidden.notes.join("\n")).toMatch(/ClusterSubnetStates .*403|403.*ClusterSubnetStates|listing ClusterSubnetStates/);
  });

  it("keeps a hand-made object with a string flag, and says so", async () => {
    const g = await collect("garbage");
    expect(g.subnetStates).toEqual(expect.arrayContaining([{ name: "odd", namespace: "kube-system", exhausted: true, timestamp: "1732766400" }]));
    expect(g.notes).toContain('ClusterSubnetState odd: status.exhausted is "true", not a boolean');
    expect(normalizeSubnetState({ metadata: {} })).toEqual({ problem: expect.stringContaining("no metadata.name") });
  });
});
