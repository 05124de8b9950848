import { type CnsPodState, cnsPodState, daemonSetOf, metricsOfPod, pendingProgramming } from "../../analysis/cns.js";
import { type Finding, resource, type RuleResult } from "../../model/finding.js";
import type { CnsPod } from "../../model/snapshot.js";
import { clustersWithData, type FleetContext, isCnsManaged, within } from "../context.js";
import { defineRule } from "../rule.js";

const LAG = "pending-programming";

/** The pod's state in words, from the actual reason. */
function words(state: CnsPodState, p: CnsPod): string {
  switch (state) {
    case "crashloop":
      return "is in CrashLoopBackOff";
    case "init-crashloop":
      return "cannot finish its init container (Init:CrashLoopBackOff: the CNI installer keeps failing)";
    case "init-failed":
      return `cannot finish its init container (${p.initReason})`;
    case "failing":
      return `is not running: cns-container ${p.reason}`;
    case "pending":
      return "is Pending (not scheduled or not started)";
    case "not-ready":
      return "is Running but not Ready";
    case "failed":
      return `has failed (phase ${p.phase})`;
    default:
      return state;
  }
}

function why(p: CnsPod, m: Record<string, number> | undefined): string {
  const parts: string[] = [];
  if (m?.nnc_has_nodenetworkconfig === 0) {
    const failures = m.cns_nnc_reconciler_start_failures_total;
    parts.push(`its metrics say it has no NodeNetworkConfig (nnc_has_nodenetworkconfig=0${failures ? `, ${failures} reconciler start failures` : ""})`);
  }
  if (p.lastTerminationReason) parts.push(`last exit: ${p.lastTerminationReason}`);
  if (p.restarts > 0) parts.push(`${p.restarts} restarts`);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

export default defineRule(
  {
    id: "CNS002",
    title: "azure-cns pod not Ready",
    family: "CNS",
    severity: "critical",
    description:
      "A CNS pod (azure-cns, or azure-cns-win on a Windows node) is not Ready, Pending, in CrashLoopBackOff or Init:CrashLoopBackOff, so pods on its node get no IP. Where the pod's metrics were read, they say why (no NNC, reconciler start failures); a Ready pod whose IPs stay PendingProgramming across two scans of its metrics is a warning, kept while the rotating metrics sample skips the pod.",
    remediation:
      "kubectl -n kube-system describe pod and logs --previous on the pod; \"NNC reconciler has not started\" means the node has no NNC (NNC001), init failures point at the CNI installer. PendingProgramming that persists means NMAgent has not programmed the NC: check sync_host_nc_version_total{ok=\"false\"}.",
    reference: "DOMAIN.md §2.4, §5.4, §5.6, §5.7",
    thresholds: { graceMinutes: 2 },
  },
  function* (ctx): Generator<RuleResult> {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      if (!isCnsManaged(s)) continue;
      const graceMs = ctx.threshold("CNS002", "graceMinutes", c.name) * 60_000;
      for (const p of s.cns.pods) {
        const state = cnsPodState(p);
        const m = metricsOfPod(s, p.name);
        if (state === "ok") {
          const r = programmingLag(ctx, c.name, s.takenAt, p, m, c.previous ? metricsOfPod(c.previous, p.name) : undefined);
          if (r) yield r;
          continue;
        }
        if (state === "terminating") continue; // replaced by the DaemonSet; CNS001/CNS004 notice if not
        // A pod that just started is allowed a moment to become Ready; a crash loop is not.
        const young = within(s.takenAt, p.createdAt, graceMs);
        if (young && (state === "not-ready" || state === "pending")) continue;
        yield {
          severity: "critical",
          cluster: c.name,
          resource: resource("pod", p.name),
          message: `${daemonSetOf(p)} pod ${p.name}${p.node ? ` on ${p.node}` : ""} ${words(state, p)}${why(p, m)}: new pods on that node get no IP.`,
          data: { node: p.node ?? null, phase: p.phase, ready: p.ready, reason: p.initReason ?? p.reason ?? null, restarts: p.restarts, daemonset: daemonSetOf(p) },
        };
      }
    }
  },
);

/**
 * IPs stuck PendingProgramming in this scan and the one before: NMAgent is not programming the NC.
 * Metrics are a rotating sample, so the pod is seldom scraped in two scans running, and the collector
 * does not see the previous snapshot to scrape it again. So a pod not scraped this time keeps its
 * previous finding (unobserved, not recovered, as evaluate.ts keeps an unread cluster's findings), and
 * that finding stands in for the previous scan's metrics when the pod is scraped again.
 */
function programmingLag(ctx: FleetContext, cluster: string, takenAt: string, p: CnsPod, now: Record<string, number> | undefined, before: Record<string, number> | undefined): RuleResult | undefined {
  const res = resource("pod", p.name);
  const kept = previousLag(ctx).get(`${cluster}\u0001${res}`);
  if (!now) return kept && { severity: kept.severity, cluster, resource: res, discriminator: LAG, message: kept.message, data: { ...kept.data, scraped: false } };
  const pending = pendingProgramming(now);
  const pendingBefore = pendingProgramming(before) ?? (kept && kept.lastSeen < takenAt ? Number(kept.data?.pendingProgramming) : undefined);
  if (!pending || !pendingBefore) return undefined;
  const failed = now['sync_host_nc_version_total{ok="false"}'];
  return {
    severity: "warning",
    cluster,
    resource: res,
    discriminator: LAG,
    message: `azure-cns on ${p.node ?? p.name} has had IPs waiting for NC programming across two scans (${pendingBefore} then ${pending} PendingProgramming${failed ? `; ${failed} failed NC version syncs` : ""}): pods there cannot use them yet.`,
    data: { node: p.node ?? null, pendingProgramming: pending, pendingProgrammingBefore: pendingBefore },
  };
}

/** The previous evaluation's lag findings by cluster and pod, indexed once: hashing a finding ID for every Ready pod of the fleet cost more. */
function previousLag(ctx: FleetContext): ReadonlyMap<string, Finding> {
  return ctx.memo("cns002-previous-lag", () => {
    const out = new Map<string, Finding>();
    for (const f of ctx.previousFindings.values()) if (f.rule === "CNS002" && f.discriminator === LAG) out.set(`${f.cluster}\u0001${f.resource}`, f);
    return out;
  });
}
