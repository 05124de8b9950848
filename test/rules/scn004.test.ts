import { describe, expect, it } from "vitest";
import type { EvaluationSummary } from "../../src/model/evaluation.js";
import scn004 from "../../src/rules/scn/scn004-stale-data.js";
import { cnsCluster, context, snapshot, T0, view } from "../fixtures/builders.js";

const HOUR = 3_600_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const aged = (name: string, ageMs: number) => {
  const s = cnsCluster(name, ["n1"]);
  s.takenAt = at(-ageMs).toISOString();
  return s;
};
const history = (gapMs: number, n = 5): EvaluationSummary[] =>
  Array.from({ length: n }, (_, i) => ({ scanId: `s${i}`, generatedAt: at(-(i + 1) * gapMs).toISOString(), clusters: 1, counts: { critical: 0, warning: 0, info: 0, waived: 0 }, subnets: [], ref: "r" }));

/** Evaluations the given numbers of minutes before T0 (fractions for seconds). */
const scansAgo = (minutesAgo: number[]): EvaluationSummary[] => minutesAgo.map((m, i) => ({ ...history(HOUR)[0]!, scanId: `s${i}`, generatedAt: at(-m * 60_000).toISOString() }));

/** Evaluations separated by the given gaps in minutes, the latest gap first (ending at T0). */
const scansApart = (gapMinutes: number[]): EvaluationSummary[] => scansAgo(gapMinutes.map((_, i) => gapMinutes.slice(0, i + 1).reduce((a, b) => a + b, 0)));

