import { resource } from "../../model/finding.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "SCN002",
    title: "Cluster refused the auditor",
    family: "SCN",
    severity: "critical",
    description: "The API server answered 401 or 403 (the auditor's credentials were rejected, expired, or lack read access), or ARM refused the identity the cluster's credentials.",
    remediation: "Renew the credentials, or bind the auditor identity to the ClusterRole and kube-system Role in infra/kubernetes/fleet-audit-reader.yaml (AKS RBAC Reader alone does not reach nodes, NodeNetworkConfigs or pods/proxy).",
    reference: "RULES.md SCN",
  },
  function* (ctx) {
    for (const c of ctx.clusters) {
      if (c.latest.status !== "unauthorized") continue;
      yield {
        severity: "critical",
        cluster: c.name,
        resource: resource("cluster", c.name),
        // The reason names who refused: the API server (401/403), or ARM handing out its credentials.
        message: `the auditor was refused: ${c.latest.reason ?? "401/403"}.`,
      };
    }
  },
);
