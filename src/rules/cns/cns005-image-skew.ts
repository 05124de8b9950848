import { CNS_DAEMONSETS, cnsDaemonSet, normalizeImage, podImages } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import type { ClusterSnapshot, CnsDaemonSet, CnsDaemonSetName } from "../../model/snapshot.js";
import { clustersWithData, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS005",
    title: "azure-cns image skew",
    family: "CNS",
    severity: "warning",
    description:
      "More than one image runs in one CNS DaemonSet of a cluster (its pods, or its pods and its template; azure-cns and azure-cns-win are judged apart, so a Windows image beside a Linux one is no skew), split as in a previous scan at least `graceMinutes` earlier or with no more pods updated since: a rollout that stalled. A rollout still moving is not flagged.",
    remediation:
      "Check the DaemonSet rollout (kubectl -n kube-system rollout status ds/azure-cns, or ds/azure-cns-win); the pods still on the old image usually sit on nodes where the new pod cannot become Ready.",
    reference: "DOMAIN.md §4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      // Two images are every rollout's middle: only a split that has not moved since the previous scan is stalled.
      // A re-scan minutes later says nothing about progress: a rollout steps one node at a time.
      const prev = c.previous;
      if (!prev || within(s.takenAt, prev.takenAt, ctx.threshold("CNS005", "graceMinutes", c.name) * 60_000)) continue;
      for (const name of CNS_DAEMONSETS) {
        const ds = cnsDaemonSet(s, name);
        // azure-cns-win unread (older snapshot, or the scan was refused it): its pods were not read or kept either.
        if (ds === undefined) continue;
        const now = imageSplit(s, name);
        if (now.size <= 1) continue;
        if (!stalled(now, imageSplit(prev, name), ds, cnsDaemonSet(prev, name) ?? null)) continue;
        const template = normalizeImage(ds?.images[0]);
        const parts = [...now.keys()].sort().map((i) => `${i.slice(i.lastIndexOf("/") + 1)} on ${now.get(i)} pod(s)${i === template ? " (template)" : ""}`);
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("daemonset", name),
          message: `${now.size} ${name} images in one cluster: ${parts.join(", ")}, as at ${prev.takenAt}. A rollout has stalled.`,
          data: Object.fromEntries(now),
        };
      }
    }
  },
);

/** Pod count per image of one DaemonSet, its template's image included (0 pods before a rollout starts). */
function imageSplit(s: ClusterSnapshot, name: CnsDaemonSetName): Map<string, number> {
  const out = new Map(Object.entries(podImages(s, name)));
  const template = normalizeImage(cnsDaemonSet(s, name)?.images[0]);
  if (template && !out.has(template)) out.set(template, 0);
  return out;
}

/** The same images as before, and either the same pod counts or a DaemonSet whose updated count has not grown. */
function stalled(now: Map<string, number>, before: Map<string, number>, ds: CnsDaemonSet | null, dsBefore: CnsDaemonSet | null): boolean {
  if (now.size !== before.size || [...now.keys()].some((i) => !before.has(i))) return false;
  if ([...now].every(([i, n]) => before.get(i) === n)) return true;
  return ds !== null && dsBefore !== null && ds.images[0] === dsBefore.images[0] && ds.updated <= dsBefore.updated;
}
