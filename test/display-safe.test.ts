// Names as people see them: what would act instead of showing is written out; letters and emoji stay.
import { describe, expect, it } from "vitest";
import { displaySafe, documentSafe } from "../src/display-safe.js";

const HIDDEN = [
  ["\u202E", "\\u202e"], // right-to-left override
  ["\u202A", "\\u202a"], // left-to-right embedding
  ["\u2066", "\\u2066"], // isolates
  ["\u2069", "\\u2069"],
  ["\u200E", "\\u200e"], // marks
  ["\u200F", "\\u200f"],
  ["\u061C", "\\u061c"], // Arabic letter mark
  ["\u200B", "\\u200b"], // zero-width space, joiners, BOM
  ["\u200C", "\\u200c"],
  ["\u200D", "\\u200d"],
  ["\uFEFF", "\\ufeff"],
  ["\u2028", "\\u2028"], // line separator
  ["\u{E0041}", "\\u{e0041}"], // a tag character: invisible text
  ["\u001b", "\\x1b"],
  ["\u0007", "\\x07"],
  ["\u009b", "\\x9b"],
  ["\u007f", "\\x7f"],
  ["\n", "\\x0a"],
] as const;

describe("displaySafe", () => {
  it("writes out controls, bidi overrides and invisible characters, so a name cannot pass for another", () => {
    for (const [c, shown] of HIDDEN) expect(displaySafe(`a${c}b`), JSON.stringify(c)).toBe(`a${shown}b`);
    expect(displaySafe("bidi-\u202Eevil\u202C-txt")).toBe("bidi-\\u202eevil\\u202c-txt");
    expect(displaySafe("ansi-\u001b]0;PWNED\u0007\u001b[2J")).toBe("ansi-\\x1b]0;PWNED\\x07\\x1b[2J");
  });

  it("leaves letters of any script and emoji as they are, joined emoji and flags included", () => {
    for (const name of ["aks-prod-weu-01", "café-é", "日本-クラスター", "кластер", "مجموعة", "🚀", "👩🏽‍💻", "👨‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️"]) expect(displaySafe(name)).toBe(name);
  });

  it("for documents keeps tab and line breaks, and nothing else hidden", () => {
    expect(documentSafe("a\tb\r\nc\u202Ed\u001b")).toBe("a\tb\r\nc\\u202ed\\x1b");
  });
});
