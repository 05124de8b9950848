// After an evaluation: for each destination in turn, work out what is new, escalated, due a reminder
// or resolved, send at most two messages, and record only what was delivered — so what failed is
// simply planned again on the next scan.
import type { FleetEvaluation } from "../model/evaluation.js";
import type { Finding } from "../model/finding.js";
import { countFindings } from "../model/evaluation.js";
import { displaySafe } from "../display-safe.js";
import type { AlertSettings, Destination } from "./config.js";
import { DEFAULT_DELIVERY, type DeliveryPolicy, deliver } from "./deliver.js";
import { type AlertPlan, type Announced, announced, order, planAlerts } from "./plan.js";
import type { AlertState } from "./state.js";
import { announcementMessage, type CardContext, resolutionMessage } from "./teams-card.js";

export interface AlertOutcome {
  /** The destination's label (kind, name, host): never its URL. */
  destination: string;
  announced: number;
  resolved: number;
  /** Findings told they fell below the destination's minimum severity. */
  lowered: number;
  /** Messages that could not be delivered this time (they are planned again next scan). */
  pending: number;
  /** Findings and resolutions a full message left out: not recorded, so the next scan sends them. */
  deferred: number;
  errors: string[];
  /** A redirect, or a 4xx other than 408 and 429: the destination is misconfigured. */
  configError: boolean;
}

/** Findings (or resolutions) per generic webhook message: receivers cap bodies too (Logic Apps 100 MB, Slack far less). */
export const WEBHOOK_MAX_ITEMS = 1000;

/**
 * The resolutions and below-level notices one generic webhook message carries: the most severe (as last
 * announced) first, at most `max`. `sent` is what it carries, to be recorded once delivered; the
 * `omitted` rest is not, so the next scan plans it again.
 */
export function webhookResolutions(plan: Pick<AlertPlan, "resolved" | "lowered">, max = WEBHOOK_MAX_ITEMS): { sent: Pick<AlertPlan, "resolved" | "lowered">; omitted: number } {
  const { kept, omitted } = closings(plan, max);
  return { sent: { resolved: kept.flatMap((i) => ("resolved" in i ? [i.resolved] : [])), lowered: kept.flatMap((i) => ("lowered" in i ? [i.lowered] : [])) }, omitted };
}

type Closing = { key: Announced; resolved: Announced } | { key: Announced; lowered: AlertPlan["lowered"][number] };
function closings(plan: Pick<AlertPlan, "resolved" | "lowered">, max: number): { kept: Closing[]; omitted: number } {
  const all: Closing[] = [...plan.resolved.map((r) => ({ key: r, resolved: r })), ...plan.lowered.map((l) => ({ key: l.previous, lowered: l }))];
  return { kept: all.sort((a, b) => order(a.key, b.key)).slice(0, max), omitted: Math.max(0, all.length - max) };
}

/**
 * The message for a generic JSON webhook; past `max` (WEBHOOK_MAX_ITEMS), the least urgent are counted in
 * `omitted`: what is left out is not recorded, so the next scan sends it (as the Teams card's "…and N more").
 */
