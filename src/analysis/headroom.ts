// IPX003: can a subnet hold the nodes the autoscaler (and an upgrade surge) may add? DOMAIN.md §6.
// Pure: the subnet's accounting plus the ARM view of the clusters in, a verdict and its numbers out.
// Without ARM pool data the answer is "unknown", never "fits".
import { type ArmAgentPool, type ArmCluster, type IpamMode, isStopped } from "../model/snapshot.js";
import { assignableBlocks, BLOCK_SIZE, blockAddressesPerNode } from "./blocks.js";
import { parseAddress } from "./ranges.js";
import { subnetKeyFromArmId } from "./subnets.js";

/** CNS's cap on a dynamic node's secondary IPs when the NNC scaler says nothing (DOMAIN.md §1). */
export const DEFAULT_MAX_IP_COUNT = 250;
/** AKS default maxPods per mode (DOMAIN.md §6), used only when ARM omits it. */
export const DEFAULT_MAX_PODS: Readonly<Record<IpamMode, number>> = { dynamic: 110, vnetblock: 110, overlay: 250 };
/** An overlay node holds one /24 of the pod CIDR. */
export const OVERLAY_ADDRESSES_PER_NODE = 256;

/** Dynamic mode: at most min(maxIPCount, 16 × ceil((maxPods + 8)/16)) secondaries + 1 NC primary. */
export function dynamicAddressesPerNode(maxPods: number, maxIPCount = DEFAULT_MAX_IP_COUNT): number {
  return Math.min(maxIPCount, 16 * Math.ceil((maxPods + 8) / 16)) + 1;
}

/** Pod-subnet (or pod-CIDR) addresses one node of a pool can hold at most, by mode. */
export function perNodeAddresses(mode: IpamMode, maxPods: number, maxIPCount = DEFAULT_MAX_IP_COUNT): number {
  switch (mode) {
    case "dynamic":
      return dynamicAddressesPerNode(maxPods, maxIPCount);
    case "vnetblock":
      return blockAddressesPerNode(maxPods);
    case "overlay":
      return OVERLAY_ADDRESSES_PER_NODE;
  }
}

/** Nodes an overlay pod CIDR can serve: 2^(24 − prefix); 0 when the CIDR is smaller than a /24. */
export function overlayNodeCapacity(prefix: number): number {
  return prefix <= 24 ? 2 ** (24 - prefix) : 0;
}

/**
 * Surge nodes of one pool: `maxSurge` absolute ("3") or percent of the pool's count ("33%", rounded
 * up as AKS does). An explicit "0" or "0%" is no surge node: with maxUnavailable ≥ 1 AKS drains nodes in
 * place, as it advises for subnets short of IPs. Unset or unreadable counts as 1 (DOMAIN.md §6: at least
 * +1), with a note.
 */
export function surgeNodes(maxSurge: string | undefined, count: number): { nodes: number; note?: string } {
  if (count <= 0) return { nodes: 0 };
  const text = (maxSurge ?? "").trim();
  if (text === "") return { nodes: 1, note: "maxSurge unset: 1 surge node assumed" };
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) return { nodes: Math.max(0, Math.ceil((count * Number(percent[1])) / 100 - 1e-9)) };
  if (/^\d+$/.test(text)) return { nodes: Number(text) };
  return { nodes: 1, note: `maxSurge ${JSON.stringify(maxSurge)} unreadable: 1 surge node assumed` };
}

/** One cluster as far as headroom is concerned. */
export interface HeadroomCluster {
  cluster: string;
  /** ARM view; absent when ARM was not read (then the cluster's share is unknown). */
  arm?: ArmCluster;
  /**
   * scaler.maxIPCount seen on each pool's NNCs (dynamic mode), by pool name. A pool with none seen (scaled
   * to zero, or its nodes unlabelled) is costed from its own maxPods (maxIPCount 250), never another pool's.
   */
  maxIPCountByPool?: ReadonlyMap<string, number>;
}

/** What headroom needs to know about the subnet (a SubnetAccount fits). */
export interface HeadroomSubnet {
  key: string;
  cidr: string;
  mode: IpamMode;
  capacity: number;
  used: number;
  clusters: readonly string[];
  perCluster?: ReadonlyArray<{ cluster: string; used: number }>;
}

export interface PoolDemand {
  cluster: string;
  pool: string;
  mode: IpamMode;
  maxPods: number;
  perNode: number;
  /** null when ARM gives no usable count. */
  nodesNow: number | null;
  nodesMax: number | null;
  surgeNow: number;
  surgeMax: number;
  notes: string[];
}

