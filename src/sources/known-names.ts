// Cluster names that stay put from one scan to the next (see keepKnownNames).
import type { ArmCluster } from "../model/snapshot.js";
import type { LatestEntry } from "../store/store.js";

/** A known cluster's ARM resource id: a failed scan's snapshot may carry none, the good ones before it still say. */
export function knownArmId(e: LatestEntry): string | undefined {
  return e.latest.armId ?? e.lastOk?.armId ?? e.previousOk?.armId;
}

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
 * `fromListing`: whether an item was named by an ARM listing; any other (a fleet-file entry, ARM data
 * and all) keeps the name the user gave it.
 */
export function keepKnownNames<T extends { name: string; arm?: ArmCluster | undefined }>(items: readonly T[], latest: readonly LatestEntry[] | undefined, fromListing: (it: T) => boolean): readonly T[] {
  if (!latest) return items;
  const known = new Set(latest.map((e) => e.cluster));
  // Which cluster each known name belongs to. A failed scan's snapshot may carry no ARM data: the good
  // ones before it still say. ARM resource ids are case-insensitive.
  const byArmId = new Map<string, string>();
  const armIdOf = new Map<string, string>();
  for (const e of latest) {
    const id = knownArmId(e)?.toLowerCase();
    if (id === undefined) continue;
    byArmId.set(id, e.cluster);
    armIdOf.set(e.cluster, id);
  }
  const qualified = (a: ArmCluster): string[] => [`${a.resourceGroup}/${a.name}`, `${a.subscriptionId}/${a.resourceGroup}/${a.name}`];
  const claims = new Map<string, number>();
  const listed = (it: T): it is T & { arm: ArmCluster } => it.arm !== undefined && fromListing(it);
  for (const it of items) if (listed(it)) for (const q of qualified(it.arm)) claims.set(q, (claims.get(q) ?? 0) + 1);
  const taken = new Set(items.map((i) => i.name));
  return items.map((it) => {
    if (!listed(it)) return it;
    const id = it.arm.id.toLowerCase();
    // A known name whose stored ARM id is another cluster's is that cluster's history, not this one's.
    const mine = (n: string): boolean => known.has(n) && (armIdOf.get(n) ?? id) === id;
    const own = byArmId.get(id);
    let name: string | undefined;
    if (own !== undefined && (own === it.name || !taken.has(own))) name = own;
    else if (mine(it.name)) return it;
    else name = qualified(it.arm).find((q) => mine(q) && claims.get(q) === 1 && !taken.has(q));
    // The listed name is another cluster's history: this one starts its own, apart by resource group.
    if (name === undefined && known.has(it.name)) name = qualified(it.arm).find((q) => !known.has(q) && claims.get(q) === 1 && !taken.has(q));
    if (name === undefined || name === it.name) return it;
    taken.add(name);
    return { ...it, name };
  });
}
