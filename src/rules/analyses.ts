// Analyses that rules and report sections share, computed once per evaluation through ctx.memo.
import { accountingProblemNotes } from "../analysis/accounting-notes.js";
import { BLOCK_SIZE } from "../analysis/blocks.js";
import { alreadyFull, type Forecast, forecastExhaustion, toMillis, usageSeriesByKey } from "../analysis/forecast.js";
import { assessHeadroom, type Headroom, type HeadroomCluster, headroomRoom } from "../analysis/headroom.js";
import { DEFAULT_BATCH_SIZE } from "../analysis/scaler.js";
import { followedKey } from "../analysis/subnet-keys.js";
import { subnetLabels } from "../analysis/subnet-labels.js";
import { type DuplicateHold, duplicateHold, mergeSubnets, type SubnetAccount, type SubnetAccounting, subnetKeyFromArmId, toSubnetUsage } from "../analysis/subnets.js";
import type { SubnetUsage } from "../model/evaluation.js";
import { isScanId, scanIdTime } from "../model/scan-id.js";
import { type FleetContext, fleetWithData, requireFleet } from "./context.js";
import { SUBNET_FULL } from "./fleet-view.js";
import { MINUTE, scanIntervalMinutes } from "./scan-interval.js";

/** Address accounting over every cluster with data (shared subnets aggregated). */
export function subnetAccounting(ctx: FleetContext): SubnetAccounting {
  requireFleet(ctx, "subnet accounting");
  return ctx.memo("subnet-accounting", () => mergeSubnets([...fleetWithData(ctx)].flatMap((c) => (c.subnets ? [c.subnets] : []))));
}

/** A subnet's addresses held more than once (NNC006), by whether the holders' data can tell. */
export interface DatedDuplicates {
  /** Held at once by NC fields whose data were read less than a scan interval apart (any holder read earlier left out). */
  current: DuplicateHold[];
  /** Held by one NC field in the newest data and otherwise only in data read a scan interval or more before it. */
  stale: DuplicateHold[];
}

/**
 * The subnet's duplicates, each judged by when its holders were read. Two clusters' data read a scan
 * interval or more apart (one's latest scans failed, or it was deleted and not forgotten) show where
 * addresses were, not that both hold them: on a shared subnet DNC-RC gives what one cluster released
 * to another, so an overlap with the older data is what a scale-down followed by a scale-out leaves.
 * The interval is the longest of the clusters involved (SCN004's); less than that apart, their data
 * may be of one scan round, which no fleet scan takes longer than.
 */
export function datedDuplicates(ctx: FleetContext, s: SubnetAccount): DatedDuplicates {
  return ctx.memo(`dated-duplicates:${s.key}`, () => {
    const intervalMs = (cluster: string): number => ctx.memo(`scan-interval:${cluster}`, () => scanIntervalMinutes(ctx, cluster).minutes * MINUTE);
    const out: DatedDuplicates = { current: [], stale: [] };
    for (const d of s.duplicates) {
      const newest = Math.max(...d.holders.map((h) => Date.parse(h.takenAt)));
      const windowMs = Math.max(...d.clusters.map(intervalMs));
      const holders = d.holders.filter((h) => newest - Date.parse(h.takenAt) < windowMs);
      if (holders.length === d.holders.length) out.current.push(d);
      else if (holders.length > 1) out.current.push(duplicateHold(d.range, d.addresses, holders));
      else out.stale.push(d);
    }
    return out;
  });
}

/** The fleet's subnets as people read them, by key: told apart where CIDR and name repeat. */
export function subnetLabelsOf(ctx: FleetContext): ReadonlyMap<string, string> {
  return ctx.memo("subnet-labels", () => subnetLabels(subnetAccounting(ctx).subnets));
}

/** What a subnet holds before it is full: a static-block one when no whole /28 is left (IPX001, IPX003), not at size − 5. */
export function subnetRoom(s: SubnetAccount): number {
  return headroomRoom(s.mode, s.capacity);
}

/**
 * What a subnet's use takes of its room: a static-block one's in whole /28s, since loose addresses (a
 * mixed-mode subnet's dynamic NCs) leave no block they touch whole. So 210 held on a /24 fills its 224.
 */
function roomTaken(s: SubnetAccount): number {
  return s.mode === "vnetblock" ? Math.ceil(s.used / BLOCK_SIZE) * BLOCK_SIZE : s.used;
}

