import { ncMode } from "../../analysis/subnets.js";
import { resource, type RuleResult } from "../../model/finding.js";
import { armPoolMode } from "../../model/arm-ipam.js";
import type { IpamMode, NodeInfo } from "../../model/snapshot.js";
import { agentPoolOf, clustersWithData, isCnsManaged, nncsByName } from "../context.js";
import { defineRule } from "../rule.js";

export const PODNETWORK_TYPE = "kubernetes.azure.com/podnetwork-type";

/** Node label value → mode (`vnet` is the dynamic pod subnet). */
function labelMode(v: string | undefined): IpamMode | undefined {
  if (v === "vnet") return "dynamic";
  if (v === "vnetblock" || v === "overlay") return v;
  return undefined;
}

const list = (names: string[]): string => (names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} more` : names.join(", "));

export default defineRule(
  {
    id: "DRF003",
    title: "IPAM mode disagrees",
    family: "DRF",
    severity: "warning",
    description: "A node's NC type (vnet / vnetblock / overlay) disagrees with its kubernetes.azure.com/podnetwork-type label, or with the mode ARM says its agent pool has (network plugin mode, podSubnetID, podIPAllocationMode).",
    remediation: "A pool cannot change mode in place: a disagreement means a half-finished migration or a pool created with other settings than intended; check the pool with az aks nodepool show and recreate it in the intended mode.",
    reference: "DOMAIN.md §6",
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const nncs = nncsByName(s);
      const modeOf = (n: NodeInfo): IpamMode | undefined => {
        const nc = nncs.get(n.name)?.networkContainers[0];
        return nc ? ncMode(nc) : undefined;
      };
      const labelled: string[] = [];
      for (const n of s.nodes) {
        const want = labelMode(n.labels[PODNETWORK_TYPE]);
        const have = modeOf(n);
        if (want && have && want !== have) labelled.push(`${n.name} (NC ${have}, label ${n.labels[PODNETWORK_TYPE]})`);
      }
      if (labelled.length) {
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("cluster", c.name),
          discriminator: "label",
          message: `${labelled.length} node(s) whose NC type disagrees with the ${PODNETWORK_TYPE} label: ${list(labelled)}.`,
          data: { nodes: labelled.length },
        };
      }
      if (!s.arm) continue;
      for (const pool of s.arm.pools) {
        const want = armPoolMode(s.arm, pool);
        if (!want) continue;
        const nodes = s.nodes.filter((n) => agentPoolOf(n) === pool.name);
        const wrong = nodes.filter((n) => {
          const have = modeOf(n);
          return want === "legacy" ? have !== undefined : have !== undefined && have !== want;
        });
        if (wrong.length === 0) continue;
        const haveModes = [...new Set(wrong.map(modeOf))].join("/");
        yield {
          severity: "warning",
          cluster: c.name,
          resource: resource("cluster", c.name),
          discriminator: `pool/${pool.name}`,
          message: `agent pool ${pool.name} is ${want === "legacy" ? "node-subnet CNI (no pod subnet)" : want} in ARM, but ${wrong.length} of its ${nodes.length} node(s) hold ${haveModes} NCs: ${list(wrong.map((n) => n.name))}.`,
          data: { pool: pool.name, armMode: want, nodes: wrong.length },
        };
      }
    }
  },
  (v) => (v.snapshot.arm || v.snapshot.nodes.some((n) => n.labels[PODNETWORK_TYPE]) ? true : `no ARM data and no node labelled ${PODNETWORK_TYPE}`),
);
