// A message too full for all a scan has to say: the most severe first, news before reminders within a
// severity; news left out is told by count (it stays open in the report), and reminders or resolutions left out wait for the next scan's message.
import { describe, expect, it } from "vitest";
import { destination } from "../../src/alerts/config.js";
import { announced } from "../../src/alerts/plan.js";
import { sendAlerts, WEBHOOK_MAX_ITEMS } from "../../src/alerts/send.js";
import { MemoryAlertState } from "../../src/alerts/state.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import type { Finding } from "../../src/model/finding.js";
import { type Receiver, startReceiver } from "./receiver.js";

const FAST = { attempts: 3, baseDelayMs: 50, maxDelayMs: 5000, timeoutMs: 5000 };
const T = Date.UTC(2026, 11, 1);
const HOUR = 3_600_000;
const at = (hours: number) => new Date(T + hours * HOUR);

const finding = (id: string, severity: Finding["severity"], cluster: string, message = `azure-cns pod on ${cluster} is in CrashLoopBackOff (last exit: Error; 9 restarts): new pods on that node get no IP.`): Finding => ({
  id, rule: id.split("-")[0]!, severity, cluster, resource: `node/${id}`, message, firstSeen: at(0).toISOString(), lastSeen: at(0).toISOString(),
});
const clusters = Array.from({ length: 100 }, (_, i) => `aks-prod-${String(i).padStart(3, "0")}`);
/** Two criticals on each of 100 clusters: far more than one card holds. */
const open = clusters.flatMap((c) => [finding(`CNS002-${c}`, "critical", c), finding(`NNC001-${c}`, "critical", c)]);
const fresh = finding("IPX002-weu", "critical", "aks-prod-weu", "pod subnet 10.40.0.0/13 (podsubnet) is reported full: pods that need a new IP there will hang in ContainerCreating.");
const evaluation = (findings: Finding[], fleet = findings.map((f) => f.cluster)): FleetEvaluation =>
  ({ scanId: "s", generatedAt: at(0).toISOString(), clusters: [...new Set(fleet)].map((cluster) => ({ cluster, status: "ok" })), findings }) as unknown as FleetEvaluation;

/** The finding IDs a Teams card lists (each line names its rule and resource, node/ID here). */
const listed = (card: any): string[] => JSON.stringify(card).match(/node\/[\w-]+/g)!.map((r) => r.slice("node/".length));
const lastLine = (card: any): string => card.attachments[0].content.body.at(-1).text;

async function withReceiver(run: (rx: Receiver) => Promise<void>): Promise<void> {
  const rx = await startReceiver();
  try {
    await run(rx);
  } finally {
    await rx.close();
  }
}

