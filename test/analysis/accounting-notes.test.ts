// NC data the accounting cannot use as written becomes evaluation notes: per cluster and kind, naming
// the NNC and the bad value, bounded however many NCs are bad; IPv6 (dual stack) makes none.
import { describe, expect, it } from "vitest";
import { accountingProblemNotes } from "../../src/analysis/accounting-notes.js";
import { accountSubnets } from "../../src/analysis/subnets.js";
import { addr, blockNodes, cluster, nc, nnc, overlayNodes, vnetFields } from "./fixtures.js";

const BLK = vnetFields("podsubnet", "10.60.0.0/16");

describe("accounting problem notes", () => {
  it("names the cluster, the NNC and the bad value of each kind, and what it means for USED", () => {
    const a = accountSubnets([
      cluster("a", [
        ...blockNodes("a", 2, 2, "10.60.0.16", "10.60.0.0/16"),
        nnc("a-bad-primary", [nc({ type: "vnetblock", assignmentMode: "static", primaryIP: "banana", ipAssignments: ["10.60.1.0/28"], ...BLK })]),
        nnc("a-bad-block", [nc({ type: "vnetblock", assignmentMode: "static", primaryIP: "10.60.2.0/28", ipAssignments: ["10.60.0.999/28"], ...BLK })]),
        // Another NC of the subnet names its CIDR, so this one is still accounted; its own text is wrong.
        nnc("a-bad-cidr", [nc({ type: "vnetblock", assignmentMode: "static", primaryIP: "10.60.3.0/28", ...BLK, subnetAddressSpace: "not-a-cidr" })]),
        // No VNet names and no CIDR: its addresses are on no subnet at all.
        nnc("a-lost", [nc({ id: "nc-lost", type: "vnetblock", assignmentMode: "static", primaryIP: "10.61.0.0/28", subnetAddressSpace: "not-a-cidr" })]),
        // A dynamic (vnet) NC on the static-block subnet.
        nnc("a-dynamic", [nc({ type: "vnet", primaryIP: "10.60.4.4", ipAssignments: ["10.60.4.5"], ...BLK })]),
      ]),
    ]);
    // banana and 10.60.0.999/28 are not counted: 2 × 2 blocks + 10.60.1.0/28 + 10.60.2.0/28 + 10.60.3.0/28 + 2 dynamic.
    expect(a.subnets.map((s) => [s.cidr, s.mode, s.used])).toEqual([["10.60.0.0/16", "vnetblock", 7 * 16 + 2]]);
    expect(accountingProblemNotes(a)).toEqual([
      'cluster a: 2 NC address field(s) are not IPv4 addresses or CIDRs, so no pod subnet\'s USED counts them, e.g. NNC a-bad-primary primaryIP "banana" on 10.60.0.0/16 (vnetblock); NNC a-bad-block ipAssignments[0] "10.60.0.999/28" on 10.60.0.0/16 (vnetblock)',
      'cluster a: 2 NC(s) carry an unusable subnetAddressSpace, e.g. NNC a-bad-cidr subnetAddressSpace "not-a-cidr"; NNC a-lost subnetAddressSpace "not-a-cidr"',
      'cluster a: the addresses of 1 NC(s) are in no pod subnet\'s USED: they name no VNet subnet and no usable subnetAddressSpace, e.g. NNC a-lost NC "nc-lost"',
      'cluster a: 1 NC(s) are of another IPAM mode than the rest of their pod subnet (a subnet holds one mode; it is accounted as its most common), e.g. NNC a-dynamic type "vnet" on 10.60.0.0/16 (vnetblock)',
    ]);
  });

  it("keeps three mixed-mode problems per cluster and subnet, the last counting the rest, and notes them all", () => {
    // 1,200 static-block nodes; 1,000 dynamic NCs of cluster b and 2 of cluster c on the same subnet.
    const dynamic = (name: string, i: number) => nnc(name, [nc({ type: "vnet", primaryIP: addr("10.60.200.0", i), ...BLK })]);
    const accounting = accountSubnets([
      cluster("a", blockNodes("a", 1200, 1, "10.60.0.16", "10.60.0.0/16")),
      cluster("b", Array.from({ length: 1000 }, (_, i) => dynamic(`b-${i}`, i))),
      cluster("c", [dynamic("c-0", 1000), dynamic("c-1", 1001)]),
    ]);
    const mixed = accounting.subnets[0]!.problems.filter((p) => p.kind === "mixed-modes");
    expect(mixed.map((p) => [p.cluster, p.nnc, p.instances])).toEqual([
      ["b", "b-0", undefined],
      ["b", "b-1", undefined],
      ["b", "b-2", 998],
      ["c", "c-0", undefined],
      ["c", "c-1", undefined],
    ]);
    expect(accountingProblemNotes(accounting)).toEqual([
      'cluster b: 1000 NC(s) are of another IPAM mode than the rest of their pod subnet (a subnet holds one mode; it is accounted as its most common), e.g. NNC b-0 type "vnet" on 10.60.0.0/16 (vnetblock); NNC b-1 type "vnet" on 10.60.0.0/16 (vnetblock); NNC b-2 type "vnet" on 10.60.0.0/16 (vnetblock) and 997 more',
      'cluster c: 2 NC(s) are of another IPAM mode than the rest of their pod subnet (a subnet holds one mode; it is accounted as its most common), e.g. NNC c-0 type "vnet" on 10.60.0.0/16 (vnetblock); NNC c-1 type "vnet" on 10.60.0.0/16 (vnetblock)',
    ]);
  });

  it("makes one short note per cluster and kind however many NCs are bad, quoting at most 40 characters of a value", () => {
    const bad = Array.from({ length: 1000 }, (_, i) => nnc(`b-${i}`, [nc({ type: "vnet", primaryIP: i === 0 ? "x".repeat(5000) : `garbage-${i}`, ...vnetFields("pods", "10.70.0.0/16") })]));
    const notes = accountingProblemNotes(accountSubnets([cluster("b", bad), cluster("c", [bad[1]!])]));
    expect(notes).toHaveLength(2);
    expect(notes[0]).toBe(
      `cluster b: 1000 NC address field(s) are not IPv4 addresses or CIDRs, so no pod subnet's USED counts them, e.g. NNC b-0 primaryIP "${"x".repeat(40)}…" on 10.70.0.0/16 (dynamic); NNC b-1 primaryIP "garbage-1" on 10.70.0.0/16 (dynamic); NNC b-2 primaryIP "garbage-2" on 10.70.0.0/16 (dynamic) and 997 more`,
    );
    expect(notes[1]).toMatch(/^cluster c: 1 NC address field\(s\) .* e\.g\. NNC b-1 primaryIP "garbage-1"/);
    expect(notes.join("").length).toBeLessThan(1000);
  });

  it("says nothing of dual stack's IPv6 NCs and addresses: the accounting is IPv4 by design", () => {
    const v4 = overlayNodes("d", 2, "10.244.0.0/16");
    // ACN's IPv6 overlay NC beside each node's IPv4 one.
    for (const [i, n] of v4.entries()) n.networkContainers.push(nc({ type: "overlay", assignmentMode: "static", primaryIP: `fd00:0:0:${i}::/64`, subnetAddressSpace: "fd00::/48" }));
    const a = accountSubnets([cluster("d", v4)]);
    expect(a.subnets.map((s) => [s.cidr, s.used])).toEqual([["10.244.0.0/16", 512]]);
    expect(a.problems.map((p) => p.kind)).toEqual(["ipv6-skipped", "ipv6-skipped"]);
    expect(accountingProblemNotes(a)).toEqual([]);
  });
});
