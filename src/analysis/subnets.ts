// Pod-subnet address accounting (IPX001, NNC006): which addresses every NC on a subnet holds, across
// all clusters that share it. Pure: snapshots (or their contributions) in, accounting out.
import type { SubnetUsage } from "../model/evaluation.js";
import type { ClusterSnapshot, IpamMode } from "../model/snapshot.js";
import { contains, describeRange, outside, RangeList } from "./ranges.js";
import { type ContributedNc, contributeSubnets, FIELD_HOST_BITS, FIELD_IPV6, FIELD_MALFORMED, fieldName, fieldValue, noSubnet, type SubnetContribution } from "./subnet-contribution.js";
import type { SubnetIdentity } from "./subnet-keys.js";

export * from "./subnet-keys.js";

/**
 * Problems of a kind the accounting would make one per NC (mixed-modes) that it keeps per cluster and
 * subnet, the last counting the rest in `instances`: as many as an evaluation note quotes.
 */
export const KEPT_EXAMPLES = 3;

/** Azure keeps 5 addresses of every VNet subnet (network, gateway, 2 DNS, broadcast). */
export const AZURE_RESERVED_PER_SUBNET = 5;

/** Who holds an address: one field of one NC of one NNC. */
export interface NcHolder {
  cluster: string;
  nnc: string;
  nc: string;
  /** `primaryIP` or `ipAssignments[i]` */
  field: string;
  value: string;
  /** When its cluster's data was read: two holders read far apart need not have held it at the same time. */
  takenAt: string;
}

export type AccountingProblemKind =
  /** primaryIP / ipAssignments entry that is not an IPv4 address or CIDR: not counted. */
  | "malformed-address"
  /** IPv6 value: not counted (accounting is IPv4). */
  | "ipv6-skipped"
  /** A CIDR with bits set below its prefix (`10.224.0.4/28`): counted as the masked block. */
  | "host-bits-set"
  /** Addresses outside the subnet's CIDR: reported with their count, not in `used`. */
  | "outside-subnet"
  /** NC without a primaryIP. */
  | "missing-primary"
  /** subnetAddressSpace present but unparseable. */
  | "malformed-subnet"
  /** NC with neither subnet identity nor a usable subnetAddressSpace: its addresses are not accounted. */
  | "no-subnet"
  /** NCs of one subnet identity disagree on subnetAddressSpace: the most common one is used. */
  | "cidr-mismatch"
  /** NCs of one subnet have different types: the most common one names the mode. */
  | "mixed-modes"
  /** NC type not vnet/vnetblock/overlay: treated as dynamic (the CRD default). */
  | "unknown-nc-type"
  /** VNet subnet smaller than Azure's /29 minimum: capacity clamps to 0. */
  | "subnet-too-small"
  /** Two snapshots of one cluster were passed: the later one is used. */
  | "duplicate-snapshot";

export interface AccountingProblem {
  kind: AccountingProblemKind;
  message: string;
  cluster?: string;
  nnc?: string;
  nc?: string;
  field?: string;
  value?: string;
  /** Addresses concerned (e.g. how many lie outside the subnet). */
  addresses?: number;
  /** How many NCs this problem stands for, itself included, where only the first few are kept (default 1). */
  instances?: number;
}

/** NNC006: an address or block held by two or more NC fields. */
export interface DuplicateHold {
  /** `10.40.0.160/28`, `10.0.0.5` or `10.0.0.5-10.0.0.9` */
  range: string;
  addresses: number;
  /** same-nc: one NC lists it twice; same-cluster: two NCs of one cluster; cross-cluster: clusters sharing the subnet. */
  scope: "same-nc" | "same-cluster" | "cross-cluster";
  clusters: string[];
  holders: NcHolder[];
}


export interface SubnetClusterShare {
  cluster: string;
  /** NNCs with an NC on this subnet. */
  nncs: number;
  /** Of those NNCs, how many belong to a Node present in the snapshot (one NNC per node, same name). */
  nodes: number;
  ncs: number;
  /**
   * Unique addresses this cluster's NCs hold inside the subnet, but for those the data of another
   * cluster read later holds too (ties: the first by name), so the shares add up to the subnet's `used`.
   */
  used: number;
}

