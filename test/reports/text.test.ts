import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/reports/formats/html.js";
import { displaySafe } from "../../src/display-safe.js";
import { csvCell, renderCsv, renderMarkdown, renderTable, wrapCell } from "../../src/reports/formats/text.js";
import { globMatch } from "../../src/glob.js";
import { checkClusterFilter, matchesCluster, parseFilter, parseSince } from "../../src/reports/filter.js";

describe("tables on a terminal", () => {
  it("show a time to the minute, marked UTC, so the width goes to names; other formats keep it whole", () => {
    const sections = [{ name: "t", title: "T", columns: [{ key: "cluster", title: "CLUSTER" }, { key: "at", title: "FIRST SEEN" }], rows: [{ cluster: "aks-dr-weu-blk-03", at: "2026-11-29T15:01:56.429Z" }] }];
    const table = renderTable(sections, { color: false, width: 40 });
    expect(table).toMatch(/aks-dr-weu-blk-03\s+2026-11-29 15:01Z/);
    expect(renderCsv(sections)).toContain("2026-11-29T15:01:56.429Z");
  });
});

describe("CSV", () => {
  it("neutralises cells a spreadsheet would run as formulas", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("-5")).toBe("-5");
    expect(csvCell("-")).toBe("-"); // "none" in a column
    expect(csvCell("--")).toBe("'--");
    expect(csvCell("aks-prod")).toBe("aks-prod");
    expect(csvCell("a,b")).toBe('"a,b"');
  });
  it("neutralises every OWASP trigger, hidden behind white space or in full-width form", () => {
    const hostile = [
      "=cmd|' /C calc'!A0",
      "-2+3+cmd|' /C calc'!A0",
      "+cmd|' /C calc'!A0",
      "@SUM(1+9)*cmd|' /C calc'!A0",
      "\t=1+1",
      "\r=1+1",
      " =1+1",
      "\u3000=1+1",
      "\uFF1D1+1", // full-width =
      "\uFF20SUM(A1)", // full-width @
      "-1+1",
    ];
    for (const v of hostile) {
      const cell = csvCell(v);
      // The cell as a spreadsheet reads it (quotes removed) starts with the apostrophe.
      const unquoted = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
      expect(unquoted, JSON.stringify(v)).toBe(`'${v}`);
    }
    // Plain numbers, names and text stay as they are.
    for (const v of ["-5", "-0.25", "42", "aks-prod-weu-01", "10.40.0.0/13", "node/aks-np1-vmss000000", "a=b"]) expect(csvCell(v)).toBe(v);
  });
  it("keeps one record per row when a cell holds quotes, commas or line breaks", () => {
    const csv = renderCsv([{ name: "t", title: "t", columns: [{ key: "a", title: "A" }, { key: "b", title: "B" }], rows: [{ a: 'x"y,z', b: "line1\nline2" }] }]);
    expect(csv).toBe('a,b\r\n"x""y,z","line1\nline2"\r\n');
  });
  it("renders sections with headers", () => {
    const csv = renderCsv([{ name: "t", title: "t", columns: [{ key: "a", title: "A B" }], rows: [{ a: "=1+1" }, { a: 3 }] }]);
    expect(csv).toBe("a_b\r\n'=1+1\r\n3\r\n");
  });
});

