// The html format: one self-contained page (no script, no external resource) rendering a report's
// TableSections. Every cell and title is escaped; the page carries a CSP of its own, so a copy saved
// to disk or mailed around stays inert.
import { createHash } from "node:crypto";
import type { Cell, Column, TableSection } from "../report.js";
import { documentSafe } from "../../display-safe.js";
import { cssVariables, PALETTE } from "./palette.js";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? "").replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `'sha256-…'` of an inline script or style, for a Content-Security-Policy source list. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export const REPORT_STYLE = `
:root{color-scheme:light dark;${cssVariables(PALETTE.light)}}
@media (prefers-color-scheme:dark){:root{${cssVariables(PALETTE.dark)}}}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:var(--fg)}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.6rem 0 .4rem}
.meta,.empty{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.3rem 0 1rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--head);font-weight:600;position:sticky;top:0}
td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
tr.critical td:first-child{color:var(--crit);font-weight:600}tr.warning td:first-child{color:var(--warn)}
tr.info td:first-child{color:var(--info)}tr.waived td{color:var(--muted)}
`;

const STYLE_HASH = cspHash(REPORT_STYLE);

/** The CSP an html report is served with (and carries in a meta tag). */
export const REPORT_CSP = `default-src 'none'; style-src ${STYLE_HASH}; base-uri 'none'; form-action 'none'`;

function show(c: Column, v: Cell): string {
  if (c.format) return c.format(v);
  if (v === null || v === undefined) return "";
  return String(v);
}

/** Text from data, escaped for HTML and without control characters (a report may be printed on a terminal). */
const text = (s: string): string => escapeHtml(documentSafe(s));

function section(s: TableSection): string {
  const head = `<h2>${text(s.title)}</h2>`;
  if (s.rows.length === 0) return `${head}\n<p class="empty">${escapeHtml(s.empty ?? "(none)")}</p>`;
  const cls = (c: Column) => (c.align === "right" ? ` class="r"` : "");
  const th = s.columns.map((c) => `<th${cls(c)} scope="col">${escapeHtml(c.title)}</th>`).join("");
  const rows = s.rows.map((r, i) => {
    const sev = s.rowSeverity?.[i];
    // Only known words become a class name; anything else gets none.
    const rowCls = sev && /^(critical|warning|info|waived)$/.test(sev) ? ` class="${sev}"` : "";
    return `<tr${rowCls}>${s.columns.map((c) => `<td${cls(c)}>${text(show(c, r[c.key]))}</td>`).join("")}</tr>`;
  });
  return `${head}\n<table><thead><tr>${th}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

export function renderHtml(title: string, subtitle: string, sections: TableSection[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CSP)}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${text(title)}</title>
<style>${REPORT_STYLE}</style>
</head><body>
<h1>${text(title)}</h1>
<p class="meta">${text(subtitle)}</p>
${sections.map(section).join("\n")}
</body></html>
`;
}
