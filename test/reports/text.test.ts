import { describe, expect, it } from "vitest";
import { csvCell, renderCsv, renderMarkdown } from "../../src/reports/formats/text.js";
import { parseFilter, parseSince } from "../../src/reports/filter.js";

describe("CSV", () => {
  it("neutralises cells a spreadsheet would run as formulas", () => {
    expect(csvCell("=HYPERLINK(\"http://evil\")")).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell("+1")).toBe("'+1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("-5")).toBe("-5");
    expect(csvCell("aks-prod")).toBe("aks-prod");
    expect(csvCell("a,b")).toBe('"a,b"');
  });
  it("renders sections with headers", () => {
    const csv = renderCsv([{ title: "t", columns: [{ key: "a", title: "A B" }], rows: [{ a: "=1+1" }, { a: 3 }] }]);
    expect(csv).toBe("a_b\r\n'=1+1\r\n3\r\n");
  });
});

describe("Markdown", () => {
  it("escapes pipes, newlines and HTML in cells", () => {
    const md = renderMarkdown("r", [{ title: "t", columns: [{ key: "a", title: "A" }], rows: [{ a: "x|y\n<script>" }] }]);
    expect(md).toContain("| x\\|y &lt;script&gt; |");
  });
});

describe("filters", () => {
  it("accepts durations and ISO times for since", () => {
    const now = new Date("2026-11-28T12:00:00Z");
    expect(parseSince("24h", now).toISOString()).toBe("2026-11-27T12:00:00.000Z");
    expect(parseSince("2026-11-01T00:00:00Z", now).toISOString()).toBe("2026-11-01T00:00:00.000Z");
    expect(() => parseSince("yesterday", now)).toThrow(/since must be/);
  });
  it("rejects unknown severities and rule ids with the bad value named", () => {
    expect(() => parseFilter({ severity: "high" })).toThrow(/severity must be one of.*"high"/);
    expect(() => parseFilter({ rule: "' or 1 eq 1" })).toThrow(/rule must be a rule ID/);
    expect(parseFilter({ rule: "ipx001" }).rule).toBe("IPX001");
  });
});
