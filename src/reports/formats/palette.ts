// The colours the html reports and the dashboard share, light and dark, so following a report link
// from the dashboard keeps the theme. Every text colour reaches WCAG AA (4.5:1) on its background.

export type Colours = Readonly<Record<string, string>>;

export const PALETTE: { light: Colours; dark: Colours } = {
  light: { fg: "#1b1f24", muted: "#667085", line: "#d0d5dd", head: "#f2f4f7", crit: "#b42318", warn: "#b54708", info: "#175cd3" },
  dark: { fg: "#e4e7ec", muted: "#98a2b3", line: "#344054", head: "#1d2939", crit: "#f97066", warn: "#fdb022", info: "#53b1fd" },
};

/** The declarations of a `:root{…}` rule setting each colour as a custom property: `--fg:#1b1f24;…`. */
export function cssVariables(colours: Colours): string {
  return Object.entries(colours)
    .map(([name, value]) => `--${name}:${value}`)
    .join(";");
}
