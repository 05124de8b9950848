// IPX004: when does a subnet run out at the growth rate seen in the snapshot history?
//
// Method: ordinary least squares of used against time over a recent window (default the last 7 days
// before the latest point; IPX004 looks 3–14 days ahead, so last week's growth is what matters, and a
// burst a month ago is not). The fitted rate is projected from the value observed at the latest point
// (free / rate), not from the fitted line: a step up that the fit has not caught yet still brings the
// date forward (for an exhaustion alert, early beats late), and usage that dropped below the line is
// not reported as fuller than it is.
// A one-off step (one jump making up most of the window's range: a cluster joined or left a shared
// subnet, a pool scaled out at once) is not growth: with enough points after it, only those are fitted,
// so flat usage after a step gives no date while growth after it still does. A step too recent for that
// is a level change: the slope is fitted within the stretches between steps that have enough scans of
// their own, never across one, so one scale-out (or a shrink) reads as no growth and a trend before it
// still forecasts.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far back the fit looks by default (before the latest point). */
export const FORECAST_WINDOW_MS = 7 * DAY;
/** Points of a series at least this far apart: a fit weighs every hour of the window alike. */
export const FORECAST_SPACING_MS = 15 * 60_000;
/** Fewer points than this in the window is "not enough history" by default. */
const FORECAST_MIN_POINTS = 3;

/**
 * The note of a subnet that is full at the latest point. Its `exhaustionAt` is then that time (it ran
 * out, it is not "never": null would read as no exhaustion expected), so views show the note, not a date.
 */
export const ALREADY_FULL = "already full";
const NOT_ENOUGH_HISTORY = "not enough history";
const FLAT = "usage flat or shrinking";
/** The summary of a forecast growing too slowly to reach capacity within the horizon. */
const notWithin = (span: string): string => `not full within ${span}`;

/** The forecast of a subnet full at `at`; `why` when that is not plain from its count (CNS reports it full). */
export function alreadyFull(at: Date, why?: string): Forecast {
  return { exhaustionAt: at, note: why ? `${ALREADY_FULL}: ${why}` : ALREADY_FULL, summary: ALREADY_FULL, ratePerDay: null, points: 1 };
}

/** Whether a forecast note (a subnet row's `forecastNote`) says the subnet is full already. */
export function saysAlreadyFull(note: string | undefined): boolean {
  return note?.startsWith(ALREADY_FULL) ?? false;
}

/**
 * A subnet row's forecast summary; for rows stored before they kept one, the phrase its note starts
 * with, never the note cut at a parenthesis ("over 14 hour(s)" is no "over 14 hour"). A row with a date
 * has none (its note only qualifies the date: a step, points ignored), unless it is full already.
 */
export function forecastSummaryOf(row: { forecastSummary?: string; forecastNote?: string; forecastExhaustionAt?: string | null }): string | undefined {
  const note = row.forecastNote;
  if (row.forecastSummary !== undefined || !note) return row.forecastSummary;
  if (row.forecastExhaustionAt) return saysAlreadyFull(note) ? ALREADY_FULL : undefined;
  const beyond = /^growing .*, full beyond (\d+(?:\.\d+)? \w+\(s\))/.exec(note);
  if (beyond) return notWithin(beyond[1]!);
  return [ALREADY_FULL, NOT_ENOUGH_HISTORY, FLAT].find((phrase) => note.startsWith(phrase)) ?? note;
}

export interface UsagePoint {
  /** When `used` was observed: a Date, an ISO string or epoch milliseconds. */
  at: Date | string | number;
  used: number;
}

export interface ForecastOptions {
  /** Fit over points no older than this before the latest one (default 7 days). */
  windowMs?: number;
  /** Fewer points than this is "not enough history" (default 3). */
  minPoints?: number;
  /** A shorter span than this is "not enough history" (default 1 hour). */
  minSpanMs?: number;
  /** Dates further than this after the latest point are not reported (default 10 years). */
  horizonMs?: number;
  /** "Now" for a subnet that is already full (default: the latest point's time, keeping this pure). */
  now?: Date;
}

export interface Forecast {
  /** When `used` reaches capacity; null when not expected (or not knowable, see `note`). */
  exhaustionAt: Date | null;
  note?: string;
  /**
   * What to show instead of a date, a complete short phrase ("not enough history", "already full",
   * "usage flat or shrinking", "not full within 10 year(s)"); absent when there is a date ahead.
   */
  summary?: string;
  /** Growth in addresses per day from the fit; null without enough history. */
  ratePerDay: number | null;
  /** Points the fit used (after a step, only those of the stretches fitted). */
  points: number;
  /** When the data forecast from were read, where that is older than the scan (its clusters failed their scans since). */
  asOf?: Date;
}

