// The findings report as SARIF 2.1.0, for code-scanning dashboards and CI gates. Rule metadata comes
// from the rule catalogue; a finding's cluster and resource become logical locations, and the cluster
// also a path (`clusters/NAME`) for tools that accept only file locations.
import type { Severity } from "../../model/finding.js";
import type { RuleMeta } from "../../rules/rule.js";
import type { FindingsDocument } from "../kinds/findings.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function clusterArtifactUri(cluster: string): string {
  return `clusters/${encodeURIComponent(cluster)}`;
}

const LEVEL: Record<Severity, "error" | "warning" | "note"> = { critical: "error", warning: "warning", info: "note" };

export interface SarifOptions {
  toolVersion?: string;
  informationUri?: string;
}

/** "Subnet reported full" → "SubnetReportedFull" (SARIF wants an identifier-like rule name). */
function ruleName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

function sarifRule(m: RuleMeta): object {
  const props: Record<string, unknown> = { family: m.family, severity: m.severity, tags: ["aks", "azure-cni", m.family.toLowerCase()] };
  if (m.reference) props["reference"] = m.reference;
  if (m.thresholds) props["thresholds"] = m.thresholds;
  return {
    id: m.id,
    name: ruleName(m.title),
    shortDescription: { text: m.title },
    fullDescription: { text: m.description },
    help: { text: m.remediation, markdown: `**${m.title}** (${m.id})\n\n${m.description}\n\n**Remediation:** ${m.remediation}` },
    defaultConfiguration: { level: LEVEL[m.severity] },
    properties: props,
  };
}

export function toSarif(doc: FindingsDocument, rules: readonly RuleMeta[], opts: SarifOptions = {}): object {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = doc.findings.map((f) => {
    const slash = f.resource.indexOf("/");
    const kind = slash > 0 ? f.resource.slice(0, slash) : "resource";
    const name = slash > 0 ? f.resource.slice(slash + 1) : f.resource;
    const others = (f.clusters ?? []).filter((c) => c !== f.cluster);
    const props: Record<string, unknown> = { severity: f.severity, cluster: f.cluster, resource: f.resource, firstSeen: f.firstSeen, lastSeen: f.lastSeen };
    if (f.clusters) props["clusters"] = f.clusters;
    if (f.data) props["data"] = f.data;
    const r: Record<string, unknown> = {
      ruleId: f.rule,
      level: LEVEL[f.severity],
      message: { text: f.message },
      locations: [
        {
          // GitHub code scanning refuses a result without a repository-relative artifact URI; a
          // cluster has no file, so it gets a stable path of its own (percent-encoded name).
          physicalLocation: { artifactLocation: { uri: clusterArtifactUri(f.cluster) } },
          logicalLocations: [
            { name, fullyQualifiedName: `${f.cluster}/${f.resource}`, kind: "resource", properties: { resourceKind: kind } },
            { name: f.cluster, fullyQualifiedName: f.cluster, kind: "module", properties: { resourceKind: "cluster" } },
          ],
        },
      ],
      properties: props,
    };
    const ri = index.get(f.rule);
    if (ri !== undefined) r["ruleIndex"] = ri;
    // The finding id is stable across scans: what code-scanning tools use to track one alert.
    if (f.id) r["partialFingerprints"] = { "fleetAuditFindingId/v1": f.id };
    if (others.length > 0) {
      r["relatedLocations"] = others.map((c, i) => ({
        id: i + 1,
        message: { text: `also on cluster ${c}` },
        logicalLocations: [{ name: c, fullyQualifiedName: c, kind: "module", properties: { resourceKind: "cluster" } }],
      }));
    }
    if (f.waived) {
      const s: Record<string, unknown> = { kind: "external", status: "accepted", justification: f.waived.reason };
      if (f.waived.expires) s["properties"] = { expires: f.waived.expires };
      r["suppressions"] = [s];
    }
    return r;
  });
  const driver: Record<string, unknown> = {
    name: "fleet-audit",
    fullName: "aks-fleet-auditor",
    version: opts.toolVersion ?? "0.1.0",
    semanticVersion: opts.toolVersion ?? "0.1.0",
    rules: rules.map(sarifRule),
  };
  if (opts.informationUri) driver["informationUri"] = opts.informationUri;
  return {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver },
        automationDetails: { id: `fleet-audit/${doc.scanId}` },
        invocations: [{ executionSuccessful: true, endTimeUtc: doc.generatedAt }],
        results,
      },
    ],
  };
}
