// Patterns of the policy file: `*` matches any run of characters, everything else is literal.
import { globMatch as boundedMatch } from "../glob.js";

/**
 * Case-sensitive, whole-string match; an absent pattern or `*` matches anything. The matcher `--cluster`
 * uses, linear in practice (O(pattern × value) at worst): a regular expression built from a pattern like
 * `*a*a*a…x` backtracks exponentially and could hang a scan.
 */
export function globMatch(pattern: string | undefined, value: string): boolean {
  return pattern === undefined || boundedMatch(pattern, value);
}
