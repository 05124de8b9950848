// The dashboard: one self-contained HTML page (no CDN). Every name that comes from a cluster or ARM
// passes through escapeHtml.
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";

export function escapeHtml(s: unknown): string {
  return String(s ?? "").replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

export function renderDashboard(e: FleetEvaluation | undefined, history: readonly EvaluationSummary[]): string {
  const body = e ? overview(e, history) : `<p>No scan has been evaluated yet. Run <code>fleet-audit scan</code>.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>AKS fleet audit</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}th,td{padding:.3rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.critical{color:#b42318;font-weight:600}.warning{color:#b54708}.info{color:#175cd3}.waived{color:#667085}
.bar{background:#eee;width:12rem;height:.8rem}.bar>div{height:100%;background:#2e90fa}.bar>div.hot{background:#f04438}
</style></head><body>
<h1>AKS fleet audit</h1>
${body}
</body></html>`;
}

function overview(e: FleetEvaluation, history: readonly EvaluationSummary[]): string {
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const f of e.findings) if (!f.waived) counts[f.severity]++;
  const subnets = e.subnets
    .map(
      (s) => `<tr><td>${escapeHtml(s.cidr)}${s.name ? ` (${escapeHtml(s.name)})` : ""}</td><td>${escapeHtml(s.mode)}</td><td>${escapeHtml(s.clusters.join(", "))}</td>
<td>${s.used} / ${s.capacity}</td><td><div class="bar"><div class="${s.utilization >= 0.8 ? "hot" : ""}" style="width:${Math.min(100, s.utilization * 100).toFixed(1)}%"></div></div> ${pct(s.utilization)}</td></tr>`,
    )
    .join("\n");
  const clusters = e.clusters
    .map((c) => `<tr><td>${escapeHtml(c.cluster)}</td><td>${escapeHtml(c.status)}</td><td>${escapeHtml(c.mode ?? "-")}</td><td>${c.nodes}</td><td>${c.nncs}</td></tr>`)
    .join("\n");
  const findings = e.findings
    .map(
      (f) => `<tr><td class="${f.waived ? "waived" : f.severity}">${escapeHtml(f.severity)}${f.waived ? " (waived)" : ""}</td><td>${escapeHtml(f.rule)}</td><td>${escapeHtml(f.cluster)}</td><td>${escapeHtml(f.resource)}</td><td>${escapeHtml(f.message)}</td></tr>`,
    )
    .join("\n");
  return `<p>Scan ${escapeHtml(e.scanId)} at ${escapeHtml(e.generatedAt)} · ${e.clusters.length} clusters · ${history.length} evaluations in history ·
<span class="critical">${counts.critical} critical</span> · <span class="warning">${counts.warning} warning</span> · <span class="info">${counts.info} info</span></p>
<h2>Pod subnets</h2><table><tr><th>Subnet</th><th>Mode</th><th>Clusters</th><th>Used / capacity</th><th>Utilisation</th></tr>${subnets}</table>
<h2>Clusters</h2><table><tr><th>Cluster</th><th>Status</th><th>Mode</th><th>Nodes</th><th>NNCs</th></tr>${clusters}</table>
<h2>Findings</h2><table><tr><th>Severity</th><th>Rule</th><th>Cluster</th><th>Resource</th><th>Message</th></tr>${findings}</table>`;
}