/** Estimates when `used` reaches `capacity` from a time series of one subnet. */
export function forecastExhaustion(series: readonly UsagePoint[], capacity: number, opts: ForecastOptions = {}): Forecast {
  const windowMs = opts.windowMs ?? FORECAST_WINDOW_MS;
  const minPoints = Math.max(2, opts.minPoints ?? FORECAST_MIN_POINTS);
  const minSpanMs = opts.minSpanMs ?? HOUR;
  const horizonMs = opts.horizonMs ?? 3650 * DAY;

  const all = series
    .map((p) => ({ t: toMillis(p.at), used: p.used }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.used))
    .sort((a, b) => a.t - b.t);
  const dropped = series.length - all.length;
  const suffix = dropped > 0 ? ` (${dropped} unusable point(s) ignored)` : "";
  const last = all[all.length - 1];
  if (!last) return { exhaustionAt: null, note: `${NOT_ENOUGH_HISTORY}: no usable points${suffix}`, summary: NOT_ENOUGH_HISTORY, ratePerDay: null, points: 0 };

  // Full needs no history at all.
  if (last.used >= capacity) {
    return { ...alreadyFull(opts.now ?? new Date(last.t)), note: `${ALREADY_FULL}${suffix}` };
  }

  // The window, widened to the last `minPoints` points when scans are sparse.
  let window = all.filter((p) => p.t >= last.t - windowMs);
  if (window.length < minPoints) window = all.slice(-minPoints);
  const enough = (points: ReadonlyArray<{ t: number }>): boolean => points.length >= minPoints && points[points.length - 1]!.t - points[0]!.t >= minSpanMs;
  const notEnough = (points: ReadonlyArray<{ t: number }>, since = ""): Forecast => ({
    exhaustionAt: null,
    note: `${NOT_ENOUGH_HISTORY}: ${points.length} point(s) over ${formatSpan(last.t - points[0]!.t)}${since}; needs ${minPoints} over at least ${formatSpan(minSpanMs)}${suffix}`,
    summary: NOT_ENOUGH_HISTORY,
    ratePerDay: null,
    points: points.length,
  });
  if (!enough(window)) return notEnough(window);

  // A one-off step (a cluster joined or left the subnet, a pool scaled at once) is not a growth rate:
  // once there are enough points after it, only they are fitted. Too recent for that, the stretches
  // between steps are (a level change is no slope; fitting across it would invent one), those alone
  // that pass the same points/span check as the window: two scans on one level are no trend.
  let stepNote = "";
  let stretches = [window];
  const step = lastStep(window);
  if (step > 0) {
    const after = window.slice(step);
    const [from, to] = [window[step - 1]!, window[step]!];
    const what = `a step from ${from.used} to ${to.used} at ${new Date(to.t).toISOString().slice(0, 16)}Z`;
    if (enough(after)) {
      stretches = [(window = after)];
      stepNote = ` since ${what}`;
    } else {
      const between = betweenSteps(window);
      stretches = between.filter(enough);
      if (stretches.length === 0) return notEnough(after, ` since ${what}`);
      stepNote = between.length > 2 ? ` apart from ${between.length - 1} steps, the latest from ${from.used} to ${to.used}` : ` apart from ${what}`;
    }
  }
  const fitSpan = last.t - window[0]!.t;
  const n = stretches.reduce((sum, points) => sum + points.length, 0);
  const ratePerDay = slopePerDay(stretches, last.t);
  if (!(ratePerDay > 0)) {
    return { exhaustionAt: null, note: `${FLAT} over ${formatSpan(fitSpan)}${stepNote}${suffix}`, summary: FLAT, ratePerDay, points: n };
  }
  const days = Math.max(0, (capacity - last.used) / ratePerDay);
  const at = last.t + days * DAY;
  if (days * DAY > horizonMs) {
    return { exhaustionAt: null, note: `growing ${formatRate(ratePerDay)}${stepNote}, full beyond ${formatSpan(horizonMs)}${suffix}`, summary: notWithin(formatSpan(horizonMs)), ratePerDay, points: n };
  }
  const out: Forecast = { exhaustionAt: new Date(Math.round(at)), ratePerDay, points: n };
  if (stepNote || suffix) out.note = `${stepNote}${suffix}`.trim();
  return out;
}

/**
 * Index of the point after the latest jump between two neighbours that makes up more than half of the
 * window's range (up or down) and is well above the usual change between neighbours (4 × the median, so
 * noise is no step), or -1. Steady growth climbs in many similar steps (batches, blocks), none of them
 * most of the rise; a cluster joining a shared subnet is one jump.
 */
function lastStep(window: ReadonlyArray<{ used: number }>): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of window) {
    lo = Math.min(lo, p.used);
    hi = Math.max(hi, p.used);
  }
  const jumps = window.slice(1).map((p, i) => Math.abs(p.used - window[i]!.used));
  const sorted = [...jumps].sort((a, b) => a - b);
  for (let i = jumps.length - 1; i >= 0; i--) {
    // The usual change is judged without the jump itself: in three points (85, 136, 136) the step
    // would otherwise be its own median and never stand out.
    if (jumps[i]! * 2 > hi - lo && jumps[i]! > 4 * lowerMedianWithout(sorted, jumps[i]!)) return i + 1;
  }
  return -1;
}

/**
 * The lower median of sorted values with one copy of `value` taken out; Infinity when none is left: a
 * lone jump has no usual change to stand out from (two scans are a line, not a step and a level).
 */
