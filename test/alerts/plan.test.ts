import { describe, expect, it } from "vitest";
import { type Announced, announced, planAlerts } from "../../src/alerts/plan.js";
import { WEBHOOK_MAX_ITEMS, webhookPayload, webhookResolutions } from "../../src/alerts/send.js";
import type { Finding } from "../../src/model/finding.js";

const T = new Date("2026-11-28T12:00:00Z");
const f = (id: string, severity: Finding["severity"], over: Partial<Finding> = {}): Finding => ({
  id, rule: "NNC001", severity, cluster: "a", resource: `node/${id}`, message: "m", firstSeen: T.toISOString(), lastSeen: T.toISOString(), ...over,
});
const state = (...a: Announced[]) => new Map(a.map((x) => [x.findingId, x]));
const DAY = 86_400_000;

describe("planAlerts", () => {
  it("announces new findings at or above the destination's minimum, most severe first", () => {
    const p = planAlerts([f("1", "info"), f("2", "warning"), f("3", "critical")], new Map(), { minSeverity: "warning" }, T, DAY);
    expect(p.announce.map((a) => [a.finding.id, a.reason])).toEqual([["3", "new"], ["2", "new"]]);
  });
  it("puts a still-open critical before a new warning or info: severity first, then news before reminders", () => {
    const old = new Date(T.getTime() - DAY).toISOString();
    const p = planAlerts([f("i", "info"), f("w-new", "warning"), f("w-open", "warning"), f("c-open", "critical")], state(announced(f("w-open", "warning"), old), announced(f("c-open", "critical"), old)), { minSeverity: "info" }, T, DAY);
    expect(p.announce.map((a) => [a.finding.id, a.reason])).toEqual([["c-open", "reminder"], ["w-new", "new"], ["w-open", "reminder"], ["i", "new"]]);
  });
  it("reminds of what waited longest first, within one severity, so a backlog too big for a card cannot starve its tail", () => {
    const ago = (days: number) => new Date(T.getTime() - days * DAY).toISOString();
    const rows = state(announced(f("a-recent", "critical", { cluster: "a" }), ago(1)), announced(f("z-oldest", "critical", { cluster: "z" }), ago(3)), announced(f("m-older", "critical", { cluster: "m" }), ago(2)), announced(f("b-warn", "warning", { cluster: "b" }), ago(4)));
    const p = planAlerts([f("a-recent", "critical", { cluster: "a" }), f("z-oldest", "critical", { cluster: "z" }), f("m-older", "critical", { cluster: "m" }), f("b-warn", "warning", { cluster: "b" })], rows, { minSeverity: "warning" }, T, DAY);
    expect(p.announce.map((a) => a.finding.id)).toEqual(["z-oldest", "m-older", "a-recent", "b-warn"]);
  });
  it("stays quiet about what was already announced until it escalates or the re-notify interval passes", () => {
    const prev = announced(f("1", "warning"), new Date(T.getTime() - 3_600_000).toISOString());
    expect(planAlerts([f("1", "warning")], state(prev), { minSeverity: "warning" }, T, DAY).announce).toEqual([]);
    expect(planAlerts([f("1", "critical")], state(prev), { minSeverity: "warning" }, T, DAY).announce[0]).toMatchObject({ reason: "escalated", previous: { severity: "warning" } });
    // The generic webhook's payload says what it escalated from, as the Teams card does.
    const escalated = planAlerts([f("1", "critical")], state(prev), { minSeverity: "warning" }, T, DAY);
    const payload = webhookPayload("findings", escalated, { scanId: "s", generatedAt: T.toISOString(), fleet: { critical: 1, warning: 0, info: 0 } }) as { findings: unknown[] };
    expect(payload.findings[0]).toMatchObject({ reason: "escalated", severity: "critical", previousSeverity: "warning" });
    // A generic payload stays bounded: the most severe first, the rest counted.
    const many = planAlerts([...Array.from({ length: WEBHOOK_MAX_ITEMS }, (_, i) => f(`w${i}`, "warning")), f("c", "critical")], new Map(), { minSeverity: "warning" }, T, DAY);
    const big = webhookPayload("findings", many, { scanId: "s", generatedAt: T.toISOString(), fleet: { critical: 1, warning: WEBHOOK_MAX_ITEMS, info: 0 } }) as { findings: Array<{ id: string }>; omitted?: number };
    expect(big.findings).toHaveLength(WEBHOOK_MAX_ITEMS);
    expect(big.findings[0]!.id).toBe("c");
    expect(big.omitted).toBe(1);
    // Resolutions and below-level notices are cut together, the least severe (as last announced) first.
    const closing = { ...many, announce: [], resolved: [announced(f("w", "warning"), T.toISOString()), announced(f("r", "critical", { cluster: "b" }), T.toISOString())], lowered: [{ finding: f("c", "info"), previous: announced(f("c", "critical"), T.toISOString()) }] };
    const cut = webhookPayload("resolved", closing, { scanId: "s", generatedAt: T.toISOString(), fleet: { critical: 0, warning: 0, info: 1 } }, 2) as { resolved: Array<{ id: string; reason: string }>; omitted?: number };
    expect(cut.resolved.map((r) => [r.id, r.reason])).toEqual([["c", "below-min-severity"], ["r", "resolved"]]);
    expect(cut.omitted).toBe(1);
    expect(webhookResolutions(closing, 2)).toEqual({ sent: { resolved: [closing.resolved[1]], lowered: closing.lowered }, omitted: 1 });
    // Its text shows hidden characters as escapes; the fields that name things keep the real names.
    const bidi = planAlerts([f("b", "critical", { cluster: "bidi-\u202Eevil", resource: "node/\u202Ex", message: "node \u202Ex \u001b[2J is down" })], new Map(), { minSeverity: "warning" }, T, DAY);
    const shown = (webhookPayload("findings", bidi, { scanId: "s", generatedAt: T.toISOString(), fleet: { critical: 1, warning: 0, info: 0 } }) as { findings: Array<Record<string, string>> }).findings[0]!;
    expect(shown).toMatchObject({ cluster: "bidi-\u202Eevil", resource: "node/\u202Ex", message: "node \\u202ex \\x1b[2J is down" });
    const later = new Date(T.getTime() + DAY);
    expect(planAlerts([f("1", "warning")], state(prev), { minSeverity: "warning" }, later, DAY).announce[0]?.reason).toBe("reminder");
  });
  it("resolves what is gone from two evaluations in a row, and forgets waived findings without a false resolution", () => {
    const a = announced(f("1", "critical"), T.toISOString());
    const b = announced(f("2", "critical"), T.toISOString());
    const p = planAlerts([f("2", "critical", { waived: { reason: "ok" } })], state(a, b), { minSeverity: "warning" }, T, DAY);
    expect(p.resolved).toEqual([]);
    expect(p.quietUpdates).toEqual([{ ...a, missing: 1 }]);
    expect(p.quietDeletes).toEqual(["2"]);
    expect(p.announce).toEqual([]);
    const again = planAlerts([], state({ ...a, missing: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(again.resolved).toEqual([a]);
  });
  it("does not resolve and announce anew a finding that flaps: back after one absence, it is still open", () => {
    const a = announced(f("1", "critical"), T.toISOString());
    const back = planAlerts([f("1", "critical")], state({ ...a, missing: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(back).toMatchObject({ announce: [], resolved: [], quietDeletes: [] });
    expect(back.quietUpdates).toEqual([a]);
    // Back and escalated: announced, and its row rewritten without the count whether or not the escalation
    // is delivered (one that is not would leave a single absence to resolve it); a delivered one is written over it.
    const up = planAlerts([f("1", "critical")], state({ ...a, severity: "warning", missing: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(up.announce.map((x) => x.reason)).toEqual(["escalated"]);
    expect(up.quietUpdates).toEqual([{ ...a, severity: "warning" }]);
  });
  it("counts an absence or a drop once per scan of the finding's clusters: evaluating the same snapshots again is no new observation", () => {
    const warn = { minSeverity: "warning" as const };
    const a = announced(f("1", "critical"), T.toISOString());
    const scanOfA = (takenAt: string) => new Map([["a", takenAt], ["b", "t0"]]);
    // Job A's scan of cluster a finds it gone; job B scans b only, its evaluation reads a's snapshot again.
    const gone = planAlerts([], state(a), warn, T, DAY, scanOfA("t3"));
    expect(gone).toMatchObject({ resolved: [], quietUpdates: [{ ...a, missing: 1 }] });
    const counted = gone.quietUpdates[0]!;
    expect(planAlerts([], state(counted), warn, T, DAY, scanOfA("t3"))).toMatchObject({ resolved: [], quietUpdates: [], quietDeletes: [] });
    // A newer scan of a that still finds it gone resolves it; one that finds it back rewrites the row without the count.
    expect(planAlerts([], state(counted), warn, T, DAY, scanOfA("t5")).resolved).toEqual([a]);
    expect(planAlerts([f("1", "critical")], state(counted), warn, T, DAY, scanOfA("t5")).quietUpdates).toEqual([a]);
    // A drop is counted the same way.
    const lower = planAlerts([f("1", "warning")], state(a), warn, T, DAY, scanOfA("t3")).quietUpdates;
    expect(lower).toMatchObject([{ ...a, lowerFor: 1 }]);
    expect(planAlerts([f("1", "warning")], state(lower[0]!), warn, T, DAY, scanOfA("t3"))).toMatchObject({ announce: [], quietUpdates: [] });
    expect(planAlerts([f("1", "warning")], state(lower[0]!), warn, T, DAY, scanOfA("t5")).announce.map((x) => x.reason)).toEqual(["deescalated"]);
    // A finding about several clusters (a shared subnet) is seen anew when any of them is scanned again.
    const shared = announced(f("s", "critical", { clusters: ["a", "b"] }), T.toISOString());
    const once = planAlerts([], state(shared), warn, T, DAY, scanOfA("t3")).quietUpdates[0]!;
    expect(planAlerts([], state(once), warn, T, DAY, scanOfA("t3")).resolved).toEqual([]);
    expect(planAlerts([], state(once), warn, T, DAY, new Map([["a", "t3"], ["b", "t4"]])).resolved).toEqual([shared]);
  });
  it("keeps what it announced about a cluster stopped in ARM: neither resolved nor forgotten until it runs again", () => {
    const paused = announced(f("1", "critical", { cluster: "off" }), T.toISOString());
    const p = planAlerts([], state(paused), { minSeverity: "warning" }, T, DAY, new Map([["off", "t0"]]), new Set(["off"]));
    expect(p).toMatchObject({ announce: [], resolved: [], quietUpdates: [], quietDeletes: [] });
  });
  it("drops the findings of a cluster removed from the audit quietly, without a false resolution", () => {
    const kept = announced(f("1", "critical", { cluster: "a" }), T.toISOString());
    const fixed = announced(f("2", "critical", { cluster: "a" }), T.toISOString());
    const removed = announced(f("3", "critical", { cluster: "gone" }), T.toISOString());
    const p = planAlerts([f("1", "critical", { cluster: "a" })], state(kept, { ...fixed, missing: 1 }, removed), { minSeverity: "warning" }, T, DAY, new Map([["a", "t1"]]));
    expect(p.resolved.map((r) => r.findingId)).toEqual(["2"]);
    expect(p.quietDeletes).toEqual(["3"]);
  });
  it("never announces waived findings", () => {
    expect(planAlerts([f("1", "critical", { waived: { reason: "accepted" } })], new Map(), { minSeverity: "info" }, T, DAY).announce).toEqual([]);
  });
  it("announces a severity drop once it has held two evaluations: de-escalated where the destination still covers it", () => {
    const prev = announced(f("1", "critical"), T.toISOString());
    const once = planAlerts([f("1", "warning")], state(prev), { minSeverity: "warning" }, T, DAY);
    expect(once).toMatchObject({ announce: [], resolved: [], lowered: [], quietUpdates: [{ ...prev, lowerFor: 1 }] });
    const twice = planAlerts([f("1", "warning")], state({ ...prev, lowerFor: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(twice.announce).toEqual([{ finding: f("1", "warning"), reason: "deescalated", previous: prev }]);
    expect(twice.quietUpdates).toEqual([]);
    const payload = webhookPayload("findings", twice, { scanId: "s", generatedAt: T.toISOString(), fleet: { critical: 0, warning: 1, info: 0 } }) as { findings: unknown[] };
    expect(payload.findings[0]).toMatchObject({ reason: "deescalated", severity: "warning", previousSeverity: "critical" });
    // What is resolved before the drop was told names the severity the destination heard: critical.
    expect(planAlerts([], state({ ...prev, lowerFor: 1, missing: 1 }), { minSeverity: "warning" }, T, DAY).resolved).toEqual([prev]);
  });
  it("tells a destination once that a finding fell below its minimum, then nothing until it rises again", () => {
    const critOnly = { minSeverity: "critical" as const };
    const prev = announced(f("1", "critical"), T.toISOString());
    const p = planAlerts([f("1", "warning")], state({ ...prev, lowerFor: 1 }), critOnly, T, DAY);
    expect(p).toMatchObject({ announce: [], resolved: [], quietUpdates: [] });
    expect(p.lowered).toEqual([{ finding: f("1", "warning"), previous: prev }]);
    // After the notice its row holds warning, marked (sendAlerts writes it): quiet while it stays or drops further...
    const told: Announced = { ...announced(f("1", "warning"), T.toISOString()), belowMin: true };
    expect(planAlerts([f("1", "warning")], state(told), critOnly, new Date(T.getTime() + 2 * DAY), DAY)).toMatchObject({ announce: [], lowered: [], quietUpdates: [] });
    expect(planAlerts([f("1", "info")], state(told), critOnly, T, DAY)).toMatchObject({ announce: [], lowered: [], quietUpdates: [{ ...told, severity: "info" }] });
    // ...its resolution is not announced to a channel that stopped hearing of it...
    expect(planAlerts([], state({ ...told, missing: 1 }), critOnly, T, DAY)).toMatchObject({ resolved: [], quietDeletes: ["1"] });
    // ...and a rise is an escalation from what it was told.
    expect(planAlerts([f("1", "critical")], state(told), critOnly, T, DAY).announce).toEqual([{ finding: f("1", "critical"), reason: "escalated", previous: told }]);
    // A rise still below the level follows quietly, marked.
    expect(planAlerts([f("1", "warning")], state({ ...told, severity: "info" }), critOnly, T, DAY)).toMatchObject({ announce: [], quietUpdates: [told] });
  });
  it("resolves aloud a row below the destination's level that was never told so, naming the severity it holds", () => {
    const critOnly = { minSeverity: "critical" as const };
    // (a) Announced critical, then lowered to warning quietly by a version before the notice existed.
    const lowered = { ...announced(f("1", "critical"), T.toISOString()), severity: "warning" as const };
    expect(planAlerts([f("1", "warning")], state(lowered), critOnly, T, DAY)).toMatchObject({ announce: [], lowered: [], quietUpdates: [], quietDeletes: [] });
    expect(planAlerts([f("1", "info")], state(lowered), critOnly, T, DAY)).toMatchObject({ announce: [], lowered: [], quietUpdates: [], quietDeletes: [] });
    expect(planAlerts([], state({ ...lowered, missing: 1 }), critOnly, T, DAY)).toMatchObject({ resolved: [lowered], quietDeletes: [] });
    // (b) Heard at warning, then the destination's minimum raised to critical: a drop to info keeps what
    // it heard (a drop it was counting is forgotten), and the resolution names warning.
    const heard = announced(f("2", "warning"), T.toISOString());
    expect(planAlerts([f("2", "info")], state(heard), critOnly, T, DAY)).toMatchObject({ announce: [], lowered: [], quietUpdates: [], quietDeletes: [] });
    expect(planAlerts([f("2", "info")], state({ ...heard, lowerFor: 1 }), critOnly, T, DAY)).toMatchObject({ lowered: [], quietUpdates: [heard] });
    expect(planAlerts([], state({ ...heard, missing: 1 }), critOnly, T, DAY)).toMatchObject({ resolved: [heard], quietDeletes: [] });
  });
  it("does not announce a value oscillating at the line: a drop that does not hold two evaluations is forgotten", () => {
    const prev = announced(f("1", "critical"), T.toISOString());
    const back = planAlerts([f("1", "critical")], state({ ...prev, lowerFor: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(back).toMatchObject({ announce: [], resolved: [], lowered: [], quietUpdates: [prev] });
    expect(planAlerts([f("1", "critical")], state(prev), { minSeverity: "warning" }, T, DAY)).toMatchObject({ announce: [], quietUpdates: [] });
  });
  it("forgets a waived finding quietly, whatever drop it was counting", () => {
    const p = planAlerts([f("1", "warning", { waived: { reason: "ok" } })], state({ ...announced(f("1", "critical"), T.toISOString()), lowerFor: 1 }), { minSeverity: "critical" }, T, DAY);
    expect(p).toMatchObject({ announce: [], resolved: [], lowered: [], quietUpdates: [], quietDeletes: ["1"] });
  });
});