export interface SubnetAccount {
  /** Lowercased ARM subnet ID, `cidr:<cidr>` without identity, `overlay:<cluster>:<cidr>` for overlay (its pod CIDR: overlayPodCidrs). */
  key: string;
  cidr: string;
  name?: string;
  mode: IpamMode;
  identity?: SubnetIdentity;
  clusters: string[];
  /** Addresses in the CIDR. */
  size: number;
  /** Usable addresses: size − 5 for VNet subnets, the whole size for an overlay pod CIDR. */
  capacity: number;
  /** Unique addresses held inside the CIDR by all NCs on this subnet. */
  used: number;
  /** used / capacity (may exceed 1); 1 when capacity is 0 and anything is held. */
  utilization: number;
  perCluster: SubnetClusterShare[];
  duplicates: DuplicateHold[];
  /** Addresses held outside the CIDR (each reported in `problems`), not part of `used`. */
  outsideAddresses: number;
  problems: AccountingProblem[];
}

export interface SubnetAccounting {
  /** Sorted by key. */
  subnets: SubnetAccount[];
  /** Problems that belong to no subnet (NCs without subnet data, duplicate snapshots). */
  problems: AccountingProblem[];
}

/** One contributed NC with the contribution it came from (its cluster and address fields). */
interface NcEntry {
  from: SubnetContribution;
  nc: ContributedNc;
}

interface Group {
  key: string;
  identity?: SubnetIdentity;
  entries: NcEntry[];
}

/** Accounts every pod subnet / overlay pod CIDR that the snapshots' NCs draw from. */
export function accountSubnets(snapshots: readonly ClusterSnapshot[]): SubnetAccounting {
  const problems: AccountingProblem[] = [];
  return mergeSubnets(latestPerCluster(snapshots, problems).map(contributeSubnets), problems);
}

/**
 * The accounting over clusters' contributions (`contributeSubnets`): what `accountSubnets` gives for
 * their snapshots, without holding them. `problems` are put first among the fleet-level problems.
 */
export function mergeSubnets(contributions: readonly SubnetContribution[], problems: AccountingProblem[] = []): SubnetAccounting {
  const groups = new Map<string, Group>();
  for (const from of latestPerCluster(contributions, problems)) {
    problems.push(...from.problems);
    for (const nc of from.ncs) {
      let g = groups.get(nc.key);
      if (!g) {
        g = { key: nc.key, entries: [] };
        if (nc.identity) g.identity = nc.identity;
        groups.set(nc.key, g);
      }
      g.entries.push({ from, nc });
    }
  }

  const subnets: SubnetAccount[] = [];
  for (const g of [...groups.values()].sort((a, b) => compare(a.key, b.key))) {
    const account = accountGroup(g);
    if (account) subnets.push(account);
    else {
      for (const e of g.entries) {
        problems.push(noSubnet({ cluster: e.from.cluster, nnc: e.nc.nnc, nc: e.nc.nc }, `no NC of subnet ${g.key} carries a usable subnetAddressSpace`, e.nc.count));
      }
    }
  }
  return { subnets, problems };
}

function problemAt(e: NcEntry, slot: number, kind: AccountingProblemKind, what: string): AccountingProblem {
  const field = fieldName(e.from.fields.index[slot]!);
  const value = fieldValue(e.from.fields, slot);
  const shown = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return {
    kind,
    cluster: e.from.cluster,
    nnc: e.nc.nnc,
    nc: e.nc.nc,
    field,
    value: typeof value === "string" ? value : String(value),
    message: `NC ${e.nc.nc} on NNC ${e.nc.nnc} (${e.from.cluster}): ${field} ${JSON.stringify(shown)} ${what}`,
  };
}

function latestPerCluster<T extends { cluster: string; takenAt: string }>(snapshots: readonly T[], problems: AccountingProblem[]): T[] {
  const byCluster = new Map<string, T>();
  for (const s of snapshots) {
    const seen = byCluster.get(s.cluster);
    if (!seen) {
      byCluster.set(s.cluster, s);
      continue;
    }
    // Counting one cluster twice would report every address of it as a duplicate.
    const keep = Date.parse(s.takenAt) > Date.parse(seen.takenAt) ? s : seen;
    byCluster.set(s.cluster, keep);
    problems.push({
      kind: "duplicate-snapshot",
      cluster: s.cluster,
      message: `two snapshots of cluster ${s.cluster} were given; using the one taken ${keep.takenAt}`,
    });
  }
  return [...byCluster.values()];
}

function mostCommon<T>(values: T[], keyOf: (v: T) => string): { winner: T; counts: Map<string, number> } | null {
  const counts = new Map<string, number>();
  let winner: T | undefined;
  let best = 0;
  for (const v of values) {
    const k = keyOf(v);
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    if (c > best) {
      best = c;
      winner = v;
    }
  }
  return winner === undefined ? null : { winner, counts };
}