describe("terminal tables", () => {
  const section = (rows: Array<Record<string, string>>) => [{ name: "t", title: "T", columns: [{ key: "a", title: "A" }, { key: "m", title: "MESSAGE" }], rows, rowSeverity: rows.map(() => "critical") }];
  it("shows control characters as \\xNN so a name cannot drive the terminal", () => {
    expect(displaySafe("a\u001b[2Jb\u0007\u009b")).toBe("a\\x1b[2Jb\\x07\\x9b");
    const out = renderTable(section([{ a: "x\u001b]0;t\u0007", m: "m" }]), { color: false });
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(out).toContain("x\\x1b]0;t\\x07");
  });
  it("colours severities only when asked, whatever the process's own terminal", () => {
    expect(renderTable(section([{ a: "x", m: "m" }]), { color: true })).toMatch(/\u001b\[31mx\u001b\[39m/);
    expect(renderTable(section([{ a: "x", m: "m" }]), { color: false })).not.toMatch(/\u001b/);
  });
  it("wraps to the width without cutting a word short", () => {
    expect(wrapCell("aks-nodepool1-59219851-vmss000001 is Running", 12)).toEqual(["aks-nodepool", "1-59219851-v", "mss000001 is", "Running"]);
    const long = "word ".repeat(60).trim();
    const out = renderTable(section([{ a: "aks-prod-weu-blk-02-with-a-long-name", m: long }]), { color: false, width: 60 });
    for (const line of out.split("\n")) expect(line.trimEnd().length).toBeLessThanOrEqual(60);
    expect(out).not.toContain("…");
    expect(out.replace(/\s+/g, "")).toContain("aks-prod-weu-blk-02-with-a-long-name");
  });
});

describe("Markdown", () => {
  it("escapes pipes, newlines and HTML in cells", () => {
    const md = renderMarkdown("r", [{ name: "t", title: "t", columns: [{ key: "a", title: "A" }], rows: [{ a: "x|y\n<script>" }] }]);
    expect(md).toContain("| x\\|y &lt;script&gt; |");
  });

  // The cell as Markdown reads it: CommonMark backslash escapes and the two entities mdCell writes undone.
  const asRead = (cell: string) => cell.replace(/\\([!-/:-@[-`{-~])|&lt;|&gt;/g, (m, c: string | undefined) => c ?? (m === "&lt;" ? "<" : ">"));
  const cellOf = (v: string) => renderMarkdown("r", [{ name: "t", title: "t", columns: [{ key: "a", title: "A" }], rows: [{ a: v }] }]).split("\n").at(-2)!.slice(2, -2);

  it("lets no link, image, emphasis or autolink form from a name, which still reads as itself", () => {
    const hostile = [
      "md-![pix](http://evil.example/track.png)-[click](http://evil.example/phish)",
      "*bold* _em_ `code` ~~gone~~ [ref]: <http://evil.example>",
      "see http://evil.example or www.evil.example or admin@evil.example",
      "&lt;entity&#91; $x^2$ #1",
    ];
    for (const v of hostile) {
      const cell = cellOf(v);
      expect(asRead(cell), v).toBe(v);
      // Every character that opens inline syntax here is escaped (an odd number of backslashes before
      // it): code, brackets, strikethrough, math, an image's `!`, an email's `@`, an issue's `#`, and `*` or
      // `_` at a word's edge (entities: asRead would decode one left bare, and differ).
      const opener = /[`~[\]$@]|#(?=\d)|!(?=\\\[)|(?<![\p{L}\p{N}])[*_]|[*_](?![\p{L}\p{N}])/gu;
      for (const m of cell.matchAll(opener)) expect(/(^|[^\\])(\\\\)*\\$/.test(cell.slice(0, m.index)), `${v}: ${m[0]} at ${m.index}`).toBe(true);
      // GFM's autolinks (scheme://, www.) are broken up.
      expect(cell).not.toMatch(/[a-z]:\/\/|www\./i);
    }
  });

  it("leaves ordinary names as they are, and what forms nothing in a cell", () => {
    for (const v of ["aks-prod-weu-01", "10.40.0.0/13", "node/aks-nodepool1-12345678-vmss000001", "ünïcödé-クラスター-🚀", "podsubnet"]) expect(cellOf(v)).toBe(v);
    // `_` inside a word never emphasises; `#` before no digit, `&` without an entity, a lone `@`, `!` and ` * ` form nothing.
    for (const v of ["nnc_has_nodenetworkconfig", "aks_prod_01", "ünï_cödé", "C# and #tag", "R&D", "a @ b", "down!", "10 * 2"]) expect(cellOf(v)).toBe(v);
  });

  it("escapes GitHub mentions and issue references, which go live where a report is pasted into an issue or step summary", () => {
    for (const v of ["ping @ops", "@platform-team/netops", "fixed in #3", "see org/repo#12"]) {
      const cell = cellOf(v);
      expect(asRead(cell), v).toBe(v);
      expect(cell, v).not.toMatch(/(^|[^\\])[@#]/);
    }
  });

  it("still escapes `*` inside a word and `_` at a word's edge, where emphasis forms", () => {
    expect(cellOf("a*b*c")).toBe("a\\*b\\*c");
    expect(cellOf("pool_a_ _b")).toBe("pool_a\\_ \\_b");
  });
});

describe("documents (CSV, Markdown, html)", () => {
  const ansi = "ansi-\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred\u009b1m\u007f";
  const sections = [{ name: "t", title: `nodes of ${ansi}`, columns: [{ key: "a", title: "CLUSTER" }, { key: "m", title: "MESSAGE" }], rows: [{ a: ansi, m: "line1\nline2\tx" }] }];
  const documents = { csv: renderCsv(sections), md: renderMarkdown(`r ${ansi}`, sections), html: renderHtml(`r ${ansi}`, ansi, sections) };

  it("carry no control character a terminal would run, showing each as \\xNN", () => {
    for (const [format, body] of Object.entries(documents)) {
      expect(body, format).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
      expect(body, format).toMatch(/x1b\\*\]0;PWNED/);
      expect(body, format).toContain("x07");
    }
    // As a spreadsheet reads it, the cell is the name with its controls made visible.
    expect(documents.csv.split("\r\n")[1]!.split(",")[0]).toBe("ansi-\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred\\x9b1m\\x7f");
  });

  it("keep the tab and line breaks CSV needs inside a quoted cell", () => {
    expect(documents.csv).toContain('"line1\nline2\tx"');
  });
});

describe("filters", () => {
  it("accepts durations and ISO times for since", () => {
    const now = new Date("2026-11-28T12:00:00Z");
    expect(parseSince("24h", now).toISOString()).toBe("2026-11-27T12:00:00.000Z");
    expect(parseSince("2026-11-01T00:00:00Z", now).toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(() => parseSince("yesterday", now)).toThrow(/since must be/);
    expect(parseSince("2026-11-01", now).toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(parseSince("2026-11-01T10:30:00.5+02:00", now).toISOString()).toBe("2026-11-01T08:30:00.500Z");
    // No zone: UTC, like every time the tool prints, whatever the server's time zone.
    expect(parseSince("2026-11-01T10:30", now).toISOString()).toBe("2026-11-01T10:30:00.000Z");
    expect(parseSince("2026-11-01 10:30:00", now).toISOString()).toBe("2026-11-01T10:30:00.000Z");
    // A day that does not exist is refused, not rolled over into the next month.
    for (const bad of ["2026-02-30", "2026-13-01", "2026-11-01T25:00Z", "2026-11-01T10:30:00+2"]) expect(() => parseSince(bad, now), bad).toThrow(/since must be/);
  });
  it("rejects unknown severities and rule ids with the bad value named", () => {
    expect(() => parseFilter({ severity: "high" })).toThrow(/severity must be one of.*"high"/);
    expect(() => parseFilter({ rule: "' or 1 eq 1" })).toThrow(/rule must be a rule ID/);
    expect(parseFilter({ rule: "ipx001" }).rule).toBe("IPX001");
    expect(parseFilter({ severity: "CRITICAL" }).severity).toBe("critical");
    expect(() => parseFilter({ cluster: "" })).toThrow(/^cluster must not be empty; leave it out to mean all$/);
    expect(() => parseFilter({ since: "" })).toThrow(/^since must not be empty/);
    expect(parseFilter({ cluster: undefined })).toEqual({});
    expect(() => parseFilter({ rule: "IPX099" })).toThrow(/^unknown rule IPX099; the catalogue has /);
  });

  it("matches cluster patterns where * is the only wildcard", () => {
    const m = (pattern: string, name: string, clusters?: string[]) => matchesCluster({ cluster: pattern }, name, clusters);
    expect(m("aks-prod-*", "aks-prod-weu-01")).toBe(true);
    expect(m("aks-prod-*", "aks-stg-weu-01")).toBe(false);
    expect(m("*-weu-*", "aks-prod-weu-01")).toBe(true);
    expect(m("aks-*-01", "aks-prod-weu-02")).toBe(false);
    expect(m("*", "anything at all")).toBe(true);
    // A finding about several clusters matches when any of them does.
    expect(m("aks-dr-*", "aks-prod-weu-01", ["aks-prod-weu-01", "aks-dr-weu-03"])).toBe(true);
    // Everything else stands for itself: regex and glob syntax, a name with a literal star.
    expect(m("a.b*", "axb1")).toBe(false);
    expect(m("a?c", "abc")).toBe(false);
    expect(m("a?c", "a?c")).toBe(true);
    expect(m("[ab]*", "a1")).toBe(false);
    expect(m("[ab]*", "[ab]1")).toBe(true);
    expect(m("(x|y)*", "(x|y)z")).toBe(true);
    expect(m("one*star", "one*star")).toBe(true);
    // Without a star it is the exact name.
    expect(m("aks-prod", "aks-prod-weu")).toBe(false);
  });

  it("matches a hostile pattern in time linear in its length, not by backtracking", () => {
    // As a regular expression, (.*a){40}c against 80 a's backtracks for longer than any test waits.
    const pattern = "*a".repeat(40) + "*c";
    expect(globMatch(pattern, "a".repeat(80))).toBe(false);
    expect(globMatch(pattern, "a".repeat(80) + "c")).toBe(true);
    expect(globMatch("*".repeat(1000), "x".repeat(4096))).toBe(true);
  });

  it("refuses a cluster filter that matches no cluster, naming it", () => {
    const e = ["aks-prod-weu-01"];
    expect(() => checkClusterFilter({ cluster: "aks-stg-*" }, e)).toThrow(/no cluster matches "aks-stg-\*"/);
    expect(() => checkClusterFilter({ cluster: "aks-nope" }, e)).toThrow(/unknown cluster "aks-nope"/);
    expect(() => checkClusterFilter({ cluster: "aks-prod-*" }, e)).not.toThrow();
    expect(() => checkClusterFilter({}, e)).not.toThrow();
  });
});
