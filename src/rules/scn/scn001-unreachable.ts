import { resource } from "../../model/finding.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "SCN001",
    title: "Cluster unreachable",
    family: "SCN",
    severity: "critical",
    description: "The cluster's API server could not be read: connect error, TLS failure, timeout, or a scan that failed part-way (5xx, malformed or truncated responses).",
    remediation: "Check the API server endpoint, network path (private clusters need VNet integration) and the certificate authority; the reason names the call that failed.",
    reference: "RULES.md SCN",
  },
  function* (ctx) {
    for (const c of ctx.clusters) {
      const { status, reason } = c.latest;
      if (status !== "unreachable" && status !== "error") continue;
      const verb = status === "unreachable" ? "unreachable" : "scan failed";
      yield {
        severity: "critical",
        cluster: c.name,
        resource: resource("cluster", c.name),
        message: `${verb}: ${reason ?? "no reason recorded"}. The fleet is blind here${c.snapshot.status === "ok" ? ` (using data from ${c.snapshot.takenAt})` : ""}.`,
        data: { status },
      };
    }
  },
);
