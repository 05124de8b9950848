// The Azure SDKs wait forever for an answer by default: a stuck ARM front end or storage endpoint would
// stall discovery or a scan's writes, and everything behind them. One timeout per request attempt, and a
// failure that says so (the SDK's own says only "The operation was aborted").
//
// The timer is ours, not the SDK's `request.timeout`: the SDK's Node client leaves that timer running
// when a request fails early (ECONNREFUSED), which kept the CLI alive for the whole timeout after it had
// reported the error.
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";

/**
 * Aborts `into` when `signal` aborts, and returns what stops it listening. The caller's signal is an
 * AbortSignalLike, not always an AbortSignal: linked by hand.
 */
function follow(signal: PipelineRequest["abortSignal"], into: AbortController): () => void {
  const onAbort = (): void => into.abort();
  signal?.addEventListener("abort", onAbort);
  if (signal?.aborted) into.abort();
  return () => signal?.removeEventListener("abort", onAbort);
}

export function requestTimeoutPolicy(ms: number): PipelinePolicy {
  return {
    name: "fleetAuditRequestTimeout",
    async sendRequest(req, next) {
      // A caller that set its own timeout keeps it.
      if (req.timeout) return next(req);
      const own = req.abortSignal;
      const timer = new AbortController();
      const t = setTimeout(() => timer.abort(), ms);
      const unlink = follow(own, timer);
      req.abortSignal = timer.signal;
      try {
        return await next(req);
      } catch (e) {
        // A caller's own abort stays an abort.
        if (timer.signal.aborted && !own?.aborted) throw new Error(`${new URL(req.url).host} did not answer within ${ms / 1000} s`);
        throw e;
      } finally {
        clearTimeout(t);
        unlink();
        // The retry policy sends the same request again: each attempt gets a fresh timer. The SDK calls
        // made here buffer their bodies: a streamed body would lose the caller's abort at this point.
        req.abortSignal = own;
      }
    },
  };
}

/**
 * Ends every request in flight, and every retry, once `stop` aborts (its store closed): a process that
 * gave up on a store that does not answer need not wait out each request's timeout to exit.
 */
export function stopPolicy(stop: AbortSignal): PipelinePolicy {
  return {
    name: "fleetAuditStop",
    async sendRequest(req, next) {
      const own = req.abortSignal;
      const either = new AbortController();
      const unlink = [follow(own, either), follow(stop, either)];
      req.abortSignal = either.signal;
      try {
        return await next(req);
      } finally {
        for (const u of unlink) u();
        req.abortSignal = own;
      }
    },
  };
}
