// The Teams message: the CONTRACT.md envelope around an Adaptive Card that the official parser accepts
// at version 1.4, under 28 KB even for 5,000 findings, with untrusted text kept plain.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { type AlertPlan, announced } from "../../src/alerts/plan.js";
import { announcementMessage, CARD_BUDGET_BYTES, resolutionMessage } from "../../src/alerts/teams-card.js";
import type { Finding, Severity } from "../../src/model/finding.js";

// The package's `main` is a browser build; its UMD bundle parses and validates cards in Node.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js");

/** Parse and validation problems the Adaptive Cards SDK reports for a card, targeting 1.4. */
function cardProblems(card: unknown): string[] {
  const c = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext(AC.Versions.v1_4);
  c.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i++) problems.push(ctx.getEventAt(i).message);
  for (const e of c.validateProperties().validationEvents) problems.push(e.message);
  return problems;
}

const SEV: Severity[] = ["critical", "warning", "info"];
function findings(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `NNC001-${i}`,
    rule: "NNC001",
    severity: SEV[i % 3]!,
    cluster: `aks-prod-${i % 40}`,
    resource: `node/aks-nodepool1-12345678-vmss${String(i).padStart(6, "0")}`,
    message: `node aks-nodepool1-12345678-vmss${i} has no NodeNetworkConfig: CNS there cannot become Ready and new pods on it will hang in ContainerCreating.`,
    firstSeen: "2026-11-28T00:00:00Z",
    lastSeen: "2026-11-28T00:00:00Z",
  }));
}
const plan = (fs: Finding[]): AlertPlan => ({ announce: fs.map((finding) => ({ finding, reason: "new" as const })), resolved: [], lowered: [], quietUpdates: [], quietDeletes: [] });
const ctx = { scanId: "20261128T000000000Z-abcd", generatedAt: "2026-11-28T00:00:00Z", fleet: { critical: 1, warning: 2, info: 3 }, publicUrl: "https://audit.example.com/api/dashboard" };

