// How a pod subnet reads for people: "10.40.0.0/13 (podsubnet)". Per-cluster VNets cut from one address
// plan reuse CIDR and subnet name, and every AKS overlay cluster has 10.244.0.0/16: such rows would read
// the same, so a label that repeats within one rendering gets what tells its subnets apart.
import { parseArmSubnetId } from "./subnet-keys.js";

export interface LabelledSubnet {
  key: string;
  cidr: string;
  name?: string;
  mode: string;
  clusters: readonly string[];
}

/** Overlay "subnet names" are generated routing-domain ids: noise in a label. */
function shownName(s: LabelledSubnet): string | undefined {
  return s.name && s.mode !== "overlay" ? s.name : undefined;
}

/**
 * What tells the subnet apart from others of the same CIDR and name, most telling first: the VNet, its
 * resource group, its subscription (from the ARM key); an overlay pod CIDR is its cluster's own.
 */
function distinctions(s: LabelledSubnet): string[] {
  if (s.mode === "overlay") return [`overlay of ${s.clusters.join(", ")}`];
  const id = parseArmSubnetId(s.key);
  // Keyed by CIDR alone: its NCs did not say which VNet.
  if (!id) return ["VNet unknown"];
  return [id.vnet, `resource group ${id.resourceGroup}`, `subscription ${id.subscription}`];
}

/** Marks a prefix that subnets of more than one key share. */
const MANY = Symbol("many");

const prefix = (d: number, ds: readonly string[]): string => ds.slice(0, d).join("\u0000");

function label(s: LabelledSubnet, extra: readonly string[]): string {
  const parts = [shownName(s), ...extra].filter((p): p is string => p !== undefined);
  return parts.length ? `${s.cidr} (${parts.join(", ")})` : s.cidr;
}

/**
 * The label of every subnet of one rendering (a table, a page), by key: CIDR and name where that is
 * unique, else with as few distinctions (VNet, then resource group, then subscription) as tell it from
 * the others of the same CIDR and name. Give it every subnet the rendering shows, so its parts agree.
 */
export function subnetLabels(subnets: readonly LabelledSubnet[]): Map<string, string> {
  const groups = new Map<string, LabelledSubnet[]>();
  for (const s of subnets) {
    const plain = label(s, []);
    const group = groups.get(plain);
    if (group) group.push(s);
    else groups.set(plain, [s]);
  }
  const out = new Map<string, string>();
  for (const [plain, group] of groups) {
    // Nearly every group is one subnet (or one key seen twice): nothing to tell apart.
    if (group.every((o) => o.key === group[0]!.key)) {
      for (const s of group) out.set(s.key, plain);
      continue;
    }
    const all = group.map(distinctions);
    const depths = all.reduce((most, ds) => Math.max(most, ds.length), 0);
    // Per depth, the key of the only subnet whose distinctions start so, or MANY: one pass, not one per subnet.
    const owners = Array.from({ length: depths + 1 }, () => new Map<string, string | typeof MANY>());
    for (let d = 1; d <= depths; d++) {
      const byPrefix = owners[d]!;
      all.forEach((ds, i) => {
        const p = prefix(d, ds);
        const owner = byPrefix.get(p);
        if (owner === undefined) byPrefix.set(p, group[i]!.key);
        else if (owner !== group[i]!.key) byPrefix.set(p, MANY);
      });
    }
    group.forEach((s, i) => {
      const mine = all[i]!;
      // The shortest prefix no other subnet of the group shares.
      let d = 1;
      while (d < mine.length && owners[d]!.get(prefix(d, mine)) === MANY) d++;
      return out.set(s.key, label(s, mine.slice(0, d)));
    });
  }
  return out;
}
