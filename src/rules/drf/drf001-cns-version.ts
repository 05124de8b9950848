import { cnsVersionOf, compareVersions, sameVersion } from "../../analysis/cns.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { fleetBaseline } from "../baseline.js";
import { fleetWithData } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "DRF001",
    title: "CNS version differs from the fleet baseline",
    family: "DRF",
    severity: "info",
    description: "The cluster's azure-cns version (DaemonSet image tag) differs from the fleet baseline: the policy's baseline.cnsVersion, else the most common version in the fleet. Below baseline.minCnsVersion it is a warning.",
    remediation: "azure-cns is managed by AKS: upgrade the cluster (or its node image) to move it; set baseline.cnsVersion in the policy when the fleet's most common version is not the one you want.",
    reference: "DOMAIN.md §4",
    scope: "fleet",
  },
  function* (ctx): Generator<RuleResult> {
    const base = fleetBaseline(ctx);
    for (const c of fleetWithData(ctx)) {
      if (!c.cnsManaged) continue;
      const v = c.cnsVersion;
      if (!v) continue;
      const min = base.minCnsVersion;
      if (min && compareVersions(v, min) < 0) {
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("daemonset", "azure-cns"),
          message: `azure-cns ${v} is older than the policy minimum ${min}.`,
          data: { version: v, minimum: min, baseline: base.cnsVersion?.value ?? null },
        };
        continue;
      }
      const b = base.cnsVersion;
      if (!b || sameVersion(v, b.value)) continue;
      const whose = b.source === "policy" ? "the policy baseline" : `the fleet's most common version (${b.holders} of ${b.of} clusters)`;
      yield {
        severity: "info",
        cluster: c.name,
        resource: resource("daemonset", "azure-cns"),
        message: `azure-cns ${v} differs from ${whose} ${b.value}.`,
        data: { version: v, baseline: b.value, baselineSource: b.source },
      };
    }
  },
  (v) => (cnsVersionOf(v.snapshot) ? true : "no azure-cns image seen"),
);