export type HeadroomStatus = "fits" | "exceeds-at-max" | "exceeds-now" | "unknown";

export interface Headroom {
  key: string;
  mode: IpamMode;
  /** exceeds-now: even current nodes + surge do not fit; exceeds-at-max: the autoscaler maxima + surge do not. */
  status: HeadroomStatus;
  capacity: number;
  /** What the pools can be given: `capacity`, or for static blocks the addresses of the assignable /28s. */
  room: number;
  used: number;
  /** Addresses the known pools need at their maxima plus surge (plus what unknown clusters hold now). */
  projectedAtMax: number | null;
  /** Current node counts, at least what each cluster holds, plus every running cluster's surge at once: dynamic nodes at what they hold now, a surge node at its most. */
  projectedNow: number | null;
  /** Current node counts plus the largest single cluster's surge: what one upgrade at a time needs. `exceeds-now` is judged on it. */
  projectedNowOneUpgrade: number | null;
  utilizationAtMax: number | null;
  nodesAtMax: number | null;
  nodesNow: number | null;
  /** Current nodes plus the surge nodes of the upgrade counted in `projectedNowOneUpgrade`. */
  nodesNowOneUpgrade: number | null;
  /** Running clusters whose surge `projectedNow` adds (they may all upgrade at once). */
  surgeClusters: number;
  /** Stopped clusters (ARM powerState) with pools here: their nodes count, their surge not (a stopped cluster is not upgraded). */
  stoppedClusters: string[];
  /** Overlay: how many nodes the pod CIDR can serve. */
  nodeCapacity?: number;
  pools: PoolDemand[];
  /** Clusters on the subnet whose share could not be projected, and why. */
  unknownClusters: Array<{ cluster: string; reason: string }>;
  note: string;
}

