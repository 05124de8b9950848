// The dashboard's palette, light and dark: every text colour reads at WCAG AA (4.5:1) on the backgrounds
// it is set on, and the html reports' colours are the same, so following a report link keeps the theme.
import { describe, expect, it } from "vitest";
import { STYLE } from "../../src/http/dashboard.js";
import { DASHBOARD_SCRIPT } from "../../src/http/dashboard-client.js";
import { REPORT_STYLE } from "../../src/reports/formats/html.js";
import { contrast, rootVariables } from "../helpers/contrast.js";

/** Text colours shown on the cards: body, captions, severities, links, grade A. */
const TEXT = ["--fg", "--muted", "--crit", "--warn", "--info", "--ok"];
/** The severity chips: their text colour on each severity's colour. */
const CHIPS = ["--crit", "--warn", "--info"];

const DARK = "(prefers-color-scheme:dark)";

describe.each([
  ["light", rootVariables(STYLE)],
  // The dark block overrides the light one, as the browser applies them.
  ["dark", { ...rootVariables(STYLE), ...rootVariables(STYLE, DARK) }],
])("dashboard palette, %s", (scheme, vars) => {
  it("has every text colour at 4.5:1 or more on the cards", () => {
    for (const fg of TEXT) expect(contrast(vars[fg]!, vars["--card"]!), `${fg} on --card`).toBeGreaterThanOrEqual(4.5);
  });

  it("has the severity chips' text at 4.5:1 or more on their colour", () => {
    for (const chip of CHIPS) expect(contrast(vars["--on-sev"]!, vars[chip]!), `--on-sev on ${chip}`).toBeGreaterThanOrEqual(4.5);
  });

  it("sets every colour the html reports set, to the same value, so a report link keeps the theme", () => {
    const report = scheme === "dark" ? rootVariables(REPORT_STYLE, DARK) : rootVariables(REPORT_STYLE);
    expect(Object.keys(report).length).toBeGreaterThan(0);
    expect(vars).toMatchObject(report);
  });
});

it("the dark palette changes every colour of the light one", () => {
  const light = rootVariables(STYLE);
  const dark = rootVariables(STYLE, DARK);
  for (const [name, value] of Object.entries(light)) expect(dark[name], name).not.toBe(value);
  expect(STYLE).toContain("color-scheme:light dark");
});

it("uses every colour it sets beyond the html reports' palette, in its style or its script", () => {
  const report = rootVariables(REPORT_STYLE);
  const own = Object.keys(rootVariables(STYLE)).filter((name) => !(name in report));
  expect(own.length).toBeGreaterThan(0);
  for (const name of own) expect(STYLE.includes(`var(${name})`) || DASHBOARD_SCRIPT.includes(`"${name}"`), name).toBe(true);
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
