// WCAG 2 colour contrast, and the CSS custom properties a stylesheet sets, for testing a page's palette.

/** Relative luminance of `#rgb` or `#rrggbb` (WCAG 2.x). */
function luminance(hex: string): number {
  const h = hex.replace(/^#/, "");
  const full = h.length === 3 ? [...h].map((c) => c + c).join("") : h;
  if (!/^[0-9a-f]{6}$/i.test(full)) throw new Error(`not a hex colour: ${hex}`);
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = parseInt(full.slice(i, i + 2), 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast ratio of two colours, 1 to 21; WCAG AA asks 4.5 for body text. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * The custom properties `:root` rules set in `css`: outside any @media block (`media` undefined), or in
 * the `@media (…)` block whose condition is `media`. A later rule overrides an earlier one, as in CSS.
 */
export function rootVariables(css: string, media?: string): Record<string, string> {
  const vars: Record<string, string> = {};
  // Blocks nest at most one deep here: @media (…){ :root{…} … }.
  const re = /@media\s*([^{]+)\{((?:[^{}]*\{[^}]*\})*)\s*\}|:root\{([^}]*)\}/g;
  for (const m of css.matchAll(re)) {
    const body = m[3] !== undefined ? (media === undefined ? m[3] : undefined) : m[1]!.trim() === media ? /:root\{([^}]*)\}/.exec(m[2]!)?.[1] : undefined;
    for (const decl of (body ?? "").split(";")) {
      const d = /^\s*(--[\w-]+)\s*:\s*(.+?)\s*$/.exec(decl);
      if (d) vars[d[1]!] = d[2]!;
    }
  }
  return vars;
}