function lowerMedianWithout(sorted: readonly number[], value: number): number {
  const m = Math.floor((sorted.length - 2) / 2);
  if (m < 0) return Infinity;
  return m < sorted.lastIndexOf(value) ? sorted[m]! : sorted[m + 1]!;
}

/** The window cut at every step, latest first found, then those before it: stretches of one level each. */
function betweenSteps<P extends { used: number }>(window: readonly P[]): P[][] {
  const out: P[][] = [];
  let rest = window;
  for (let step = lastStep(rest); step > 0; step = lastStep(rest)) {
    out.unshift(rest.slice(step));
    rest = rest.slice(0, step);
  }
  out.unshift([...rest]);
  return out;
}

/**
 * Least-squares slope of used against time in addresses a day, pooled within stretches (each with its
 * own level): one stretch is the ordinary fit. 0 when no stretch spans any time.
 */
function slopePerDay(stretches: ReadonlyArray<ReadonlyArray<{ t: number; used: number }>>, latest: number): number {
  let sxx = 0;
  let sxy = 0;
  for (const points of stretches) {
    // Time in days relative to the latest point keeps the sums small and exact enough.
    const mx = points.reduce((sum, p) => sum + (p.t - latest) / DAY, 0) / points.length;
    const my = points.reduce((sum, p) => sum + p.used, 0) / points.length;
    for (const p of points) {
      const dx = (p.t - latest) / DAY - mx;
      sxx += dx * dx;
      sxy += dx * (p.used - my);
    }
  }
  return sxx > 0 ? sxy / sxx : 0;
}

type UsageHistory = ReadonlyArray<{ generatedAt: string; subnets: ReadonlyArray<{ key: string; used: number; dataAt?: string }> }>;

/**
 * Every subnet key's series from stored evaluation summaries, oldest first, in one pass over the history.
 * `keyOf` gives the key a stored row is followed under now (default its own); rows of one summary that
 * it puts under one key add up (an overlay pod CIDR stored split while an expansion reached its nodes).
 * A point is dated when its data were read (`dataAt`; older rows have only their evaluation's time), and
 * data read once are one point: evaluations while every cluster on a subnet failed its scans only copied
 * them, and counting the copies as scans would bend the fit flat and move the date later every scan.
 */
export function usageSeriesByKey(history: UsageHistory, keyOf: (key: string) => string = (key) => key): Map<string, UsagePoint[]> {
  type Read = { at: string; used: number; evaluated: number };
  const out = new Map<string, Read[]>();
  for (const h of history) {
    const evaluated = Date.parse(h.generatedAt);
    const points = new Map<string, Read>();
    for (const s of h.subnets) {
      const key = keyOf(s.key);
      const at = s.dataAt ?? h.generatedAt;
      const point = points.get(key);
      if (point) {
        point.used += s.used;
        if (toMillis(at) > toMillis(point.at)) point.at = at;
        continue;
      }
      let series = out.get(key);
      if (!series) out.set(key, (series = []));
      const p = { at, used: s.used, evaluated };
      points.set(key, p);
      series.push(p);
    }
  }
  const series = new Map<string, UsagePoint[]>();
  for (const [key, points] of out) {
    // Of one data time, the newest evaluation's count stands (it may have let go of a forgotten cluster).
    const byDataTime = new Map<number, Read>();
    for (const p of points) {
      const seen = byDataTime.get(toMillis(p.at));
      if (!seen || p.evaluated > seen.evaluated) byDataTime.set(toMillis(p.at), p);
    }
    const oldestFirst = [...byDataTime].sort(([a], [b]) => a - b);
    series.set(key, evenlySpaced(oldestFirst.map(([, p]) => ({ at: p.at, used: p.used }))));
  }
  return series;
}

/**
 * The newest point, then each older one at least FORECAST_SPACING_MS before the last kept: the history
 * keeps every recent evaluation (for SCN004's interval), and a fit over 5-minute points there and
 * 15-minute ones before would weigh the last hours three times over.
 */
function evenlySpaced(series: UsagePoint[]): UsagePoint[] {
  const kept: UsagePoint[] = [];
  let last = Number.POSITIVE_INFINITY;
  for (let i = series.length - 1; i >= 0; i--) {
    const t = toMillis(series[i]!.at);
    if (last - t < FORECAST_SPACING_MS) continue;
    kept.push(series[i]!);
    last = t;
  }
  return kept.reverse();
}

export function toMillis(at: Date | string | number): number {
  if (at instanceof Date) return at.getTime();
  if (typeof at === "number") return at;
  return Date.parse(at);
}

function formatSpan(ms: number): string {
  if (ms >= 365 * DAY) return `${Math.round(ms / (365 * DAY))} year(s)`;
  if (ms >= DAY) return `${+(ms / DAY).toFixed(1)} day(s)`;
  if (ms >= HOUR) return `${+(ms / HOUR).toFixed(1)} hour(s)`;
  return `${Math.round(ms / 60_000)} minute(s)`;
}

function formatRate(perDay: number): string {
  return `${+perDay.toPrecision(3)} addresses/day`;
}
