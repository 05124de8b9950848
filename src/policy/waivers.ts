// Waivers mark findings as accepted risk. A waived finding stays in every report, marked; an expired
// waiver stops applying and the finding says so.
import { clustersOf, type Finding, type Waiver } from "../model/finding.js";
import { globMatch } from "./glob.js";
import type { Policy, WaiverRule } from "./policy.js";

export { globMatch } from "./glob.js";

export function waiverMatches(w: WaiverRule, f: Pick<Finding, "rule" | "resource" | "cluster" | "clusters">): boolean {
  const clusters = clustersOf(f);
  // A finding about several clusters (a shared subnet) is waived only by a waiver that covers all of
  // them: a waiver for aks-dev-* must not silence what a prod cluster shares.
  return globMatch(w.rule, f.rule) && globMatch(w.resource, f.resource) && clusters.every((c) => globMatch(w.cluster, c));
}

/** What an expired waiver adds to a finding's message. */
function expiredSuffix(w: Waiver): string {
  return ` (waiver expired ${w.expires}: ${w.reason})`;
}

/** Takes a finding's waiver marks off (and the expired waiver's words off its message). */
function clearWaiver(f: Finding): void {
  if (f.waiverExpired) {
    const suffix = expiredSuffix(f.waiverExpired);
    while (f.message.endsWith(suffix)) f.message = f.message.slice(0, -suffix.length);
  }
  delete f.waived;
  delete f.waiverExpired;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** When a waiver stops applying (epoch ms): a date alone lasts to the end of that day, UTC. */
export function waiverExpiresAt(expires: string): number {
  return DATE_ONLY.test(expires) ? Date.parse(`${expires}T00:00:00Z`) + 86_400_000 : Date.parse(expires);
}

export function isWaiverExpired(w: WaiverRule, now: Date): boolean {
  return w.expires !== undefined && waiverExpiresAt(w.expires) <= now.getTime();
}

/**
 * Marks waived findings in place (the first live waiver that matches wins). Returns notes for the
 * evaluation: waivers that expired while still matching findings, and live waivers matching nothing.
 */
export function applyWaivers(findings: Finding[], policy: Policy, now: Date): string[] {
  // Waivers are applied from scratch every evaluation: a finding kept as last seen carries the marks
  // of the previous one, which must lapse, go or change with the policy as it is now.
  for (const f of findings) clearWaiver(f);
  const waivers = policy.waivers ?? [];
  if (waivers.length === 0) return [];
  const used = new Array<number>(waivers.length).fill(0);
  for (const f of findings) {
    let expired: number | undefined;
    for (const [i, w] of waivers.entries()) {
      if (!waiverMatches(w, f)) continue;
      used[i]!++;
      if (isWaiverExpired(w, now)) {
        expired ??= i;
        continue;
      }
      f.waived = { reason: w.reason, source: `waivers[${i}]`, ...(w.expires ? { expires: w.expires } : {}) };
      expired = undefined;
      break;
    }
    if (expired !== undefined && !f.waived) {
      const w = waivers[expired]!;
      f.waiverExpired = { reason: w.reason, expires: w.expires!, source: `waivers[${expired}]` };
      f.message += expiredSuffix(f.waiverExpired);
    }
  }
  const notes: string[] = [];
  for (const [i, w] of waivers.entries()) {
    const where = `${policy.source ? `${policy.source}: ` : ""}waivers[${i}]`;
    if (isWaiverExpired(w, now)) {
      // Expired and matching nothing, it only clutters the policy.
      notes.push(used[i] ? `${where} expired ${w.expires} and no longer applies to ${used[i]} finding(s): ${w.reason}` : `${where} expired ${w.expires} and matches no current finding: it can go`);
    } else if (!used[i]) {
      notes.push(`${where} matches no current finding (${[w.cluster && `cluster ${w.cluster}`, w.rule && `rule ${w.rule}`, w.resource && `resource ${w.resource}`].filter(Boolean).join(", ") || "any"})`);
    }
  }
  return notes;
}
