// Teams messages: one Adaptive Card (1.4, what Teams and Workflows render) in the message envelope of
// CONTRACT.md, kept under the size budget by listing what fits and saying "and N more".
import { displaySafe } from "../display-safe.js";
import type { Severity } from "../model/finding.js";
import { type AlertPlan, type Announced, type AnnounceReason, order, urgency } from "./plan.js";

/** Teams refuses messages over 28 KB; stay well clear (JSON bytes, UTF-8). */
export const CARD_BUDGET_BYTES = 25_000;

type Element = Record<string, unknown>;
type Lowered = AlertPlan["lowered"][number];

export interface CardContext {
  scanId: string;
  generatedAt: string;
  /** Counts of all current unwaived findings in the fleet, for the headline. */
  fleet: Record<Severity, number>;
  publicUrl?: string;
}

const MARK: Record<Severity, string> = { critical: "🔴", warning: "🟠", info: "🔵" };
const REASON: Record<AnnounceReason, string> = { new: "new", escalated: "escalated", deescalated: "de-escalated", reminder: "still open" };

/**
 * Text from clusters and findings must not become Markdown in a TextBlock (links, emphasis, lists):
 * backslash-escape the characters that start them (CommonMark escapes, which Teams honours). Controls,
 * bidi overrides and invisible characters are shown as escapes (displaySafe) first.
 */
