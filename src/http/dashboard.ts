// The dashboard: one self-contained HTML page that works offline. Chart.js is inlined from
// node_modules; the data is a JSON block made safe for <script>; the page script builds the DOM with
// textContent only. The CSP allows exactly these inline scripts and the style by hash.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import type { ReportFilter } from "../reports/filter.js";
import { displaySafe } from "../display-safe.js";
import { cspHash, escapeHtml } from "../reports/formats/html.js";
import { cssVariables, PALETTE } from "../reports/formats/palette.js";
import { REPORT_KINDS } from "../reports/catalogue.js";
import { plural } from "../rules/scope.js";
import { DASHBOARD_SCRIPT } from "./dashboard-client.js";
import { DASHBOARD_TREND_WORDS, dashboardData, jsonForScript } from "./dashboard-data.js";

export { escapeHtml };

let chartJs: string | undefined;

/** Chart.js's UMD bundle, read once from node_modules (no CDN: the page must work offline). */
export function chartJsSource(): string {
  if (chartJs === undefined) {
    // chart.js exports only its entry points; the UMD bundle sits beside the CommonJS entry.
    const entry = createRequire(import.meta.url).resolve("chart.js");
    const text = readFileSync(path.join(path.dirname(entry), "chart.umd.min.js"), "utf8");
    // Nothing in an inline script may close the element or point the browser at a file.
    chartJs = text.replace(/^\/\/# sourceMappingURL=.*$/m, "").replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
  }
  return chartJs;
}

/**
 * The dashboard's colours beyond the html reports' palette, light and dark: page and cards, grade A,
 * the chips' text (--on-sev, on --crit, --warn, --info), a bar's track, the "shared" badge (--badge-bg, --badge-fg).
 */
const OWN_COLOURS = {
  light: { bg: "#f9fafb", card: "#fff", ok: "#067647", "on-sev": "#fff", track: "#eaecf0", "badge-bg": "#ebe9fe", "badge-fg": "#5925dc" },
  dark: { bg: "#0c111d", card: "#161b26", ok: "#47cd89", "on-sev": "#0c111d", track: "#344054", "badge-bg": "#2e125e", "badge-fg": "#d9d6fe" },
};

export const STYLE = `
:root{color-scheme:light dark;${cssVariables({ ...PALETTE.light, ...OWN_COLOURS.light })}}
@media (prefers-color-scheme:dark){:root{${cssVariables({ ...PALETTE.dark, ...OWN_COLOURS.dark })}}}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--fg);background:var(--bg)}
header{padding:1rem 1.5rem;background:#101828;color:#fff}header h1{margin:0;font-size:1.35rem}
header .meta{color:#d0d5dd;margin:.2rem 0 .5rem}
.chips span{display:inline-block;margin-right:.5rem;padding:.15rem .6rem;border-radius:1rem;background:#344054;color:#fff;font-weight:600}
.chips span.c,.chips span.w,.chips span.i{color:var(--on-sev)}.chips span.c{background:var(--crit)}.chips span.w{background:var(--warn)}.chips span.i{background:var(--info)}
main{padding:1rem 1.5rem;max-width:1600px}
@media (max-width:600px){header,main{padding-left:.75rem;padding-right:.75rem}.card,section.card{padding:.6rem .7rem}}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(560px,100%),1fr));gap:1rem}
.card,section.card{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.8rem 1rem;margin-bottom:1rem;min-width:0;overflow-x:auto}
h2{font-size:1.1rem;margin:.2rem 0 .5rem}h3{margin:.2rem 0}h4{margin:1rem 0 .3rem}
.chart{position:relative;height:260px;margin-bottom:.6rem}
table{border-collapse:collapse;width:100%}th,td{padding:.28rem .4rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:var(--head);font-weight:600}td.r{text-align:right;font-variant-numeric:tabular-nums}
.muted,.note{color:var(--muted)}.critical{color:var(--crit);font-weight:600}.warning{color:var(--warn)}.ok{color:var(--ok)}
tr.sev-critical td.sev{color:var(--crit);font-weight:600}tr.sev-warning td.sev{color:var(--warn)}tr.sev-info td.sev{color:var(--info)}tr.sev-waived td{color:var(--muted)}
.nw,a.cl{white-space:nowrap}td.msg{min-width:20rem}
.scroll{overflow-x:auto}
table.cns-sick th{white-space:normal;overflow-wrap:normal}tr.counts td{border-bottom:0;padding-bottom:0}tr.sick-pods td{padding-left:1.5rem}
.sick-list{position:sticky;left:1.5rem;max-width:calc(100vw - 7rem)}table.compliance-fail{width:auto}
.bar{display:inline-block;vertical-align:middle;background:var(--track);width:5rem;height:.7rem;border-radius:.35rem;overflow:hidden;margin:0 .4rem}
.bar .fill{height:100%;background:var(--info)}.bar .fill.warning{background:var(--warn)}.bar .fill.critical{background:var(--crit)}.bar .fill.ok{background:var(--ok)}
.badge{display:inline-block;margin-left:.4rem;padding:0 .4rem;border-radius:.3rem;font-size:.8em}.badge.shared{background:var(--badge-bg);color:var(--badge-fg)}
.score{display:inline-block;min-width:2rem}.grade{font-weight:700}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.3rem 0}
select,input,button{font:inherit;padding:.2rem .4rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{color:var(--muted)}dd{margin:0}
a.cl{color:var(--info);text-decoration:none}a.cl:hover{text-decoration:underline}
details.more summary{cursor:pointer;color:var(--muted);white-space:nowrap}
`;

export interface DashboardPage {
  html: string;
  /** The Content-Security-Policy to serve the page with (the page repeats it in a meta tag). */
  csp: string;
}

function csp(scripts: string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.length ? scripts.map(cspHash).join(" ") : "'none'"}`,
    `style-src ${cspHash(STYLE)}`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/**
 * `functionKey`: the `code` the page was requested with (Azure Functions' function-level auth). The
 * plain report links carry it on, or they would answer 401; the page goes only to whoever sent the
 * key, with no-store and no-referrer.
 */
export function renderDashboard(e: FleetEvaluation | undefined, history: readonly EvaluationSummary[], scope: ReportFilter = {}, functionKey?: string): DashboardPage {
  const scripts = e ? [chartJsSource(), DASHBOARD_SCRIPT] : [];
  const body = e ? page(e, history, scope, functionKey) : `<main><p>No scan has been evaluated yet. Run <code>fleet-audit scan</code>, then reload.</p></main>`;
  return shell(body, scripts);
}

/**
 * The page for a `?cluster=` that matches no cluster: a person followed a link or mistyped a name, so
 * they get words and a way back to the whole fleet (a 404 all the same), not a JSON error.
 */
export function renderNoClusterMatches(pattern: string, functionKey?: string): DashboardPage {
  const fleet = functionKey === undefined ? "dashboard" : `dashboard?${new URLSearchParams({ code: functionKey })}`;
  const shown = escapeHtml(displaySafe(pattern));
  return shell(
    `<header><h1>AKS fleet audit</h1></header>
<main><section class="card" id="no-match"><h2>No cluster matches <span id="scope">${shown}</span></h2>
<p>The latest scan has no cluster of that name${pattern.includes("*") ? " or pattern" : ""}. Check the spelling; <code>*</code> stands for any run of characters (<code>aks-prod-*</code>).</p>
<p><a class="cl" id="whole-fleet" href="${escapeHtml(fleet)}">Show the whole fleet</a></p></section></main>`,
    [],
  );
}

function shell(body: string, scripts: string[]): DashboardPage {
  const policy = csp(scripts);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>AKS fleet audit</title>
<style>${STYLE}</style>
</head><body>
${body}
${scripts.map((s) => `<script>${s}</script>`).join("\n")}
</body></html>
`;
  // The header adds what a meta tag cannot carry.
  return { html, csp: `${policy}; frame-ancestors 'none'` };
}

