// metav1.Status bodies as the real apiserver writes them.

const REASONS: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  409: "AlreadyExists",
  410: "Expired",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export function reasonFor(code: number): string {
  return REASONS[code] ?? (code >= 500 ? "InternalError" : "Unknown");
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: { continue?: string };
  status: "Failure";
  message: string;
  reason: string;
  details?: Record<string, unknown>;
  code: number;
}

export function statusBody(
  code: number,
  message: string,
  opts: { reason?: string; details?: Record<string, unknown>; continueToken?: string } = {},
): StatusBody {
  const body: StatusBody = {
    kind: "Status",
    apiVersion: "v1",
    metadata: opts.continueToken ? { continue: opts.continueToken } : {},
    status: "Failure",
    message,
    reason: opts.reason ?? reasonFor(code),
    code,
  };
  if (opts.details) {
    // Keep the apiserver's field order: details comes before code.
    delete (body as Partial<StatusBody>).code;
    body.details = opts.details;
    body.code = code;
  }
  return body;
}

export const EXPIRED_MESSAGE =
  "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

export const NOT_FOUND_PATH = "the server could not find the requested resource";