describe("a full message", () => {
  it("Teams: a first scan too big for one card tells its news by count, and never leaves a new critical out for reminders, which wait for the next card", () =>
    withReceiver(async (rx) => {
      const dest = destination("teams", rx.url, "warning");
      const state = new MemoryAlertState();
      const send = (fs: Finding[], hours: number) => sendAlerts(evaluation(fs), { destinations: [dest], renotifyMs: 24 * HOUR }, state, { delivery: FAST, now: at(hours) });

      // 200 new criticals: one card lists what fits and counts the rest, all told; the next scan is quiet.
      const [first] = await send(open, 0);
      const cards = [listed(rx.posts[0]!.body)];
      expect(cards[0]!.length).toBeLessThan(open.length);
      expect(first).toMatchObject({ announced: open.length, deferred: 0, pending: 0 });
      expect(lastLine(rx.posts[0]!.body)).toBe(`…and ${open.length - cards[0]!.length} more (${open.length - cards[0]!.length} new): see fleet-audit report findings.`);
      expect((await state.load(dest.id)).size).toBe(open.length);
      await send(open, 1);
      expect(rx.posts).toHaveLength(1);

      // A day later all 200 are due a reminder, and the pod subnet of another cluster is full.
      const before = await state.load(dest.id);
      const [o] = await send([...open, fresh], 24 + cards.length);
      const card = rx.posts.at(-1)!.body;
      const shown = listed(card);
      expect(shown[0]).toBe("IPX002-weu");
      expect(card.attachments[0].content.body.find((b: any) => b.type === "Container").items[0].text).toBe("aks-prod-weu");
      const left = open.length + 1 - shown.length;
      expect(o).toMatchObject({ announced: shown.length, deferred: left });
      expect(lastLine(card)).toBe(`…and ${left} more (${left} still open): see fleet-audit report findings. The ${left} still open are reminded on the next scans' cards, the most severe and longest waiting first.`);
      // The reminders left out keep the time they were last told, so the next scan reminds of them.
      const after = await state.load(dest.id);
      const unshown = open.map((f) => f.id).filter((id) => !shown.includes(id));
      for (const id of unshown) expect(after.get(id)!.announcedAt).toBe(before.get(id)!.announcedAt);
      await send([...open, fresh], 25 + cards.length);
      const next = listed(rx.posts.at(-1)!.body);
      expect(next[0]).toBe(unshown[0]);
      expect(next.filter((id) => !unshown.includes(id))).toEqual([]);
    }));

  it("Teams: a reminder backlog over several cards reminds of what waited longest first, and says how many wait", () =>
    withReceiver(async (rx) => {
      const dest = destination("teams", rx.url, "warning");
      const state = new MemoryAlertState();
      // Reminders every 2 hours, scans every hour: the first reminded are due again before the backlog is through.
      const send = (hours: number) => sendAlerts(evaluation(open), { destinations: [dest], renotifyMs: 2 * HOUR }, state, { delivery: FAST, now: at(hours) });
      await send(0);
      await send(24);
      const first = listed(rx.posts.at(-1)!.body);
      const waiting = open.length - first.length;
      expect(lastLine(rx.posts.at(-1)!.body)).toBe(`…and ${waiting} more (${waiting} still open): see fleet-audit report findings. The ${waiting} still open are reminded on the next scans' cards, the most severe and longest waiting first.`);
      await send(25);
      const second = listed(rx.posts.at(-1)!.body);
      const never = open.map((f) => f.id).filter((id) => !first.includes(id) && !second.includes(id));
      expect(never.length).toBeGreaterThan(0);
      // Two hours on, the first card's are due again, but those never reminded yet come first.
      await send(26);
      const third = listed(rx.posts.at(-1)!.body);
      expect(third.slice(0, never.length)).toEqual(never);
    }));

  it("Teams: resolves only the findings its card shows, and lists the rest on the next scan's card", () =>
    withReceiver(async (rx) => {
      const dest = destination("teams", rx.url, "warning");
      const state = new MemoryAlertState();
      // All 200 were announced, and are gone from one evaluation already: this one resolves them.
      await state.apply(dest.id, open.map((f) => ({ ...announced(f, at(0).toISOString()), missing: 1 })), []);
      const send = (hours: number) => sendAlerts(evaluation([], clusters), { destinations: [dest], renotifyMs: 24 * HOUR }, state, { delivery: FAST, now: at(hours) });

      const cards: string[][] = [];
      for (let h = 1; cards.flat().length < open.length && h < 10; h++) {
        const [o] = await send(h);
        const card = rx.posts.at(-1)!.body;
        const shown = listed(card);
        cards.push(shown);
        const left = open.length - cards.flat().length;
        expect(o).toMatchObject({ resolved: shown.length, deferred: left, pending: 0 });
        // What the card did not list is still there to resolve.
        expect([...(await state.load(dest.id)).keys()].sort()).toEqual(open.map((f) => f.id).filter((id) => !cards.flat().includes(id)).sort());
        if (left) expect(lastLine(card)).toBe(`…and ${left} more (${left} resolved), kept for the next scan's card.`);
      }
      expect(cards.length).toBeGreaterThan(1);
      expect(new Set(cards.flat()).size).toBe(open.length);
    }));

  it("generic webhook: in the card's order (a new critical first, a new warning after the critical reminders), and records only the findings it carries", () =>
    withReceiver(async (hook) => {
      const dest = destination("webhook", hook.url, "warning");
      const state = new MemoryAlertState();
      const many = Array.from({ length: WEBHOOK_MAX_ITEMS }, (_, i) => finding(`CNS002-${i}`, "critical", `aks-${String(i).padStart(4, "0")}`));
      const send = (fs: Finding[], hours: number) => sendAlerts(evaluation(fs), { destinations: [dest], renotifyMs: 24 * HOUR }, state, { delivery: FAST, now: at(hours) });
      await send(many, 0);
      // A day later: WEBHOOK_MAX_ITEMS reminders, a new critical, and a new warning, less severe than all of them.
      const news = [finding("IPX002-new", "critical", "aks-zzz"), finding("IPX001-new", "warning", "aks-zzz")];
      const [o] = await send([...many, ...news], 24);
      const body = hook.posts.at(-1)!.body as { findings: Array<{ id: string; reason: string }>; omitted?: number };
      expect(body.findings[0]).toMatchObject({ id: "IPX002-new", reason: "new" });
      expect(body.findings.map((x) => x.id)).not.toContain("IPX001-new");
      expect(body.omitted).toBe(2);
      expect(o).toMatchObject({ announced: WEBHOOK_MAX_ITEMS, deferred: 2 });
      const left = many.find((f) => !body.findings.some((x) => x.id === f.id))!;
      expect((await state.load(dest.id)).get(left.id)!.announcedAt).toBe(at(0).toISOString());
      await send([...many, ...news], 25);
      expect(hook.posts.at(-1)!.body).toMatchObject({ findings: [{ id: left.id, reason: "reminder" }, { id: "IPX001-new", reason: "new" }] });
    }));
});
