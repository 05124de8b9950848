// Pod-subnet address accounting (IPX001, NNC006): which addresses every NC on a subnet holds, across
// all clusters that share it. Pure: snapshots in, accounting out.
import type { SubnetUsage } from "../model/evaluation.js";
import type { ClusterSnapshot, IpamMode, NetworkContainer, Nnc } from "../model/snapshot.js";
import { describeRange, hostBitsSet, newScratch, outside, parseAddress, parseRangeInto, RangeList, type AddressRange } from "./ranges.js";

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

export interface SubnetIdentity {
  subscription: string;
  resourceGroup: string;
  vnet: string;
  subnet: string;
}

export interface SubnetClusterShare {
  cluster: string;
  /** NNCs with an NC on this subnet. */
  nncs: number;
  /** Of those NNCs, how many belong to a Node present in the snapshot (one NNC per node, same name). */
  nodes: number;
  ncs: number;
  /** Unique addresses this cluster's NCs hold inside the subnet. */
  used: number;
}

export interface SubnetAccount {
  /** Lowercased ARM subnet ID, `cidr:<cidr>` without identity, `overlay:<cluster>:<cidr>` for overlay. */
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

/** NC type → IPAM mode; `vnet`, absent or unknown → dynamic (the CRD default is vnet). */
export function ncMode(nc: Pick<NetworkContainer, "type">): IpamMode {
  const t = (nc.type ?? "").toLowerCase();
  if (t === "vnetblock") return "vnetblock";
  if (t === "overlay") return "overlay";
  return "dynamic";
}

function knownType(nc: NetworkContainer): boolean {
  const t = (nc.type ?? "").toLowerCase();
  return t === "" || t === "vnet" || t === "vnetblock" || t === "overlay";
}

/** The subnet key for parts of an ARM subnet ID: the lowercased ID (ARM IDs are case-insensitive). */
export function subnetKey(id: SubnetIdentity): string {
  return `/subscriptions/${id.subscription}/resourcegroups/${id.resourceGroup}/providers/microsoft.network/virtualnetworks/${id.vnet}/subnets/${id.subnet}`.toLowerCase();
}

const ARM_SUBNET_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/virtualnetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i;

/** Parses `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}`. */
export function parseArmSubnetId(armId: string | undefined): SubnetIdentity | null {
  const m = armId === undefined ? null : ARM_SUBNET_ID.exec(armId.trim());
  if (!m) return null;
  return { subscription: m[1]!, resourceGroup: m[2]!, vnet: m[3]!, subnet: m[4]! };
}

/** The subnet key an agent pool's `podSubnetID` points at, or null when it is not a subnet ID. */
export function subnetKeyFromArmId(armId: string | undefined): string | null {
  const id = parseArmSubnetId(armId);
  return id ? subnetKey(id) : null;
}

// Real NCs hold names in these fields; take the last path segment should one ever hold an ID.
function namePart(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!v.includes("/")) return v.trim() === "" ? undefined : v.trim();
  const parts = v.split("/").filter((p) => p !== "");
  const last = parts[parts.length - 1];
  return last === undefined || last.trim() === "" ? undefined : last.trim();
}

/** Identity from the NC fields, when all four parts are there (CNS builds podnet_arm_id the same way). */
export function ncIdentity(nc: NetworkContainer): SubnetIdentity | null {
  const subscription = namePart(nc.subscriptionID);
  const resourceGroup = namePart(nc.resourceGroupID);
  const vnet = namePart(nc.vnetID);
  const subnet = namePart(nc.subnetID) ?? namePart(nc.subnetName);
  if (!subscription || !resourceGroup || !vnet || !subnet) return null;
  return { subscription, resourceGroup, vnet, subnet };
}

/**
 * The accounting key of the subnet an NC draws from (the `key` of its SubnetAccount), or null when
 * the NC names none. Rules use it to put NC-level facts (a status, a duplicate) on the right subnet.
 */
export function ncSubnetKey(cluster: string, nc: NetworkContainer): string | null {
  const p = nc.subnetAddressSpace ? parseAddress(nc.subnetAddressSpace) : undefined;
  const canonical = p?.ok ? canonicalCidr(p.canonical) : undefined;
  return keyFor(cluster, ncMode(nc), ncIdentity(nc) ?? undefined, canonical);
}

