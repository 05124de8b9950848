import { normalizeImage, podImages } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import type { ClusterSnapshot, CnsDaemonSet } from "../../model/snapshot.js";
import { clustersWithData, isCnsManaged, NODE_GRACE_MINUTES, within } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS005",
    title: "azure-cns image skew",
    family: "CNS",
    severity: "warning",
    description: "More than one azure-cns image runs in one cluster (pods, or pods and the DaemonSet template), split as in a previous scan at least `graceMinutes` earlier or with no more pods updated since: a rollout that stalled. A rollout still moving is not flagged.",
    remediation: "Check the DaemonSet rollout (kubectl -n kube-system rollout status ds/azure-cns); the pods still on the old image usually sit on nodes where the new pod cannot become Ready.",
    reference: "DOMAIN.md §4",
    thresholds: { graceMinutes: NODE_GRACE_MINUTES },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const now = imageSplit(s);
      if (now.size <= 1) continue;
      // Two images are every rollout's middle: only a split that has not moved since the previous scan is stalled.
      // A re-scan minutes later says nothing about progress: a rollout steps one node at a time.
      const prev = c.previous;
      if (!prev || within(s.takenAt, prev.takenAt, ctx.threshold("CNS005", "graceMinutes", c.name) * 60_000)) continue;
      if (!stalled(now, imageSplit(prev), s.cns.daemonset, prev.cns.daemonset)) continue;
      const template = normalizeImage(s.cns.daemonset?.images[0]);
      const parts = [...now.keys()].sort().map((i) => `${i.slice(i.lastIndexOf("/") + 1)} on ${now.get(i)} pod(s)${i === template ? " (template)" : ""}`);
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("daemonset", "azure-cns"),
        message: `${now.size} azure-cns images in one cluster: ${parts.join(", ")}, as at ${prev.takenAt}. A rollout has stalled.`,
        data: Object.fromEntries(now),
      };
    }
  },
);

/** Pod count per image, the template's image included (0 pods before a rollout starts). */
function imageSplit(s: ClusterSnapshot): Map<string, number> {
  const out = new Map(Object.entries(podImages(s)));
  const template = normalizeImage(s.cns.daemonset?.images[0]);
  if (template && !out.has(template)) out.set(template, 0);
  return out;
}

/** The same images as before, and either the same pod counts or a DaemonSet whose updated count has not grown. */
function stalled(now: Map<string, number>, before: Map<string, number>, ds: CnsDaemonSet | null, dsBefore: CnsDaemonSet | null): boolean {
  if (now.size !== before.size || [...now.keys()].some((i) => !before.has(i))) return false;
  if ([...now].every(([i, n]) => before.get(i) === n)) return true;
  return ds !== null && dsBefore !== null && ds.images[0] === dsBefore.images[0] && ds.updated <= dsBefore.updated;
}