export function webhookPayload(kind: "findings" | "resolved", plan: AlertPlan, ctx: CardContext, max = WEBHOOK_MAX_ITEMS): unknown {
  const base = { type: "aks-fleet-audit.alert", kind, scanId: ctx.scanId, generatedAt: ctx.generatedAt, ...(ctx.publicUrl ? { dashboardUrl: ctx.publicUrl } : {}) };
  const omitted = (n: number) => (n > 0 ? { omitted: n } : {});
  if (kind === "resolved") {
    // A finding below the destination's minimum now is over for it too: a receiver that closes what
    // resolves closes it; `reason` and `currentSeverity` say it is still there, lower. `severity` is
    // the one last announced; `findingId` and `announcedAt` are what entries carried before `id`.
    const { kept, omitted: left } = closings(plan, max);
    const entries = kept.map((i) => {
      if ("resolved" in i) return { reason: "resolved", ...named({ ...i.resolved, id: i.resolved.findingId }), findingId: i.resolved.findingId, announcedAt: i.resolved.announcedAt };
      const { finding: f, previous: p } = i.lowered;
      return { reason: "below-min-severity", ...named({ ...f, severity: p.severity }), currentSeverity: f.severity, findingId: f.id, announcedAt: p.announcedAt };
    });
    return { ...base, resolved: entries, ...omitted(left) };
  }
  return {
    ...base,
    fleet: ctx.fleet,
    ...omitted(plan.announce.length - max),
    // planAlerts lists the most urgent first.
    findings: plan.announce.slice(0, max).map(({ finding: f, reason, previous }) => ({
      reason,
      ...((reason === "escalated" || reason === "deescalated") && previous ? { previousSeverity: previous.severity } : {}),
      ...named(f),
    })),
  };
}

/** The fields that name a finding, the same in announcements and resolutions (`firstSeen` is absent only from state rows written before it was kept). */
function named(f: Pick<Finding, "id" | "rule" | "severity" | "cluster" | "clusters" | "resource" | "message"> & { firstSeen?: string | undefined }) {
  return {
    id: f.id,
    rule: f.rule,
    severity: f.severity,
    cluster: f.cluster,
    ...(f.clusters ? { clusters: f.clusters } : {}),
    resource: f.resource,
    // Text a receiver shows as it is (the data fields above keep the real names).
    message: displaySafe(f.message),
    ...(f.firstSeen ? { firstSeen: f.firstSeen } : {}),
  };
}

/** What one message tells: only that is recorded once it is delivered; what a full message left out is planned again next scan. */
type Told = Pick<AlertPlan, "announce" | "resolved" | "lowered">;

function message(dest: Destination, kind: "findings" | "resolved", plan: AlertPlan, ctx: CardContext): { body: unknown; told: Told } {
  const none = { announce: [], resolved: [], lowered: [] };
  if (dest.kind === "teams" && kind === "findings") {
    const { message: body, told } = announcementMessage(plan, ctx);
    return { body, told: { ...none, announce: told } };
  }
  if (dest.kind === "teams") {
    const { message: body, shown } = resolutionMessage(plan, ctx, dest.minSeverity);
    return { body, told: { ...none, ...shown } };
  }
  const told = kind === "findings" ? { ...none, announce: plan.announce.slice(0, WEBHOOK_MAX_ITEMS) } : { ...none, ...webhookResolutions(plan).sent };
  return { body: webhookPayload(kind, plan, ctx), told };
}

export async function sendAlerts(
  evaluation: FleetEvaluation,
  settings: AlertSettings,
  state: AlertState,
  /** `deadlineMs`: all of it, every destination included; what is not delivered by then is kept for the next scan. */
  opts: { delivery?: DeliveryPolicy; now?: Date; deadlineMs?: number } = {},
): Promise<AlertOutcome[]> {
  const now = opts.now ?? new Date();
  const counts = countFindings(evaluation.findings);
  const ctx: CardContext = {
    scanId: evaluation.scanId,
    generatedAt: evaluation.generatedAt,
    fleet: { critical: counts.critical, warning: counts.warning, info: counts.info },
    ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
  };
  const deadline = opts.deadlineMs === undefined ? undefined : AbortSignal.timeout(opts.deadlineMs);
  // Destinations side by side, so one that never answers cannot use up the others' deadline round after
  // round; each destination's messages in turn (Teams throttles bursts per URL, and URLs are unique here).
  return Promise.all(
    settings.destinations.map(async (dest): Promise<AlertOutcome> => {
      try {
        return await state.exclusive(dest.id, (held) => sendTo(dest, evaluation, settings, state, ctx, now, opts.delivery ?? DEFAULT_DELIVERY, held, deadline), deadline);
      } catch (err) {
        return { destination: dest.label, announced: 0, resolved: 0, lowered: 0, pending: 1, deferred: 0, errors: [`${dest.label}: ${(err as Error).message.split("\n", 1)[0]}; nothing sent this time`], configError: false };
      }
    }),
  );
}

