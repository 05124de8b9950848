// A scan id names one scan round. It starts with the round's UTC start time so that stores can derive
// time-ordered keys from it, and a retried job for the same round lands on the same key.
import { randomBytes } from "node:crypto";

const PATTERN = /^(\d{8}T\d{6}(?:\d{3})?Z)-([a-z0-9]{4,16})$/;

export function newScanId(at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.(\d{3})Z$/, "$1Z");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}

export function isScanId(s: string): boolean {
  return PATTERN.test(s);
}

/** The round's start time; throws on a string that is not a scan id. */
export function scanIdTime(scanId: string): Date {
  const m = PATTERN.exec(scanId);
  if (!m) throw new Error(`not a scan id: ${JSON.stringify(scanId)}`);
  const s = m[1]!;
  const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.length > 16 ? s.slice(15, 18) : "000"}Z`;
  return new Date(iso);
}
