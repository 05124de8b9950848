// Which findings are about a pod subnet's row: the dashboard colours the row by them, and the
// exhaustion report's severity filter keeps the row by them.
import type { SubnetUsage } from "../model/evaluation.js";
import { type Finding, resource, type Severity, severityRank } from "../model/finding.js";

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
