// Text as an error may quote it, without the credentials in it: an API server or a proxy may echo the
// request it refused, the Table service or the Tables SDK a connection string or a SAS. One redaction
// for every such message, so none can let through what another would catch.
import { urlsWithoutCredentials } from "./url-credentials.js";

/** A character of a value as it runs in a header, a query, a connection string or JSON. */
const C = `[^\\s"'<>,;&]`;
/** A name, its separator and any quote: `key=`, `X-Api-Key: `, `"token":"`. */
const SEPARATOR = `("?\\s*[:=]\\s*"?)`;

/** Names that only ever hold a credential: the value goes, the scheme of an Authorization header stays. */
const SECRET_PAIR = new RegExp(
  `\\b((?:proxy-)?authorization|(?:x-)?api[-_]?key|(?:access|refresh|id)_token|client_secret|secret|password|passwd|pwd|sig|accountkey)${SEPARATOR}((?:bearer|basic|sharedkey(?:lite)?|token)\\s+)?${C}+`,
  "gi",
);
/** `token` and `key` are also plain words ("token: 3 pods", "key=value"): see wordPair. */
const WORD_PAIR = new RegExp(`\\b(token|key)${SEPARATOR}(${C}+)`, "gi");

/**
 * A JSON field named token or key holds a credential; elsewhere the value goes when it looks like one:
 * 16 characters or more, or 8 with anything but lowercase letters and hyphens (not "required").
 */
function wordPair(pair: string, name: string, separator: string, value: string): string {
  const field = /^"\s*:\s*"$/.test(separator);
  return field || value.length >= 16 || (value.length >= 8 && /[^a-z-]/.test(value)) ? `${name}${separator}(redacted)` : pair;
}

/** A connection string's SAS is a query string: every field of it goes, up to the next segment. */
const SAS_SEGMENT = new RegExp(`\\b(SharedAccessSignature)${SEPARATOR}[^\\s"'<>;]+`, "gi");

/**
 * `text` without what looks like a credential: a URL's userinfo and query (a SAS), a connection string's
 * AccountKey and SharedAccessSignature, a credential-named pair (Authorization=, X-Api-Key:,
 * access_token=, sig=, a credential-like token= or key=), a bearer or basic token, a JWT.
 */
export function withoutSecrets(text: string): string {
  return urlsWithoutCredentials(text)
    .replace(SAS_SEGMENT, "$1$2(redacted)")
    .replace(SECRET_PAIR, "$1$2$3(redacted)")
    .replace(WORD_PAIR, wordPair)
    .replace(/\b(bearer|basic)\s+(?!\(redacted\))[^\s"'<>,;]+/gi, "$1 (redacted)")
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]*/g, "(redacted)");
}