/** Whole /28 blocks a static-block subnet has left to assign; undefined for other modes. */
export function blocksLeft(s: SubnetAccount): number | undefined {
  return s.mode === "vnetblock" ? Math.max(0, subnetRoom(s) - roomTaken(s)) / BLOCK_SIZE : undefined;
}

/** Full: the one test IPX001, IPX004 and the forecast share, so none says "full" while another dates it. */
export function isFull(s: SubnetAccount): boolean {
  return roomTaken(s) >= subnetRoom(s);
}

/** IPX002's facts about one subnet: what DNC-RC says when it cannot allocate from it. */
export interface FullReport {
  /** `cluster/nnc` of NCs in NCUpdateSubnetFullError */
  fullNcs: string[];
  /** `cluster/name` of ClusterSubnetStates with exhausted=true */
  exhausted: string[];
  clusters: Set<string>;
}

/**
 * Subnets CNS reports full (IPX002), by subnet key; a report no subnet of the accounting matches is kept
 * under `nnc:cluster/nnc` or `css:cluster/name`.
 */
export function reportedFull(ctx: FleetContext): ReadonlyMap<string, FullReport> {
  return ctx.memo("reported-full", () => {
    const subnets = subnetAccounting(ctx).subnets;
    const keys = new Set(subnets.map((s) => s.key));
    const reports = new Map<string, FullReport>();
    const at = (key: string): FullReport => {
      let r = reports.get(key);
      if (!r) reports.set(key, (r = { fullNcs: [], exhausted: [], clusters: new Set() }));
      return r;
    };
    for (const c of fleetWithData(ctx)) {
      for (const { nnc, key } of c.subnetFullNcs) {
        // An NC that names no subnet still says "full": report it on its NNC.
        const r = at(key !== null && keys.has(key) ? key : `nnc:${c.name}/${nnc}`);
        r.fullNcs.push(`${c.name}/${nnc}`);
        r.clusters.add(c.name);
      }
      for (const name of c.exhaustedSubnetStates) {
        const match = subnetOfState(subnets, c.name, name);
        const r = at(match ? match.key : `css:${c.name}/${name}`);
        r.exhausted.push(`${c.name}/${name}`);
        r.clusters.add(c.name);
      }
    }
    return reports;
  });
}

/** DNC-RC names a ClusterSubnetState after its subnet; a cluster on one VNet subnet can only mean that one. */
function subnetOfState(subnets: readonly SubnetAccount[], cluster: string, name: string): SubnetAccount | undefined {
  const mine = subnets.filter((s) => s.mode !== "overlay" && s.clusters.includes(cluster));
  const n = name.toLowerCase();
  return mine.find((s) => s.name?.toLowerCase() === n || s.identity?.subnet.toLowerCase() === n) ?? (mine.length === 1 ? mine[0] : undefined);
}

/**
 * Why a subnet that still has room by the count can take no more, or null: CNS reports it full (IPX002),
 * or a dynamic one has fewer free addresses than its clusters' smallest scaler batch (no node can grow
 * by a batch; static block and overlay count their room in whole blocks and /24s already: isFull).
 */
function cannotAllocate(ctx: FleetContext, s: SubnetAccount): string | null {
  // As IPX002 counts it; a dynamic subnet's room is its capacity.
  const free = Math.max(0, s.capacity - s.used);
  const report = reportedFull(ctx).get(s.key);
  if (report) {
    const what = [
      ...(report.fullNcs.length > 0 ? [`${report.fullNcs.length} NC(s) in ${SUBNET_FULL}`] : []),
      ...(report.exhausted.length > 0 ? [`${report.exhausted.length} ClusterSubnetState(s) exhausted`] : []),
    ];
    // Addresses the NCs do not hold may be taken by others (VMs, private endpoints): DNC-RC's word counts.
    return `CNS reports it full (${what.join(", ")}), ${free} address(es) free by the NCs' count`;
  }
  const short = batchShortfall(ctx, s);
  return short ? `${short.free} address(es) free, less than one allocation batch of ${short.batch}` : null;
}

/**
 * A dynamic subnet with fewer free addresses than its clusters' smallest scaler batch: no node there can
 * grow by a batch, so it is full for CNS (IPX001 critical, the forecast's "already full"); else null.
 */
