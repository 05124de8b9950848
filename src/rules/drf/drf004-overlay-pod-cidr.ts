import { normalizeCidr, parseCidr } from "cidr-tools";
import { parseAddress } from "../../analysis/ranges.js";
import { ncMode } from "../../analysis/subnets.js";
import { resource, type RuleResult } from "../../model/finding.js";
import type { ClusterSnapshot } from "../../model/snapshot.js";
import { clustersWithData, hasOverlayNcs } from "../context.js";
import { defineRule } from "../rule.js";

/** A pod CIDR of either family: dual stack has an IPv6 one beside the IPv4 one the accounting knows. */
interface PodCidr {
  family: 4 | 6;
  canonical: string;
  start: bigint;
  end: bigint;
}

function podCidr(text: string): PodCidr | null {
  const p = parseAddress(text);
  if (p.ok) return { family: 4, canonical: p.canonical, start: BigInt(p.start), end: BigInt(p.end) };
  if (p.kind !== "ipv6") return null;
  const { start, end } = parseCidr(text);
  return { family: 6, canonical: normalizeCidr(text), start, end };
}

/** The cluster's pod CIDRs according to ARM, canonical, of both families. */
function armPodCidrs(s: ClusterSnapshot): PodCidr[] {
  const all = [...(s.arm?.podCidrs ?? []), ...(s.arm?.podCidr ? [s.arm.podCidr] : [])];
  const parsed = all.map(podCidr).filter((c) => c !== null);
  return [...new Map(parsed.map((c) => [c.canonical, c])).values()];
}

const contains = (outer: PodCidr, inner: PodCidr): boolean => outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;

export default defineRule(
  {
    id: "DRF004",
    title: "Overlay pod CIDR differs from ARM",
    family: "DRF",
    severity: "warning",
    description: "An overlay NC's subnetAddressSpace is not the cluster's pod CIDR in ARM (podCidr / podCidrs): an expansion that has not reached every node, or a drifted NNC.",
    remediation: "After a pod CIDR expansion, every NNC's networkContainers[0].subnetAddressSpace must show the new CIDR (Learn: azure-cni-overlay-pod-expand); nodes that keep the old one need a reimage. CNS rejects non-superset changes (PrimaryCANotSame).",
    reference: "DOMAIN.md §2 overlay, §5.9",
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      const cidrs = armPodCidrs(s);
      if (cidrs.length === 0) continue;
      const off = new Map<string, { nncs: string[]; inside: boolean }>();
      for (const n of s.nncs) {
        for (const nc of n.networkContainers) {
          if (ncMode(nc) !== "overlay" || !nc.subnetAddressSpace) continue;
          const have = podCidr(nc.subnetAddressSpace);
          // Each family against ARM's of the same family (a dual-stack node has an IPv4 and an IPv6 NC);
          // ARM naming none of the NC's family has nothing to compare it with.
          if (have && (!cidrs.some((a) => a.family === have.family) || cidrs.some((a) => a.canonical === have.canonical))) continue;
          const shown = have?.canonical ?? nc.subnetAddressSpace;
          const entry = off.get(shown) ?? { nncs: [], inside: have !== null && cidrs.some((a) => contains(a, have)) };
          entry.nncs.push(n.name);
          off.set(shown, entry);
        }
      }
      if (off.size === 0) continue;
      const count = [...off.values()].reduce((a, b) => a + b.nncs.length, 0);
      const parts = [...off].map(([cidr, { nncs, inside }]) => `${cidr} on ${nncs.length} NNC(s)${inside ? " (inside the ARM CIDR: the expansion has not reached them)" : ""}`);
      const arm = cidrs.map((a) => a.canonical);
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("cluster", c.name),
        message: `ARM says the pod CIDR is ${arm.join(", ")}, but ${count} overlay NC(s) carry another subnetAddressSpace: ${parts.join("; ")}.`,
        data: { armPodCidr: arm.join(","), nncs: count },
      };
    }
  },
  (v) => {
    if (!hasOverlayNcs(v.snapshot)) return "not an overlay cluster";
    if (!v.snapshot.arm) return "no ARM data";
    return armPodCidrs(v.snapshot).length === 0 ? "ARM has no pod CIDR" : true;
  },
);
