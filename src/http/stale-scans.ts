// Whether the fleet is still being scanned, for /api/health. Rounds that cannot start (discovery or a
// setting failing, a stopped timer) store nothing, so no rule can say it: the dashboard keeps showing the
// last evaluation as if current. Stale here is SCN004's age for a cluster's data, applied to the newest
// evaluation: older than three scan intervals, the interval inferred from the evaluations as SCN004 does.
import scn004 from "../rules/scn/scn004-stale-data.js";
import { DEFAULT_SCAN_INTERVAL_MINUTES, INFERRED_EVALUATIONS, inferredIntervalMinutes, MIN_INFERRED_MINUTES, MINUTE } from "../rules/scan-interval.js";
import type { SnapshotStore } from "../store/store.js";

const INTERVALS = scn004.meta.thresholds!.intervals!;

export interface StaleScans {
  lastEvaluatedAt: string;
  intervalMinutes: number;
  message: string;
}

/** The interval changes only with a new evaluation: inferred once per newest one, not per health probe. */
const intervals = new WeakMap<SnapshotStore, { ref: string; minutes: number }>();

async function intervalMinutes(store: SnapshotStore, newestRef: string): Promise<number> {
  const known = intervals.get(store);
  if (known?.ref === newestRef) return known.minutes;
  const history = await store.listEvaluations({ limit: INFERRED_EVALUATIONS });
  const minutes = inferredIntervalMinutes(history.map((h) => Date.parse(h.generatedAt))) ?? DEFAULT_SCAN_INTERVAL_MINUTES;
  intervals.set(store, { ref: newestRef, minutes });
  return minutes;
}

/** Undefined while scans are evaluated on time, or before the first one (a new install has not stalled). */
export async function staleScans(store: SnapshotStore, now: Date): Promise<StaleScans | undefined> {
  const [newest] = await store.listEvaluations({ limit: 1 });
  if (!newest) return undefined;
  const ageMs = now.getTime() - Date.parse(newest.generatedAt);
  // Within three of the shortest interval there is, it is fresh whatever the schedule: no history to read.
  if (!(ageMs > INTERVALS * MIN_INFERRED_MINUTES * MINUTE)) return undefined;
  const minutes = await intervalMinutes(store, newest.ref);
  if (!(ageMs > INTERVALS * minutes * MINUTE)) return undefined;
  return {
    lastEvaluatedAt: newest.generatedAt,
    intervalMinutes: minutes,
    message: `no scan has been evaluated since ${newest.generatedAt} (${Math.floor(ageMs / MINUTE)} min ago), more than ${INTERVALS} scan intervals of ${minutes} min: scan rounds are not starting or not completing (the scan timer's or scheduler's log says why)`,
  };
}
