// The Azure SDKs wait forever for an answer by default: a stuck ARM front end or storage endpoint would
// stall discovery or a scan's writes, and everything behind them. One timeout per request attempt, and a
// failure that says so (the SDK's own says only "The operation was aborted").
//
// The timer is ours, not the SDK's `request.timeout`: the SDK's Node client leaves that timer running
// when a request fails early (ECONNREFUSED), which kept the CLI alive for the whole timeout after it had
// reported the error.
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export function requestTimeoutPolicy(ms: number): PipelinePolicy {
  return {
    name: "fleetAuditRequestTimeout",
    async sendRequest(req, next) {
      // A caller that set its own timeout keeps it.
      if (req.timeout) return next(req);
      const own = req.abortSignal;
      const timer = new AbortController();
      const t = setTimeout(() => timer.abort(), ms);
      // The caller's signal is an AbortSignalLike, not always an AbortSignal: linked by hand.
      const onAbort = (): void => timer.abort();
      own?.addEventListener("abort", onAbort);
      if (own?.aborted) timer.abort();
      req.abortSignal = timer.signal;
      try {
        return await next(req);
      } catch (e) {
        // A caller's own abort stays an abort.
        if (timer.signal.aborted && !own?.aborted) throw new Error(`${new URL(req.url).host} did not answer within ${ms / 1000} s`);
        throw e;
      } finally {
        clearTimeout(t);
        own?.removeEventListener("abort", onAbort);
        // The retry policy sends the same request again: each attempt gets a fresh timer. The SDK calls
        // made here buffer their bodies: a streamed body would lose the caller's abort at this point.
        req.abortSignal = own;
      }
    },
  };
}
