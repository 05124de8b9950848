// Teams messages: one Adaptive Card (1.4, what Teams and Workflows render) in the message envelope of
// CONTRACT.md, kept under the size budget by listing what fits and saying "and N more".
import { displaySafe } from "../display-safe.js";
import type { Severity } from "../model/finding.js";
import type { AlertPlan, Announced, AnnounceReason } from "./plan.js";

/** Teams refuses messages over 28 KB; stay well clear (JSON bytes, UTF-8). */
export const CARD_BUDGET_BYTES = 25_000;

type Element = Record<string, unknown>;

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

interface Line {
  cluster: string;
  severity: Severity;
  text: string;
}

/** Room kept for the "and N more" line. */
const MORE_RESERVE = 300;

const RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/**
 * Picks lines most severe first while they fit the budget (a critical is never left out for an info),
 * shows them grouped by cluster, clusters with the worst findings first; then says "and N more".
 */
function fill(head: Element[], lines: Line[], publicUrl: string | undefined, what: string): Element {
  const body: Element[] = [...head];
  let size = bytes(envelope(card(body, publicUrl))) + MORE_RESERVE;
  const picked: Line[] = [];
  const clusters = new Set<string>();
  for (const l of [...lines].sort((a, b) => RANK[a.severity] - RANK[b.severity])) {
    let cost = bytes({ type: "TextBlock", text: l.text, wrap: true, spacing: "Small" }) + 1;
    if (!clusters.has(l.cluster)) cost += bytes({ type: "Container", separator: true, spacing: "Medium", items: [clusterTitle(l.cluster)] }) + 1;
    if (size + cost > CARD_BUDGET_BYTES) break;
    clusters.add(l.cluster);
    picked.push(l);
    size += cost;
  }
  const groups = new Map<string, Line[]>();
  for (const l of picked) groups.set(l.cluster, [...(groups.get(l.cluster) ?? []), l]);
  const worst = (ls: Line[]): number => Math.min(...ls.map((l) => RANK[l.severity]));
  for (const [cluster, ls] of [...groups].sort(([a, x], [b, y]) => worst(x) - worst(y) || a.localeCompare(b))) {
    body.push({ type: "Container", separator: true, spacing: "Medium", items: [clusterTitle(cluster), ...ls.map((l) => ({ type: "TextBlock", text: l.text, wrap: true, spacing: "Small" }))] });
  }
  if (picked.length < lines.length) {
    const where = publicUrl ? "the dashboard" : "fleet-audit report findings";
    body.push({ type: "TextBlock", text: `…and ${lines.length - picked.length} more ${what}, the least severe: see ${where}.`, wrap: true, isSubtle: true, separator: true });
  }
  return envelope(card(body, publicUrl));
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

/** The card for new, escalated, de-escalated and reminded findings. */
export function announcementMessage(plan: AlertPlan, ctx: CardContext): Element {
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
  const byCluster = [...plan.announce].sort((a, b) => a.finding.cluster.localeCompare(b.finding.cluster));
  const lines: Line[] = byCluster.map(({ finding: f, reason, previous }) => ({
    cluster: group(f),
    severity: f.severity,
    text: `${MARK[f.severity]} **${f.rule}** ${plain(f.resource, 120)} — ${plain(f.message)}${NOTE[reason](previous?.severity, f.severity)}`,
  }));
  return fill(head, lines, ctx.publicUrl, "findings");
}

/**
 * The separate card for findings that resolved, and for those that fell below the destination's
 * minimum severity (`min`): for this channel they are over too, and it hears no more of them.
 */
export function resolutionMessage(plan: Pick<AlertPlan, "resolved" | "lowered">, ctx: CardContext, min: Severity): Element {
  const { resolved, lowered } = plan;
  const parts = [...(resolved.length ? [`${resolved.length} finding${resolved.length === 1 ? "" : "s"} resolved`] : []), ...(lowered.length ? [`${lowered.length} below ${min}`] : [])];
  const head: Element[] = [
    { type: "TextBlock", text: `AKS fleet audit: ${parts.join(", ")}`, weight: "Bolder", size: "Medium", wrap: true, color: "Good" },
    { type: "TextBlock", text: `scan ${ctx.scanId} at ${ctx.generatedAt}`, isSubtle: true, wrap: true, size: "Small" },
  ];
  const lines: Line[] = [
    ...resolved.map((r) => ({ cluster: group(r), severity: r.severity, text: `✅ **${r.rule}** ${plain(r.resource, 120)} — was ${r.severity}: ${plain(r.message, 200)}` })),
    ...lowered.map(({ finding: f, previous }) => ({
      cluster: group(f),
      severity: previous.severity,
      text: `↘️ **${f.rule}** ${plain(f.resource, 120)} — de-escalated ${previous.severity} → ${f.severity}, below this channel's ${min} level (no more notices unless it rises again): ${plain(f.message, 200)}`,
    })),
  ].sort((a, b) => a.cluster.localeCompare(b.cluster));
  return fill(head, lines, ctx.publicUrl, "resolved findings");
}
