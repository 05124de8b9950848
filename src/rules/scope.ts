// How rule results name what they are about, so every rule words and keys it the same way.
import type { SubnetAccount } from "../analysis/subnets.js";
import { resource } from "../model/finding.js";
import { subnetLabelsOf } from "./analyses.js";
import type { FleetContext } from "./context.js";

/** cluster, clusters (when shared), resource `subnet/CIDR` and the subnet key as identity. */
export function subnetScope(s: { key: string; cidr: string; clusters: readonly string[] }): {
  cluster: string;
  clusters?: string[];
  resource: string;
  discriminator: string;
} {
  return {
    cluster: s.clusters[0] ?? "",
    ...(s.clusters.length > 1 ? { clusters: [...s.clusters] } : {}),
    resource: resource("subnet", s.cidr),
    discriminator: s.key,
  };
}

/**
 * "pod subnet 10.1.0.0/24 (pods)", with its VNet when another of the fleet's subnets has the same CIDR
 * and name (as the exhaustion report labels it), or "overlay pod CIDR 10.244.0.0/16 of aks-a".
 */
export function subnetLabel(ctx: FleetContext, s: Pick<SubnetAccount, "key" | "cidr" | "mode" | "clusters">): string {
  if (s.mode === "overlay") return `overlay pod CIDR ${s.cidr}${s.clusters.length === 1 ? ` of ${s.clusters[0]}` : ""}`;
  return `pod subnet ${subnetLabelsOf(ctx).get(s.key) ?? s.cidr}`;
}

/** "a, b and 3 more": long lists stay one readable line. */
export function listSome(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
  return `${items.slice(0, max).join(", ")} and ${items.length - max} more`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
