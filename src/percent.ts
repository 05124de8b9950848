// Utilisation as people read it, the same in every view: reports, finding messages and the dashboard.

/**
 * A fraction as a percent with one decimal, rounded down, so a shown value never reaches a threshold the
 * value did not: 94.995 % (a warning) reads "94.9%", not "95.0%"; 79.98 % (no finding) "79.9%".
 */
export function percentDown(fraction: number): string {
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}

/** percentDown for the dashboard's browser script (plain ES2020), which cannot import it. */
export const PERCENT_DOWN_SCRIPT = `function pct(v) { return (Math.floor(v * 1000) / 10).toFixed(1) + "%"; }`;
