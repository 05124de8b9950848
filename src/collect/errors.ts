// Every way a cluster scan can fail maps to one ScanStatus and a reason that names the failing call.
import type { ScanStatus } from "../model/snapshot.js";
import { CredentialError } from "../sources/target.js";
import { withoutSecrets } from "../secrets.js";

/** A cluster-level scan failure with its classification. */
export class ClusterScanError extends Error {
  /** The server never answered (name not resolved, no route, refused, timed out): no TLS or HTTP failure. */
  noAnswer = false;

  constructor(
    readonly status: Exclude<ScanStatus, "ok">,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = "ClusterScanError";
  }
}

/** `unreachable` because nothing answered (see ClusterScanError.noAnswer). */
export function noAnswerError(message: string): ClusterScanError {
  const e = new ClusterScanError("unreachable", message);
  e.noAnswer = true;
  return e;
}

/** Network-level error codes that mean "we never got an answer" (node-fetch and Node's TLS/socket codes). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
]);

const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_|ERR_TLS|ERR_SSL|DEPTH_ZERO|HOSTNAME|ALTNAME/;

export interface HttpLikeError {
  code?: unknown;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
  name?: string;
  type?: string;
  errno?: unknown;
  cause?: unknown;
}

/** The HTTP status of a client-node ApiException, if it is one. */
export function httpStatusOf(e: unknown): number | undefined {
  const code = (e as HttpLikeError | null)?.code;
  return typeof code === "number" && code >= 100 && code < 600 ? code : undefined;
}

/** The Kubernetes Status message from an ApiException body (client-node gives it as a JSON string). */
export function statusMessageOf(e: unknown): string | undefined {
  const body = (e as HttpLikeError | null)?.body;
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      // A proxy's error page; one that echoes the request would repeat its Authorization header.
      return body.length > 0 ? withoutSecrets(body).slice(0, 200) : undefined;
    }
  }
  // An API server (or an aggregated API behind it) may echo the request in its Status message too.
  const msg = (parsed as { message?: unknown } | null)?.message;
  return typeof msg === "string" ? withoutSecrets(msg).slice(0, 300) : undefined;
}

export function statusReasonOf(e: unknown): string | undefined {
  const body = (e as HttpLikeError | null)?.body;
  try {
    const parsed = typeof body === "string" ? JSON.parse(body) : body;
    const r = (parsed as { reason?: unknown } | null)?.reason;
    return typeof r === "string" ? r : undefined;
  } catch {
    return undefined;
  }
}

function systemCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur; i++) {
    const c = cur as HttpLikeError;
    if (typeof c.code === "string") return c.code;
    if (typeof c.errno === "string") return c.errno;
    cur = c.cause;
  }
  return undefined;
}

export function isAbortError(e: unknown): boolean {
  const n = (e as HttpLikeError | null)?.name;
  const t = (e as HttpLikeError | null)?.type;
  return n === "AbortError" || n === "TimeoutError" || t === "aborted";
}

/** Maps anything thrown while doing `what` against a cluster to a classified error. */
export function classify(e: unknown, what: string): ClusterScanError {
  if (e instanceof ClusterScanError) return e;
  if (e instanceof CredentialError) return new ClusterScanError(e.status, e.message);
  const status = httpStatusOf(e);
  if (status !== undefined) {
    const detail = statusMessageOf(e);
    const text = `${what}: HTTP ${status}${detail ? ` (${detail})` : ""}`;
    if (status === 401) return new ClusterScanError("unauthorized", `${what}: 401 Unauthorized — the credentials were rejected or have expired`, status);
    if (status === 403) return new ClusterScanError("unauthorized", `${what}: 403 Forbidden${detail ? ` (${detail})` : ""} — the identity lacks read access`, status);
    return new ClusterScanError("error", text, status);
  }
  const code = systemCode(e);
  const message = (e as HttpLikeError | null)?.message ?? String(e);
  if (isAbortError(e)) return noAnswerError(`${what}: no answer before the timeout`);
  if (code && UNREACHABLE_CODES.has(code)) return noAnswerError(`${what}: ${code}${peer(message)}`);
  if (code && TLS_CODE.test(code)) return new ClusterScanError("unreachable", `${what}: TLS failure ${code} (${firstLine(message)})`);
  if (e instanceof SyntaxError || (e as HttpLikeError).name === "SyntaxError" || JSON_PARSER_MESSAGE.test(message)) {
    return new ClusterScanError("error", `${what}: the API server sent malformed JSON${whereParsingStopped(message)}`);
  }
  if (/premature close|ERR_STREAM_PREMATURE_CLOSE|aborted|socket hang up/i.test(message) || code === "ERR_STREAM_PREMATURE_CLOSE") {
    return new ClusterScanError("error", `${what}: the response was cut short (${firstLine(message)})`);
  }
  return new ClusterScanError("error", `${what}: ${firstLine(message)}`);
}

/**
 * A failure getting the user's credentials (exec plugin, Entra token, token file) before the API server
 * was asked anything: never "unauthorized", since no server refused. One line, and never a parser's
 * message: it quotes what it parsed, which is where the token is.
 */
export function credentialFailure(e: unknown): ClusterScanError {
  if (e instanceof ClusterScanError) return e;
  if (e instanceof CredentialError) return new ClusterScanError(e.status, `getting credentials: ${e.message}`);
  const text = e instanceof SyntaxError ? "the credential could not be parsed" : firstLine((e as HttpLikeError | null)?.message ?? String(e));
  return new ClusterScanError("error", `getting credentials: ${text}`);
}

/** JSON.parse's messages; most quote the start of what was parsed, which may be a token. */
const JSON_PARSER_MESSAGE = /Unexpected token|Unexpected end of JSON|is not valid JSON|in JSON at position|after JSON at position/;

/** Where JSON.parse gave up, from its message, never what it read there. */
function whereParsingStopped(message: string): string {
  if (/Unexpected end of JSON/.test(message)) return " (it ends early)";
  const at = /at position (\d+)/.exec(message);
  return at ? ` (at character ${at[1]})` : "";
}

/** node-fetch repeats the whole URL in its message; the address it failed on is enough. */
function peer(message: string): string {
  const m = /(?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET)\s+(\S+)/.exec(message) ?? /getaddrinfo \S+ (\S+)/.exec(message);
  return m ? ` (${m[1]})` : "";
}

/** The first line of an error message, without a credential it repeats. */
function firstLine(s: string): string {
  const line = withoutSecrets(s.split("\n", 1)[0] ?? "");
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