describe("Teams card", () => {
  it("is the message envelope around a valid Adaptive Card 1.4 with a dashboard link", () => {
    const m = announcementMessage(plan(findings(5)), ctx).message as any;
    expect(m.type).toBe("message");
    expect(m.attachments).toHaveLength(1);
    expect(m.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = m.attachments[0].content;
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(card.actions).toEqual([{ type: "Action.OpenUrl", title: "Open dashboard", url: ctx.publicUrl }]);
    expect(cardProblems(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain("aks-prod-1");
  });

  it("the validator does catch a broken card", () => {
    expect(cardProblems({ type: "AdaptiveCard", version: "1.4", body: [{ type: "Bogus" }], actions: [{ type: "Action.Submit", title: "x" }] }).length).toBeGreaterThan(0);
  });

  it("stays under 28 KB with 5,000 findings and says how many more there are", () => {
    const m = announcementMessage(plan(findings(5000)), ctx).message;
    const bytes = Buffer.byteLength(JSON.stringify(m));
    expect(bytes).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(bytes).toBeGreaterThan(CARD_BUDGET_BYTES * 0.8);
    const text = JSON.stringify(m);
    const shown = (text.match(/\*\*NNC001\*\*/g) ?? []).length;
    expect(text).toContain(`and ${5000 - shown} more (${5000 - shown} new): see the dashboard.`);
    expect(cardProblems((m as any).attachments[0].content)).toEqual([]);
  });

  it("leaves out the least severe findings when the card is full, never a critical for an info", () => {
    // Clusters named so that alphabetical order would show the info ones first.
    const fs = findings(150).map((f) => ({ ...f, cluster: f.severity === "critical" ? `zz-${f.cluster}` : `aa-${f.cluster}` }));
    const m = announcementMessage(plan(fs), ctx).message as any;
    const body = m.attachments[0].content.body as Array<{ type: string; items?: Array<{ text: string }> }>;
    const lines = body.filter((b) => b.type === "Container").flatMap((c) => c.items!.slice(1).map((i) => i.text));
    const shown = (sev: string) => lines.filter((t) => t.startsWith({ critical: "🔴", warning: "🟠", info: "🔵" }[sev]!)).length;
    expect(shown("critical")).toBe(50); // all of them, though the card holds only some 80 lines
    expect(shown("info")).toBeLessThan(50);
    expect(JSON.stringify(m)).toMatch(/and \d+ more \(\d+ new\): see the dashboard\."/);
    // Clusters with criticals come first on the card.
    expect(body.find((b) => b.type === "Container")!.items![0]!.text).toMatch(/^zz-/);
  });

  it("lists a still-open critical ahead of a new info finding: severity first, then news before reminders", () => {
    const [crit, warn, info] = findings(3).map((f) => ({ ...f, cluster: "aks-weu" }));
    const p: AlertPlan = {
      ...plan([]),
      announce: [
        { finding: info!, reason: "new" },
        { finding: { ...warn!, id: "w-open" }, reason: "reminder", previous: announced(warn!, "x") },
        { finding: warn!, reason: "new" },
        { finding: crit!, reason: "reminder", previous: announced(crit!, "x") },
      ],
    };
    const body = (announcementMessage(p, ctx).message as any).attachments[0].content.body as Array<{ type: string; items?: Array<{ text: string }> }>;
    const lines = body.filter((b) => b.type === "Container").flatMap((c) => c.items!.slice(1).map((i) => i.text));
    expect(lines.map((t) => [t.slice(0, 2), t.endsWith("_(still open)_")])).toEqual([["🔴", true], ["🟠", false], ["🟠", true], ["🔵", false]]);
  });

  it("never leaves a critical out of a full card for a lesser finding, new or not, and says truthfully what it left out", () => {
    // 200 criticals still open in clusters that sort first, then news: one critical, one escalated, one warning.
    const open = findings(600).filter((f) => f.severity === "critical").map((f) => ({ finding: { ...f, cluster: `aa-${f.cluster}` }, reason: "reminder" as const, previous: announced(f, "x") }));
    const [fresh, up, minor] = [
      { ...findings(1)[0]!, id: "IPX002-new", rule: "IPX002", cluster: "zz-weu", resource: "subnet/10.40.0.0/13" },
      { ...findings(1)[0]!, id: "NNC006-up", rule: "NNC006", cluster: "zz-neu" },
      { ...findings(2)[1]!, id: "NNC003-new", rule: "NNC003", cluster: "zz-eus" },
    ];
    const p: AlertPlan = { ...plan([]), announce: [{ finding: minor, reason: "new" }, ...open, { finding: fresh, reason: "new" }, { finding: up, reason: "escalated", previous: announced({ ...up, severity: "warning" }, "x") }] };
    const { message, told } = announcementMessage(p, ctx);
    const body = (message as any).attachments[0].content.body as Array<{ type: string; text?: string; items?: Array<{ text: string }> }>;
    const containers = body.filter((b) => b.type === "Container");
    // The critical news first, then the critical reminders; the new warning is left out, told by the count.
    expect(containers.slice(0, 3).map((c) => c.items![0]!.text)).toEqual(["zz-neu", "zz-weu", "aa-aks-prod-0"]);
    expect(told.slice(0, 3).map((a) => a.finding.id)).toEqual(["NNC006-up", "IPX002-new", "NNC001-0"]);
    expect(containers.map((c) => c.items![0]!.text)).not.toContain("zz-eus");
    expect(told.at(-1)!.finding.id).toBe("NNC003-new");
    // What the card lists of the reminders is what it tells of them: those left out are not told.
    const lines = containers.flatMap((c) => c.items!.slice(1));
    expect(lines).toHaveLength(told.length - 1);
    const left = 203 - lines.length;
    expect(body.at(-1)!.text).toBe(`…and ${left} more (${left - 1} still open, 1 new): see the dashboard. The ${left - 1} still open are reminded on the next scans' cards, the most severe and longest waiting first.`);
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
  });

  it("keeps cluster names and messages from turning into links or markup", () => {
    const [f] = findings(1);
    const m = JSON.stringify(announcementMessage(plan([{ ...f!, cluster: "[click](https://evil)", message: "**bold** <at>all</at>" }]), ctx).message);
    expect(m).not.toContain("[click](https://evil)");
    expect(m).toContain("\\\\[click\\\\](https://evil)");
  });

  it("shows controls, bidi overrides and invisible characters in names as escapes", () => {
    const [f] = findings(1);
    const m = announcementMessage(plan([{ ...f!, cluster: "bidi-\u202Eevil\u202C-\u001b[31mtxt\u0007", resource: "node/a\u200Bb" }]), ctx).message as any;
    const hidden = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;
    // Nowhere in the message as posted (facts, titles, fallback text included): JSON escapes C0 controls
    // itself, but would carry C1 controls, bidi overrides and invisible characters through as they are.
    expect(JSON.stringify(m)).not.toMatch(hidden);
    const shown = (m.attachments[0].content.body as Array<{ type: string; items?: Array<{ text: string }> }>).filter((b) => b.type === "Container").flatMap((c) => c.items!.map((i) => i.text));
    for (const t of shown) expect(t).not.toMatch(hidden);
    expect(shown[0]).toBe("bidi-\\\\u202eevil\\\\u202c-\\\\x1b\\[31mtxt\\\\x07");
    expect(shown[1]).toContain("node/a\\\\u200bb");
    expect(cardProblems(m.attachments[0].content)).toEqual([]);
  });

  it("lists resolved findings in a separate valid card", () => {
    const [a, b] = findings(2);
    const m = resolutionMessage({ resolved: [announced(a!, "x"), announced(b!, "x")], lowered: [] }, ctx, "warning").message as any;
    expect(JSON.stringify(m)).toContain("2 findings resolved");
    expect(cardProblems(m.attachments[0].content)).toEqual([]);
  });

  it("tells a channel that a finding fell below its minimum severity, in the resolutions' card", () => {
    const [a, b] = findings(2);
    const closing = { resolved: [announced(b!, "x")], lowered: [{ finding: { ...a!, severity: "warning" as const }, previous: announced(a!, "x") }] };
    const { message, shown } = resolutionMessage(closing, ctx, "critical");
    expect(shown).toEqual(closing);
    const m = message as any;
    const text = JSON.stringify(m);
    expect(text).toContain("1 finding resolved, 1 below critical");
    expect(text).toContain("de-escalated critical → warning, below this channel's critical level (no more notices unless it rises again)");
    expect(cardProblems(m.attachments[0].content)).toEqual([]);
  });

  it("says what an announced finding de-escalated from", () => {
    const [a] = findings(1);
    const p: AlertPlan = { ...plan([]), announce: [{ finding: { ...a!, severity: "warning" }, reason: "deescalated", previous: announced(a!, "x") }] };
    const text = JSON.stringify(announcementMessage(p, ctx).message);
    expect(text).toContain("1 de-escalated");
    expect(text).toContain("_(de-escalated critical → warning)_");
  });
});
