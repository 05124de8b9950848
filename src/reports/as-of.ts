// A cluster whose latest scan did not read it is shown from its last good snapshot. Its rows carry
// that snapshot's time in a column of their own, so old data never pass for the latest scan's.
import type { DataAge } from "../model/sections.js";
import type { Column } from "./report.js";

/** Empty for rows of the latest scan; the last good snapshot's time for rows shown from it. */
export const STALE_COLUMN: Column = { key: "staleDataFrom", title: "STALE DATA FROM" };

/** The last good snapshot's time when `c`'s data are older than its latest scan, else undefined. */
export function staleSince(c: DataAge): string | undefined {
  return c.status !== undefined && c.status !== "ok" && c.lastOkAt ? c.lastOkAt : undefined;
}

/** "as of T, the last good snapshot (latest scan unreachable)", for titles; empty for current data. */
export function asOfText(c: DataAge): string {
  const at = staleSince(c);
  return at ? `as of ${at}, the last good snapshot (latest scan ${c.status})` : "";
}
