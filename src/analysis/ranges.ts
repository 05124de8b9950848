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

/** Parses `10.0.0.5` or `10.40.0.160/28`. Never throws: bad text comes back as `ok: false`. */
export function parseAddress(text: unknown): ParsedAddress {
  if (typeof text !== "string" || text === "") return { ok: false, kind: "malformed", reason: "empty or not a string" };
  if (!IPV4_CIDR.test(text)) {
    if (isIPv6Cidr(text)) return { ok: false, kind: "ipv6", reason: "IPv6 is not accounted (NCs here are IPv4)" };
    return { ok: false, kind: "malformed", reason: "not an IPv4 address or CIDR" };
  }
  let parsed;
  try {
    parsed = parseCidr(text);
  } catch (e) {
    return { ok: false, kind: "malformed", reason: e instanceof Error ? e.message : String(e) };
  }
  const start = Number(parsed.start);
  const end = Number(parsed.end);
  const prefix = Number(parsed.prefix);
  const slash = text.indexOf("/");
  const addressPart = slash === -1 ? text : text.slice(0, slash);
  const network = formatAddress(start);
  return {
    ok: true,
    start,
    end,
    prefix,
    canonical: parsed.prefixPresent ? `${network}/${prefix}` : network,
    hostBitsSet: parsed.prefixPresent && addressPart !== network,
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

export interface ArraySweepResult {
  /** Exact count of addresses covered by at least one range. */
  unique: number;
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
export function sweepArrays(
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  opts: { overlaps?: boolean } = {},
): ArraySweepResult {
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
  return { unique, overlaps };
}

// Indexes sorted by start. Packing start and index into one double lets the native typed-array sort
// do the work (start < 2^32, index < 2^21, product < 2^53: exact); a comparator sort is the fallback.
function orderByStart(starts: ArrayLike<number>): Uint32Array {
  const n = starts.length;
  const order = new Uint32Array(n);
  if (n <= PACK) {
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
