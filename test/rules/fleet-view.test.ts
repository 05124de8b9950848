import { describe, expect, it } from "vitest";
import { contributeSubnets } from "../../src/analysis/subnet-contribution.js";
import { accountSubnets, mergeSubnets } from "../../src/analysis/subnets.js";
import { fleetView } from "../../src/rules/fleet-view.js";
import { armCluster, blockNodes, cluster, nc, nnc, overlayNodes, pool, vnetFields } from "../analysis/fixtures.js";
import { cnsCluster, view } from "../fixtures/builders.js";

/** Every object reachable from `root` (typed arrays are leaves). */
function objectsOf(root: unknown): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v)) continue;
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else for (const x of Object.values(v)) stack.push(x);
  }
  return seen;
}

describe("fleet view", () => {
  it("keeps a cluster's address fields in typed arrays and none of the snapshot's NNC, NC, node or pod objects", () => {
    const nncs = blockNodes("big", 250, 16, "10.40.0.0", "10.40.0.0/13");
    const snap = cnsCluster("big", nncs.map((n) => n.name));
    Object.assign(snap, { nncs, arm: armCluster("big", [pool()]) });
    snap.cns.config = { ChannelMode: "CRD", EnableSubnetScarcity: false };
    const fv = fleetView(view(snap));
    expect(fv.subnets!.fields.start).toBeInstanceOf(Uint32Array);
    // 250 NCs, each a primary block and 15 assigned blocks.
    expect(fv.subnets!.fields.start.length).toBe(250 * 16);
    expect(fv.subnets!.fields.text.size).toBe(0);
    const held = objectsOf(fv);
    const allowed = objectsOf({ arm: snap.arm, config: snap.cns.config });
    const leaked = [...objectsOf(snap)].filter((o) => held.has(o) && !allowed.has(o));
    expect(leaked).toEqual([]);
  });

  it("files an overlay NC's subnet-full status under its cluster's pod CIDR as accounted mid-expansion", () => {
    const nodes = overlayNodes("ov", 2, "10.244.0.0/16");
    nodes[0]!.networkContainers[0]!.status = "NCUpdateSubnetFullError";
    nodes[1]!.networkContainers[0]!.subnetAddressSpace = "10.244.0.0/15";
    const fv = fleetView(view(cluster("ov", nodes)));
    expect(fv.subnetFullNcs).toEqual([{ nnc: nodes[0]!.name, key: "overlay:ov:10.244.0.0/15" }]);
    expect(mergeSubnets([fv.subnets!]).subnets.map((s) => s.key)).toEqual(["overlay:ov:10.244.0.0/15"]);
  });

  it("keeps each agent pool's scaler maxIPCount, by the pool label of the NNC's node, the largest where they disagree", () => {
    const dyn = (name: string, maxIPCount: number) => nnc(name, [nc({ type: "vnet", primaryIP: "10.1.0.4", ...vnetFields("pods", "10.1.0.0/16") })], { scaler: { batchSize: 16, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount } });
    const snap = cluster("c", [dyn("sys-0", 30), dyn("usr-0", 110), dyn("usr-1", 250), dyn("bare-0", 64), dyn("orphan", 16)], { missingNodes: ["orphan"] });
    const pools: Record<string, string> = { "sys-0": "system", "usr-0": "user", "usr-1": "user" };
    for (const n of snap.nodes) if (pools[n.name]) n.labels = { "kubernetes.azure.com/agentpool": pools[n.name]! };
    expect(fleetView(view(snap)).maxIPCountByPool).toEqual(new Map([["system", 30], ["user", 250]]));
  });

  it("merged contributions account exactly as the snapshots do, and rebuild each field's text as the NNC wrote it", () => {
    const f = vnetFields("podsubnet", "10.40.0.0/13");
    // Host bits set, a /32 written out, a bare address and garbage: each text must come back unchanged.
    const a = nc({ id: "nc-a", type: "vnetblock", primaryIP: "10.40.0.164/28", ipAssignments: ["10.40.0.5/32", "10.40.0.6", "10.40.0.999", "fd00::/64"], ...f });
    const b = nc({ id: "nc-b", type: "vnetblock", primaryIP: "10.40.0.160/28", ipAssignments: ["10.40.0.5", "10.40.0.6/32"], ...f });
    const snaps = [cluster("c1", [nnc("node-a", [a])]), cluster("c2", [nnc("node-b", [b])])];
    const direct = accountSubnets(snaps);
    expect(mergeSubnets(snaps.map(contributeSubnets))).toEqual(direct);
    const holders = direct.subnets[0]!.duplicates.flatMap((d) => d.holders.map((h) => `${h.nnc} ${h.field}=${h.value}`)).sort();
    expect(holders).toEqual([
      "node-a ipAssignments[0]=10.40.0.5/32",
      "node-a ipAssignments[1]=10.40.0.6",
      "node-a primaryIP=10.40.0.164/28",
      "node-b ipAssignments[0]=10.40.0.5",
      "node-b ipAssignments[1]=10.40.0.6/32",
      "node-b primaryIP=10.40.0.160/28",
    ]);
    expect(direct.subnets[0]!.problems.map((p) => `${p.kind} ${p.value}`)).toEqual(["host-bits-set 10.40.0.164/28", "malformed-address 10.40.0.999", "ipv6-skipped fd00::/64"]);
  });
});
