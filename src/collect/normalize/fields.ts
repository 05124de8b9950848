// Defensive readers for objects that come off the wire: a garbage field becomes a recorded problem,
// never an exception that would lose the rest of the cluster.

export type Json = unknown;

export function obj(v: Json): Record<string, Json> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, Json>) : undefined;
}

export function arr(v: Json): Json[] | undefined {
  return Array.isArray(v) ? v : undefined;
}

export function str(v: Json): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Dates come as ISO strings from raw JSON and as Date objects from client-node's typed models. */
export function time(v: Json): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return typeof v === "string" ? v : undefined;
}

export class FieldReader {
  readonly problems: string[] = [];

  constructor(private readonly where: string) {}

  /** An integer field; missing → fallback, present but not a non-negative integer → problem + fallback. */
  int(v: Json, field: string, fallback = 0): number {
    if (v === undefined || v === null) return fallback;
    const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) return n;
    this.problem(`${field} is ${JSON.stringify(v)?.slice(0, 40)}, not a non-negative integer`);
    return fallback;
  }

  optInt(v: Json, field: string): number | undefined {
    if (v === undefined || v === null) return undefined;
    const n = this.int(v, field, -1);
    return n < 0 ? undefined : n;
  }

  str(v: Json, field: string): string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    this.problem(`${field} is ${typeof v}, not a string`);
    return undefined;
  }

  problem(text: string): void {
    if (this.problems.length < 20) this.problems.push(`${this.where}: ${text}`);
  }
}

/** Distinct strings kept for interning; past this the pool starts over (it is only a cache). */
const INTERN_LIMIT = 20_000;
const pool = new Map<string, string>();

/**
 * One copy of a string that repeats across objects (subnet and VNet IDs, gateways, label values,
 * images): JSON.parse gives every occurrence its own copy, and snapshots of the whole fleet are held
 * together for the evaluation.
 */
export function intern(s: string): string;
export function intern(s: string | undefined): string | undefined;
export function intern(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const hit = pool.get(s);
  if (hit !== undefined) return hit;
  if (pool.size >= INTERN_LIMIT) pool.clear();
  pool.set(s, s);
  return s;
}

/** Keeps only labels the analysis uses, so snapshots stay small on real nodes with dozens of labels. */
export function pickLabels(labels: Json, keep: (key: string) => boolean): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(labels);
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === "string" && keep(k)) out[k] = intern(v);
  return out;
}
