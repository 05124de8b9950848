// SCAN_SCHEDULE: NCRONTAB with seconds first, UTC, as the Functions host reads it. The host runs any
// schedule it can parse, "* * * * * *" (a round every second) included; a round needs minutes to
// settle, so the scan timer refuses a schedule that starts rounds closer than MIN_SCAN_INTERVAL_MINUTES.
import { UsageError } from "../src/errors.js";

export const MIN_SCAN_INTERVAL_MINUTES = 5;

interface Field {
  name: string;
  min: number;
  max: number;
  /** Three-letter names NCRONTAB accepts for the values, from `min`. */
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

function value(f: Field, text: string): number | undefined {
  const named = f.names?.indexOf(text.toLowerCase()) ?? -1;
  const n = named >= 0 ? f.min + named : /^\d{1,2}$/.test(text) ? Number(text) : NaN;
  return n >= f.min && n <= f.max ? n : undefined;
}

/** The values one field allows: a list of `*`, `N`, `N-M`, each with an optional `/STEP`; undefined when malformed. */
function expand(f: Field, text: string): number[] | undefined {
  const out = new Set<number>();
  for (const item of text.split(",")) {
    const m = /^(\*|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d{1,2}))?$/i.exec(item);
    if (!m) return undefined;
    const from = m[1] === "*" ? f.min : value(f, m[2]!);
    const to = m[1] === "*" ? f.max : m[3] !== undefined ? value(f, m[3]) : m[4] !== undefined ? f.max : from;
    const step = m[4] === undefined ? 1 : Number(m[4]);
    if (from === undefined || to === undefined || from > to || step < 1) return undefined;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Shortest time between two rounds, in minutes (across midnight too, as if every day ran). */
function shortestGapMinutes(seconds: number[], minutes: number[], hours: number[]): number {
  if (seconds.length > 1) return 0;
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  let gap = 24 * 60 - times[times.length - 1]! + times[0]!;
  for (let i = 1; i < times.length; i++) gap = Math.min(gap, times[i]! - times[i - 1]!);
  return gap;
}

export function checkSchedule(setting: string, schedule: string): string {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new UsageError(`app setting ${setting} must be an NCRONTAB schedule of six fields, seconds first, UTC (such as "0 */15 * * * *"), not ${JSON.stringify(schedule.slice(0, 80))}`);
  }
  const values = FIELDS.map((f, i) => {
    const v = expand(f, fields[i]!);
    if (!v) throw new UsageError(`app setting ${setting}: the ${f.name} field ${JSON.stringify(fields[i]!.slice(0, 40))} is not a value from ${f.min} to ${f.max}, a range, a list or a */step`);
    return v;
  });
  if (shortestGapMinutes(values[0]!, values[1]!, values[2]!) < MIN_SCAN_INTERVAL_MINUTES) {
    throw new UsageError(`app setting ${setting} ${JSON.stringify(schedule)} starts scan rounds less than ${MIN_SCAN_INTERVAL_MINUTES} minutes apart: a round needs minutes to settle (the default is "0 */15 * * * *")`);
  }
  return schedule.trim();
}
