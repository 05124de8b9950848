import { overlayNodeCapacity } from "../../analysis/headroom.js";
import { parseAddress } from "../../analysis/ranges.js";
import { subnetAccounting } from "../analyses.js";
import { hasOverlayNcs } from "../context.js";
import { defineRule } from "../rule.js";
import { subnetLabel, subnetScope } from "../scope.js";

export default defineRule(
  {
    id: "IPX005",
    title: "Overlay pod CIDR node capacity",
    family: "IPX",
    severity: "warning",
    description: "An overlay node takes one /24 of the cluster pod CIDR, so the CIDR serves at most 2^(24 − prefix) nodes; this counts the /24s taken (NNCs, plus nodes still waiting for one).",
    remediation: "Expand the pod CIDR to a superset (az aks update --pod-cidr), then check every NNC's subnetAddressSpace against it; delete orphaned NNCs that still hold a /24.",
    reference: "DOMAIN.md §2 (overlay)",
    thresholds: { warningPercent: 80, criticalPercent: 95 },
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      if (s.mode !== "overlay") continue;
      const warn = ctx.threshold("IPX005", "warningPercent", s.clusters) / 100;
      const crit = ctx.threshold("IPX005", "criticalPercent", s.clusters) / 100;
      const parsed = parseAddress(s.cidr);
      if (!parsed.ok) continue;
      const capacity = overlayNodeCapacity(parsed.prefix);
      const share = s.perCluster[0];
      const view = ctx.fleet.find((c) => c.name === s.clusters[0]);
      if (!share || !view) continue;
      const waiting = view.nodesWithoutNnc;
      const taken = share.nncs + waiting;
      const ratio = capacity > 0 ? taken / capacity : 1;
      if (ratio < warn) continue;
      const orphans = share.nncs - share.nodes;
      const parts = [`${share.nodes} node(s) with an NNC`];
      if (orphans > 0) parts.push(`${orphans} NNC(s) without a node`);
      if (waiting > 0) parts.push(`${waiting} node(s) without an NNC`);
      const left = Math.max(0, capacity - taken);
      yield {
        severity: ratio >= crit ? "critical" : "warning",
        ...subnetScope(s),
        message: `${subnetLabel(ctx, s)} serves at most ${capacity} nodes (one /24 each) and ${taken} are taken (${parts.join(", ")}): ${left === 0 ? "no new node can join" : `${left} more node(s) can join`}.`,
        data: { nodeCapacity: capacity, taken, nodes: share.nodes, nncs: share.nncs, waiting, utilization: Number(ratio.toFixed(4)) },
      };
    }
  },
  (v) => (hasOverlayNcs(v.snapshot) ? true : "not an overlay cluster"),
);