export function batchShortfall(ctx: FleetContext, s: SubnetAccount): { free: number; batch: number } | null {
  if (s.mode !== "dynamic") return null;
  const free = Math.max(0, s.capacity - s.used);
  const batches = ctx.memo("batch-sizes", () => new Map([...fleetWithData(ctx)].map((c) => [c.name, c.batchSize ?? DEFAULT_BATCH_SIZE])));
  const batch = Math.min(...s.clusters.map((c) => batches.get(c) ?? DEFAULT_BATCH_SIZE));
  return free < batch ? { free, batch } : null;
}

/**
 * Forecast for one subnet from the evaluation history plus the current value (as it takes the room: isFull),
 * up to its room; "already full" without a fit when the subnet can take no more although room is left.
 * The current value is dated when its data were read: while every cluster on the subnet fails its scans,
 * the forecast stays the one of their last data, and says how old that is.
 */
export function subnetForecast(ctx: FleetContext, s: SubnetAccount): Forecast {
  return ctx.memo(`forecast:${s.key}`, () => {
    const dataAt = subnetDataAt(ctx, s);
    const f = forecastFrom(ctx, s, dataAt);
    if (dataAt >= scanStart(ctx)) return f;
    const asOf = new Date(dataAt);
    return { ...f, asOf, note: [f.note, `from data as of ${asOf.toISOString().slice(0, 16)}Z, older than this scan`].filter(Boolean).join("; ") };
  });
}

function forecastFrom(ctx: FleetContext, s: SubnetAccount, dataAt: number): Forecast {
  const stuck = isFull(s) ? null : cannotAllocate(ctx, s);
  if (stuck) return alreadyFull(ctx.now, stuck);
  // One pass over the history for every subnet: searching each summary per subnet is subnets² × history.
  const history = ctx.memo("usage-series", () => usageSeriesByKey(ctx.history, followedKey(subnetAccounting(ctx).subnets))).get(s.key) ?? [];
  // Points of the same data (or of newer data a forgotten cluster held) are copies, not scans.
  const series = history.filter((p) => toMillis(p.at) < dataAt);
  series.push({ at: dataAt, used: roomTaken(s) });
  return forecastExhaustion(series, subnetRoom(s), { now: ctx.now });
}

/** When the newest data counted on a subnet were read: the newest good snapshot of its clusters. */
function subnetDataAt(ctx: FleetContext, s: SubnetAccount): number {
  const readAt = ctx.memo("data-read-at", () => new Map([...fleetWithData(ctx)].map((c) => [c.name, Date.parse(c.subnets?.takenAt ?? "")])));
  const times = s.clusters.map((c) => readAt.get(c) ?? NaN).filter(Number.isFinite);
  return times.length > 0 ? Math.max(...times) : ctx.now.getTime();
}

/** When this scan round started (its id says; else the evaluation's time): data read before are not this scan's. */
function scanStart(ctx: FleetContext): number {
  return isScanId(ctx.scanId) ? scanIdTime(ctx.scanId).getTime() : ctx.now.getTime();
}

/**
 * IPX003 headroom from ARM agent pools; `unknown` when ARM data is missing. Every cluster with ARM data
 * is offered, not only those with NCs on the subnet yet: a pool scaled to zero (a GPU or batch pool,
 * minCount 0) has no NNC there but draws from the subnet as soon as the autoscaler adds a node.
 */
export function subnetHeadroom(ctx: FleetContext, s: SubnetAccount): Headroom {
  return ctx.memo(`headroom:${s.key}`, () => {
    const { byName, bySubnet } = armClusters(ctx);
    // The clusters on the subnet (those without ARM data are "unknown" there) and every one with a pool on it.
    const clusters = new Set(bySubnet.get(s.key));
    for (const name of s.clusters) {
      const c = byName.get(name);
      if (c) clusters.add(c);
    }
    return assessHeadroom(s, [...clusters]);
  });
}

