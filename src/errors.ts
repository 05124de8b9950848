// Typed errors that adapters map to exit codes (CLI) and HTTP statuses (functions, serve).

/** Bad usage or bad input: CLI exit code 2, HTTP 400. The message is one line and names the thing. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The HTTP status an Azure SDK error (RestError) carries, if any. */
export function statusCodeOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** Something asked for does not exist: HTTP 404 (CLI exit code 2). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/**
 * A Table Storage call that failed, named by table (and cluster): the HTTP adapters answer 503 when the
 * store cannot be reached or refuses us (network, throttling, 5xx, auth), 500 when what it holds is bad.
 */
export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    message: string,
    readonly table: string,
    readonly cluster?: string,
    readonly statusCode?: number,
    readonly code?: string,
    options?: { cause?: unknown; corrupt?: boolean; reason?: string },
  ) {
    super(message, options);
    this.corrupt = options?.corrupt === true;
    if (options?.reason !== undefined) this.reason = options.reason;
  }

  /** What the service or the network said, without the operation and table (for rewording the message). */
  readonly reason?: string;

  /** The store answered, but what it holds cannot be read (a damaged document). */
  readonly corrupt: boolean;

  /** The store refused our credentials (401, 403): a wrong or rotated key, or an identity without the role. Waiting does not help. */
  get refused(): boolean {
    return this.statusCode === 401 || this.statusCode === 403;
  }

  /** No answer, or an answer that says "not now" or "not you": retrying later or fixing access helps. */
  get unavailable(): boolean {
    const s = this.statusCode;
    if (this.corrupt) return false;
    return s === undefined || s === 401 || s === 403 || s === 408 || s === 429 || s >= 500;
  }
}
