import { normalizeImage, podImages } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { clustersWithData, isCnsManaged } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "CNS005",
    title: "azure-cns image skew",
    family: "CNS",
    severity: "warning",
    description: "More than one azure-cns image runs in one cluster (pods, or pods and the DaemonSet template): a rollout that stalled.",
    remediation: "Check the DaemonSet rollout (kubectl -n kube-system rollout status ds/azure-cns); the pods still on the old image usually sit on nodes where the new pod cannot become Ready.",
    reference: "DOMAIN.md §4",
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const images = podImages(s);
      const template = normalizeImage(s.cns.daemonset?.images[0]);
      const all = new Set([...Object.keys(images), ...(template ? [template] : [])]);
      if (all.size <= 1) continue;
      const parts = [...all].sort().map((i) => `${i.slice(i.lastIndexOf("/") + 1)} on ${images[i] ?? 0} pod(s)${i === template ? " (template)" : ""}`);
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("daemonset", "azure-cns"),
        message: `${all.size} azure-cns images in one cluster: ${parts.join(", ")}. A rollout has stalled.`,
        data: Object.fromEntries([...all].map((i) => [i, images[i] ?? 0])),
      };
    }
  },
);