/** IPX003 for one subnet: the pools that draw from it, what they need at most, and whether it fits. */
export function assessHeadroom(subnet: HeadroomSubnet, clusters: readonly HeadroomCluster[]): Headroom {
  const byName = new Map(clusters.map((c) => [c.cluster, c]));
  const unknown = new Map<string, string>();
  const pools: PoolDemand[] = [];
  let nodeCapacity: number | undefined;

  if (subnet.mode === "overlay") {
    const parsed = parseAddress(subnet.cidr);
    if (parsed.ok) nodeCapacity = overlayNodeCapacity(parsed.prefix);
    // Every pool of an overlay cluster draws /24s from its one pod CIDR.
    for (const name of subnet.clusters) {
      const c = byName.get(name);
      if (!c?.arm) unknown.set(name, "no ARM data");
      else if (c.arm.pools.length === 0) unknown.set(name, "ARM lists no agent pools");
      else for (const p of c.arm.pools) pools.push(demand(name, p, "overlay"));
    }
  } else if (subnet.key.startsWith("/subscriptions/")) {
    for (const c of clusters) {
      if (!c.arm) continue;
      const matching = c.arm.pools.filter((p) => subnetKeyFromArmId(p.podSubnetID) === subnet.key);
      for (const p of matching) {
        const d = demand(c.cluster, p, poolMode(p), c.maxIPCountByPool?.get(p.name));
        // ARM decides what the pool will take; the NCs only say what the subnet holds today.
        if (d.mode !== subnet.mode) d.notes.push(`pool is ${d.mode} in ARM but the subnet's NCs are ${subnet.mode}`);
        pools.push(d);
      }
    }
    const drawing = new Set(pools.map((p) => p.cluster));
    for (const name of subnet.clusters) {
      if (drawing.has(name)) continue;
      const c = byName.get(name);
      unknown.set(name, c?.arm ? "no ARM agent pool has this podSubnetID" : "no ARM data");
    }
  } else {
    for (const name of subnet.clusters) unknown.set(name, "the NCs do not name the subnet's VNet, so ARM pools cannot be matched to it");
  }

  // A pool without a node count makes its cluster's share unknown.
  for (const p of pools) if (p.nodesNow === null || p.nodesMax === null) unknown.set(p.cluster, `pool ${p.pool}: ${p.notes.join("; ")}`);
  const known = pools.filter((p) => !unknown.has(p.cluster));

  let projectedAtMax = 0;
  let heldNow = 0;
  let nodesAtMax = 0;
  let nodesHeldNow = 0;
  // Each running cluster's surge now; clusters upgrade independently, so they may overlap or not.
  const surges: Array<{ addresses: number; nodes: number }> = [];
  const stoppedClusters: string[] = [];
  for (const cluster of new Set(known.map((p) => p.cluster))) {
    const own = known.filter((p) => p.cluster === cluster) as Array<PoolDemand & { nodesNow: number; nodesMax: number }>;
    // One pool surges at a time (DOMAIN.md §6 adds one maxSurge): take the costliest.
    const surgeMax = maxBy(own, (p) => p.surgeMax * p.perNode);
    const surgeNow = maxBy(own, (p) => p.surgeNow * p.perNode);
    // A dynamic node holds what its pods need (batches of 16), not its worst case: today's nodes count
    // at what they hold, or a subnet with room to spare reads as full now. Blocks and /24s are whole
    // from a node's start, so there the worst case is what they hold. In every mode, what the cluster
    // holds beyond what ARM's nodes can (orphaned NNCs keep their blocks) is taken too, now and at max.
    const armNow = sum(own, (p) => p.nodesNow * p.perNode);
    const held = subnet.perCluster?.find((c) => c.cluster === cluster)?.used;
    const beyondArm = Math.max(0, (held ?? 0) - armNow);
    heldNow += subnet.mode === "dynamic" ? (held ?? armNow) : armNow + beyondArm;
    projectedAtMax += sum(own, (p) => p.nodesMax * p.perNode) + (surgeMax ? surgeMax.surgeMax * surgeMax.perNode : 0) + beyondArm;
    nodesAtMax += sum(own, (p) => p.nodesMax) + (surgeMax?.surgeMax ?? 0);
    nodesHeldNow += sum(own, (p) => p.nodesNow);
    // A stopped cluster keeps its nodes' share but cannot be upgraded, so it has no surge now.
    if (isStopped(byName.get(cluster)?.arm)) stoppedClusters.push(cluster);
    else if (surgeNow && surgeNow.surgeNow > 0) surges.push({ addresses: surgeNow.surgeNow * surgeNow.perNode, nodes: surgeNow.surgeNow });
  }
  const largestSurge = maxBy(surges, (u) => u.addresses);
  const projectedNow = heldNow + sum(surges, (u) => u.addresses);
  const nodesNow = nodesHeldNow + sum(surges, (u) => u.nodes);
  // What unknown clusters hold today is a floor for their share.
  const usedByUnknown = sum([...unknown.keys()], (name) => subnet.perCluster?.find((s) => s.cluster === name)?.used ?? 0);
  const floorAtMax = projectedAtMax + usedByUnknown;
  const floorNow = projectedNow + usedByUnknown;
  const floorNowOneUpgrade = heldNow + (largestSurge?.addresses ?? 0) + usedByUnknown;

  const base = {
    key: subnet.key,
    mode: subnet.mode,
    capacity: subnet.capacity,
    room: headroomRoom(subnet.mode, subnet.capacity),
    used: subnet.used,
    pools,
    unknownClusters: [...unknown].map(([cluster, reason]) => ({ cluster, reason })).sort((a, b) => (a.cluster < b.cluster ? -1 : 1)),
  };
  const withNodes = <T extends object>(h: T): T & { nodeCapacity?: number } => (nodeCapacity === undefined ? h : { ...h, nodeCapacity });

  if (known.length === 0) {
    const why = base.unknownClusters.map((u) => `${u.cluster}: ${u.reason}`).join("; ");
    return withNodes({
      ...base,
      status: "unknown",
      projectedAtMax: null,
      projectedNow: null,
      projectedNowOneUpgrade: null,
      utilizationAtMax: null,
      nodesAtMax: null,
      nodesNow: null,
      nodesNowOneUpgrade: null,
      surgeClusters: 0,
      stoppedClusters: [],
      note: `unknown: no agent-pool data for this subnet${why ? ` (${why})` : ""}`,
    });
  }

  const { room } = base;
  let status: HeadroomStatus;
  // Critical only if one upgrade at a time is short; all running clusters surging at once is a warning.
  if (floorNowOneUpgrade > room) status = "exceeds-now";
  else if (floorAtMax > room || floorNow > room) status = "exceeds-at-max";
  else status = unknown.size > 0 ? "unknown" : "fits";

  const clusterCount = new Set(known.map((p) => p.cluster)).size;
  const need = `${known.length} pool(s) in ${clusterCount} cluster(s) need ${floorAtMax} of ${room} addresses${room !== subnet.capacity ? " in whole /28 blocks" : ""} at max + surge (${nowWords(floorNow, floorNowOneUpgrade, surges.length)})`;
  const stopped = stoppedClusters.length > 0 ? `; ${stoppedWords(stoppedClusters)}` : "";
  const partial = unknown.size > 0 ? `; not known for ${base.unknownClusters.map((u) => u.cluster).join(", ")} (counted at current use)` : "";
  return withNodes({
    ...base,
    status,
    projectedAtMax: floorAtMax,
    projectedNow: floorNow,
    projectedNowOneUpgrade: floorNowOneUpgrade,
    utilizationAtMax: subnet.capacity > 0 ? floorAtMax / subnet.capacity : null,
    nodesAtMax,
    nodesNow,
    nodesNowOneUpgrade: nodesHeldNow + (largestSurge?.nodes ?? 0),
    surgeClusters: surges.length,
    stoppedClusters: stoppedClusters.sort(),
    note: `${status}: ${need}${partial}${stopped}`,
  });
}

