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

/**
 * Whether some name matches both patterns (`*` the only wildcard): a walk over pairs of positions, so
 * O(|a| × |b|) at worst.
 */
export function globsIntersect(a: string, b: string): boolean {
  const seen = new Set<number>();
  const stack: Array<[number, number]> = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * (b.length + 1) + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === a.length && j === b.length) return true;
    const [x, y] = [a[i], b[j]];
    if (x === "*") stack.push([i + 1, j]); // the star matches nothing more
    if (y === "*") stack.push([i, j + 1]);
    if (x === "*" && y !== undefined && y !== "*") stack.push([i, j + 1]); // a's star takes b's character
    if (y === "*" && x !== undefined && x !== "*") stack.push([i + 1, j]);
    if (x !== undefined && x !== "*" && x === y) stack.push([i + 1, j + 1]);
  }
  return false;
}

/** A name (exact) or a pattern with `*` (glob), as a test on names. */
export function nameMatcher(pattern: string): (name: string) => boolean {
  return pattern.includes("*") ? (name) => globMatch(pattern, name) : (name) => name === pattern;
}
