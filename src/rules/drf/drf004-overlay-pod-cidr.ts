import { parseAddress } from "../../analysis/ranges.js";
import { ncMode } from "../../analysis/subnets.js";
import { resource, type RuleResult } from "../../model/finding.js";
import type { ClusterSnapshot } from "../../model/snapshot.js";
import { clustersWithData, hasOverlayNcs } from "../context.js";
import { defineRule } from "../rule.js";

const canonical = (cidr: string): string => {
  const p = parseAddress(cidr);
  return p.ok ? p.canonical : cidr;
};

/** The cluster's pod CIDRs according to ARM, canonical. */
function armPodCidrs(s: ClusterSnapshot): string[] {
  const all = [...(s.arm?.podCidrs ?? []), ...(s.arm?.podCidr ? [s.arm.podCidr] : [])];
  return [...new Set(all.filter((c) => !c.includes(":")).map(canonical))];
}

function contains(outer: string, inner: string): boolean {
  const a = parseAddress(outer);
  const b = parseAddress(inner);
  return a.ok && b.ok && a.start <= b.start && b.end <= a.end;
}

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
      const off = new Map<string, string[]>();
      for (const n of s.nncs) {
        for (const nc of n.networkContainers) {
          if (ncMode(nc) !== "overlay" || !nc.subnetAddressSpace) continue;
          const have = canonical(nc.subnetAddressSpace);
          if (cidrs.includes(have)) continue;
          off.set(have, [...(off.get(have) ?? []), n.name]);
        }
      }
      if (off.size === 0) continue;
      const count = [...off.values()].reduce((a, b) => a + b.length, 0);
      const parts = [...off].map(([cidr, nodes]) => `${cidr} on ${nodes.length} NNC(s)${cidrs.some((a) => contains(a, cidr)) ? " (inside the ARM CIDR: the expansion has not reached them)" : ""}`);
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("cluster", c.name),
        message: `ARM says the pod CIDR is ${cidrs.join(", ")}, but ${count} overlay NC(s) carry another subnetAddressSpace: ${parts.join("; ")}.`,
        data: { armPodCidr: cidrs.join(","), nncs: count },
      };
    }
  },
  (v) => {
    if (!hasOverlayNcs(v.snapshot)) return "not an overlay cluster";
    if (!v.snapshot.arm) return "no ARM data";
    return armPodCidrs(v.snapshot).length === 0 ? "ARM has no pod CIDR" : true;
  },
);
