// Dynamic-mode (Swift) scaler semantics, DOMAIN.md §2: which NNCs are dynamic, what counts as
// assigned, and the scaler as CNS clamps it. Static block and overlay NNCs have no scaler.
import type { Nnc, ScalerSettings } from "../model/snapshot.js";
import { DEFAULT_MAX_IP_COUNT } from "./headroom.js";
import { ncMode } from "./subnets.js";

/**
 * Dynamic when some NC is dynamic: type vnet (or absent/unknown: the CRD default) and not a static
 * assignment. An NNC with no NC at all is not judged as dynamic: nothing was allocated yet.
 */
export function isDynamicNnc(n: Nnc): boolean {
  return n.networkContainers.some((nc) => ncMode(nc) === "dynamic" && nc.assignmentMode.toLowerCase() !== "static");
}

/** Secondary IPs DNC-RC has given the node: assignedIPCount, or len(ipAssignments) when it is 0 (ACN PR #1908). */
export function assignedIPs(n: Nnc): { count: number; fromAssignments: boolean } {
  if (n.assignedIPCount > 0) return { count: n.assignedIPCount, fromAssignments: false };
  let count = 0;
  for (const nc of n.networkContainers) if (ncMode(nc) === "dynamic") count += nc.ipAssignments.length;
  return { count, fromAssignments: count > 0 };
}

/** scaler.batchSize as seen on AKS (DOMAIN.md §2): a dynamic node grows by 16 addresses at a time. */
export const DEFAULT_BATCH_SIZE = 16;

/** The scaler as CNS uses it: max < 1 → 250; batch in [1, max]; request% in [1, 100]; release% ≥ request% + 100. */
export function clampScaler(s: ScalerSettings): ScalerSettings {
  const maxIPCount = s.maxIPCount < 1 ? DEFAULT_MAX_IP_COUNT : s.maxIPCount;
  const batchSize = Math.min(Math.max(s.batchSize, 1), maxIPCount);
  const requestThresholdPercent = Math.min(Math.max(s.requestThresholdPercent, 1), 100);
  const releaseThresholdPercent = Math.max(s.releaseThresholdPercent, requestThresholdPercent + 100);
  return { batchSize, requestThresholdPercent, releaseThresholdPercent, maxIPCount };
}
