// The dashboard's palette: every text colour reads at WCAG AA (4.5:1) on the backgrounds it is set on.
import { describe, expect, it } from "vitest";
import { STYLE } from "../../src/http/dashboard.js";
import { contrast, rootVariables } from "../helpers/contrast.js";

/** Text colours shown on the cards: body, captions, severities, links, grade A. */
const TEXT = ["--fg", "--muted", "--crit", "--warn", "--info", "--ok"];
/** The severity chips: their text colour on each severity's colour. */
const CHIPS = ["--crit", "--warn", "--info"];

describe("dashboard palette", () => {
  const vars = rootVariables(STYLE);

  it("has every text colour at 4.5:1 or more on the cards", () => {
    for (const fg of TEXT) expect(contrast(vars[fg]!, vars["--card"]!), `${fg} on --card`).toBeGreaterThanOrEqual(4.5);
  });

  it("has the severity chips' text at 4.5:1 or more on their colour", () => {
    for (const chip of CHIPS) expect(contrast(vars["--on-sev"]!, vars[chip]!), `--on-sev on ${chip}`).toBeGreaterThanOrEqual(4.5);
  });
});

describe("contrast", () => {
  it("is 21 for black on white, 1 for a colour on itself, and symmetric", () => {
    expect(contrast("#000", "#fff")).toBeCloseTo(21, 5);
    expect(contrast("#dc6803", "#dc6803")).toBe(1);
    expect(contrast("#fff", "#dc6803")).toBe(contrast("#dc6803", "#fff"));
  });

  it("reads :root variables outside @media, or inside the one named, the later winning", () => {
    const css = ":root{--a:#111;--b:#222}\n@media (prefers-color-scheme:dark){:root{--a:#eee}body{x:y}}\n:root{--b:#333}";
    expect(rootVariables(css)).toEqual({ "--a": "#111", "--b": "#333" });
    expect(rootVariables(css, "(prefers-color-scheme:dark)")).toEqual({ "--a": "#eee" });
  });
});
