// Forgetting a cluster (`fleet-audit forget`, the daily retention timer) takes it out of the latest
// evaluation too, so reports stop listing it at once instead of at the next scan's evaluation.
import { type FleetEvaluation, keepClusters } from "../model/evaluation.js";
import { narrowedTo } from "../model/finding.js";
import type { SnapshotStore } from "../store/store.js";
import { complianceTotals } from "./sections/compliance.js";

/**
 * The evaluation without the `gone` clusters: their rows, their sections' entries, and the findings
 * about them alone (a finding about a kept cluster too stays, naming only the kept ones; its message and
 * numbers stay as scanned until the next evaluation). A pod subnet lists only kept clusters; its address
 * count and headroom stay as scanned until the next evaluation.
 */
export function withoutClusters(e: FleetEvaluation, gone: ReadonlySet<string>): FleetEvaluation {
  const kept = (name: string) => !gone.has(name);
  const narrowed = keepClusters(e, kept);
  const out: FleetEvaluation = {
    ...narrowed,
    findings: narrowed.findings.map((f) => narrowedTo(f, kept)),
    resolved: narrowed.resolved.map((f) => narrowedTo(f, kept)),
    subnets: e.subnets.map((s) => ({ ...s, clusters: s.clusters.filter(kept) })).filter((s) => s.clusters.length > 0),
  };
  if (e.sections) {
    const { drift, health, compliance } = e.sections;
    out.sections = { ...e.sections };
    if (drift) out.sections.drift = { ...drift, clusters: drift.clusters.filter((c) => kept(c.cluster)) };
    if (health) out.sections.health = { ...health, clusters: health.clusters.filter((c) => kept(c.cluster)) };
    if (compliance) {
      const clusters = compliance.clusters.filter((c) => kept(c.cluster));
      out.sections.compliance = { ...compliance, clusters, totals: complianceTotals(clusters) };
    }
  }
  return out;
}

/** Rewrites the latest evaluation without the `gone` clusters; false when it did not list any of them. */
export async function dropFromLatestEvaluation(store: SnapshotStore, gone: ReadonlySet<string>): Promise<boolean> {
  const e = await store.getLatestEvaluation();
  if (!e || !e.clusters.some((c) => gone.has(c.cluster))) return false;
  await store.putEvaluation(withoutClusters(e, gone));
  return true;
}