export function plain(raw: string, max = 300): string {
  const s = displaySafe(raw);
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut
    .replace(/[\\`*_~[\]]/g, (c) => `\\${c}`)
    .replace(/[\r\n\t]+/g, " ")
    .replace(/^(\s*)([-+]|\d+\.)(\s)/, "$1\\$2$3");
}

export function envelope(card: Element): Element {
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

function card(body: Element[], publicUrl?: string): Element {
  const c: Element = { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", msteams: { width: "Full" }, body };
  if (publicUrl) c.actions = [{ type: "Action.OpenUrl", title: "Open dashboard", url: publicUrl }];
  return c;
}

const bytes = (o: unknown): number => Buffer.byteLength(JSON.stringify(o), "utf8");

interface Line<T> {
  cluster: string;
  text: string;
  /** What the line tells ("new", "still open"…), counted in the closing line when left out. */
  kind: string;
  item: T;
}

/** Room kept for the "and N more" line. */
const MORE_RESERVE = 300;

/**
 * Takes the lines in the order given, most urgent first, while they fit the budget (a less urgent line
 * never takes a more urgent one's room), shows them grouped by cluster, the cluster of the most urgent
 * first; then `more` says what was left out. `shown` is what the card lists; the caller says which of
 * the rest the card told by `more` (recorded once delivered), and the others are planned again.
 */
function fill<T>(head: Element[], lines: Line<T>[], publicUrl: string | undefined, more: (left: Line<T>[]) => string): { message: Element; shown: T[] } {
  const body: Element[] = [...head];
  let size = bytes(envelope(card(body, publicUrl))) + MORE_RESERVE;
  const picked: Line<T>[] = [];
  const clusters = new Set<string>();
  for (const l of lines) {
    let cost = bytes({ type: "TextBlock", text: l.text, wrap: true, spacing: "Small" }) + 1;
    if (!clusters.has(l.cluster)) cost += bytes({ type: "Container", separator: true, spacing: "Medium", items: [clusterTitle(l.cluster)] }) + 1;
    if (size + cost > CARD_BUDGET_BYTES) break;
    clusters.add(l.cluster);
    picked.push(l);
    size += cost;
  }
  // A Map keeps the order clusters were first picked in.
  const groups = new Map<string, Line<T>[]>();
  for (const l of picked) groups.set(l.cluster, [...(groups.get(l.cluster) ?? []), l]);
  for (const [cluster, ls] of groups) {
    body.push({ type: "Container", separator: true, spacing: "Medium", items: [clusterTitle(cluster), ...ls.map((l) => ({ type: "TextBlock", text: l.text, wrap: true, spacing: "Small" }))] });
  }
  if (picked.length < lines.length) body.push({ type: "TextBlock", text: more(lines.slice(picked.length)), wrap: true, isSubtle: true, separator: true });
  return { message: envelope(card(body, publicUrl)), shown: picked.map((l) => l.item) };
}

/** How many lines of each kind ("2 new, 117 still open"), in the order they come. */
function tally(lines: Array<Line<unknown>>): string {
  const n = new Map<string, number>();
  for (const l of lines) n.set(l.kind, (n.get(l.kind) ?? 0) + 1);
  return [...n].map(([kind, count]) => `${count} ${kind}`).join(", ");
}

/** The heading a finding is listed under: every cluster of a shared resource, in announcements and resolutions alike. */
function group(f: { cluster: string; clusters?: string[] | undefined }): string {
  return f.clusters && f.clusters.length > 1 ? f.clusters.join(", ") : f.cluster;
}

function clusterTitle(cluster: string): Element {
  return { type: "TextBlock", text: plain(cluster, 200), weight: "Bolder", wrap: true };
}

const NOTE: Record<AnnounceReason, (was: Severity | undefined, now: Severity) => string> = {
  new: () => "",
  escalated: (was) => ` _(was ${was})_`,
  deescalated: (was, now) => ` _(de-escalated ${was} → ${now})_`,
  reminder: () => " _(still open)_",
};

/** The card for new, escalated, de-escalated and reminded findings, and those it tells (see `fill`): all but the reminders it leaves out. */
export function announcementMessage(plan: AlertPlan, ctx: CardContext): { message: Element; told: AlertPlan["announce"] } {
  const counts = { critical: 0, warning: 0, info: 0 } as Record<Severity, number>;
  const reasons = { new: 0, escalated: 0, deescalated: 0, reminder: 0 } as Record<AnnounceReason, number>;
  for (const a of plan.announce) {
    counts[a.finding.severity]++;
    reasons[a.reason]++;
  }
  const parts = (Object.keys(reasons) as AnnounceReason[]).filter((r) => reasons[r] > 0).map((r) => `${reasons[r]} ${REASON[r]}`);
  const head: Element[] = [
    { type: "TextBlock", text: `AKS fleet audit: ${parts.join(", ")}`, weight: "Bolder", size: "Medium", wrap: true },
    {
      type: "FactSet",
      facts: (["critical", "warning", "info"] as Severity[]).filter((s) => counts[s] > 0).map((s) => ({ title: `${MARK[s]} ${s}`, value: String(counts[s]) })),
    },
    { type: "TextBlock", text: `Fleet now: ${ctx.fleet.critical} critical, ${ctx.fleet.warning} warning, ${ctx.fleet.info} info · scan ${ctx.scanId} at ${ctx.generatedAt}`, isSubtle: true, wrap: true, size: "Small" },
  ];
  const lines = [...plan.announce].sort(urgency).map((a) => ({
    cluster: group(a.finding),
    kind: REASON[a.reason],
    item: a,
    text: `${MARK[a.finding.severity]} **${a.finding.rule}** ${plain(a.finding.resource, 120)} — ${plain(a.finding.message)}${NOTE[a.reason](a.previous?.severity, a.finding.severity)}`,
  }));
  const where = ctx.publicUrl ? "the dashboard" : "fleet-audit report findings";
  const { message, shown } = fill(head, lines, ctx.publicUrl, (left) => {
    const reminders = left.filter((l) => l.item.reason === "reminder").length;
    return `…and ${left.length} more (${tally(left)}): see ${where}.${reminders ? ` The ${reminders} still open are reminded on the next scans' cards, the most severe and longest waiting first.` : ""}`;
  });
  // News left out is told by the count above and stays open in the report: recorded, so a first scan of
  // a big fleet is one card, not one a scan for hours. Reminders left out wait for the next scans' cards.
  const listed = new Set(shown);
  return { message, told: lines.map((l) => l.item).filter((a) => listed.has(a) || a.reason !== "reminder") };
}

/**
 * The separate card for findings that resolved, and for those that fell below the destination's
 * minimum severity (`min`): for this channel they are over too, and it hears no more of them.
 */
export function resolutionMessage(plan: Pick<AlertPlan, "resolved" | "lowered">, ctx: CardContext, min: Severity): { message: Element; shown: Pick<AlertPlan, "resolved" | "lowered"> } {
  const { resolved, lowered } = plan;
  const parts = [...(resolved.length ? [`${resolved.length} finding${resolved.length === 1 ? "" : "s"} resolved`] : []), ...(lowered.length ? [`${lowered.length} below ${min}`] : [])];
  const head: Element[] = [
    { type: "TextBlock", text: `AKS fleet audit: ${parts.join(", ")}`, weight: "Bolder", size: "Medium", wrap: true, color: "Good" },
    { type: "TextBlock", text: `scan ${ctx.scanId} at ${ctx.generatedAt}`, isSubtle: true, wrap: true, size: "Small" },
  ];
  // Each as last announced: the most severe first.
  const lines: Array<Line<Announced | Lowered> & { key: Announced }> = [
    ...resolved.map((r) => ({ key: r, cluster: group(r), kind: "resolved", item: r, text: `✅ **${r.rule}** ${plain(r.resource, 120)} — was ${r.severity}: ${plain(r.message, 200)}` })),
    ...lowered.map((l) => ({
      key: l.previous,
      cluster: group(l.finding),
      kind: `below ${min}`,
      item: l,
      text: `↘️ **${l.finding.rule}** ${plain(l.finding.resource, 120)} — de-escalated ${l.previous.severity} → ${l.finding.severity}, below this channel's ${min} level (no more notices unless it rises again): ${plain(l.finding.message, 200)}`,
    })),
  ].sort((a, b) => order(a.key, b.key));
  const { message, shown } = fill(head, lines, ctx.publicUrl, (left) => `…and ${left.length} more (${tally(left)}), kept for the next scan's card.`);
  return { message, shown: { resolved: shown.filter((i): i is Announced => !("finding" in i)), lowered: shown.filter((i): i is Lowered => "finding" in i) } };
}
