// Table keys. Cluster names come from kubeconfigs and ARM and may hold anything; Table keys forbid
// `/ \ # ?` and control characters (Azurite even answers 500 for `/`), and Azurite caps keys at 512
// UTF-16 units. Row keys are inverted time so a partition lists newest first ("log tail" pattern).
import { createHash } from "node:crypto";
import { isScanId, scanIdTime } from "../model/scan-id.js";

/** Table names are 3-63 letters and digits from a letter; the longest of ours adds 11 ("evaluations"). */
export const TABLE_PREFIX_RULE = "letters and digits starting with a letter (at most 51)";

export function isTablePrefix(prefix: string): boolean {
  return prefix === "" || /^[A-Za-z][A-Za-z0-9]{0,50}$/.test(prefix);
}

/** Encodings longer than this become a readable prefix plus a hash (Azurite allows 512, Azure 1 KiB). */
export const MAX_PLAIN_KEY = 200;
const HASHED_PREFIX = 100;
const HASH_MARK = "%-"; // never produced by the plain encoding: `%` there is always followed by hex or `u`
const HASHED = /%-[0-9a-f]{64}$/;

function mustEscape(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2f /* / */ ||
    code === 0x5c /* \ */ ||
    code === 0x23 /* # */ ||
    code === 0x3f /* ? */ ||
    code === 0x25 /* % */
  );
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, "0");
}

/**
 * Percent-encodes what a key may not hold (and `%` itself, so decoding is unambiguous). Lone
 * surrogates become `%uXXXX`: they cannot travel in a URL or UTF-8 and would collide as U+FFFD.
 */
export function escapeKey(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (mustEscape(c)) {
      out += "%" + hex(c, 2);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out += s[i]! + s[i + 1]!;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += "%u" + hex(c, 4);
    } else {
      out += s[i]!;
    }
  }
  return out;
}

export function unescapeKey(s: string): string {
  return s.replace(/%(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g, (_, u: string | undefined, b: string | undefined) =>
    String.fromCharCode(parseInt((u ?? b)!, 16)),
  );
}

/**
 * Key for a cluster name: injective for every string. Short names stay readable and reversible;
 * long ones keep a readable prefix and a sha256 of the full encoding (the original name is stored
 * as a property beside the key).
 */
export function clusterKey(cluster: string): string {
  const enc = escapeKey(cluster);
  if (enc.length <= MAX_PLAIN_KEY) return enc;
  let cut = HASHED_PREFIX;
  // Do not split an escape or a surrogate pair.
  const pct = enc.lastIndexOf("%", cut - 1);
  if (pct >= 0 && pct > cut - 6) cut = pct;
  if ((enc.charCodeAt(cut - 1) & 0xfc00) === 0xd800) cut--;
  const hash = createHash("sha256").update(enc, "utf8").digest("hex");
  return enc.slice(0, cut) + HASH_MARK + hash;
}

/** The cluster name back from its key, or undefined when the key is hashed (read the property). */
export function clusterFromKey(key: string): string | undefined {
  return HASHED.test(key) ? undefined : unescapeKey(key);
}

// Inverted time: the largest JS Date minus the time, fixed width, so newer sorts first.
const MAX_MS = 8_640_000_000_000_000;
const INV_WIDTH = 16;

export function invertedTime(at: Date): string {
  const ms = at.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`time out of range for a row key: ${String(at)}`);
  return String(MAX_MS - ms).padStart(INV_WIDTH, "0");
}

export function timeFromInverted(inv: string): Date {
  return new Date(MAX_MS - Number(inv.slice(0, INV_WIDTH)));
}

/**
 * Row key of one scan round's document: inverted round time plus the scan id, so it is unique per
 * round, newest first, and a retried job for the same round lands on the same row.
 */
export function scanRowKey(scanId: string): string {
  if (!isScanId(scanId)) throw new TypeError(`not a scan id: ${JSON.stringify(scanId.slice(0, 80))} (see newScanId)`);
  return `${invertedTime(scanIdTime(scanId))}_${scanId}`;
}

/** Upper bound of all scan row keys; chunk rows start with `~` and sort after it. */
export const SCAN_ROWS_END = "~";

const ROW_KEY = /^(\d{16})_(.+)$/;

/** The scan id of a row key made by scanRowKey, or undefined for anything else. */
export function scanIdOfRowKey(rowKey: string): string | undefined {
  const m = ROW_KEY.exec(rowKey);
  if (!m || !isScanId(m[2]!)) return undefined;
  return scanRowKey(m[2]!) === rowKey ? m[2]! : undefined;
}

/**
 * Accepts a ref (row key) or a bare scan id and returns the row key, or undefined when the value is
 * neither: outside input never reaches a key unchecked.
 */
export function normalizeRef(ref: string): string | undefined {
  if (scanIdOfRowKey(ref) !== undefined) return ref;
  if (isScanId(ref)) return scanRowKey(ref);
  return undefined;
}

/**
 * Exclusive upper bound on row keys for "round started at or after `since`": scan row keys are
 * `<inv>_<id>`, and `` ` `` sorts right after `_`.
 */
export function sinceUpperBound(since: Date): string {
  if (!(since instanceof Date)) throw new TypeError("since must be a Date");
  const ms = since.getTime();
  if (Number.isNaN(ms)) throw new TypeError("since is not a valid date");
  if (ms <= 0) return SCAN_ROWS_END;
  return invertedTime(since) + "`";
}

