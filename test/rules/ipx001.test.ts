import { describe, expect, it } from "vitest";
import { normalizeNnc } from "../../src/collect/normalize/nnc.js";
import type { Nnc } from "../../src/model/snapshot.js";
import ipx001 from "../../src/rules/ipx/ipx001-subnet-utilization.js";
import { context, node, snapshot, view } from "../fixtures/builders.js";
import { seedNnc } from "../fixtures/seed.js";
import { blockNnc, dynNnc } from "./ipam-fixtures.js";

/** A dynamic NNC on 10.1.0.0/24 holding `count` addresses starting at `first`. */
function dynamicNnc(name: string, first: number, count: number): Nnc {
  const ips = Array.from({ length: count - 1 }, (_, i) => `10.1.0.${first + 1 + i}`);
  return {
    name, namespace: "kube-system", uid: name, labels: {}, requestedIPCount: count - 1, ipsNotInUse: 0, assignedIPCount: count - 1,
    networkContainers: [{ id: `nc-${name}`, assignmentMode: "dynamic", type: "vnet", version: 1, primaryIP: `10.1.0.${first}`, subnetAddressSpace: "10.1.0.0/24", subnetName: "pods", subnetID: "pods", vnetID: "vnet", resourceGroupID: "rg", subscriptionID: "sub", ipAssignments: ips }],
  };
}

describe("IPX001 pod subnet utilisation", () => {
  it("raises nothing for the production seed NNC alone", () => {
    const s = snapshot("seed", { nodes: [node("aks-nodepool1-36149301-vmss000000")], nncs: [normalizeNnc(seedNnc())!] });
    expect([...ipx001.check(context([view(s)]))]).toEqual([]);
  });

  it("warns at 80 % and goes critical at 95 % of usable capacity (size − 5)", () => {
    // /24 → 251 usable. 200 held = 79.7 % (near miss), 201 = 80.1 %, 235 = 93.6 % (16 free: one batch), 239 = 95.2 %.
    const at = (n: number) => [...ipx001.check(context([view(snapshot("a", { nncs: [dynamicNnc("n1", 4, n)] }))]))];
    expect(at(200)).toEqual([]);
    expect(at(201)).toEqual([expect.objectContaining({ severity: "warning", resource: "subnet/10.1.0.0/24", data: expect.objectContaining({ used: 201, capacity: 251 }) })]);
    expect(at(235)[0]!.severity).toBe("warning");
    expect(at(239)[0]).toMatchObject({ severity: "critical", message: expect.stringContaining("239 of 251 usable addresses, 12 left") });
  });

  it("never shows a percent at a threshold the value did not reach: 94.995 % reads 94.9 %, a warning", () => {
    // /22 → 1019 usable; 968 held is 94.995 %, which one decimal rounded to nearest would print as 95.0.
    const nncs = [dynNnc("n1", { first: "10.242.0.4", held: 967, cidr: "10.242.0.0/22" })];
    const [f] = [...ipx001.check(context([view(snapshot("a", { nncs }))]))];
    expect(f).toMatchObject({ severity: "warning", message: expect.stringContaining(" is 94.9% used: 968 of 1019") });
    // The JSON too: 0.94995 is no 0.95, the critical threshold it did not reach.
    expect(f!.data!.utilization).toBe(968 / 1019);
    expect(f!.data!.utilization).toBeLessThan(0.95);
  });

  it("is critical for a static-block subnet with no whole /28 left to assign, below 95 %", () => {
    // A /24 holds 14 assignable blocks (its first and last hold Azure's reserved addresses): 224 of 251.
    const on24 = (nodes: number) => Array.from({ length: nodes }, (_, i) => blockNnc(`n${i}`, `10.40.0.${16 + 32 * i}`, 2, { cidr: "10.40.0.0/24" }));
    const at = (nodes: number) => [...ipx001.check(context([view(snapshot("a", { nncs: on24(nodes) }))]))];
    // 6 nodes × 2 blocks = 192 of 251 (76.5 %): quiet.
    expect(at(6)).toEqual([]);
    expect(at(7)).toEqual([
      expect.objectContaining({
        severity: "critical",
        data: expect.objectContaining({ used: 224, capacity: 251, blocksLeft: 0 }),
        message: expect.stringContaining("is 89.2% used: 224 of 251 usable addresses, 27 left. No whole /28 block is left to assign"),
      }),
    ]);
  });

  it("is critical for a dynamic subnet with fewer free addresses than one allocation batch, below 95 %, as the forecast calls it full", () => {
    // 238 of 251 (94.8 %): 13 free, and a node asks for 16 at a time.
    const r = [...ipx001.check(context([view(snapshot("a", { nncs: [dynamicNnc("n1", 4, 238)] }))]))];
    expect(r).toEqual([expect.objectContaining({ severity: "critical", data: expect.objectContaining({ used: 238, batchSize: 16 }) })]);
    expect(r[0]!.message).toContain("238 of 251 usable addresses, 13 left. That is less than one allocation batch of 16: no node there can grow by a batch");
    // A smaller batch (the smallest of the subnet's clusters) still fits: a warning.
    const small = snapshot("a", { nncs: [{ ...dynamicNnc("n1", 4, 238), scaler: { batchSize: 8, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount: 250 } }] });
    expect([...ipx001.check(context([view(small)]))]).toEqual([expect.objectContaining({ severity: "warning" })]);
  });

  it("aggregates clusters that share a subnet into one finding naming all of them", () => {
    const a = snapshot("a", { nncs: [dynamicNnc("a1", 4, 120)] });
    const b = snapshot("b", { nncs: [dynamicNnc("b1", 124, 120)] });
    const r = [...ipx001.check(context([view(a), view(b)]))];
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ cluster: "a", clusters: ["a", "b"], severity: "critical", data: expect.objectContaining({ used: 240 }) });
  });

  it("uses policy thresholds", () => {
    const ctx = context([view(snapshot("a", { nncs: [dynamicNnc("n1", 4, 100)] }))], { policy: { thresholds: { IPX001: { warningPercent: 30 } } } });
    expect([...ipx001.check(ctx)]).toHaveLength(1);
  });
});
