// client-node retries nothing. Retry 429 honouring Retry-After and 5xx with jittered backoff, bounded by
// attempts and by the cluster's deadline. (p-retry cannot take its delay from a response header.)
import { setTimeout as sleep } from "node:timers/promises";
import { ClusterScanError, httpStatusOf } from "./errors.js";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** Seconds from a Retry-After header (delta-seconds or HTTP date). */
export function retryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const v = headers?.["retry-after"] ?? headers?.["Retry-After"];
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  opts: { policy?: RetryPolicy; signal?: AbortSignal; deadline?: number; onRetry?: (attempt: number, delayMs: number, status: number) => void } = {},
): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === undefined || !RETRYABLE_STATUS.has(status) || attempt >= policy.retries) throw e;
      const hinted = status === 429 ? retryAfterMs((e as { headers?: Record<string, string> }).headers) : undefined;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      const delay = hinted ?? backoff;
      if (opts.deadline !== undefined && Date.now() + delay > opts.deadline) {
        const why = status === 429 ? `throttled (429) and Retry-After ${Math.round(delay / 1000)}s runs past the cluster deadline` : `HTTP ${status} and no time left to retry`;
        throw new ClusterScanError("error", `${what}: ${why}`, status);
      }
      if (delay > policy.maxDelayMs && hinted !== undefined) {
        throw new ClusterScanError("error", `${what}: throttled (429) with Retry-After ${Math.round(delay / 1000)}s, longer than the ${policy.maxDelayMs / 1000}s the scan waits`, status);
      }
      opts.onRetry?.(attempt + 1, delay, status);
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : undefined);
    }
  }
}
