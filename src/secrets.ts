// Text as an error may quote it, without the credentials in it: an API server or a proxy may echo the
// request it refused, the Table service or the Tables SDK a connection string or a SAS. One redaction
// for every such message, so none can let through what another would catch.
import { urlsWithoutCredentials } from "./url-credentials.js";

/** A character of a value as it runs in a header, a query, a connection string or JSON. */
const C = `[^\\s"'<>,;&]`;
/** A name, its separator and any quote: `key=`, `X-Api-Key: `, `"token":"`, `'token': '`. */
const SEPARATOR = `(["']?\\s*[:=]\\s*["']?)`;

/**
 * Names that only ever hold a credential, wherever in an identifier and however joined (accessToken,
 * aws_secret_access_key, client-key-data, x-ms-sig but not signal): the value goes, the scheme of an
 * Authorization header stays. The rest of the identifier is bounded: a long one would cost a scan per start.
 */
const SECRET_PAIR = new RegExp(
  `((?:(?:access|refresh|id)[-_]?token|client[-_]?secret|secret|passw(?:or)?d|pwd|private[-_]?key|key[-_]?data|account[-_]?key|api[-_]?key|authorization|sig(?![a-z]))[\\w-]{0,40})${SEPARATOR}((?:bearer|basic|sharedkey(?:lite)?|token)\\s+)?${C}+`,
  "gi",
);
/** Names ending in `token` or `key` (auth_token, sessionKey), also plain words ("token: 3 pods", "key=value"): see wordPair. */
const WORD_PAIR = new RegExp(`(token|key)${SEPARATOR}(${C}+)`, "gi");

/**
 * A JSON or Python field named token or key holds a credential; elsewhere the value goes when it looks
 * like one: 16 characters or more, or 8 with anything but lowercase letters and hyphens (not "required"),
 * unless it is a label key (kubernetes.azure.com/mode) or a word in CamelCase (RefreshToken).
 */
function wordPair(pair: string, name: string, separator: string, value: string): string {
  const field = /^["']\s*:\s*["']$/.test(separator);
  const word = /^(?:[a-z0-9-]+\.)+[a-z]{2,}\/[\w.-]+$|^(?:[A-Z][a-z]+)+$/.test(value);
  return field || (!word && (value.length >= 16 || (value.length >= 8 && /[^a-z-]/.test(value)))) ? `${name}${separator}(redacted)` : pair;
}

/** A connection string's SAS is a query string: every field of it goes, up to the next segment. */
const SAS_SEGMENT = new RegExp(`\\b(SharedAccessSignature)${SEPARATOR}[^\\s"'<>;]+`, "gi");
/** A PEM block, to its END line or, cut short, to the end of the text. */
const PEM = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?(?:-----END \1-----|$)/g;
/** Tokens known by their start: a JWT, a base64 PEM (LS0tLS1CRUdJTi is -----BEGIN), Google's and GitHub's. */
const TOKEN = /\beyJ[\w-]+\.[\w-]+\.[\w-]*|\bLS0tLS1CRUdJTi[\w+/=-]*|\bya29\.[\w-]+|\bgh[pousr]_\w{20,}|\bgithub_pat_\w+/g;

/**
 * `text` without what looks like a credential: a URL's userinfo and query (a SAS), a connection string's
 * AccountKey and SharedAccessSignature, a PEM body, a cookie header, a credential-named pair
 * (Authorization=, X-Api-Key:, accessToken=, sig=, a credential-like token= or key=), a bearer, basic
 * or Shared Key token, a JWT and other tokens known by their start.
 */
export function withoutSecrets(text: string): string {
  return urlsWithoutCredentials(text.replace(PEM, "(redacted)"))
    .replace(SAS_SEGMENT, "$1$2(redacted)")
    .replace(/\b((?:set-)?cookie)(["']?\s*:\s*["']?)[^"'\r\n]+/gi, "$1$2(redacted)")
    .replace(SECRET_PAIR, "$1$2$3(redacted)")
    .replace(WORD_PAIR, wordPair)
    .replace(/\b(bearer|basic)\s+(?!\(redacted\))[^\s"'<>,;]+/gi, "$1 (redacted)")
    .replace(/\b(sharedkey(?:lite)?)\s+[^\s"'<>,;:]+:[^\s"'<>,;]+/gi, "$1 (redacted)")
    .replace(TOKEN, "(redacted)");
}

/** A GUID: a tenant's, an application's or a trace's ID, no secret. */
const GUID = /[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/gi;

/**
 * `text` without any run of 32 base64, base64url or hex characters or more but GUIDs: for text with no
 * business holding one, as a plugin's stderr, where a token need not be named to be there.
 */
export function withoutLongRuns(text: string): string {
  return text.replace(/[\w+/-]{32,}=*/g, (run) => (run.split(GUID).some((rest) => /[\w+/-]{32,}/.test(rest)) ? "(redacted)" : run));
}
