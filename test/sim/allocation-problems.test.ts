// Simulator helpers for allocation problems (issue #3): duplicate assignments and ClusterSubnetState.
import { describe, expect, it } from "vitest";
import { generateCluster, mutate, nodeName } from "../../src/sim/index.js";

describe("simulated allocation problems", () => {
  it("extraAssignment adds a block to a node's NC without taking it from the allocator", () => {
    const st = generateCluster({ name: "b", mode: "vnetblock", nodes: 2, problems: [{ kind: "extraAssignment", node: 1, ip: "10.40.0.32/28" }] });
    const n0 = st.nncs.get(nodeName(st.profile, 0), "kube-system")!;
    const n1 = st.nncs.get(nodeName(st.profile, 1), "kube-system")!;
    expect(n0.status!.networkContainers![0]!.ipAssignments!.map((a) => a.ip)).toContain("10.40.0.32/28");
    expect(n1.status!.networkContainers![0]!.ipAssignments!.at(-1)!.ip).toBe("10.40.0.32/28");
    expect(n1.status!.networkContainers![0]!.ipAssignments).toHaveLength(16);
    // 2 nodes × 256 + the 5 Azure-reserved addresses: the duplicate took nothing more.
    expect(st.profile.podPool!.usedCount).toBe(2 * 256 + 5);
  });

  it("setSubnetExhausted flips (or creates) the pod subnet's ClusterSubnetState, and refuses without the CRD", () => {
    const st = generateCluster({ name: "d", mode: "dynamic", nodes: 1 });
    expect(st.subnetStates.list()).toEqual([expect.objectContaining({ metadata: expect.objectContaining({ name: "podsubnet" }), status: expect.objectContaining({ exhausted: false }) })]);
    mutate.setSubnetExhausted(st, true);
    expect(st.subnetStates.list()).toHaveLength(1);
    expect(st.subnetStates.list()[0]).toMatchObject({ status: { exhausted: true } });
    const none = generateCluster({ name: "n", mode: "dynamic", nodes: 1, subnetState: "none" });
    expect(none.subnetStates.list()).toEqual([]);
    expect(() => mutate.setSubnetExhausted(none, true)).toThrow(/CRD is not installed/);
    const ovl = generateCluster({ name: "o", mode: "overlay", nodes: 1 });
    expect(() => mutate.setSubnetExhausted(ovl, true)).toThrow(/no pod subnet/);
  });
});