function canonicalCidr(canonical: string): string {
  return canonical.includes("/") ? canonical : `${canonical}/32`;
}

function keyFor(cluster: string, mode: IpamMode, identity: SubnetIdentity | undefined, cidr: string | undefined): string | null {
  // An overlay pod CIDR is private to its cluster: 10.244.0.0/16 in two clusters is no conflict.
  if (mode === "overlay") return cidr ? `overlay:${cluster}:${cidr}` : null;
  if (identity) return subnetKey(identity);
  return cidr ? `cidr:${cidr}` : null;
}

interface NcEntry {
  cluster: string;
  nnc: Nnc;
  nc: NetworkContainer;
  mode: IpamMode;
  /** Node names of the NC's snapshot. */
  nodeNames: Set<string>;
  /** Parsed subnetAddressSpace, when usable. */
  cidr?: { canonical: string; range: AddressRange };
}

interface Group {
  key: string;
  identity?: SubnetIdentity;
  entries: NcEntry[];
}

/** Accounts every pod subnet / overlay pod CIDR that the snapshots' NCs draw from. */
export function accountSubnets(snapshots: readonly ClusterSnapshot[]): SubnetAccounting {
  const problems: AccountingProblem[] = [];
  const groups = new Map<string, Group>();
  // Every NC of a subnet repeats its CIDR: parse each distinct text once.
  const cidrs = new Map<string, ReturnType<typeof parseAddress>>();

  for (const snap of latestPerCluster(snapshots, problems)) {
    const nodeNames = new Set(snap.nodes.map((n) => n.name));
    for (const nnc of snap.nncs) {
      for (const nc of nnc.networkContainers) {
        const where = { cluster: snap.cluster, nnc: nnc.name, nc: nc.id };
        const entry: NcEntry = { cluster: snap.cluster, nnc, nc, mode: ncMode(nc), nodeNames };
        if (nc.subnetAddressSpace !== undefined && nc.subnetAddressSpace !== "") {
          let p = cidrs.get(nc.subnetAddressSpace);
          if (!p) cidrs.set(nc.subnetAddressSpace, (p = parseAddress(nc.subnetAddressSpace)));
          if (p.ok) {
            const canonical = canonicalCidr(p.canonical);
            entry.cidr = { canonical, range: { start: p.start, end: p.end } };
          } else {
            problems.push({
              ...where,
              kind: "malformed-subnet",
              field: "subnetAddressSpace",
              value: nc.subnetAddressSpace,
              message: `NC ${nc.id} on NNC ${nnc.name} (${snap.cluster}): subnetAddressSpace ${JSON.stringify(nc.subnetAddressSpace)} is not usable (${p.reason})`,
            });
          }
        }
        const identity = entry.mode === "overlay" ? undefined : (ncIdentity(nc) ?? undefined);
        const key = keyFor(snap.cluster, entry.mode, identity, entry.cidr?.canonical);
        if (key === null) {
          const why = entry.mode === "overlay" ? "an overlay NC without a usable subnetAddressSpace (the pod CIDR)" : "neither subscription/resource group/VNet/subnet nor a usable subnetAddressSpace";
          problems.push(noSubnet(where, why, nc));
          continue;
        }
        let g = groups.get(key);
        if (!g) {
          g = { key, entries: [] };
          if (identity) g.identity = identity;
          groups.set(key, g);
        }
        g.entries.push(entry);
      }
    }
  }

  const subnets: SubnetAccount[] = [];
  for (const g of [...groups.values()].sort((a, b) => compare(a.key, b.key))) {
    const account = accountGroup(g);
    if (account) subnets.push(account);
    else {
      for (const e of g.entries) {
        problems.push(noSubnet({ cluster: e.cluster, nnc: e.nnc.name, nc: e.nc.id }, `no NC of subnet ${g.key} carries a usable subnetAddressSpace`, e.nc));
      }
    }
  }
  return { subnets, problems };
}