function accountGroup(g: Group): SubnetAccount | null {
  const problems: AccountingProblem[] = [];
  const withCidr = g.entries.filter((e) => e.nc.cidr !== undefined);
  const cidrVote = mostCommon(withCidr, (e) => e.nc.cidr!.canonical);
  if (!cidrVote) return null;
  // NCs of one subnet that disagree on its CIDR: during a resize older NCs still report the old one.
  // The CIDR that contains all the others is the subnet now (else the addresses held in the new part
  // would vanish as "outside"); without one, most NCs win. An overlay cluster's pod CIDR may be known
  // wider than any NC says, from ARM (podCidr).
  const said = [...new Map(withCidr.flatMap((e) => (e.nc.podCidr ? [e.nc.cidr!, e.nc.podCidr] : [e.nc.cidr!])).map((c) => [c.canonical, c])).values()];
  const widest = said.find((c) => said.every((o) => contains(c.range, o.range)));
  const { canonical: cidr, range: subnet } = widest ?? cidrVote.winner.nc.cidr!;
  const saidBy = !widest ? "most NCs say" : cidrVote.counts.has(cidr) ? "other NCs say" : "ARM says";
  for (const e of withCidr) {
    if (e.nc.cidr!.canonical === cidr) continue;
    problems.push({
      kind: "cidr-mismatch",
      cluster: e.from.cluster,
      nnc: e.nc.nnc,
      nc: e.nc.nc,
      field: "subnetAddressSpace",
      value: e.nc.cidr!.text,
      message: `NC ${e.nc.nc} on NNC ${e.nc.nnc} (${e.from.cluster}) says subnet ${g.key} is ${e.nc.cidr!.canonical}; ${saidBy} ${cidr}${widest ? ", which contains it (a resize not yet seen by every node?)" : ""}`,
    });
  }

  const modeVote = mostCommon(g.entries, (e) => e.nc.mode)!;
  const mode = modeVote.winner.nc.mode;
  if (modeVote.counts.size > 1) {
    // A problem per NC of another mode, naming it, the subnet being accounted as the most common mode;
    // but only as many per cluster as a note quotes, the last counting the rest (a whole pool of them
    // would be a long message per NC, built for nothing).
    const parts = [...modeVote.counts].map(([m, c]) => `${c} ${m}`).join(", ");
    const kept = new Map<string, AccountingProblem[]>();
    for (const e of g.entries) {
      if (e.nc.mode === mode) continue;
      let ofCluster = kept.get(e.from.cluster);
      if (!ofCluster) kept.set(e.from.cluster, (ofCluster = []));
      if (ofCluster.length === KEPT_EXAMPLES) {
        const last = ofCluster[KEPT_EXAMPLES - 1]!;
        last.instances = (last.instances ?? 1) + 1;
        continue;
      }
      // The NC type as written (dynamic is `vnet`, the CRD default, unless the type was one CNS does not know).
      const type = e.nc.unknownType ?? (e.nc.mode === "dynamic" ? "vnet" : e.nc.mode);
      const problem: AccountingProblem = {
        kind: "mixed-modes",
        cluster: e.from.cluster,
        nnc: e.nc.nnc,
        nc: e.nc.nc,
        field: "type",
        value: type,
        message: `NC ${e.nc.nc} on NNC ${e.nc.nnc} (${e.from.cluster}) has type ${JSON.stringify(type)} (${e.nc.mode}) on ${cidr}, whose NCs are ${parts}: a pod subnet holds one mode, and this one is accounted as ${mode}`,
      };
      ofCluster.push(problem);
      problems.push(problem);
    }
  }
  for (const e of g.entries) {
    if (e.nc.unknownType !== undefined) {
      problems.push({
        kind: "unknown-nc-type",
        cluster: e.from.cluster,
        nnc: e.nc.nnc,
        nc: e.nc.nc,
        field: "type",
        value: e.nc.unknownType,
        message: `NC ${e.nc.nc} on NNC ${e.nc.nnc} has type ${JSON.stringify(e.nc.unknownType)}; treated as dynamic`,
      });
    }
  }

  const size = subnet.end - subnet.start + 1;
  let capacity = size;
  if (mode !== "overlay") {
    capacity = Math.max(0, size - AZURE_RESERVED_PER_SUBNET);
    if (size < 8) problems.push({ kind: "subnet-too-small", message: `VNet subnet ${cidr} is smaller than /29; usable capacity is ${capacity}` });
  }

  // Held ranges as typed arrays: 400k blocks must not become 400k objects (allocation is the cost).
  // Tags: the entry, and the field slot in its contribution.
  const held = new RangeList(g.entries.reduce((n, e) => n + e.nc.count, 0));
  let outsideAddresses = 0;
  const hold = (ei: number, slot: number): void => {
    const e = g.entries[ei]!;
    const f = e.from.fields;
    const status = f.status[slot];
    if (status === FIELD_MALFORMED || status === FIELD_IPV6) {
      const ipv6 = status === FIELD_IPV6;
      problems.push(problemAt(e, slot, ipv6 ? "ipv6-skipped" : "malformed-address", ipv6 ? "is IPv6, not accounted" : "is not an IPv4 address or CIDR; not counted"));
      return;
    }
    // Plain numbers: this runs once per address field of the fleet, so no object per field.
    let start = f.start[slot]!;
    let end = f.end[slot]!;
    if (status === FIELD_HOST_BITS) problems.push(problemAt(e, slot, "host-bits-set", `has host bits set; counted as ${describeRange({ start, end })}`));
    if (start < subnet.start || end > subnet.end) {
      const n = outside({ start, end }, subnet).reduce((sum, r) => sum + r.end - r.start + 1, 0);
      outsideAddresses += n;
      const problem = problemAt(e, slot, "outside-subnet", `has ${n} address(es) outside subnet ${cidr}; not counted in its use`);
      problem.addresses = n;
      problems.push(problem);
      start = Math.max(start, subnet.start);
      end = Math.min(end, subnet.end);
      if (start > end) return;
    }
    held.push(start, end, ei, slot);
  };
  for (let ei = 0; ei < g.entries.length; ei++) {
    const e = g.entries[ei]!;
    if (!e.nc.hasPrimary) {
      problems.push({ kind: "missing-primary", cluster: e.from.cluster, nnc: e.nc.nnc, nc: e.nc.nc, message: `NC ${e.nc.nc} on NNC ${e.nc.nnc} (${e.from.cluster}) has no primaryIP` });
    }
    for (let slot = e.nc.first; slot < e.nc.first + e.nc.count; slot++) hold(ei, slot);
  }

  const { clusterOfEntry, clusterCount } = clusterIndexes(g.entries);
  const partitions = new Int32Array(held.length);
  for (let i = 0; i < held.length; i++) partitions[i] = clusterOfEntry[held.tagA[i]!]!;
  const swept = held.sweep({ partitions, partitionCount: clusterCount });
  const holderOf = (i: number): NcHolder => {
    const e = g.entries[held.tagA[i]!]!;
    const slot = held.tagB[i]!;
    return {
      cluster: e.from.cluster,
      nnc: e.nc.nnc,
      nc: e.nc.nc,
      field: fieldName(e.from.fields.index[slot]!),
      value: String(fieldValue(e.from.fields, slot)),
      takenAt: e.from.takenAt,
    };
  };
  const duplicates = swept.overlaps.map((o) => duplicateHold(describeRange(o), o.end - o.start + 1, o.members.map(holderOf)));

  const perCluster = shares(g.entries, clusterOfEntry, attributed(g.entries, clusterOfEntry, held.tagA, swept));
  const used = swept.unique;
  const account: SubnetAccount = {
    key: g.key,
    cidr,
    mode,
    clusters: perCluster.map((s) => s.cluster),
    size,
    capacity,
    used,
    utilization: capacity > 0 ? used / capacity : used > 0 ? 1 : 0,
    perCluster,
    duplicates,
    outsideAddresses,
    problems,
  };
  const name = g.entries.map((e) => e.nc.name).find((n) => n !== undefined);
  if (name !== undefined) account.name = name;
  if (g.identity) account.identity = g.identity;
  return account;
}

