// The Azure SDKs wait forever for an answer by default: a stuck ARM front end or storage endpoint would
// stall discovery or a scan's writes, and everything behind them. One timeout per request attempt, and a
// failure that says so (the SDK's own says only "The operation was aborted").
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

export function requestTimeoutPolicy(ms: number): PipelinePolicy {
  return {
    name: "fleetAuditRequestTimeout",
    async sendRequest(req, next) {
      if (!req.timeout) req.timeout = ms;
      try {
        return await next(req);
      } catch (e) {
        // A caller's own abort stays an abort.
        if ((e as Error).name === "AbortError" && !req.abortSignal?.aborted) throw new Error(`${new URL(req.url).host} did not answer within ${req.timeout / 1000} s`);
        throw e;
      }
    },
  };
}
