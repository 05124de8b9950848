// Name patterns for --cluster, ?cluster= and --context: `aks-prod-*`.

/**
 * Glob match where `*` is the only wildcard: every other character, `?` and `[` included, stands for
 * itself. Greedy with one backtrack point, so O(pattern × name) at worst: a regular expression built
 * from a hostile `*a*a*a…` could backtrack for minutes.
 */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      mark = n;
    } else if (p < pattern.length && pattern[p] === name[n]) {
      p++;
      n++;
    } else if (star >= 0) {
      p = star + 1;
      n = ++mark;
    } else return false;
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** A name (exact) or a pattern with `*` (glob), as a test on names. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  return pattern.includes("*") ? (name) => globMatch(pattern, name) : (name) => name === pattern;
}