function page(e: FleetEvaluation, history: readonly EvaluationSummary[], scope: ReportFilter, functionKey: string | undefined): string {
  const data = dashboardData(e, history, scope);
  const query = (kind: string) => {
    const q = new URLSearchParams({ format: "html" });
    if (data.scope !== undefined) q.set("cluster", data.scope);
    if (functionKey !== undefined) q.set("code", functionKey);
    return escapeHtml(`reports/${encodeURIComponent(kind)}?${q}`);
  };
  const c = data.counts;
  return `<header>
<h1>AKS fleet audit${data.scope !== undefined ? `: clusters matching <span id="scope">${escapeHtml(displaySafe(data.scope))}</span>` : ""}</h1>
<p class="meta" id="meta">Scan ${escapeHtml(e.scanId)} at ${escapeHtml(e.generatedAt)} · ${plural(data.clusters.length, "cluster")} · ${plural(data.subnets.length, "pod subnet")} · ${plural(data.trend.length, "evaluation")} in the trends, since ${escapeHtml(data.trend[0]?.at ?? e.generatedAt)} (${DASHBOARD_TREND_WORDS}) · ${data.resolved} resolved since the previous scan</p>
<div class="chips"><span class="c" id="count-critical">${c.critical} critical</span><span class="w" id="count-warning">${c.warning} warning</span><span class="i" id="count-info">${c.info} info</span><span id="count-waived">${c.waived} waived</span></div>
</header>
<noscript><!-- relative links: /api/dashboard → /api/reports/KIND --><p class="card">The charts and tables of this page need JavaScript. The same evaluation as plain pages: ${[...REPORT_KINDS.keys()].map((k) => `<a href="${query(k)}">${k}</a>`).join(" · ")}.</p></noscript>
<main>
<section class="card" id="cns-health"><h2>CNS health</h2></section>
<section class="card" id="subnets"><h2>Pod subnet utilisation</h2><p class="muted">Addresses held by NCs against usable addresses; shared subnets count every cluster on them.</p>
<div class="chart" id="chart-subnets-box"><canvas id="chart-subnets" role="img" aria-label="Pod subnet utilisation"></canvas></div></section>
<div class="grid">
<section class="card" id="ranking"><h2>Clusters by score</h2><p class="muted" id="score-source"></p>
<div class="chart" id="chart-scores-box"><canvas id="chart-scores" role="img" aria-label="Cluster scores"></canvas></div></section>
</div>
<div class="grid" id="trends">
<section class="card"><h2>Used pod addresses over time</h2><p class="muted" id="trend-note"></p><div class="chart"><canvas id="chart-trend-used" role="img" aria-label="Used addresses over time"></canvas></div></section>
<section class="card"><h2>Findings over time</h2><p class="muted">Unwaived findings per evaluation${data.scope === undefined ? "" : `, about these clusters${data.trend.some((p) => p.counts === null) ? " (evaluations stored before summaries named each finding's clusters have no point)" : ""}`}.</p><div class="chart"><canvas id="chart-trend-findings" role="img" aria-label="Findings over time"></canvas></div></section>
</div>
<section class="card" id="findings"><h2>Findings</h2>
<form id="filters">
<label>Severity <select id="f-severity"><option value="">all</option><option value="warning">warning and above</option><option value="critical">critical</option></select></label>
<label>Cluster <select id="f-cluster"></select></label>
<label>Rule <select id="f-rule"></select></label>
<label>Search <input id="f-text" type="search" placeholder="message, resource, cluster"></label>
<label><input id="f-waived" type="checkbox" checked> show waived</label>
<button type="button" id="f-reset">Reset</button>
</form>
<p class="muted" id="findings-count"></p>
<div class="scroll"><table id="findings-table"><thead><tr><th>Severity</th><th>Rule</th><th>Clusters</th><th>Resource</th><th>Message</th><th>First seen (UTC)</th></tr></thead><tbody id="findings-body"></tbody></table></div>
</section>
<section class="card" id="cluster"><h2>Cluster <select id="cluster-select" aria-label="Cluster"></select></h2><div id="cluster-detail"></div></section>
${data.notes.length ? `<section class="card"><h2>Notes</h2><ul>${data.notes.map((n) => `<li>${escapeHtml(displaySafe(n))}</li>`).join("")}</ul></section>` : ""}
</main>
<script type="application/json" id="fleet-data">${jsonForScript(data)}</script>`;
}
