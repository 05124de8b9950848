// The IPAM mode ARM gives a cluster (DOMAIN.md §6): DRF003 compares it with the NCs, and the collector
// does not connect to a cluster ARM already says runs no CNI that could use CNS.
import type { ArmAgentPool, ArmCluster, IpamMode } from "./snapshot.js";

/** DOMAIN.md §6: the IPAM mode ARM gives a pool; "legacy" = node-subnet CNI without NNCs. */
export function armPoolMode(arm: ArmCluster, pool: ArmAgentPool): IpamMode | "legacy" | undefined {
  if ((arm.networkPlugin ?? "").toLowerCase() !== "azure") return undefined;
  if ((arm.networkPluginMode ?? "").toLowerCase() === "overlay") return "overlay";
  if (!pool.podSubnetID) return "legacy";
  return (pool.podIPAllocationMode ?? "").toLowerCase() === "staticblock" ? "vnetblock" : "dynamic";
}

const PER_ARM = "it does not run Azure CNI with CNS as IPAM, per ARM networkProfile";

/**
 * Why ARM's network profile says the cluster runs no CNS at all (kubenet, no plugin), so there is nothing
 * to connect to; undefined otherwise, or when ARM says too little to tell.
 */
export function armNoCnsReason(arm: ArmCluster | undefined): string | undefined {
  const plugin = arm?.networkPlugin;
  if (!arm || !plugin) return undefined;
  return ["kubenet", "none"].includes(plugin.toLowerCase()) ? `${PER_ARM}: networkPlugin ${plugin}` : undefined;
}

/**
 * Why ARM says the cluster is node-subnet Azure CNI (no pool on a pod subnet, no overlay): it is still
 * connected to, since nodes holding NCs there is the disagreement DRF003 reports; this reason stands in
 * for the scan only when connecting fails. Undefined when ARM says CNS, or too little to tell.
 */
export function armNodeSubnetReason(arm: ArmCluster | undefined): string | undefined {
  // Mixed pools: one pool on a pod subnet (or overlay, which is every pool) is enough for CNS.
  if (!arm?.networkPlugin || arm.pools.length === 0 || !arm.pools.every((p) => armPoolMode(arm, p) === "legacy")) return undefined;
  return `${PER_ARM}: networkPlugin ${arm.networkPlugin} without overlay, and no agent pool has a podSubnetID (node-subnet CNI, no NodeNetworkConfigs)`;
}
