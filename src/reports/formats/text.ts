// Text renderings of report tables: a kubectl-style table for terminals (colour only when asked),
// CSV that spreadsheets cannot execute, and Markdown.
import Table from "cli-table3";
import pc from "picocolors";
import { displaySafe, documentSafe } from "../../display-safe.js";
import type { Cell, Column, TableSection } from "../report.js";

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

const GAP = PLAIN_CHARS.middle.length;

export function renderTable(sections: TableSection[], opts: TextOptions): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push(opts.color ? colours.bold(displaySafe(s.title)) : displaySafe(s.title));
    if (s.rows.length === 0) {
      out.push(`  ${s.empty ?? "(none)"}`, "");
      continue;
    }
    const cells = s.rows.map((row) => s.columns.map((c) => displaySafe(shortTime(show(c, row[c.key])))));
    const widths = opts.width ? fitWidths(s.columns.map((c) => c.title), cells, opts.width) : undefined;
    const t = new Table({
      // A title wider than its column wraps at its spaces (STALE DATA FROM), as cells do.
      head: s.columns.map((col, j) => (widths ? wrapCell(col.title, widths[j]!) : [col.title]).map((l) => (opts.color ? colours.bold(l) : l)).join("\n")),
      chars: PLAIN_CHARS,
      style: { head: [], border: [], "padding-left": 0, "padding-right": 0 },
      colAligns: s.columns.map((c) => c.align ?? "left"),
      ...(widths ? { colWidths: widths } : {}),
    });
    cells.forEach((row, i) => {
      const sev = s.rowSeverity?.[i];
      const paint = opts.color && sev ? SEVERITY_COLOUR[sev] : undefined;
      t.push(row.map((text, j) => {
        // Wrapped here rather than by cli-table3, which cuts words longer than the column with "…":
        // a cluster or node name must stay whole, if on two lines.
        const lines = widths ? wrapCell(text, widths[j]!) : [text];
        return lines.map((l) => (paint && j === 0 ? paint(l) : l)).join("\n");
      }));
    });
    out.push(t.toString(), "");
  }
  return out.join("\n");
}

/** On a terminal a time reads to the minute, still marked UTC (2026-11-29 15:01Z): the width goes to names. */
function shortTime(cell: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(cell);
  return m ? `${m[1]} ${m[2]}Z` : cell;
}

/**
 * Column widths for a terminal `width` wide: natural widths when they fit; else the widest column
 * (the message, usually) gives way first, down to a third of the line; then the other columns, widest
 * first, one character at a time (none below its title's longest word or 8); then the widest again.
 */
function fitWidths(titles: string[], cells: string[][], width: number): number[] {
  const widths = titles.map((t, j) => Math.max(t.length, ...cells.map((r) => r[j]!.length), 1));
  const floor = titles.map((t, j) => Math.min(widths[j]!, Math.max(...t.split(" ").map((w) => w.length), 8)));
  const budget = width - GAP * (titles.length - 1);
  let total = widths.reduce((a, b) => a + b, 0);
  const big = widths.indexOf(Math.max(...widths));
  const soft = Math.max(floor[big]!, Math.ceil(budget * 0.35));
  while (total > budget && widths[big]! > soft) {
    widths[big]!--;
    total--;
  }
  // Then the others, widest first; the message column only once they are all at their floor.
  for (const skip of [big, -1]) {
    while (total > budget) {
      let widest = -1;
      for (let j = 0; j < widths.length; j++) if (j !== skip && widths[j]! > floor[j]! && (widest < 0 || widths[j]! > widths[widest]!)) widest = j;
      if (widest < 0) break;
      widths[widest]!--;
      total--;
    }
  }
  return widths;
}

/** Greedy word wrap to `width`; a word longer than the line is split, never cut short. */
export function wrapCell(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(" ")) {
    while (word.length > width) {
      if (line) lines.push(line);
      line = "";
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

// A formula trigger (= + - @, or their full-width forms) first, or after leading white space that
// some spreadsheets trim; a cell that starts with a tab or carriage return.
const FORMULA_START = /^[\s\u3000]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]|^[\t\r\n]/;

/** Cells a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection); control characters show as \\xNN. */
export function csvCell(raw: string): string {
  const v = documentSafe(raw);
  // A number, or a lone dash ("none" in a column), is no formula: left as is, it still sorts and reads.
  const safe = FORMULA_START.test(v) && !/^-?\d+(\.\d+)?$/.test(v) && v !== "-" ? `'${v}` : v;
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

// What could open Markdown's inline syntax in a table cell, backslash-escaped so it reads as itself:
// code, links and footnotes, strikethrough, math and the cell's own pipe always; `!` before `[`
// (an image); `&` that would start an entity; `@` before a word character (a GitHub mention, GFM's
// email autolink) and `#` before a digit (an issue reference): both go live where a report is pasted
// into an issue, a PR or a step summary. `*` and `_` are judged by their neighbours below. `#` cannot
// start a heading inside a cell, and parentheses without a `[` form no link. `<` and `>` become entities (HTML).
const MD_INLINE = /[\\`[\]~$|*_]|!(?=\[)|&(?=#?[a-z0-9]+;)|@(?=[a-z0-9_])|#(?=\d)/gi;
const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/u;

/**
 * Whether a `*` or `_` at `i` could open or close emphasis (CommonMark's flanking rules): not between
 * two spaces, and for `_` not inside a word either (nnc_has_nodenetworkconfig stays as it is). The
 * text's end counts as a space (a cell is padded, a line ends there); its start does not, so a note
 * line never starts a list with `* `.
 */
function mayEmphasise(text: string, i: number): boolean {
  const [before, after] = [text[i - 1] ?? "", text[i + 1] ?? " "];
  if (SPACE.test(before) && SPACE.test(after)) return false;
  return text[i] === "*" || !(WORD.test(before) && WORD.test(after));
}

/** A table cell (or heading) from data: no link, image, markup or autolink can form from it. */
function mdCell(v: string): string {
  return documentSafe(v)
    .replace(/[\r\n]+/g, " ")
    .replace(MD_INLINE, (c: string, i: number, text: string) => ((c === "*" || c === "_") && !mayEmphasise(text, i) ? c : `\\${c}`))
    // GFM links bare URLs and www. names too: an escaped ':' or '.' breaks the pattern, not the text.
    .replace(/:(?=\/\/)/g, "\\:")
    .replace(/(www)\./gi, "$1\\.")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

export function renderMarkdown(title: string, sections: TableSection[]): string {
  const out = [`# ${mdCell(title)}`, ""];
  for (const s of sections) {
    out.push(`## ${mdCell(s.title)}`, "");
    if (s.rows.length === 0) {
      out.push(mdCell(s.empty ?? "(none)"), "");
      continue;
    }
    out.push(`| ${s.columns.map((c) => mdCell(c.title)).join(" | ")} |`);
    out.push(`| ${s.columns.map((c) => (c.align === "right" ? "---:" : "---")).join(" | ")} |`);
    for (const r of s.rows) out.push(`| ${s.columns.map((c) => mdCell(show(c, r[c.key]))).join(" | ")} |`);
    out.push("");
  }
  return out.join("\n");
}
