import { describe, expect, it } from "vitest";
import { type Announced, announced, planAlerts } from "../../src/alerts/plan.js";
import { WEBHOOK_MAX_ITEMS, webhookPayload } from "../../src/alerts/send.js";
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
    // Back and escalated: announced once, its row rewritten once (a transaction takes one action per row).
    const up = planAlerts([f("1", "critical")], state({ ...a, severity: "warning", missing: 1 }), { minSeverity: "warning" }, T, DAY);
    expect(up.announce.map((x) => x.reason)).toEqual(["escalated"]);
    expect(up.quietUpdates).toEqual([]);
  });
  it("keeps what it announced about a cluster stopped in ARM: neither resolved nor forgotten until it runs again", () => {
    const paused = announced(f("1", "critical", { cluster: "off" }), T.toISOString());
    const p = planAlerts([], state(paused), { minSeverity: "warning" }, T, DAY, new Set(["off"]), new Set(["off"]));
    expect(p).toMatchObject({ announce: [], resolved: [], quietUpdates: [], quietDeletes: [] });
  });
  it("drops the findings of a cluster removed from the audit quietly, without a false resolution", () => {
    const kept = announced(f("1", "critical", { cluster: "a" }), T.toISOString());
    const fixed = announced(f("2", "critical", { cluster: "a" }), T.toISOString());
    const removed = announced(f("3", "critical", { cluster: "gone" }), T.toISOString());
    const p = planAlerts([f("1", "critical", { cluster: "a" })], state(kept, { ...fixed, missing: 1 }, removed), { minSeverity: "warning" }, T, DAY, new Set(["a"]));
    expect(p.resolved.map((r) => r.findingId)).toEqual(["2"]);
    expect(p.quietDeletes).toEqual(["3"]);
  });
  it("never announces waived findings", () => {
    expect(planAlerts([f("1", "critical", { waived: { reason: "accepted" } })], new Map(), { minSeverity: "info" }, T, DAY).announce).toEqual([]);
  });
  it("records a severity drop quietly, so a later rise is announced again", () => {
    const p = planAlerts([f("1", "warning")], state(announced(f("1", "critical"), T.toISOString())), { minSeverity: "warning" }, T, DAY);
    expect(p.announce).toEqual([]);
    expect(p.quietUpdates).toEqual([expect.objectContaining({ findingId: "1", severity: "warning" })]);
  });
});
