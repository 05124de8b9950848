// Typed errors that adapters map to exit codes (CLI) and HTTP statuses (functions, serve).

/** Bad usage or bad input: CLI exit code 2, HTTP 400. The message is one line and names the thing. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Something asked for does not exist: HTTP 404 (CLI exit code 2). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}