/** `held` aborts when the destination's lease is lost: what is not sent by then waits for the next scan. */
async function sendTo(dest: Destination, e: FleetEvaluation, settings: AlertSettings, state: AlertState, ctx: CardContext, now: Date, policy: DeliveryPolicy, held: AbortSignal, deadline?: AbortSignal): Promise<AlertOutcome> {
  const out: AlertOutcome = { destination: dest.label, announced: 0, resolved: 0, lowered: 0, pending: 0, deferred: 0, errors: [], configError: false };
  let plan: AlertPlan;
  try {
    const stopped = new Set(e.clusters.filter((c) => c.status === "stopped").map((c) => c.cluster));
    plan = planAlerts(e.findings, await state.load(dest.id), dest, now, settings.renotifyMs, new Map(e.clusters.map((c) => [c.cluster, c.takenAt])), stopped);
  } catch (err) {
    out.errors.push(`${dest.label}: alert state could not be read (${(err as Error).message.split("\n", 1)[0]}); nothing sent`);
    return out;
  }
  const upserts: Announced[] = [...plan.quietUpdates];
  const deletes: string[] = [...plan.quietDeletes];
  const at = now.toISOString();
  const send = async (kind: "findings" | "resolved", count: number, onOk: (told: Told) => void): Promise<void> => {
    if (count === 0) return;
    const { body, told } = message(dest, kind, plan, ctx);
    const r = await deliver(dest, body, policy, deadline ? AbortSignal.any([deadline, held]) : held);
    if (r.ok) {
      out.deferred += count - told.announce.length - told.resolved.length - told.lowered.length;
      onOk(told);
    } else {
      out.pending++;
      const reason = held.aborted ? `${dest.label}: ${(held.reason as Error).message}` : r.reason;
      if (!out.errors.includes(reason)) out.errors.push(reason);
      out.configError ||= r.configError;
    }
  };
  await send("findings", plan.announce.length, (told) => {
    out.announced = told.announce.length;
    upserts.push(...told.announce.map((a) => announced(a.finding, at)));
  });
  if (!out.configError) {
    await send("resolved", plan.resolved.length + plan.lowered.length, (told) => {
      out.resolved = told.resolved.length;
      out.lowered = told.lowered.length;
      deletes.push(...told.resolved.map((r) => r.findingId));
      // Kept at the lower severity, marked as told: a later rise is announced as one, a later resolution is not.
      upserts.push(...told.lowered.map((l): Announced => ({ ...announced(l.finding, at), belowMin: true })));
    });
  } else if (plan.resolved.length + plan.lowered.length > 0) out.pending++;
  try {
    await state.apply(dest.id, upserts, deletes);
  } catch (err) {
    // Delivered but not recorded: the next scan may repeat these messages, which beats losing them.
    out.errors.push(`${dest.label}: alert state could not be saved (${(err as Error).message.split("\n", 1)[0]})`);
  }
  return out;
}

/** One line per destination for the CLI and logs (labels only: URLs are secrets). */
export function describeOutcomes(outcomes: readonly AlertOutcome[]): string[] {
  const lines: string[] = [];
  for (const o of outcomes) {
    const lowered = o.lowered ? `, ${o.lowered} below its minimum severity` : "";
    const did = o.announced || o.resolved || o.lowered ? `${o.announced} announced, ${o.resolved} resolved${lowered}` : o.pending ? "nothing delivered" : "nothing new to announce";
    const deferred = o.deferred ? `, ${o.deferred} left for the next scan (the message was full)` : "";
    lines.push(`alerts: ${o.destination}: ${did}${deferred}${o.pending ? `, ${o.pending} message(s) pending` : ""}`);
    for (const e of o.errors) lines.push(`alerts: ${o.configError ? "configuration error: " : ""}${e}`);
  }
  return lines;
}