/** The "now" figures: with one surging cluster as before; with several, all at once and one at a time. */
function nowWords(allAtOnce: number, oneUpgrade: number, surgeClusters: number): string {
  if (surgeClusters === 0) return `${allAtOnce} at current nodes, no upgrade surge`;
  return surgeClusters > 1 ? `${allAtOnce} at current nodes if all ${surgeClusters} clusters upgrade at once, ${oneUpgrade} with one upgrade at a time` : `${allAtOnce} at current nodes + surge`;
}

/** Stopped clusters on a subnet are in no NC count, so say they are counted. */
export function stoppedWords(stopped: readonly string[]): string {
  return `stopped in ARM, nodes counted without an upgrade surge: ${stopped.join(", ")}`;
}

/**
 * What IPX003 judges the pools against: the usable capacity, except that static-block nodes take whole
 * /28s and the subnet's first and last cannot be one (assignableBlocks).
 */
export function headroomRoom(mode: IpamMode, capacity: number): number {
  return mode === "vnetblock" ? assignableBlocks(capacity) * BLOCK_SIZE : capacity;
}

/** How a room reads: "251 usable addresses", or "224 addresses in whole /28 blocks" where static-block nodes take whole /28s. */
export function roomWords(room: number, capacity: number): string {
  return room === capacity ? `${capacity} usable addresses` : `${room} addresses in whole /28 blocks`;
}

function poolMode(p: ArmAgentPool): IpamMode {
  return (p.podIPAllocationMode ?? "").toLowerCase() === "staticblock" ? "vnetblock" : "dynamic";
}

function demand(cluster: string, p: ArmAgentPool, mode: IpamMode, maxIPCount?: number): PoolDemand {
  const notes: string[] = [];
  let maxPods = p.maxPods;
  if (maxPods === undefined || !Number.isInteger(maxPods) || maxPods < 0) {
    maxPods = DEFAULT_MAX_PODS[mode];
    notes.push(`maxPods ${p.maxPods === undefined ? "unset" : "unreadable"}: AKS default ${maxPods} assumed`);
  }
  const count = p.count;
  let nodesNow: number | null = null;
  let nodesMax: number | null = null;
  if (count === undefined || !Number.isInteger(count) || count < 0) notes.push("node count unknown");
  else {
    nodesNow = count;
    nodesMax = count;
    if (p.enableAutoScaling) {
      if (p.maxCount !== undefined && Number.isInteger(p.maxCount) && p.maxCount >= 0) nodesMax = Math.max(count, p.maxCount);
      else notes.push("autoscaling without maxCount: current count used as the maximum");
    }
  }
  // Percent surge applies to the pool's count in each scenario: now, and at its maximum.
  const sNow = nodesNow === null ? { nodes: 0 } : surgeNodes(p.maxSurge, nodesNow);
  const sMax = nodesMax === null ? { nodes: 0 } : surgeNodes(p.maxSurge, nodesMax);
  if (sMax.note) notes.push(sMax.note);
  return {
    cluster,
    pool: p.name,
    mode,
    maxPods,
    perNode: perNodeAddresses(mode, maxPods, maxIPCount ?? DEFAULT_MAX_IP_COUNT),
    nodesNow,
    nodesMax,
    surgeNow: sNow.nodes,
    surgeMax: sMax.nodes,
    notes,
  };
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

function maxBy<T>(xs: readonly T[], f: (x: T) => number): T | undefined {
  let best: T | undefined;
  let bestV = Number.NEGATIVE_INFINITY;
  for (const x of xs) {
    const v = f(x);
    if (v > bestV) {
      bestV = v;
      best = x;
    }
  }
  return best;
}
