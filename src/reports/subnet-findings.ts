// Which findings are about a pod subnet's row: the dashboard and the exhaustion report colour the row
// by them, and the exhaustion report's severity filter keeps the row by them.
import type { SubnetUsage } from "../model/evaluation.js";
import { type Finding, resource, type Severity, severityRank, worstSeverity } from "../model/finding.js";

/** A subnet finding names its subnet as resource `subnet/CIDR` and its first cluster (rules/scope.ts subnetScope). */
const subnetFindingKey = (res: string, cluster: string): string => `${res}\u0000${cluster}`;

/** The key a subnet's findings are filed under (worstFindingAbout). */
export const subnetKeyOf = (s: Pick<SubnetUsage, "cidr" | "clusters">): string => subnetFindingKey(resource("subnet", s.cidr), s.clusters[0] ?? "");

/** The worst severity of the unwaived `findings` about each resource, by subnetKeyOf. */
export function worstFindingAbout(findings: readonly Finding[]): Map<string, Severity> {
  const worst = new Map<string, Severity>();
  for (const f of findings) {
    if (f.waived) continue;
    const k = subnetFindingKey(f.resource, f.cluster);
    const w = worst.get(k);
    if (!w || severityRank(f.severity) > severityRank(w)) worst.set(k, f.severity);
  }
  return worst;
}

/** A subnet's utilisation band (IPX001's default lines). */
const utilizationSeverity = (s: Pick<SubnetUsage, "utilization">): Severity | undefined => (s.utilization >= 0.95 ? "critical" : s.utilization >= 0.8 ? "warning" : undefined);

/**
 * A pod subnet row's severity, its colour everywhere and what the exhaustion filter keeps it by: the
 * worse of its utilisation band and its worst unwaived finding (IPX001 is critical for a dynamic subnet
 * under one batch free, whatever its band).
 */
export function subnetSeverity(findings: readonly Finding[]): (s: Pick<SubnetUsage, "utilization" | "cidr" | "clusters">) => Severity | undefined {
  const about = worstFindingAbout(findings);
  return (s) => worstSeverity([utilizationSeverity(s), about.get(subnetKeyOf(s))]);
}
