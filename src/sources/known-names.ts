// Cluster names that stay put from one scan to the next (see keepKnownNames).
import type { ArmCluster } from "../model/snapshot.js";
import type { LatestEntry } from "../store/store.js";

/**
 * Names the store already knows win over what this listing alone would give, so a cluster's history
 * goes on under one name:
 * - a cluster the store knows by its ARM id keeps the name it has there: one known by its bare name
 *   keeps it when a namesake appears in another subscription (the listing names both apart by resource
 *   group; the newcomer keeps its qualified name);
 * - a cluster named apart by its resource group keeps that name when the namesake is missing from a
 *   listing (its subscription failed, or it was deleted). Only a qualified name exactly one listed
 *   cluster could have is taken over (histories written before the store kept ARM ids).
 * `latest`: the store's latest view; without it (unlisted, or the store failed) the names stand as listed.
 */
export function keepKnownNames<T extends { name: string; arm?: ArmCluster | undefined }>(items: readonly T[], latest: readonly LatestEntry[] | undefined): readonly T[] {
  if (!latest) return items;
  const known = new Set(latest.map((e) => e.cluster));
  // ARM resource ids are case-insensitive.
  const byArmId = new Map(latest.filter((e) => e.latest.armId).map((e) => [e.latest.armId!.toLowerCase(), e.cluster]));
  const qualified = (a: ArmCluster): string[] => [`${a.resourceGroup}/${a.name}`, `${a.subscriptionId}/${a.resourceGroup}/${a.name}`];
  const claims = new Map<string, number>();
  for (const it of items) if (it.arm) for (const q of qualified(it.arm)) claims.set(q, (claims.get(q) ?? 0) + 1);
  const taken = new Set(items.map((i) => i.name));
  return items.map((it) => {
    if (!it.arm || known.has(it.name)) return it;
    const own = byArmId.get(it.arm.id.toLowerCase());
    const name = own !== undefined && !taken.has(own) ? own : qualified(it.arm).find((q) => known.has(q) && claims.get(q) === 1 && !taken.has(q));
    if (name === undefined) return it;
    taken.add(name);
    return { ...it, name };
  });
}