/** `holders` holding one stretch of addresses, with the clusters and the scope they make. */
export function duplicateHold(range: string, addresses: number, holders: NcHolder[]): DuplicateHold {
  const clusters = [...new Set(holders.map((h) => h.cluster))].sort(compare);
  const ncs = new Set(holders.map((h) => `${h.cluster}\u0000${h.nnc}\u0000${h.nc}`));
  const scope = clusters.length > 1 ? "cross-cluster" : ncs.size > 1 ? "same-cluster" : "same-nc";
  return { range, addresses, scope, clusters, holders };
}

// Clusters numbered in order of first appearance, for per-cluster counts.
function clusterIndexes(entries: NcEntry[]): { clusterOfEntry: Int32Array; clusterCount: number } {
  const index = new Map<string, number>();
  const clusterOfEntry = new Int32Array(entries.length);
  entries.forEach((e, ei) => {
    let ci = index.get(e.from.cluster);
    if (ci === undefined) index.set(e.from.cluster, (ci = index.size));
    clusterOfEntry[ei] = ci;
  });
  return { clusterOfEntry, clusterCount: index.size };
}

/**
 * Each cluster's unique addresses, an address in the data of several clusters counted once: for the
 * cluster read last. An unreachable or deleted cluster's last good snapshot may hold addresses another
 * cluster was given since; both counting them would have the shares (IPX003's dynamic nodes) hold more
 * than the subnet does.
 */