function noSubnet(where: { cluster: string; nnc: string; nc: string }, why: string, nc: NetworkContainer): AccountingProblem {
  return {
    ...where,
    kind: "no-subnet",
    message: `NC ${where.nc} on NNC ${where.nnc} (${where.cluster}): ${why}; its ${(nc.primaryIP ? 1 : 0) + nc.ipAssignments.length} address field(s) are not accounted`,
  };
}

function fieldName(fi: number): string {
  return fi < 0 ? "primaryIP" : `ipAssignments[${fi}]`;
}

function problemAt(e: NcEntry, fi: number, value: unknown, kind: AccountingProblemKind, what: string): AccountingProblem {
  const field = fieldName(fi);
  const shown = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  return {
    kind,
    cluster: e.cluster,
    nnc: e.nnc.name,
    nc: e.nc.id,
    field,
    value: typeof value === "string" ? value : String(value),
    message: `NC ${e.nc.id} on NNC ${e.nnc.name} (${e.cluster}): ${field} ${JSON.stringify(shown)} ${what}`,
  };
}

function latestPerCluster(snapshots: readonly ClusterSnapshot[], problems: AccountingProblem[]): ClusterSnapshot[] {
  const byCluster = new Map<string, ClusterSnapshot>();
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
  const withCidr = g.entries.filter((e) => e.cidr !== undefined);
  const cidrVote = mostCommon(withCidr, (e) => e.cidr!.canonical);
  if (!cidrVote) return null;
  const { canonical: cidr, range: subnet } = cidrVote.winner.cidr!;
  if (cidrVote.counts.size > 1) {
    for (const e of withCidr) {
      if (e.cidr!.canonical === cidr) continue;
      problems.push({
        kind: "cidr-mismatch",
        cluster: e.cluster,
        nnc: e.nnc.name,
        nc: e.nc.id,
        field: "subnetAddressSpace",
        value: e.nc.subnetAddressSpace!,
        message: `NC ${e.nc.id} on NNC ${e.nnc.name} (${e.cluster}) says subnet ${g.key} is ${e.cidr!.canonical}; most NCs say ${cidr}`,
      });
    }
  }

  const modeVote = mostCommon(g.entries, (e) => e.mode)!;
  const mode = modeVote.winner.mode;
  if (modeVote.counts.size > 1) {
    const parts = [...modeVote.counts].map(([m, c]) => `${c} ${m}`).join(", ");
    problems.push({ kind: "mixed-modes", message: `NCs on ${cidr} have different types (${parts}); a pod subnet holds one mode` });
  }
  for (const e of g.entries) {
    if (!knownType(e.nc)) {
      problems.push({
        kind: "unknown-nc-type",
        cluster: e.cluster,
        nnc: e.nnc.name,
        nc: e.nc.id,
        field: "type",
        value: e.nc.type,
        message: `NC ${e.nc.id} on NNC ${e.nnc.name} has type ${JSON.stringify(e.nc.type)}; treated as dynamic`,
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
  const held = new RangeList(g.entries.reduce((n, e) => n + 1 + e.nc.ipAssignments.length, 0));
  const scratch = newScratch();
  let outsideAddresses = 0;
  const hold = (ei: number, fi: number, value: unknown): void => {
    const status = parseRangeInto(value, scratch);
    if (status !== "ok") {
      const ipv6 = status === "ipv6";
      problems.push(
        problemAt(g.entries[ei]!, fi, value, ipv6 ? "ipv6-skipped" : "malformed-address", ipv6 ? "is IPv6, not accounted" : "is not an IPv4 address or CIDR; not counted"),
      );
      return;
    }
    let start = scratch.start;
    let end = scratch.end;
    if (scratch.prefixPresent && hostBitsSet(value as string, scratch)) {
      problems.push(problemAt(g.entries[ei]!, fi, value, "host-bits-set", `has host bits set; counted as ${describeRange(scratch)}`));
    }
    if (start < subnet.start || end > subnet.end) {
      const n = outside(scratch, subnet).reduce((sum, r) => sum + r.end - r.start + 1, 0);
      outsideAddresses += n;
      const problem = problemAt(g.entries[ei]!, fi, value, "outside-subnet", `has ${n} address(es) outside subnet ${cidr}; not counted in its use`);
      problem.addresses = n;
      problems.push(problem);
      start = Math.max(start, subnet.start);
      end = Math.min(end, subnet.end);
      if (start > end) return;
    }
    held.push(start, end, ei, fi);
  };
  for (let ei = 0; ei < g.entries.length; ei++) {
    const e = g.entries[ei]!;
    if (e.nc.primaryIP === undefined || e.nc.primaryIP === "") {
      problems.push({ kind: "missing-primary", cluster: e.cluster, nnc: e.nnc.name, nc: e.nc.id, message: `NC ${e.nc.id} on NNC ${e.nnc.name} (${e.cluster}) has no primaryIP` });
    } else hold(ei, -1, e.nc.primaryIP);
    const assignments = e.nc.ipAssignments;
    for (let fi = 0; fi < assignments.length; fi++) hold(ei, fi, assignments[fi]);
  }

  const { clusterOfEntry, clusterCount } = clusterIndexes(g.entries);
  const partitions = new Int32Array(held.length);
  for (let i = 0; i < held.length; i++) partitions[i] = clusterOfEntry[held.tagA[i]!]!;
  const swept = held.sweep({ partitions, partitionCount: clusterCount });
  const holderOf = (i: number): NcHolder => {
    const e = g.entries[held.tagA[i]!]!;
    const fi = held.tagB[i]!;
    return {
      cluster: e.cluster,
      nnc: e.nnc.name,
      nc: e.nc.id,
      field: fieldName(fi),
      value: String(fi < 0 ? e.nc.primaryIP : e.nc.ipAssignments[fi]),
    };
  };
  const duplicates: DuplicateHold[] = swept.overlaps.map((o) => {
    const holders = o.members.map(holderOf);
    const clusters = [...new Set(holders.map((h) => h.cluster))].sort(compare);
    const ncs = new Set(holders.map((h) => `${h.cluster}\u0000${h.nnc}\u0000${h.nc}`));
    const scope = clusters.length > 1 ? "cross-cluster" : ncs.size > 1 ? "same-cluster" : "same-nc";
    return { range: describeRange(o), addresses: o.end - o.start + 1, scope, clusters, holders };
  });

  const perCluster = shares(g.entries, clusterOfEntry, swept.partitionUnique);
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
  const name = g.entries.map((e) => e.nc.subnetName ?? e.nc.subnetID).find((n) => n !== undefined && n !== "");
  if (name !== undefined) account.name = name;
  if (g.identity) account.identity = g.identity;
  return account;
}

// Clusters numbered in order of first appearance, for per-cluster counts.
function clusterIndexes(entries: NcEntry[]): { clusterOfEntry: Int32Array; clusterCount: number } {
  const index = new Map<string, number>();
  const clusterOfEntry = new Int32Array(entries.length);
  entries.forEach((e, ei) => {
    let ci = index.get(e.cluster);
    if (ci === undefined) index.set(e.cluster, (ci = index.size));
    clusterOfEntry[ei] = ci;
  });
  return { clusterOfEntry, clusterCount: index.size };
}

function shares(entries: NcEntry[], clusterOfEntry: Int32Array, used: number[]): SubnetClusterShare[] {
  const rows: Array<{ cluster: string; nncs: Set<string>; nodes: Set<string>; ncs: number }> = [];
  entries.forEach((e, ei) => {
    const ci = clusterOfEntry[ei]!;
    const row = (rows[ci] ??= { cluster: e.cluster, nncs: new Set(), nodes: new Set(), ncs: 0 });
    row.ncs++;
    row.nncs.add(e.nnc.name);
    if (e.nodeNames.has(e.nnc.name)) row.nodes.add(e.nnc.name);
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
    forecast?: { exhaustionAt: Date | null; note?: string };
    headroom?: { status?: SubnetUsage["headroom"]; projectedAtMax: number | null; note?: string };
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
  if (extra.headroom) {
    u.projectedAtMax = extra.headroom.projectedAtMax;
    if (extra.headroom.status !== undefined) u.headroom = extra.headroom.status;
    if (extra.headroom.note !== undefined) u.headroomNote = extra.headroom.note;
  }
  return u;
}
