// What both stores keep beside a document: its summary, the latest-view rules and input checks.
// Shared so the Table and memory stores cannot drift apart (one conformance suite runs on both).
import type { ClusterSnapshot, SnapshotSummary } from "../model/snapshot.js";
import { describeCluster, MAX_CLUSTER_NAME } from "../model/cluster-name.js";
import { summarize } from "../model/snapshot.js";
import type { LatestEntry } from "./store.js";

export { describeCluster, MAX_CLUSTER_NAME };
/** Summaries keep this much of `reason` (the document keeps it whole). */
export const MAX_SUMMARY_REASON = 2000;

/** A name a snapshot may be stored under: non-empty and at most MAX_CLUSTER_NAME long. */
export function checkCluster(cluster: unknown): string {
  const name = checkStoredCluster(cluster);
  if (name.length > MAX_CLUSTER_NAME) {
    throw new RangeError(`cluster name is longer than ${MAX_CLUSTER_NAME} characters: ${describeCluster(name)}`);
  }
  return name;
}

/** A name to forget: any stored one, also one stored when the limit was wider. */
export function checkStoredCluster(cluster: unknown): string {
  if (typeof cluster !== "string" || cluster.length === 0) throw new TypeError("cluster name must be a non-empty string");
  return cluster;
}

export function storedSummary(s: ClusterSnapshot, ref: string): SnapshotSummary {
  const out = summarize(s, ref);
  if (out.reason !== undefined && out.reason.length > MAX_SUMMARY_REASON) out.reason = out.reason.slice(0, MAX_SUMMARY_REASON - 1) + "…";
  return out;
}

/**
 * Row keys (refs) sort newest first, so `a <= b` means a is as new as b or newer; equal refs are the
 * same scan round (a retry), which replaces what it rewrote.
 */
function notOlder(a: SnapshotSummary, b: SnapshotSummary | undefined): boolean {
  return b === undefined || a.ref <= b.ref;
}

/**
 * The latest entry after writing `s`: latest only moves forward; lastOk is the newest ok snapshot and
 * previousOk the ok one before it, as far as the writes seen say (dropped when unsure).
 * `newestOk` is asked only when `s` overwrote the lastOk snapshot with a failed one.
 * A `placeholder` (written only if absent) lost to a real snapshot of its round when the entry
 * already names that round: it then changes nothing.
 */
export async function nextLatest(
  cur: LatestEntry | undefined,
  s: SnapshotSummary,
  newestOk: () => Promise<SnapshotSummary | undefined>,
  placeholder = false,
): Promise<LatestEntry> {
  if (placeholder && cur && (cur.latest.ref === s.ref || cur.lastOk?.ref === s.ref)) return cur;
  const latest = notOlder(s, cur?.latest) ? s : cur!.latest;
  let lastOk = cur?.lastOk;
  let previousOk = cur?.previousOk;
  if (s.status === "ok") {
    if (lastOk === undefined) {
      // The cluster's first ok snapshot as far as this entry knows; what came before is unknown.
      lastOk = s;
      previousOk = undefined;
    } else if (s.ref === lastOk.ref) {
      lastOk = s; // a retry of the same round
    } else if (s.ref < lastOk.ref) {
      previousOk = lastOk;
      lastOk = s;
    } else if (previousOk !== undefined && s.ref <= previousOk.ref) {
      // An older round landing late, between lastOk and the one before it (or a retry of that one).
      // When the one before is unknown, so is whether s comes right before lastOk: it stays unknown.
      previousOk = s;
    }
  } else if (lastOk?.ref === s.ref) {
    lastOk = await newestOk();
    previousOk = undefined;
  } else if (previousOk?.ref === s.ref) {
    previousOk = undefined;
  }
  const out: LatestEntry = { cluster: s.cluster, latest };
  if (lastOk) out.lastOk = lastOk;
  if (previousOk && lastOk) out.previousOk = previousOk;
  return out;
}

export function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  return limit;
}
