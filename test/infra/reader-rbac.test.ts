// infra/kubernetes/fleet-audit-reader.yaml grants exactly the collector's reads: what it reads in
// kube-system through a namespaced Role, and only nodes and the fleet-wide Pending-pod list cluster-wide.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CNS_NAMESPACE, NNC_GROUP } from "../../src/collect/collector.js";

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  subjects?: unknown[];
}

const FILE = path.resolve(import.meta.dirname, "../../infra/kubernetes/fleet-audit-reader.yaml");
const docs = parseAllDocuments(readFileSync(FILE, "utf8")).map((d) => d.toJS() as Doc);
const of = (kind: string): Doc => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe("fleet-audit-reader RBAC", () => {
  it("grants cluster-wide only listing nodes and pods (Pending pods fleet-wide)", () => {
    const rules = of("ClusterRole").rules!;
    expect(rules).toEqual([
      { apiGroups: [""], resources: ["nodes"], verbs: ["list"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
    ]);
    expect(of("ClusterRoleBinding").roleRef).toMatchObject({ kind: "ClusterRole", name: of("ClusterRole").metadata.name });
  });

  it("grants the rest in kube-system only: CNS metrics, the CNS DaemonSets, cns-config, NNCs and ClusterSubnetStates", () => {
    const role = of("Role");
    expect(role.metadata.namespace).toBe(CNS_NAMESPACE);
    const grants = role.rules!.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${g || "core"}/${res}${r.resourceNames ? `[${r.resourceNames.join(",")}]` : ""}`))));
    expect(grants.sort()).toEqual(
      [
        "get core/pods",
        "get core/pods/proxy",
        "get core/configmaps[cns-config]",
        "get apps/daemonsets[azure-cns,azure-cns-win]",
        `get ${NNC_GROUP}/nodenetworkconfigs`,
        `list ${NNC_GROUP}/nodenetworkconfigs`,
        `get ${NNC_GROUP}/clustersubnetstates`,
        `list ${NNC_GROUP}/clustersubnetstates`,
      ].sort(),
    );
    const binding = of("RoleBinding");
    expect(binding.metadata.namespace).toBe(CNS_NAMESPACE);
    expect(binding.roleRef).toMatchObject({ kind: "Role", name: role.metadata.name });
    expect(binding.subjects).toEqual(of("ClusterRoleBinding").subjects);
  });
});
