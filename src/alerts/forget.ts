// What forgetting a cluster (`fleet-audit forget`) does to one destination's rows. Pure.
import { clustersOf, isAboutSubnet, narrowedTo } from "../model/finding.js";
import type { Announced } from "./plan.js";

export interface ForgetPlan {
  /** Rows about the cluster alone, or whose identity names it: dropped without a resolved notice. */
  deletes: string[];
  /** Rows about a pod subnet it shared: still open for the others, they stop naming it. */
  upserts: Announced[];
}

/**
 * A shared subnet's finding keeps its id whoever draws from the subnet (findingId), so dropping it would
 * have the next scan announce the still-open finding as new; it narrows to the remaining clusters. Any
 * other finding about several clusters is identified by all of them, so without the forgotten one it can
 * only go away: it is dropped, lest it later be sent as resolved.
 */
export function forgetPlan(rows: Iterable<Announced>, cluster: string): ForgetPlan {
  const plan: ForgetPlan = { deletes: [], upserts: [] };
  for (const a of rows) {
    const involved = clustersOf(a);
    if (!involved.includes(cluster)) continue;
    if (involved.some((c) => c !== cluster) && isAboutSubnet(a)) plan.upserts.push(narrowedTo(a, (c) => c !== cluster));
    else plan.deletes.push(a.findingId);
  }
  return plan;
}
