import { describe, expect, it } from "vitest";
import { forecastExhaustion, forecastSummaryOf, usageSeriesByKey, type UsagePoint } from "../../src/analysis/forecast.js";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Points every `stepMs` from T0 with used = f(index). */
function series(count: number, stepMs: number, f: (i: number) => number): UsagePoint[] {
  return Array.from({ length: count }, (_, i) => ({ at: new Date(T0 + i * stepMs), used: f(i) }));
}

describe("forecastExhaustion", () => {
  it("says not enough history for no point, one point and two points", () => {
    expect(forecastExhaustion([], 100)).toMatchObject({ exhaustionAt: null, ratePerDay: null, note: expect.stringMatching(/^not enough history/) });
    expect(forecastExhaustion(series(1, DAY, () => 50), 100)).toMatchObject({ exhaustionAt: null, ratePerDay: null, note: expect.stringMatching(/^not enough history/) });
    expect(forecastExhaustion(series(2, DAY, (i) => 50 + i * 10), 100)).toMatchObject({ exhaustionAt: null, note: expect.stringMatching(/^not enough history/) });
  });

  it("says not enough history when three points span under an hour", () => {
    const f = forecastExhaustion(series(3, 29 * 60_000, (i) => 10 + i * 10), 100);
    expect(f).toMatchObject({ exhaustionAt: null, ratePerDay: null, points: 3 });
    expect(f.note).toMatch(/not enough history: 3 point\(s\) over 58 minute\(s\)/);
  });

  it("accepts three points over exactly an hour", () => {
    const f = forecastExhaustion(series(3, 30 * 60_000, (i) => 100 + i * 10), 1000);
    expect(f.exhaustionAt).not.toBeNull();
    expect(f.ratePerDay).toBeCloseTo(480, 9);
  });

  it("projects linear growth to the right date", () => {
    // 100 + 50/day; latest (day 6) is 400; 1000 is reached 12 days later, on day 18
    const f = forecastExhaustion(series(7, DAY, (i) => 100 + 50 * i), 1000);
    expect(f.ratePerDay).toBeCloseTo(50, 9);
    expect(f.exhaustionAt?.toISOString()).toBe(new Date(T0 + 18 * DAY).toISOString());
    expect(f.points).toBe(7);
    expect(f.note).toBeUndefined();
  });

  it("lands on the last address, not one before or after", () => {
    // capacity 251, one address per hour, 240 at the latest point: 11 hours to go
    const f = forecastExhaustion(series(10, HOUR, (i) => 231 + i), 251);
    expect(f.exhaustionAt!.getTime()).toBe(T0 + 9 * HOUR + 11 * HOUR);
  });

  it("fits only the recent window", () => {
    // flat for 30 days, then +100/day for the last 7
    const old = series(30, DAY, () => 1000).map((p, i) => ({ ...p, at: new Date(T0 + i * DAY) }));
    const recent = Array.from({ length: 8 }, (_, i) => ({ at: new Date(T0 + (30 + i) * DAY), used: 1000 + 100 * i }));
    const f = forecastExhaustion([...old, ...recent], 3000);
    expect(f.ratePerDay).toBeCloseTo(100, 9);
    expect(f.exhaustionAt?.toISOString()).toBe(new Date(T0 + (37 + 13) * DAY).toISOString());
  });

  it("widens the window to the last three points when scans are sparse", () => {
    const f = forecastExhaustion(series(5, 10 * DAY, (i) => 1000 + 100 * i), 2000);
    expect(f.points).toBe(3);
    expect(f.ratePerDay).toBeCloseTo(10, 9);
    expect(f.exhaustionAt?.toISOString()).toBe(new Date(T0 + 40 * DAY + 60 * DAY).toISOString());
  });

  it("gives no date for flat usage", () => {
    const f = forecastExhaustion(series(10, HOUR, () => 500), 1000);
    expect(f).toMatchObject({ exhaustionAt: null, ratePerDay: 0 });
    expect(f.note).toMatch(/flat or shrinking/);
  });

  it("gives no date for shrinking usage", () => {
    const f = forecastExhaustion(series(10, HOUR, (i) => 900 - i * 5), 1000);
    expect(f.exhaustionAt).toBeNull();
    expect(f.ratePerDay).toBeLessThan(0);
    expect(f.note).toMatch(/flat or shrinking/);
  });

  it("says now when already full, even from one point", () => {
    const one = forecastExhaustion([{ at: "2026-03-01T12:00:00Z", used: 1024 }], 1024);
    expect(one).toMatchObject({ note: "already full" });
    expect(one.exhaustionAt?.toISOString()).toBe("2026-03-01T12:00:00.000Z");
    const now = new Date("2026-03-02T00:00:00Z");
    expect(forecastExhaustion(series(5, HOUR, (i) => 240 + i * 10), 251, { now }).exhaustionAt).toBe(now);
  });

  it("takes a step too recent to fit after as a level change, not growth", () => {
    // Three scans two hours apart: 85, then 3 nodes joined (136), then 136. Fitting across the jump
    // would read 306 addresses a day; the level changed once, and one scan before it and two after
    // are no trend on either level.
    const fresh = forecastExhaustion(series(3, 2 * HOUR, (i) => (i === 0 ? 85 : 136)), 1019);
    expect(fresh).toMatchObject({ exhaustionAt: null, ratePerDay: null, summary: "not enough history", points: 2 });
    expect(fresh.note).toBe(`not enough history: 2 point(s) over 2 hour(s) since a step from 85 to 136 at ${new Date(T0 + 2 * HOUR).toISOString().slice(0, 16)}Z; needs 3 over at least 1 hour(s)`);
    // Flat for six hours, then a jump at the latest scan: still no date.
    expect(forecastExhaustion([...series(6, HOUR, () => 100), { at: new Date(T0 + 6 * HOUR), used: 400 }], 1000)).toMatchObject({ exhaustionAt: null, ratePerDay: 0 });
  });

  it("finds no growth in a scale-out undone at once, nor in a shrink", () => {
    // Up by 300, then back down at the latest scan: the step down is the latest, the step up before it no trend.
    const spike = forecastExhaustion([...series(4, HOUR, (i) => (i < 3 ? 100 : 400)), { at: new Date(T0 + 4 * HOUR), used: 100 }], 1000);
    expect(spike.exhaustionAt).toBeNull();
    expect(spike.ratePerDay).toBeCloseTo(0, 9);
    // A cluster shrank at the latest scan: no date, and no growth.
    const shrink = forecastExhaustion([...series(4, HOUR, () => 700), { at: new Date(T0 + 4 * HOUR), used: 400 }], 1000);
    expect(shrink.exhaustionAt).toBeNull();
    expect(shrink.ratePerDay).not.toBeGreaterThan(0);
  });

  it("calls a jump a step only against other jumps, and fits only stretches with enough scans of their own", () => {
    // Hourly 100, 110, then +390, then 505: one step (110 -> 500 alone is no usual change to judge by),
    // and neither level has 3 scans over an hour, so 500 -> 505 in one hour is no 120 a day.
    const at = (h: number): string => new Date(T0 + h * HOUR).toISOString().slice(0, 16);
    const fresh = forecastExhaustion(series(4, HOUR, (i) => [100, 110, 500, 505][i]!), 1000);
    expect(fresh).toMatchObject({ exhaustionAt: null, ratePerDay: null, summary: "not enough history", points: 2 });
    expect(fresh.note).toBe(`not enough history: 2 point(s) over 1 hour(s) since a step from 110 to 500 at ${at(2)}Z; needs 3 over at least 1 hour(s)`);
    // Three scans over two hours before the step: the rate is theirs (240 a day), from the level after it.
    const before = forecastExhaustion(series(5, HOUR, (i) => [100, 110, 120, 500, 505][i]!), 1000);
    expect(before).toMatchObject({ points: 3, note: `apart from a step from 120 to 500 at ${at(3)}Z` });
    expect(before.ratePerDay).toBeCloseTo(240, 9);
    expect(before.exhaustionAt!.getTime()).toBe(Math.round(T0 + 4 * HOUR + (495 / 240) * DAY));
  });

  it("keeps forecasting a sustained trend across a fresh step, from the level after it", () => {
    // 10 an hour for six hours, then a cluster joins (+200) at the latest scan: 240 a day from 500.
    const pts = [...series(7, HOUR, (i) => 100 + 10 * i), { at: new Date(T0 + 7 * HOUR), used: 500 }];
    const f = forecastExhaustion(pts, 1000);
    expect(f.ratePerDay).toBeCloseTo(240, 9);
    expect(f.exhaustionAt!.getTime()).toBe(Math.round(T0 + 7 * HOUR + (500 / 240) * DAY));
  });

  it("projects from the observed value when it is below the fit (a scale-down), not from the line", () => {
    // +50/day for six days, then down to 300 where the line says 400: 700 free at the fitted rate.
    const pts = series(7, DAY, (i) => (i === 6 ? 300 : 100 + 50 * i));
    const f = forecastExhaustion(pts, 1000);
    const rate = f.ratePerDay!;
    expect(rate).toBeGreaterThan(0);
    expect(f.exhaustionAt!.getTime()).toBe(Math.round(T0 + 6 * DAY + ((1000 - 300) / rate) * DAY));
  });

  it("a one-off step then flat usage is no growth: only the points since the step are fitted", () => {
    // Hourly: 100 for four days, then a cluster joins the subnet: 200 for the last three.
    const pts = series(7 * 24 + 1, HOUR, (i) => (i < 4 * 24 ? 100 : 200));
    const f = forecastExhaustion(pts, 251);
    expect(f.exhaustionAt).toBeNull();
    expect(f.points).toBe(3 * 24 + 1);
    expect(f.note).toBe(`usage flat or shrinking over 3 day(s) since a step from 100 to 200 at ${new Date(T0 + 4 * DAY).toISOString().slice(0, 16)}Z`);
    // Noise is no step: ±10 around 200 every hour gives no step note.
    let seed = 1;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 20;
    const noisy = forecastExhaustion(series(7 * 24 + 1, HOUR, () => Math.round(200 + noise())), 251);
    expect([noisy.exhaustionAt, noisy.points, noisy.note]).toEqual([null, 7 * 24 + 1, "usage flat or shrinking over 7 day(s)"]);
    // The same step down (a cluster left) is no trend either.
    expect(forecastExhaustion(series(7 * 24 + 1, HOUR, (i) => (i < 4 * 24 ? 200 : 100)), 251).exhaustionAt).toBeNull();
  });

  it("after a step, growth since the step is still forecast, and steady growth in batches is no step", () => {
    // 100, then 200 three days ago, then one address an hour: 24 a day from 272 now.
    const f = forecastExhaustion(series(7 * 24 + 1, HOUR, (i) => (i < 4 * 24 ? 100 : 200 + (i - 4 * 24))), 400);
    expect(f.ratePerDay).toBeCloseTo(24, 9);
    expect(f.exhaustionAt!.getTime()).toBe(T0 + 7 * DAY + (128 / 24) * DAY);
    // A batch of 16 every 12 hours for a week: growth, each jump a small part of the rise.
    const batches = forecastExhaustion(series(7 * 24 + 1, HOUR, (i) => 100 + 16 * Math.floor(i / 12)), 1000);
    expect(batches.points).toBe(7 * 24 + 1);
    expect(batches.ratePerDay).toBeCloseTo(32, 0);
    expect(batches.exhaustionAt).not.toBeNull();
  });

  it("gives no date beyond the horizon", () => {
    const f = forecastExhaustion(series(10, DAY, (i) => 10 + i), 16_000_000);
    expect(f.exhaustionAt).toBeNull();
    expect(f.ratePerDay).toBeCloseTo(1, 9);
    expect(f.note).toMatch(/beyond/);
  });

  it("says why there is no date in a short complete phrase, also for notes stored without one", () => {
    const cases = [
      forecastExhaustion(series(2, DAY, (i) => 50 + i), 100),
      forecastExhaustion([...series(4, HOUR, (i) => (i < 3 ? 100 : 400)), { at: new Date(T0 + 4 * HOUR), used: 100 }], 1000),
      forecastExhaustion(series(10, DAY, (i) => 10 + i), 16_000_000),
      forecastExhaustion(series(3, HOUR, () => 100), 100),
    ];
    expect(cases.map((f) => f.summary)).toEqual(["not enough history", "usage flat or shrinking", "not full within 10 year(s)", "already full"]);
    // A row stored before the summary was kept reads the same from its note, not cut at "hour(s)".
    expect(cases.map((f) => forecastSummaryOf({ forecastNote: f.note! }))).toEqual(cases.map((f) => f.summary));
    expect(forecastExhaustion(series(7, DAY, (i) => 100 + 50 * i), 1000).summary).toBeUndefined();
  });

  it("sorts its input and ignores unusable points, saying so", () => {
    const pts = series(5, DAY, (i) => 100 + 50 * i).reverse();
    pts.push({ at: "not a date", used: 5 }, { at: T0, used: Number.NaN });
    const f = forecastExhaustion(pts, 1000);
    expect(f.ratePerDay).toBeCloseTo(50, 9);
    expect(f.exhaustionAt?.toISOString()).toBe(new Date(T0 + 4 * DAY + 14 * DAY).toISOString());
    expect(f.note).toMatch(/2 unusable point/);
  });
});

