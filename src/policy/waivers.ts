// Waivers mark findings as accepted risk. A waived finding stays in every report, marked; an expired
// waiver stops applying and the finding says so.
import type { Finding } from "../model/finding.js";
import type { Policy, WaiverRule } from "./policy.js";

/** `*` matches any run of characters; everything else is literal. Case-sensitive, whole string. */
export function globMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === "*") return true;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function waiverMatches(w: WaiverRule, f: Finding): boolean {
  const clusters = f.clusters && f.clusters.length > 0 ? f.clusters : [f.cluster];
  return globMatch(w.rule, f.rule) && globMatch(w.resource, f.resource) && clusters.some((c) => globMatch(w.cluster, c));
}

/** Marks waived findings in place; returns notes about expired waivers that matched. */
export function applyWaivers(findings: Finding[], policy: Policy, now: Date): void {
  const waivers = policy.waivers ?? [];
  if (waivers.length === 0) return;
  for (const f of findings) {
    for (const [i, w] of waivers.entries()) {
      if (!waiverMatches(w, f)) continue;
      if (w.expires && Date.parse(w.expires) <= now.getTime()) {
        if (!f.message.includes("waiver expired")) f.message += ` (waiver expired ${w.expires}: ${w.reason})`;
        continue;
      }
      f.waived = { reason: w.reason, source: `waivers[${i}]`, ...(w.expires ? { expires: w.expires } : {}) };
      break;
    }
  }
}
