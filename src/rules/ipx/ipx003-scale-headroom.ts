import { roomWords, stoppedWords } from "../../analysis/headroom.js";
import { subnetAccounting, subnetHeadroom } from "../analyses.js";
import { defineRule } from "../rule.js";
import { plural, subnetLabel, subnetScope } from "../scope.js";

export default defineRule(
  {
    id: "IPX003",
    title: "Scale headroom",
    family: "IPX",
    severity: "warning",
    description:
      "The pod subnet (or overlay pod CIDR) cannot hold the nodes the autoscaler may add: Σ pools' max count plus an upgrade surge, times the addresses a node of that mode holds. Critical when today's nodes plus one upgrade's surge do not fit; clusters sharing the subnet that are short only if all upgrade at once are a warning. Stopped clusters count their nodes but no surge. Needs ARM agent-pool data; without it the exhaustion report says unknown.",
    remediation:
      "Lower maxCount or maxPods of the pools on this subnet, set a smaller maxSurge (maxSurge 0 with maxUnavailable 1 or more upgrades nodes in place, without a surge node), or give new pools their own pod subnet (overlay: expand the pod CIDR to a superset) before the autoscaler or an upgrade hits the limit.",
    reference: "DOMAIN.md §6",
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      const h = subnetHeadroom(ctx, s);
      // "unknown" is not "fits": the report shows it, but it is not a finding either way.
      if (h.status !== "exceeds-at-max" && h.status !== "exceeds-now") continue;
      const now = h.status === "exceeds-now";
      const partial = h.unknownClusters.length > 0 ? ` (${h.unknownClusters.map((u) => u.cluster).join(", ")} counted at current use: ${h.unknownClusters[0]!.reason})` : "";
      const stopped = h.stoppedClusters.length > 0 ? ` (${stoppedWords(h.stoppedClusters)})` : "";
      // Clusters upgrade independently: only all of them surging at once overflows, one at a time fits.
      const allAtOnce = !now && h.surgeClusters > 1 && (h.projectedNow ?? 0) > h.room;
      const what = now
        ? `the current nodes${h.surgeClusters === 0 ? "" : ` plus ${h.surgeClusters > 1 ? "one cluster's" : "an"} upgrade surge`} (${plural(h.nodesNowOneUpgrade ?? 0, "node")}) need up to ${h.projectedNowOneUpgrade} addresses`
        : allAtOnce
          ? `it is short if all ${h.surgeClusters} clusters upgrade at once: the current nodes plus their surges (${plural(h.nodesNow ?? 0, "node")}) need up to ${h.projectedNow} addresses (${h.projectedNowOneUpgrade} with one upgrade at a time, which fits; ${h.projectedAtMax} at the autoscaler maxima plus surge)`
          : `at the autoscaler maxima plus surge (${plural(h.nodesAtMax ?? 0, "node")}) the pools can take up to ${h.projectedAtMax} addresses`;
      // An overlay pod CIDR is the cluster's own, not a VNet subnet: ARM's SubnetIsFull is not what happens there.
      const outcome =
        s.mode === "overlay"
          ? ` It serves at most ${plural(h.nodeCapacity ?? 0, "node")} (one /24 each): ${now ? "the next node" : "nodes past that"} will get no pod CIDR and cannot run pods.`
          : now && h.surgeClusters === 0
            ? " Nodes past that will not get their addresses, and their pods cannot start."
            : now
              ? " An upgrade's surge node will not get its addresses: the upgrade fails with SubnetIsFull."
              : allAtOnce
                ? " Upgrades of these clusters that overlap can fail with SubnetIsFull: run them one at a time."
                : " Scale-out towards the maxima, or an upgrade then, can fail with SubnetIsFull.";
      yield {
        severity: now ? "critical" : "warning",
        ...subnetScope(s),
        message: `${subnetLabel(ctx, s)} has ${roomWords(h.room, s.capacity)}, but ${what}${partial}${stopped}.${outcome}`,
        data: {
          capacity: s.capacity,
          room: h.room,
          used: s.used,
          projectedAtMax: h.projectedAtMax,
          projectedNow: h.projectedNow,
          projectedNowOneUpgrade: h.projectedNowOneUpgrade,
          nodesAtMax: h.nodesAtMax,
          nodesNow: h.nodesNow,
          status: h.status,
          ...(h.stoppedClusters.length > 0 ? { stoppedClusters: h.stoppedClusters.join(", ") } : {}),
        },
      };
    }
  },
  // Without agent pools the headroom is unknown (the exhaustion report says so): not a pass.
  (v) => (v.snapshot.arm ? true : "no ARM agent-pool data"),
  // Nor is a subnet whose headroom is unknown because of another cluster on it.
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      const h = subnetHeadroom(ctx, s);
      if (h.status !== "unknown") continue;
      const why = h.unknownClusters.map((u) => `${u.cluster}: ${u.reason}`).join("; ");
      for (const cluster of s.clusters) yield [cluster, `headroom of ${subnetLabel(ctx, s)} unknown (${why})`];
    }
  },
);
