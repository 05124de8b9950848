import type { DuplicateHold, NcHolder } from "../../analysis/subnets.js";
import { resource } from "../../model/finding.js";
import { subnetAccounting } from "../analyses.js";
import { defineRule } from "../rule.js";
import { listSome, subnetLabel } from "../scope.js";

const holderName = (h: Pick<NcHolder, "cluster" | "nnc">): string => `${h.cluster}/${h.nnc}`;

export default defineRule(
  {
    id: "NNC006",
    title: "Duplicate assignment",
    family: "NNC",
    severity: "critical",
    description: "One address or overlapping block is held by two NCs (or listed twice by one), in one cluster or across clusters that share a pod subnet: two nodes may give the same IP to different pods.",
    remediation:
      "Find which node really owns the range (the newer NNC is usually the stale copy), cordon and drain the other node and delete its NNC so DNC-RC reallocates; check that no two clusters were given the same pod subnet by mistake.",
    reference: "DOMAIN.md §2, §6",
    scope: "fleet",
  },
  function* (ctx) {
    for (const s of subnetAccounting(ctx).subnets) {
      // One finding per set of NNCs involved: a whole duplicated NNC is one problem, not sixteen.
      const groups = new Map<string, { holders: NcHolder[]; dups: DuplicateHold[] }>();
      for (const d of s.duplicates) {
        const nncs = [...new Set(d.holders.map(holderName))].sort();
        const key = nncs.join("\u0000");
        const g = groups.get(key) ?? { holders: [], dups: [] };
        g.holders.push(...d.holders);
        g.dups.push(d);
        groups.set(key, g);
      }
      for (const [key, g] of groups) {
        const clusters = [...new Set(g.holders.map((h) => h.cluster))].sort();
        const nncs = [...new Set(g.holders.map(holderName))].sort();
        const first = [...g.holders].sort((a, b) => holderName(a).localeCompare(holderName(b)))[0]!;
        const addresses = g.dups.reduce((n, d) => n + d.addresses, 0);
        const ranges = g.dups.map((d) => d.range);
        const fields = [...new Set(g.holders.map((h) => `${holderName(h)} ${h.field}`))];
        const who =
          nncs.length === 1
            ? `NNC ${nncs[0]} lists it more than once (${listSome(fields, 4)})`
            : `held by NNC ${listSome(nncs, 4)} (${listSome(fields, 4)})${clusters.length > 1 ? `, across clusters ${clusters.join(", ")}` : ""}`;
        yield {
          severity: "critical",
          cluster: clusters[0] ?? first.cluster,
          ...(clusters.length > 1 ? { clusters } : {}),
          resource: resource("nnc", first.nnc),
          discriminator: `${s.key}\u0001${key}`,
          message: `${listSome(ranges)} (${addresses} address${addresses === 1 ? "" : "es"}) on ${subnetLabel(ctx, s)} is ${who}: two nodes may give the same IP to different pods.`,
          data: { addresses, ranges: g.dups.length, scope: g.dups[0]!.scope, subnet: s.cidr },
        };
      }
    }
  },
);
