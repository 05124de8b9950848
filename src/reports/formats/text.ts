// Text renderings of report tables: a kubectl-style table for terminals (colour only when asked),
// CSV that spreadsheets cannot execute, and Markdown.
import Table from "cli-table3";
import pc from "picocolors";
import type { Cell, Column, TableSection } from "../report.js";

/**
 * A name from a cluster or ARM made safe to print on a terminal: control characters (escape
 * sequences that could move the cursor, retitle the window or hide text) become visible \xNN.
 */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

function show(c: Column, v: Cell): string {
  if (c.format) return c.format(v);
  if (v === null || v === undefined) return "";
  return String(v);
}

// Colours always on when asked for: the caller decides (useColor), not picocolors' view of process.stdout.
export const colours = pc.createColors(true);
const SEVERITY_COLOUR: Record<string, (s: string) => string> = {
  critical: colours.red,
  warning: colours.yellow,
  info: colours.cyan,
  waived: colours.dim,
};

const PLAIN_CHARS = {
  top: "", "top-mid": "", "top-left": "", "top-right": "", bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
  left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: "   ",
};

export interface TextOptions {
  color: boolean;
  /** Terminal width; long columns wrap to fit. */
  width?: number;
}

export function renderTable(sections: TableSection[], opts: TextOptions): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push(opts.color ? colours.bold(terminalSafe(s.title)) : terminalSafe(s.title));
    if (s.rows.length === 0) {
      out.push(`  ${s.empty ?? "(none)"}`, "");
      continue;
    }
    const t = new Table({
      head: s.columns.map((col) => (opts.color ? colours.bold(col.title) : col.title)),
      chars: PLAIN_CHARS,
      style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
      colAligns: s.columns.map((c) => c.align ?? "left"),
      ...(opts.width ? { colWidths: fitWidths(s, opts.width), wordWrap: true, wrapOnWordBoundary: true } : {}),
    });
    s.rows.forEach((row, i) => {
      const sev = s.rowSeverity?.[i];
      const paint = opts.color && sev ? SEVERITY_COLOUR[sev] : undefined;
      t.push(s.columns.map((c, j) => {
        const text = terminalSafe(show(c, row[c.key]));
        return paint && j === 0 ? paint(text) : text;
      }));
    });
    out.push(t.toString(), "");
  }
  return out.join("\n");
}

/** Gives every column its natural width and lets the widest (the message) absorb what is left. */
function fitWidths(s: TableSection, width: number): Array<number | null> {
  const natural = s.columns.map((c) => Math.max(c.title.length, ...s.rows.map((r) => terminalSafe(show(c, r[c.key])).length)) + 3);
  const total = natural.reduce((a, b) => a + b, 0);
  if (total <= width) return natural;
  const widest = natural.indexOf(Math.max(...natural));
  const rest = total - natural[widest]!;
  natural[widest] = Math.max(20, width - rest);
  return natural;
}

// A formula trigger (= + - @, or their full-width forms) first, or after leading white space that
// some spreadsheets trim; a cell that starts with a tab or carriage return.
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/;

/** Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection). */
export function csvCell(v: string): string {
  const safe = FORMULA_START.test(v) && !/^-?\d+(\.\d+)?$/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(sections: TableSection[]): string {
  const blocks = sections.map((s) => {
    const lines = [s.columns.map((c) => csvCell(c.title.toLowerCase().replace(/ /g, "_"))).join(",")];
    for (const r of s.rows) lines.push(s.columns.map((c) => csvCell(typeof r[c.key] === "number" ? String(r[c.key]) : show(c, r[c.key]))).join(","));
    return lines.join("\r\n");
  });
  return `${blocks.join("\r\n\r\n")}\r\n`;
}

function mdCell(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderMarkdown(title: string, sections: TableSection[]): string {
  const out = [`# ${mdCell(title)}`, ""];
  for (const s of sections) {
    out.push(`## ${mdCell(s.title)}`, "");
    if (s.rows.length === 0) {
      out.push(s.empty ?? "(none)", "");
      continue;
    }
    out.push(`| ${s.columns.map((c) => mdCell(c.title)).join(" | ")} |`);
    out.push(`| ${s.columns.map((c) => (c.align === "right" ? "---:" : "---")).join(" | ")} |`);
    for (const r of s.rows) out.push(`| ${s.columns.map((c) => mdCell(show(c, r[c.key]))).join(" | ")} |`);
    out.push("");
  }
  return out.join("\n");
}
