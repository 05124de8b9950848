// The IPAM mode ARM gives a cluster (DOMAIN.md §6): DRF003 compares it with the NCs, and the collector
// does not connect to a cluster ARM already says runs no CNS.
import type { ArmAgentPool, ArmCluster, IpamMode } from "./snapshot.js";

/** DOMAIN.md §6: the IPAM mode ARM gives a pool; "legacy" = node-subnet CNI without NNCs. */
export function armPoolMode(arm: ArmCluster, pool: ArmAgentPool): IpamMode | "legacy" | undefined {
  if ((arm.networkPlugin ?? "").toLowerCase() !== "azure") return undefined;
  if ((arm.networkPluginMode ?? "").toLowerCase() === "overlay") return "overlay";
  if (!pool.podSubnetID) return "legacy";
  return (pool.podIPAllocationMode ?? "").toLowerCase() === "staticblock" ? "vnetblock" : "dynamic";
}

/**
 * Why ARM's network profile and agent pools say the cluster runs no CNS; undefined when they say it
 * does, or say too little to tell (no network profile, no agent pools, a plugin this does not know).
 */
export function armNoCnsReason(arm: ArmCluster | undefined): string | undefined {
  const plugin = arm?.networkPlugin;
  if (!arm || !plugin) return undefined;
  const per = "it does not run Azure CNI with CNS as IPAM, per ARM networkProfile";
  if (["kubenet", "none"].includes(plugin.toLowerCase())) return `${per}: networkPlugin ${plugin}`;
  // Mixed pools: one pool on a pod subnet (or overlay, which is every pool) is enough for CNS.
  if (arm.pools.length > 0 && arm.pools.every((p) => armPoolMode(arm, p) === "legacy")) {
    return `${per}: networkPlugin ${plugin} without overlay, and no agent pool has a podSubnetID (node-subnet CNI, no NodeNetworkConfigs)`;
  }
  return undefined;
}
