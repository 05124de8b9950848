import { resource } from "../../model/finding.js";
import { percentDown } from "../../percent.js";
import { batchShortfall, blocksLeft as blocksLeftOf, subnetAccounting } from "../analyses.js";
import { defineRule } from "../rule.js";
import { plural, subnetLabel } from "../scope.js";

export default defineRule(
  {
    id: "IPX001",
    title: "Pod subnet utilisation",
    family: "IPX",
    severity: "warning",
    description: "Unique addresses held by all NCs on one pod subnet, across every cluster that shares it, over its usable capacity (VNet subnet size − 5; overlay: the pod CIDR). A cluster whose scans fail counts with its last good data (its nodes may still hold those addresses: leaving them out could hide a subnet running out), an address in several clusters' data once. A static-block subnet with no whole /28 block left to assign, or a dynamic one with fewer free addresses than one scaler batch (no node can grow), is critical at any percent.",
    remediation: "Add address space before it runs out: a larger or additional pod subnet for new node pools, a lower maxPods on static-block pools, or expanding the overlay pod CIDR to a superset.",
    reference: "DOMAIN.md §6",
    thresholds: { warningPercent: 80, criticalPercent: 95 },
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      const warn = ctx.threshold("IPX001", "warningPercent", s.clusters) / 100;
      const crit = ctx.threshold("IPX001", "criticalPercent", s.clusters) / 100;
      // A static-block subnet is full when no whole /28 is left, which a small one reaches below 95 %
      // (a /24 at 89 %): capacity stays size − 5 as the contract defines it, so count blocks beside it.
      const blocksLeft = blocksLeftOf(s);
      const noBlock = blocksLeft === 0;
      // A dynamic node grows a batch at a time, so fewer free addresses than one batch is full for CNS.
      const noBatch = batchShortfall(ctx, s);
      if (s.utilization < warn && !noBlock && !noBatch) continue;
      const free = Math.max(0, s.capacity - s.used);
      const shared = s.clusters.length > 1 ? ` shared by ${s.clusters.length} clusters (${s.clusters.join(", ")})` : "";
      const blocks = blocksLeft === undefined ? "" : noBlock ? " No whole /28 block is left to assign (the first and last hold Azure's reserved addresses): no new node can get its blocks." : ` ${plural(blocksLeft, "whole /28 block")} left to assign.`;
      const batch = noBatch ? ` That is less than one allocation batch of ${noBatch.batch}: no node there can grow by a batch, so new pods wait for an IP.` : "";
      yield {
        severity: s.utilization >= crit || noBlock || noBatch ? "critical" : "warning",
        cluster: s.clusters[0] ?? "",
        ...(s.clusters.length > 1 ? { clusters: s.clusters } : {}),
        resource: resource("subnet", s.cidr),
        discriminator: s.key,
        message: `${subnetLabel(ctx, s)}${shared} is ${percentDown(s.utilization)} used: ${s.used} of ${s.capacity} usable addresses, ${free} left.${blocks}${batch}`,
        // The exact fraction: rounded, 0.94995 (a warning) would read 0.95, the critical threshold.
        data: { used: s.used, capacity: s.capacity, utilization: s.utilization, mode: s.mode, ...(blocksLeft !== undefined ? { blocksLeft } : {}), ...(noBatch ? { batchSize: noBatch.batch } : {}) },
      };
    }
  },
);