function attributed(entries: NcEntry[], clusterOfEntry: Int32Array, entryOf: ArrayLike<number>, swept: ReturnType<RangeList["sweep"]>): number[] {
  const used = [...swept.partitionUnique];
  const from: SubnetContribution[] = [];
  entries.forEach((e, ei) => (from[clusterOfEntry[ei]!] ??= e.from));
  const later = (a: number, b: number): boolean => from[a]!.takenAt > from[b]!.takenAt || (from[a]!.takenAt === from[b]!.takenAt && compare(from[a]!.cluster, from[b]!.cluster) < 0);
  for (const o of swept.overlaps) {
    const clusters = [...new Set(o.members.map((m) => clusterOfEntry[entryOf[m]!]!))];
    if (clusters.length < 2) continue;
    const keep = clusters.reduce((best, ci) => (later(ci, best) ? ci : best));
    for (const ci of clusters) if (ci !== keep) used[ci]! -= o.end - o.start + 1;
  }
  return used;
}

function shares(entries: NcEntry[], clusterOfEntry: Int32Array, used: number[]): SubnetClusterShare[] {
  const rows: Array<{ cluster: string; nncs: Set<string>; nodes: Set<string>; ncs: number }> = [];
  entries.forEach((e, ei) => {
    const ci = clusterOfEntry[ei]!;
    const row = (rows[ci] ??= { cluster: e.from.cluster, nncs: new Set(), nodes: new Set(), ncs: 0 });
    row.ncs++;
    row.nncs.add(e.nc.nnc);
    if (e.nc.onNode) row.nodes.add(e.nc.nnc);
  });
  return rows
    .map((r, ci) => ({ cluster: r.cluster, nncs: r.nncs.size, nodes: r.nodes.size, ncs: r.ncs, used: used[ci] ?? 0 }))
    .sort((a, b) => compare(a.cluster, b.cluster));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The CONTRACT.md `exhaustion.subnets` row for an account, with forecast and headroom when known. */
export function toSubnetUsage(
  a: SubnetAccount,
  extra: {
    forecast?: { exhaustionAt: Date | null; note?: string; summary?: string };
    headroom?: { status?: SubnetUsage["headroom"]; projectedAtMax: number | null; projectedNow?: number | null; projectedNowOneUpgrade?: number | null; surgeClusters?: number; room?: number; note?: string };
  } = {},
): SubnetUsage {
  const u: SubnetUsage = {
    key: a.key,
    cidr: a.cidr,
    mode: a.mode,
    clusters: [...a.clusters],
    capacity: a.capacity,
    used: a.used,
    utilization: a.utilization,
    forecastExhaustionAt: extra.forecast?.exhaustionAt ? extra.forecast.exhaustionAt.toISOString() : null,
  };
  if (a.name !== undefined) u.name = a.name;
  if (extra.forecast?.note !== undefined) u.forecastNote = extra.forecast.note;
  if (extra.forecast?.summary !== undefined) u.forecastSummary = extra.forecast.summary;
  if (extra.headroom) {
    u.projectedAtMax = extra.headroom.projectedAtMax;
    if (extra.headroom.projectedNow !== undefined) u.projectedNow = extra.headroom.projectedNow;
    if (extra.headroom.projectedNowOneUpgrade !== undefined) u.projectedNowOneUpgrade = extra.headroom.projectedNowOneUpgrade;
    if (extra.headroom.surgeClusters !== undefined) u.surgeClusters = extra.headroom.surgeClusters;
    if (extra.headroom.room !== undefined) u.room = extra.headroom.room;
    if (extra.headroom.status !== undefined) u.headroom = extra.headroom.status;
    if (extra.headroom.note !== undefined) u.headroomNote = extra.headroom.note;
  }
  return u;
}
