// The dashboard link on alert cards (--public-url, FLEET_AUDIT_PUBLIC_URL, the policy's publicUrl). It is
// checked where settings are read, so a bad one stops the scan or function that alerts instead of
// silencing its alerts later. No SDK or schema library here: the Functions settings import it.
import { UsageError } from "../errors.js";

/** `v` as a URL, or undefined when it is none. */
export function urlOf(v: string): URL | undefined {
  try {
    return new URL(v);
  } catch {
    return undefined;
  }
}

/** Why a link cannot go on cards, or undefined. Never quotes a function key back. */
export function publicUrlProblem(v: string): string | undefined {
  const u = urlOf(v);
  if (!u || (u.protocol !== "https:" && u.protocol !== "http:")) return `must be an http(s) URL such as https://audit.example.com/api/dashboard, not ${JSON.stringify(v.slice(0, 80))}`;
  // The host accepts ?code= in any case.
  if ([...u.searchParams.keys()].some((k) => k.toLowerCase() === "code")) return "must not carry a function key (code=): cards are read by anyone in the channel";
  return undefined;
}

/** `what` names where the link came from. */
export function checkPublicUrl(v: string, what = "public URL (--public-url, FLEET_AUDIT_PUBLIC_URL)"): string {
  const problem = publicUrlProblem(v);
  if (problem) throw new UsageError(`${what} ${problem}`);
  return v;
}