/** The clusters with ARM data, by name and by the pod subnets their pools name (each podSubnetID parsed once). */
function armClusters(ctx: FleetContext): { byName: Map<string, HeadroomCluster>; bySubnet: Map<string, HeadroomCluster[]> } {
  return ctx.memo("headroom-clusters", () => {
    const byName = new Map<string, HeadroomCluster>();
    const bySubnet = new Map<string, HeadroomCluster[]>();
    for (const v of ctx.fleet) {
      if (!v.arm) continue;
      const c: HeadroomCluster = { cluster: v.name, arm: v.arm, maxIPCountByPool: v.maxIPCountByPool };
      byName.set(v.name, c);
      for (const key of new Set(v.arm.pools.map((p) => subnetKeyFromArmId(p.podSubnetID)))) {
        if (key) bySubnet.set(key, [...(bySubnet.get(key) ?? []), c]);
      }
    }
    return { byName, bySubnet };
  });
}

export function subnetUsage(ctx: FleetContext): SubnetUsage[] {
  return subnetAccounting(ctx).subnets.map((s) => {
    const f = subnetForecast(ctx, s);
    const h = subnetHeadroom(ctx, s);
    return toSubnetUsage(s, {
      forecast: { exhaustionAt: f.exhaustionAt, ...(f.note ? { note: f.note } : {}), ...(f.summary ? { summary: f.summary } : {}) },
      headroom: {
        status: h.status,
        projectedAtMax: h.status === "unknown" ? null : h.projectedAtMax,
        projectedNow: h.status === "unknown" ? null : h.projectedNow,
        projectedNowOneUpgrade: h.status === "unknown" ? null : h.projectedNowOneUpgrade,
        surgeClusters: h.surgeClusters,
        room: h.room,
        note: h.note,
      },
    });
  });
}

/**
 * Notes for the evaluation about addresses the accounting could not place: NCs of one subnet that
 * report different CIDRs, and addresses held outside the subnet's CIDR (not counted in its use), one
 * note per subnet and kind with the first instance; then NC data it could not use as written (malformed
 * addresses or subnetAddressSpace, NCs on no subnet, another mode than their subnet's), one note per
 * cluster and kind with a few examples.
 */
export function accountingNotes(ctx: FleetContext): string[] {
  const notes: string[] = [];
  for (const s of subnetAccounting(ctx).subnets) {
    const mismatch = s.problems.filter((p) => p.kind === "cidr-mismatch");
    if (mismatch.length > 0) notes.push(`subnet ${s.cidr} (${s.key}): ${mismatch.length} NC(s) report another CIDR, e.g. ${mismatch[0]!.message}`);
    const outside = s.problems.filter((p) => p.kind === "outside-subnet");
    if (outside.length > 0) notes.push(`subnet ${s.cidr} (${s.key}): ${s.outsideAddresses} address(es) held outside its CIDR are not counted in its use, e.g. ${outside[0]!.message}`);
  }
  notes.push(...accountingProblemNotes(subnetAccounting(ctx)));
  notes.push(...staleOverlapNotes(ctx));
  return notes;
}

/**
 * One note per subnet and cluster whose old data holds addresses newer data of another cluster holds:
 * why NNC006 says nothing of them (IPX001 counts each once).
 */
function staleOverlapNotes(ctx: FleetContext): string[] {
  const notes: string[] = [];
  for (const s of subnetAccounting(ctx).subnets) {
    const byCluster = new Map<string, { takenAt: string; addresses: number; holders: Set<string>; newest: string }>();
    for (const d of datedDuplicates(ctx, s).stale) {
      const newest = d.holders.reduce((a, h) => (h.takenAt > a.takenAt ? h : a));
      for (const cluster of d.clusters) {
        const old = d.holders.find((h) => h.cluster === cluster && h.takenAt < newest.takenAt);
        if (!old) continue;
        const n = byCluster.get(cluster) ?? { takenAt: old.takenAt, addresses: 0, holders: new Set<string>(), newest: newest.takenAt };
        n.addresses += d.addresses;
        n.holders.add(newest.cluster);
        if (newest.takenAt > n.newest) n.newest = newest.takenAt;
        byCluster.set(cluster, n);
      }
    }
    for (const [cluster, n] of [...byCluster].sort(([a], [b]) => a.localeCompare(b))) {
      notes.push(
        `subnet ${s.cidr} (${s.key}): ${n.addresses} address(es) cluster ${cluster} held in its data of ${n.takenAt} are held by ${[...n.holders].sort().join(", ")} in data read a scan interval or more later (up to ${n.newest}): not judged duplicates (NNC006), as they may have changed hands between the reads`,
      );
    }
  }
  return notes;
}
