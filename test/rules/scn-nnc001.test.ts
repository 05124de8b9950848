import { describe, expect, it } from "vitest";
import nnc001 from "../../src/rules/nnc/nnc001-node-without-nnc.js";
import scn001 from "../../src/rules/scn/scn001-unreachable.js";
import scn002 from "../../src/rules/scn/scn002-refused.js";
import scn003 from "../../src/rules/scn/scn003-not-cns.js";
import { armNoCnsReason } from "../../src/model/arm-ipam.js";
import type { ArmCluster } from "../../src/model/snapshot.js";
import { cnsCluster, context, node, snapshot, view } from "../fixtures/builders.js";

const failed = (name: string, status: "unreachable" | "unauthorized" | "not-cns" | "error", reason: string) => {
  const s = snapshot(name, {}, status);
  s.reason = reason;
  return s;
};

describe("SCN001–SCN003", () => {
  const views = [
    view(cnsCluster("ok", ["n1"])),
    view(failed("down", "unreachable", "listing NodeNetworkConfigs: ECONNREFUSED")),
    view(failed("broken", "error", "listing Nodes: the API server sent malformed JSON")),
    view(failed("denied", "unauthorized", "listing Nodes: 401 Unauthorized")),
    view(failed("kubenet", "not-cns", "no NNC API")),
  ];
  const ctx = context(views);

  it("SCN001 flags unreachable and failed scans, with the reason, and nothing else", () => {
    const r = [...scn001.check(ctx)];
    expect(r.map((f) => f.cluster).sort()).toEqual(["broken", "down"]);
    expect(r.find((f) => f.cluster === "down")).toMatchObject({ severity: "critical", resource: "cluster/down", message: expect.stringContaining("ECONNREFUSED") });
  });
  it("SCN002 flags refused clusters only", () => {
    expect([...scn002.check(ctx)].map((f) => f.cluster)).toEqual(["denied"]);
  });
  it("SCN003 records non-CNS clusters as info", () => {
    expect([...scn003.check(ctx)]).toEqual([expect.objectContaining({ cluster: "kubenet", severity: "info" })]);
  });
  it("SCN003 says why the cluster is judged not CNS, from its snapshot: ARM's networkProfile, or no NNC API found", () => {
    const arm: ArmCluster = { id: "/subscriptions/s/x", name: "arm-kubenet", subscriptionId: "s", resourceGroup: "rg", aad: false, networkPlugin: "kubenet", pools: [] };
    const byArm = failed("arm-kubenet", "not-cns", `not scanned: ${armNoCnsReason(arm)}`);
    const byApi = failed("no-api", "not-cns", "the cluster serves no acn.azure.com/v1alpha NodeNetworkConfig API: it does not run Azure CNI with CNS as IPAM");
    const old = snapshot("old", {}, "not-cns"); // stored before reasons were kept
    const messages = Object.fromEntries([...scn003.check(context([view(byArm), view(byApi), view(old)]))].map((f) => [f.cluster, f.message]));
    expect(messages).toEqual({
      "arm-kubenet": "not scanned: it does not run Azure CNI with CNS as IPAM, per ARM networkProfile: networkPlugin kubenet; skipped.",
      "no-api": "the cluster serves no acn.azure.com/v1alpha NodeNetworkConfig API: it does not run Azure CNI with CNS as IPAM; skipped.",
      old: "no acn.azure.com/v1alpha NodeNetworkConfig API: not Azure CNI with CNS as IPAM; skipped.",
    });
  });
  it("SCN001 says when older data stands in for a failed scan", () => {
    const good = cnsCluster("flaky", ["n1"]);
    const bad = failed("flaky", "unreachable", "timeout");
    const [f] = [...scn001.check(context([view(good, bad)]))];
    expect(f!.message).toContain(`using data from ${good.takenAt}`);
  });
});

describe("NNC001 node without NNC", () => {
  it("flags a node with no NNC in a CNS cluster", () => {
    const s = cnsCluster("a", ["n1", "n2"]);
    s.nncs = s.nncs.filter((n) => n.name !== "n2");
    const r = [...nnc001.check(context([view(s)]))];
    expect(r).toEqual([expect.objectContaining({ severity: "critical", cluster: "a", resource: "node/n2" })]);
  });
  it("ignores virtual nodes, brand-new nodes, and clusters without CNS", () => {
    const s = cnsCluster("a", ["n1"]);
    s.nodes.push(node("virtual-node-aci-linux", { labels: { type: "virtual-kubelet" } }));
    s.nodes.push(node("n-new", { createdAt: new Date(Date.parse(s.takenAt) - 60_000).toISOString() }));
    const legacy = snapshot("legacy", { nodes: [node("x")] });
    expect([...nnc001.check(context([view(s), view(legacy)]))]).toEqual([]);
  });
  it("treats the old node's NNC of a reused name (being deleted, or owned by another UID) as none, after the grace", () => {
    const s = cnsCluster("a", ["n1", "n2", "n3"]);
    const t = Date.parse(s.takenAt);
    const n3 = s.nodes[2]!;
    n3.uid = "uid-n3-new";
    n3.createdAt = new Date(t - 10 * 60_000).toISOString();
    s.nncs[2]!.deletionTimestamp = new Date(t - 12 * 60_000).toISOString(); // owner uid-n3, the old node
    expect([...nnc001.check(context([view(s)]))]).toEqual([
      expect.objectContaining({ resource: "node/n3", message: expect.stringContaining(`no usable NodeNetworkConfig (NNC n3 is being deleted since ${s.nncs[2]!.deletionTimestamp})`) }),
    ]);
    delete s.nncs[2]!.deletionTimestamp;
    expect([...nnc001.check(context([view(s)]))]).toEqual([
      expect.objectContaining({ resource: "node/n3", message: expect.stringContaining("belongs to an earlier node of that name: owner UID uid-n3, node UID uid-n3-new") }),
    ]);
    n3.createdAt = new Date(t - 60_000).toISOString(); // DNC-RC may still be replacing it
    expect([...nnc001.check(context([view(s)]))]).toEqual([]);
  });
  it("honours a policy grace period", () => {
    const s = cnsCluster("a", ["n1"]);
    s.nodes.push(node("n-young", { createdAt: new Date(Date.parse(s.takenAt) - 60_000).toISOString() }));
    const ctx = context([view(s)], { policy: { thresholds: { NNC001: { graceMinutes: 0 } } } });
    expect([...nnc001.check(ctx)].map((f) => f.resource)).toEqual(["node/n-young"]);
  });
});
