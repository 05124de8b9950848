// Address ranges and the interval sweep behind IP accounting. IPv4 only, as plain numbers: every
// number here is an integer in [0, 2^32), so doubles hold it exactly and sizes up to 2^32 fit too.
// No per-address arrays anywhere: a /8 costs the same as a /32.
import { isIPv6 } from "node:net";
import { parseCidr } from "cidr-tools";

/** Inclusive numeric IPv4 range. */
export interface AddressRange {
  start: number;
  end: number;
}

export type ParsedAddress =
  | {
      ok: true;
      start: number;
      end: number;
      /** 32 for a bare address. */
      prefix: number;
      /** Canonical text: a bare address stays bare, a CIDR is masked to its network (`10.40.0.160/28`). */
      canonical: string;
      /** The text had bits set below the prefix (`10.224.0.4/28`); the range is the masked block. */
      hostBitsSet: boolean;
    }
  | { ok: false; kind: "malformed" | "ipv6"; reason: string };

// cidr-tools validates "rudimentarily" (its README says so): it accepts 10.0.0.256, 10.0.0, 1.2.3.4.5
// and /33. So text is checked first, as strictly as Go's netip (which CNS uses): no leading zeros.
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4_CIDR = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}(?:/(?:3[0-2]|[12]?\\d))?$`);

/** Where `parseRangeInto` writes a parsed range (reused across calls: no allocation per address). */
export interface RangeScratch {
  start: number;
  end: number;
  prefix: number;
  prefixPresent: boolean;
}

export function newScratch(): RangeScratch {
  return { start: 0, end: 0, prefix: 0, prefixPresent: false };
}

/**
 * Hot-path parse for large fleets: validates, parses with cidr-tools and writes into `out`.
 * Returns "ok", or why the text is not accounted. Never throws.
 */
export function parseRangeInto(text: unknown, out: RangeScratch): "ok" | "malformed" | "ipv6" {
  if (typeof text !== "string" || !IPV4_CIDR.test(text)) {
    return typeof text === "string" && isIPv6Cidr(text) ? "ipv6" : "malformed";
  }
  let parsed;
  try {
    parsed = parseCidr(text);
  } catch {
    return "malformed";
  }
  out.start = Number(parsed.start);
  out.end = Number(parsed.end);
  out.prefix = Number(parsed.prefix);
  out.prefixPresent = parsed.prefixPresent;
  return "ok";
}

/** True when a parsed CIDR text had bits set below its prefix (`10.224.0.4/28`). */
export function hostBitsSet(text: string, r: RangeScratch): boolean {
  if (!r.prefixPresent || r.prefix === 32) return false;
  const slash = text.indexOf("/");
  return text.slice(0, slash) !== formatAddress(r.start);
}

/** Parses `10.0.0.5` or `10.40.0.160/28`. Never throws: bad text comes back as `ok: false`. */
export function parseAddress(text: unknown): ParsedAddress {
  const r = newScratch();
  const status = parseRangeInto(text, r);
  if (status === "ipv6") return { ok: false, kind: "ipv6", reason: "IPv6 is not accounted (NCs here are IPv4)" };
  if (status === "malformed") {
    return { ok: false, kind: "malformed", reason: typeof text === "string" && text !== "" ? "not an IPv4 address or CIDR" : "empty or not a string" };
  }
  const network = formatAddress(r.start);
  return {
    ok: true,
    start: r.start,
    end: r.end,
    prefix: r.prefix,
    canonical: r.prefixPresent ? `${network}/${r.prefix}` : network,
    hostBitsSet: hostBitsSet(text as string, r),
  };
}

function isIPv6Cidr(text: string): boolean {
  const [addr, prefix, extra] = text.split("/");
  if (extra !== undefined || addr === undefined || !isIPv6(addr)) return false;
  return prefix === undefined || /^(?:12[0-8]|1[01]\d|[1-9]?\d)$/.test(prefix);
}

/** Dotted quad of a number in [0, 2^32). */
export function formatAddress(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

export function rangeSize(r: AddressRange): number {
  return r.end - r.start + 1;
}

/** `10.0.0.5`, `10.40.0.160/28` when the range is one aligned block, else `10.0.0.5-10.0.0.9`. */
export function describeRange(r: AddressRange): string {
  const size = rangeSize(r);
  if (size === 1) return formatAddress(r.start);
  const bits = Math.log2(size);
  if (Number.isInteger(bits) && r.start % size === 0) return `${formatAddress(r.start)}/${32 - bits}`;
  return `${formatAddress(r.start)}-${formatAddress(r.end)}`;
}

/** Intersection of two ranges, or null. */
export function intersect(a: AddressRange, b: AddressRange): AddressRange | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start <= end ? { start, end } : null;
}

/** Whether `inner` lies wholly inside `outer`. */
export function contains(outer: AddressRange, inner: AddressRange): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** Parts of `r` outside `outer` (0, 1 or 2 ranges). */
export function outside(r: AddressRange, outer: AddressRange): AddressRange[] {
  const out: AddressRange[] = [];
  if (r.start < outer.start) out.push({ start: r.start, end: Math.min(r.end, outer.start - 1) });
  if (r.end > outer.end) out.push({ start: Math.max(r.start, outer.end + 1), end: r.end });
  return out;
}

/** A stretch of addresses held by two or more ranges; `members` are indexes into the sweep's input. */
export interface OverlapSegment {
  start: number;
  end: number;
  members: number[];
}

export interface SweepOptions {
  /** Collect overlap segments (default true). */
  overlaps?: boolean;
  /** Partition of each range (0 ≤ p < partitionCount): also count unique addresses per partition. */
  partitions?: ArrayLike<number>;
  partitionCount?: number;
}

export interface ArraySweepResult {
  /** Exact count of addresses covered by at least one range. */
  unique: number;
  /** Unique addresses per partition, when partitions were given. */
  partitionUnique: number[];
  /** Maximal stretches where the same set of ranges (2 or more) overlaps, in address order. */
  overlaps: OverlapSegment[];
}

const PACK = 2 ** 21;
const MAX_V4 = 2 ** 32 - 1;

/**
 * Sweep over ranges given as parallel arrays (no object per range, for large fleets).
 * O(n log n) for the sort, then linear; the per-overlap work only runs inside groups of ranges that
 * actually overlap, so disjoint blocks cost nothing extra.
 */
export function sweepArrays(starts: ArrayLike<number>, ends: ArrayLike<number>, opts: SweepOptions = {}): ArraySweepResult {
  const n = starts.length;
  if (ends.length !== n) throw new RangeError("starts and ends differ in length");
  for (let i = 0; i < n; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    if (!(Number.isInteger(s) && Number.isInteger(e) && s >= 0 && s <= e && e <= MAX_V4)) {
      throw new RangeError(`range ${i} is not an IPv4 range: ${s}..${e}`);
    }
  }
  const order = orderByStart(starts);
  const wantOverlaps = opts.overlaps !== false;
  const partitionUnique = countPartitions(order, starts, ends, opts);
  const overlaps: OverlapSegment[] = [];
  let unique = 0;
  let groupFirst = 0;
  let groupStart = -1;
  let groupEnd = -2;
  const flush = (last: number): void => {
    if (groupStart < 0) return;
    unique += groupEnd - groupStart + 1;
    if (wantOverlaps && last - groupFirst > 1) {
      overlapsInGroup(Array.from(order.subarray(groupFirst, last)), starts, ends, overlaps);
    }
  };
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const s = starts[i]!;
    const e = ends[i]!;
    if (s > groupEnd) {
      flush(k);
      groupFirst = k;
      groupStart = s;
      groupEnd = e;
    } else if (e > groupEnd) {
      groupEnd = e;
    }
  }
  flush(n);
  return { unique, partitionUnique, overlaps };
}

// The start order of all ranges is also the start order within each partition, so one more linear
// pass merges every partition at once: no second sort.
function countPartitions(order: Uint32Array, starts: ArrayLike<number>, ends: ArrayLike<number>, opts: SweepOptions): number[] {
  const { partitions, partitionCount = 0 } = opts;
  if (!partitions) return [];
  if (partitions.length !== starts.length) throw new RangeError("partitions differ in length from the ranges");
  const total = new Float64Array(partitionCount);
  const gStart = new Float64Array(partitionCount).fill(-1);
  const gEnd = new Float64Array(partitionCount).fill(-2);
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    const p = partitions[i]!;
    if (!(Number.isInteger(p) && p >= 0 && p < partitionCount)) throw new RangeError(`partition ${p} of range ${i} is out of range`);
    const s = starts[i]!;
    const e = ends[i]!;
    if (s > gEnd[p]!) {
      if (gStart[p]! >= 0) total[p]! += gEnd[p]! - gStart[p]! + 1;
      gStart[p] = s;
      gEnd[p] = e;
    } else if (e > gEnd[p]!) gEnd[p] = e;
  }
  const out: number[] = [];
  for (let p = 0; p < partitionCount; p++) out.push(total[p]! + (gStart[p]! >= 0 ? gEnd[p]! - gStart[p]! + 1 : 0));
  return out;
}

// Indexes sorted by start. Packing start and index into one double lets the native typed-array sort
// do the work (start < 2^32, index < 2^21, product < 2^53: exact); a comparator sort is the fallback.
/** Indexes of `starts` in ascending start order (exported for tests of both paths). */
export function orderByStart(starts: ArrayLike<number>, packLimit = PACK): Uint32Array {
  const n = starts.length;
  const order = new Uint32Array(n);
  if (n <= Math.min(packLimit, PACK)) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = starts[i]! * PACK + i;
    keys.sort();
    for (let k = 0; k < n; k++) order[k] = keys[k]! % PACK;
    return order;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => starts[a]! - starts[b]! || a - b);
  order.set(idx);
  return order;
}

// Event sweep over one group of mutually connected ranges: between consecutive boundaries the set
// of covering ranges is constant; emit the stretches covered twice or more, merging neighbours that
// have the same holders.
function overlapsInGroup(
  members: number[],
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  out: OverlapSegment[],
): void {
  const events: Array<[pos: number, member: number, enter: boolean]> = [];
  for (const m of members) {
    events.push([starts[m]!, m, true]);
    events.push([ends[m]! + 1, m, false]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const active = new Set<number>();
  let prev: OverlapSegment | undefined;
  for (let k = 0; k < events.length; ) {
    const pos = events[k]![0];
    for (; k < events.length && events[k]![0] === pos; k++) {
      const [, m, enter] = events[k]!;
      if (enter) active.add(m);
      else active.delete(m);
    }
    if (active.size < 2 || k >= events.length) continue;
    const end = events[k]![0] - 1;
    const set = [...active].sort((a, b) => a - b);
    if (prev && prev.end === pos - 1 && sameMembers(prev.members, set)) {
      prev.end = end;
    } else {
      prev = { start: pos, end, members: set };
      out.push(prev);
    }
  }
}

function sameMembers(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One held range and who holds it. */
export interface HeldRange<H> extends AddressRange {
  holder: H;
}

export interface Overlap<H> extends AddressRange {
  holders: H[];
}

export interface SweepResult<H> {
  unique: number;
  overlaps: Array<Overlap<H>>;
}

/** Unique address count and every overlap, with the holders that share each overlapping stretch. */
export function sweep<H>(held: ReadonlyArray<HeldRange<H>>, opts: { overlaps?: boolean } = {}): SweepResult<H> {
  const starts = new Float64Array(held.length);
  const ends = new Float64Array(held.length);
  held.forEach((h, i) => {
    starts[i] = h.start;
    ends[i] = h.end;
  });
  const r = sweepArrays(starts, ends, opts);
  return {
    unique: r.unique,
    overlaps: r.overlaps.map((o) => ({ start: o.start, end: o.end, holders: o.members.map((m) => held[m]!.holder) })),
  };
}

/** Exact number of distinct addresses covered by the ranges. */
export function countUnique(ranges: readonly AddressRange[]): number {
  const starts = new Float64Array(ranges.length);
  const ends = new Float64Array(ranges.length);
  ranges.forEach((r, i) => {
    starts[i] = r.start;
    ends[i] = r.end;
  });
  return sweepArrays(starts, ends, { overlaps: false }).unique;
}

/** Growable list of held ranges with two integer tags each, as typed arrays (no object per range). */
export class RangeList {
  starts: Float64Array;
  ends: Float64Array;
  tagA: Int32Array;
  tagB: Int32Array;
  length = 0;

  /** `expected`: how many ranges will come, so the arrays are allocated once. */
  constructor(expected = 256) {
    const size = Math.max(16, expected);
    this.starts = new Float64Array(size);
    this.ends = new Float64Array(size);
    this.tagA = new Int32Array(size);
    this.tagB = new Int32Array(size);
  }

  push(start: number, end: number, a: number, b: number): void {
    if (this.length === this.starts.length) this.grow();
    const i = this.length++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.tagA[i] = a;
    this.tagB[i] = b;
  }

  sweep(opts: SweepOptions = {}): ArraySweepResult {
    return sweepArrays(this.starts.subarray(0, this.length), this.ends.subarray(0, this.length), opts);
  }

  private grow(): void {
    const size = this.starts.length * 2;
    const grown = <T extends Float64Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.starts = grown(this.starts, new Float64Array(size));
    this.ends = grown(this.ends, new Float64Array(size));
    this.tagA = grown(this.tagA, new Int32Array(size));
    this.tagB = grown(this.tagB, new Int32Array(size));
  }
}
