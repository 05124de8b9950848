import { resource } from "../../model/finding.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "SCN003",
    title: "Cluster has no NNC API",
    family: "SCN",
    severity: "info",
    description: "The cluster serves no acn.azure.com NodeNetworkConfig API, or ARM's networkProfile says so without connecting: it does not run Azure CNI with CNS as IPAM (kubenet, legacy node-subnet CNI, or another CNI). Recorded and skipped.",
    remediation: "Nothing to do if this is intended; remove the cluster from the fleet to silence it.",
    reference: "RULES.md SCN",
  },
  function* (ctx) {
    for (const c of ctx.clusters) {
      if (c.latest.status !== "not-cns") continue;
      yield {
        severity: "info",
        cluster: c.name,
        resource: resource("cluster", c.name),
        // The collector's reason says how it was judged: ARM's networkProfile (not connected), or no NNC API found.
        message: `${c.latest.reason ?? "no acn.azure.com/v1alpha NodeNetworkConfig API: not Azure CNI with CNS as IPAM"}; skipped.`,
      };
    }
  },
);
