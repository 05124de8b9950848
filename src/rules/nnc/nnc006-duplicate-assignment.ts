import type { DuplicateHold, NcHolder, SubnetAccount } from "../../analysis/subnets.js";
import { findingId, resource, type RuleResult } from "../../model/finding.js";
import { datedDuplicates, subnetAccounting } from "../analyses.js";
import type { FleetContext } from "../context.js";
import { defineRule } from "../rule.js";
import { listSome, subnetLabel } from "../scope.js";

const holderName = (h: Pick<NcHolder, "cluster" | "nnc">): string => `${h.cluster}/${h.nnc}`;

/** Duplicates grouped by the set of NNCs involved: a whole duplicated NNC is one problem, not sixteen. */
function byNncs(dups: readonly DuplicateHold[]): Map<string, { holders: NcHolder[]; dups: DuplicateHold[] }> {
  const groups = new Map<string, { holders: NcHolder[]; dups: DuplicateHold[] }>();
  for (const d of dups) {
    const key = [...new Set(d.holders.map(holderName))].sort().join("\u0000");
    const g = groups.get(key) ?? { holders: [], dups: [] };
    g.holders.push(...d.holders);
    g.dups.push(d);
    groups.set(key, g);
  }
  return groups;
}

function* findings(ctx: FleetContext, s: SubnetAccount, dups: readonly DuplicateHold[], stale: boolean): Generator<RuleResult> {
  for (const [key, g] of byNncs(dups)) {
    const clusters = [...new Set(g.holders.map((h) => h.cluster))].sort();
    const nncs = [...new Set(g.holders.map(holderName))].sort();
    const first = [...g.holders].sort((a, b) => holderName(a).localeCompare(holderName(b)))[0]!;
    const addresses = g.dups.reduce((n, d) => n + d.addresses, 0);
    const ranges = g.dups.map((d) => d.range);
    const fields = [...new Set(g.holders.map((h) => `${holderName(h)} ${h.field}`))];
    const where = `${listSome(ranges)} (${addresses} address${addresses === 1 ? "" : "es"}) on ${subnetLabel(ctx, s)}`;
    const who =
      nncs.length === 1
        ? `NNC ${nncs[0]} lists it more than once (${listSome(fields, 4)})`
        : `held by NNC ${listSome(nncs, 4)} (${listSome(fields, 4)})${clusters.length > 1 ? `, across clusters ${clusters.join(", ")}` : ""}`;
    const r: RuleResult = {
      severity: "critical",
      cluster: clusters[0] ?? first.cluster,
      ...(clusters.length > 1 ? { clusters } : {}),
      resource: resource("nnc", first.nnc),
      discriminator: `${s.key}\u0001${key}`,
      message: `${where} is ${who}: two nodes may give the same IP to different pods.`,
      data: { addresses, ranges: g.dups.length, scope: g.dups[0]!.scope, subnet: s.cidr },
    };
    if (!stale) {
      yield r;
      continue;
    }
    // Only a duplicate reported before is kept: the older data's cluster going dark fixes nothing.
    if (!ctx.previousFindings.has(findingId("NNC006", r))) continue;
    const newest = g.holders.reduce((a, h) => (h.takenAt > a.takenAt ? h : a)).takenAt;
    const old = [...new Map(g.holders.filter((h) => h.takenAt < newest).map((h) => [h.cluster, `${h.cluster} is from ${h.takenAt}`])).values()].sort();
    yield {
      ...r,
      severity: "warning",
      message: `${where} was reported ${who}. The data of ${listSome(old)}, a scan interval or more older than the rest: whether the addresses are still held twice is unknown until ${old.length === 1 ? "that cluster is" : "those clusters are"} read again.`,
      data: { ...r.data, stale: true },
    };
  }
}

export default defineRule(
  {
    id: "NNC006",
    title: "Duplicate assignment",
    family: "NNC",
    severity: "critical",
    description:
      "One address or overlapping block is held by two NCs (or listed twice by one), in one cluster or across clusters that share a pod subnet: two nodes may give the same IP to different pods. Across clusters only data read less than a scan interval apart counts (SCN004's interval, the longest of the clusters'): a cluster's older data (its last good snapshot while scans fail, or a deleted cluster's) shows where addresses were, and DNC-RC gives what one cluster released to another. A duplicate reported before that one of its clusters' data stops being renewed is kept as a warning until they are read together again.",
    remediation:
      "Find which node really owns the range (the newer NNC is usually the stale copy), cordon and drain the other node and delete its NNC so DNC-RC reallocates; check that no two clusters were given the same pod subnet by mistake.",
    reference: "DOMAIN.md §2, §6",
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      const { current, stale } = datedDuplicates(ctx, s);
      yield* findings(ctx, s, current, false);
      yield* findings(ctx, s, stale, true);
    }
  },
);