describe("usageSeriesByKey", () => {
  it("picks one subnet's points from evaluation summaries, oldest first", () => {
    const history = [
      { generatedAt: "2026-03-02T00:00:00Z", subnets: [{ key: "a", used: 20 }, { key: "b", used: 7 }] },
      { generatedAt: "2026-03-01T00:00:00Z", subnets: [{ key: "a", used: 10 }] },
      { generatedAt: "2026-03-03T00:00:00Z", subnets: [{ key: "b", used: 9 }] },
    ];
    expect(usageSeriesByKey(history).get("a") ?? []).toEqual([
      { at: "2026-03-01T00:00:00Z", used: 10 },
      { at: "2026-03-02T00:00:00Z", used: 20 },
    ]);
    expect(usageSeriesByKey(history).get("zzz") ?? []).toEqual([]);
  });

  it("dates a point when its data were read, and counts data read once as one point however many evaluations kept it", () => {
    // Read at 00:00 and 01:00; the 02:00 and 03:00 evaluations could only copy the 01:00 data.
    const history = [
      { generatedAt: "2026-03-01T03:00:00Z", subnets: [{ key: "a", used: 21, dataAt: "2026-03-01T01:00:00Z" }] },
      { generatedAt: "2026-03-01T02:00:00Z", subnets: [{ key: "a", used: 20, dataAt: "2026-03-01T01:00:00Z" }] },
      { generatedAt: "2026-03-01T01:00:05Z", subnets: [{ key: "a", used: 20, dataAt: "2026-03-01T01:00:00Z" }] },
      { generatedAt: "2026-03-01T00:00:05Z", subnets: [{ key: "a", used: 10, dataAt: "2026-03-01T00:00:00Z" }] },
    ];
    // The newest evaluation's count of the data stands (it may have let go of a forgotten cluster's share).
    expect(usageSeriesByKey(history).get("a")).toEqual([
      { at: "2026-03-01T00:00:00Z", used: 10 },
      { at: "2026-03-01T01:00:00Z", used: 21 },
    ]);
  });

  it("keeps the newest point, then one per 15 minutes, so every hour of the window weighs alike", () => {
    // 5-minute evaluations over an hour (the history keeps its newest ones whole, for SCN004).
    const at = (m: number) => new Date(Date.UTC(2026, 2, 1, 0, m)).toISOString();
    const history = Array.from({ length: 13 }, (_, i) => ({ generatedAt: at(5 * i), subnets: [{ key: "a", used: i }] }));
    expect((usageSeriesByKey(history).get("a") ?? []).map((p) => p.used)).toEqual([0, 3, 6, 9, 12]);
  });
});
