// Patterns of the policy file: `*` matches any run of characters, everything else is literal.

const cache = new Map<string, RegExp>();

/** Case-sensitive, whole-string match; an absent pattern or `*` matches anything. */
export function globMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === "*") return true;
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split("*").map(escapeRegExp).join(".*")}$`, "s");
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
