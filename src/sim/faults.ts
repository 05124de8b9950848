// Faults a simulated cluster can show, switchable at runtime, optionally scoped to some requests.

export interface FaultScope {
  /**
   * Which requests the fault applies to: a substring of, or a RegExp tested against, the request
   * URL as sent (path and query, still percent-encoded). Absent: every request.
   */
  path?: string | RegExp;
}

export type FaultSpec = FaultScope &
  (
    /** Accept the connection and the request, never answer. */
    | { kind: "hang" }
    /** Stop listening: connections fail with ECONNREFUSED. Ignores `path`. */
    | { kind: "refuse" }
    /** Answer every request with this status (401 Unauthorized, 403 Forbidden, 500, ...). */
    | { kind: "status"; code: number; message?: string }
    /** Fail with `code` (default 500) on the first `first` requests, or on every `every`-th (default 2). */
    | { kind: "flaky"; code?: number; every?: number; first?: number }
    /** 429 TooManyRequests with `Retry-After: retryAfter` (default 1) for the first `first` requests (default all). */
    | { kind: "throttle"; retryAfter?: number; first?: number }
    /** Delay each answer by `delayMs`. Combines with the other faults. */
    | { kind: "slow"; delayMs: number }
    /** 200 with a JSON body cut in half (the HTTP framing is intact). */
    | { kind: "malformed" }
    /**
     * Send half the body, then close the connection. `chunked` (default, what the apiserver does for
     * large bodies) ends without the last chunk; `content-length` announces the full length.
     * node-fetch 2 (client-node 1.x) only notices the chunked case: with a Content-Length it waits forever.
     */
    | { kind: "truncated"; mode?: "chunked" | "content-length" }
    /** 410 Expired (with a fresh continue token) on the first `first` (default 1) requests that carry `continue`. */
    | { kind: "expiredContinue"; first?: number }
    /** The cluster looks like kubenet: acn.azure.com is not served and is absent from discovery. */
    | { kind: "noNncApi" }
    /** 200 with this body as it is (a proxy's page, `{}`, `[]`): an answer that is no Kubernetes one. */
    | { kind: "body"; body: string; contentType?: string }
    /** The pod proxy cannot reach pods: 503 "error trying to reach service". */
    | { kind: "proxyUnreachable"; message?: string }
  );

export type FaultKind = FaultSpec["kind"];

interface ActiveFault {
  spec: FaultSpec;
  hits: number;
}

function matches(f: FaultSpec, url: string): boolean {
  if (f.path === undefined) return true;
  if (typeof f.path === "string") return url.includes(f.path);
  f.path.lastIndex = 0;
  return f.path.test(url);
}

/** The faults of one cluster with their hit counters. */
export class FaultSet {
  private active: ActiveFault[] = [];

  constructor(specs: readonly FaultSpec[] = []) {
    this.set(specs);
  }

  set(specs: readonly FaultSpec[]): void {
    this.active = specs.map((spec) => ({ spec, hits: 0 }));
  }

  add(spec: FaultSpec): void {
    this.active.push({ spec, hits: 0 });
  }

  list(): FaultSpec[] {
    return this.active.map((a) => a.spec);
  }

  has(kind: FaultKind, url?: string): boolean {
    return this.active.some((a) => a.spec.kind === kind && (url === undefined || matches(a.spec, url)));
  }

  find<K extends FaultKind>(kind: K, url: string): Extract<FaultSpec, { kind: K }> | undefined {
    const a = this.active.find((x) => x.spec.kind === kind && matches(x.spec, url));
    return a?.spec as Extract<FaultSpec, { kind: K }> | undefined;
  }

  /** Total extra delay for this request. */
  delayFor(url: string): number {
    let ms = 0;
    for (const a of this.active) if (a.spec.kind === "slow" && matches(a.spec, url)) ms += a.spec.delayMs;
    return ms;
  }

  /**
   * The first answering fault (status, body, flaky, throttle, expiredContinue) that fires for this request.
   * Counters advance only for faults whose scope matches.
   */
  fire(url: string, hasContinue: boolean): FaultSpec | undefined {
    for (const a of this.active) {
      const f = a.spec;
      if (!matches(f, url)) continue;
      switch (f.kind) {
        case "status":
        case "body":
          return f;
        case "flaky": {
          a.hits++;
          const byFirst = f.first !== undefined && a.hits <= f.first;
          const every = f.every ?? (f.first === undefined ? 2 : undefined);
          if (byFirst || (every !== undefined && a.hits % every === 0)) return f;
          break;
        }
        case "throttle":
          a.hits++;
          if (f.first === undefined || a.hits <= f.first) return f;
          break;
        case "expiredContinue":
          if (!hasContinue) break;
          a.hits++;
          if (a.hits <= (f.first ?? 1)) return f;
          break;
        default:
          break;
      }
    }
    return undefined;
  }
}