/** Minutes in a duration as a message words it ("21 h 1 min", "3 days 4 h", "45 min"). */
const minutes = (text: string): number => [...text.matchAll(/(\d+) (days|h|min)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * ({ days: 1440, h: 60, min: 1 } as Record<string, number>)[unit!]!, 0);

describe("SCN004 stale data", () => {
  it("flags a last good snapshot older than three default intervals (1 h), and says how old", () => {
    const r = [...scn004.check(context([view(aged("old", 3 * HOUR + 60_000)), view(aged("fresh", 2 * HOUR))]))];
    expect(r).toEqual([expect.objectContaining({ cluster: "old", severity: "warning", resource: "cluster/old", message: expect.stringMatching(/3 h 1 min old .* more than 3 h \(3 scan intervals of 60 min, default\); it has not been scanned since/) })]);
  });
  it("names the failing latest scan when old data stands in", () => {
    const bad = snapshot("flaky", {}, "unreachable");
    bad.reason = "dial tcp: i/o timeout";
    const [f] = [...scn004.check(context([view(aged("flaky", 5 * HOUR), bad)]))];
    expect(f!.message).toContain("ended unreachable: dial tcp: i/o timeout");
  });
  it("infers the interval from the gaps between recent scans", () => {
    const views = [view(aged("a", 50 * 60_000))];
    expect([...scn004.check(context(views, { history: history(15 * 60_000) }))]).toHaveLength(1); // 3 × 15 min
    expect([...scn004.check(context(views, { history: history(HOUR) }))]).toEqual([]);
  });
  it("never infers an interval shorter than 5 minutes from back-to-back scans", () => {
    const backToBack = { history: history(10_000) };
    expect([...scn004.check(context([view(aged("b", 14 * 60_000))], backToBack))]).toEqual([]);
    // The floor is the interval, not a fallback to the default hour: 16 minutes is past three of them.
    const [f] = [...scn004.check(context([view(aged("b", 16 * 60_000))], backToBack))];
    expect(f).toMatchObject({ cluster: "b", data: { intervalMinutes: 5, intervalSource: "history" } });
  });
  it("takes a 5-minute schedule whose timer jitters a second either way as 5 minutes", () => {
    // Gaps of 4:59, one of 5:01: the evaluations end a second early or late of the timer's five minutes.
    const gaps = [299, 299, 299, 301, 299, 299, 299, 299, 299, 299, 299, 299].map((sec) => sec / 60);
    const jitter = scansApart(gaps);
    const [f] = [...scn004.check(context([view(aged("late", 16 * 60_000)), view(aged("fresh", 14 * 60_000))], { history: jitter }))];
    expect(f).toMatchObject({ cluster: "late", data: { intervalMinutes: 5, intervalSource: "history" } });
  });
  it("keeps the hourly interval when manual re-scans minutes apart outnumber the scheduled gaps", () => {
    // Hourly rounds, and re-scans (scan --context X) 6, 12, ..., 36 minutes ago: more short gaps than hourly ones.
    const minutesAgo = [6, 12, 18, 24, 30, 36, 60, 120, 180, 240, 300];
    const reScans = scansAgo(minutesAgo);
    // A cluster the re-scans did not reach, read by the last hourly round: not stale.
    expect([...scn004.check(context([view(aged("other", 40 * 60_000))], { history: reScans }))]).toEqual([]);
    const [f] = [...scn004.check(context([view(aged("old", 3 * HOUR + 60_000))], { history: reScans }))];
    expect(f).toMatchObject({ cluster: "old", data: { intervalMinutes: 60, intervalSource: "history" } });
  });
  it("keeps the inferred interval when a few ad-hoc re-scans come between hourly scans", () => {
    // Hourly rounds, and six manual re-scans in the last six minutes: the interval is still about an hour.
    const minutesAgo = [1, 2, 3, 4, 5, 6, 35, 95, 155, 215, 275, 335];
    const adHoc = scansAgo(minutesAgo);
    const views = [view(aged("a", 30_000)), view(aged("b", 35 * 60_000))];
    expect([...scn004.check(context(views, { history: adHoc }))]).toEqual([]);
    // Scans that really run every 10 minutes still make 35 minutes stale.
    expect([...scn004.check(context(views, { history: history(10 * 60_000, 12) }))].map((f) => f.cluster)).toEqual(["b"]);
  });
  it("keeps the interval when scanning paused for a day: the missed rounds do not put off the warning", () => {
    // Hourly rounds, a 30-hour pause 5 hours ago, hourly again since; "quiet" has not been scanned for 4 hours.
    const minutesAgo = [60, 120, 180, 240, 300, 2100, 2160, 2220, 2280];
    const paused = scansAgo(minutesAgo);
    const [f] = [...scn004.check(context([view(aged("quiet", 4 * HOUR)), view(aged("fresh", 30 * 60_000))], { history: paused }))];
    expect(f).toMatchObject({ cluster: "quiet", data: { intervalMinutes: 60, intervalSource: "history" } });
    // Two such pauses, and a few re-scans since: still hourly.
    const twice = scansAgo([2, 4, 60, 120, 180, 240, 300, 2100, 2160, 2220, 2280, 4080, 4140]);
    const [g] = [...scn004.check(context([view(aged("quiet", 4 * HOUR)), view(aged("fresh", 30 * 60_000))], { history: twice }))];
    expect(g).toMatchObject({ cluster: "quiet", data: { intervalMinutes: 60, intervalSource: "history" } });
  });
  it("keeps the hourly interval however many re-scans 1-2 minutes apart come between the rounds", () => {
    const repeat = (n: number, gap: number): number[] => Array.from({ length: n }, () => gap);
    for (const gaps of [
      [...repeat(36, 1), ...repeat(12, 60)],
      [...repeat(30, 2), ...repeat(10, 60)],
    ]) {
      const [f] = [...scn004.check(context([view(aged("old", 3 * HOUR + 60_000)), view(aged("fresh", 2 * HOUR))], { history: scansApart(gaps) }))];
      expect(f).toMatchObject({ cluster: "old", data: { intervalMinutes: 60, intervalSource: "history" } });
    }
  });
  it("leaves out a pause with as few as two gaps", () => {
    const [f] = [...scn004.check(context([view(aged("quiet", 4 * HOUR)), view(aged("fresh", 30 * 60_000))], { history: scansApart([60, 1440]) }))];
    expect(f).toMatchObject({ cluster: "quiet", data: { intervalMinutes: 60, intervalSource: "history" } });
  });
  it("words an age visibly over the limit, and the limit as the intervals it is made of", () => {
    // Rounds 7 h and 20 s apart; the snapshot is 10 s past three of them.
    const gap = 7 * HOUR + 20_000;
    const [f] = [...scn004.check(context([view(aged("late", 3 * gap + 10_000))], { history: history(gap) }))];
    const [, age, limit, intervals, interval] = f!.message.match(/is (.+?) old .*, more than (.+?) \((\d+) scan intervals of (.+?), history\)/)!;
    expect(minutes(age!)).toBeGreaterThan(minutes(limit!));
    expect(minutes(limit!)).toBe(Number(intervals) * minutes(interval!));
  });
  it("takes the interval and the multiple from the policy, per cluster too", () => {
    const views = [view(aged("a", 2 * HOUR)), view(aged("b", 2 * HOUR))];
    const policy = { thresholds: { SCN004: { scanIntervalMinutes: 30 } }, overrides: [{ cluster: "b", thresholds: { SCN004: { intervals: 5 } } }] };
    expect([...scn004.check(context(views, { policy, history: history(HOUR) }))].map((f) => f.cluster)).toEqual(["a"]);
  });
  it("ignores a cluster stopped in ARM: its data is old because it is stopped, as its row says", () => {
    const off = snapshot("off", {}, "stopped");
    off.reason = "stopped in ARM (powerState Stopped): not scanned";
    expect([...scn004.check(context([view(aged("off", 5 * HOUR), off)]))]).toEqual([]);
  });
  it("ignores clusters that never had a good snapshot", () => {
    const never = snapshot("never", {}, "unauthorized");
    never.takenAt = at(-10 * HOUR).toISOString();
    expect([...scn004.check(context([view(never)]))]).toEqual([]);
  });
});
