// POSTs one message to one destination. 200/202/204 are delivered (Workflows answers 202); 408, 429,
// 5xx and network errors are retried with backoff honouring Retry-After, a bounded number of times; a
// redirect or any other 4xx is a configuration error. Errors name the destination's label, never its URL.
import { setTimeout as sleep } from "node:timers/promises";
import { retryAfterMs } from "../collect/retry.js";
import type { Destination } from "./config.js";

export interface DeliveryPolicy {
  attempts: number;
  baseDelayMs: number;
  /** A Retry-After longer than this gives up for this scan (the message is retried next scan). */
  maxDelayMs: number;
  timeoutMs: number;
}

export const DEFAULT_DELIVERY: DeliveryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000, timeoutMs: 30_000 };

export type DeliveryResult = { ok: true; status: number; attempts: number } | { ok: false; configError: boolean; reason: string; attempts: number };

/**
 * `deadline` ends every attempt and wait when it aborts (the alerts of a round share one): the message
 * is then kept for the next scan, as after the last attempt.
 */
export async function deliver(dest: Destination, body: unknown, policy: DeliveryPolicy = DEFAULT_DELIVERY, deadline?: AbortSignal): Promise<DeliveryResult> {
  const payload = JSON.stringify(body);
  let last = "";
  const late = (attempts: number): DeliveryResult => ({ ok: false, configError: false, reason: `${dest.label}: not delivered by the alerts' deadline${last ? ` (last: ${last})` : ""}; kept for the next scan`, attempts });
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (deadline?.aborted) return late(attempt - 1);
    let delay = policy.baseDelayMs * 2 ** (attempt - 1);
    try {
      const timeout = AbortSignal.timeout(policy.timeoutMs);
      const res = await fetch(dest.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
        signal: deadline ? AbortSignal.any([timeout, deadline]) : timeout,
        // A redirect is answered, not followed: a webhook URL that redirects is wrong, and fetch would say so
        // only as a TypeError, retried in vain.
        redirect: "manual",
      });
      const text = await res.text().catch(() => "");
      // Legacy Teams connectors reported throttling inside a 200 body ("Microsoft Teams endpoint
      // returned HTTP error 429 …"); a generic webhook's 2xx is delivered, whatever ids its body holds.
      const throttledIn200 = dest.kind === "teams" && res.status === 200 && /\b(HTTP error 429|throttl\w*)\b/i.test(text);
      if ((res.status >= 200 && res.status < 300) && !throttledIn200) return { ok: true, status: res.status, attempts: attempt };
      // 408: the receiver gave up reading the request; the next attempt may get through.
      if (res.status === 408 || res.status === 429 || res.status >= 500 || throttledIn200) {
        last = `HTTP ${res.status}${throttledIn200 ? " (throttled)" : ""}`;
        const hinted = retryAfterMs(Object.fromEntries(res.headers));
        if (hinted !== undefined) {
          if (hinted > policy.maxDelayMs) return { ok: false, configError: false, reason: `${dest.label}: ${last}, Retry-After ${Math.round(hinted / 1000)}s; kept for the next scan`, attempts: attempt };
          delay = hinted;
        }
      } else if (res.status >= 300 && res.status < 400) {
        return { ok: false, configError: true, reason: redirected(dest, res.status), attempts: attempt };
      } else {
        return { ok: false, configError: true, reason: `${dest.label} answered HTTP ${res.status}${refusalHint(dest, res.status)}`, attempts: attempt };
      }
    } catch (e) {
      const err = e as Error & { cause?: unknown };
      // fetch refuses some requests outright (credentials in the URL, a port it blocks): retrying
      // cannot help, and its message would quote the URL.
      const cause = err.cause as { code?: string; message?: string } | undefined;
      if (err.name === "TypeError" && (!cause || cause.message === "bad port")) return { ok: false, configError: true, reason: `${dest.label}: the URL cannot be posted to (credentials in it, or a port fetch refuses)`, attempts: attempt };
      if (deadline?.aborted) {
        last = "no answer";
        return late(attempt);
      }
      // Node's fetch puts the useful part (ECONNREFUSED, ...) in `cause`; its message may quote the URL.
      last = err.name === "TimeoutError" ? "no answer before the timeout" : cause?.code ?? err.name;
    }
    if (attempt < policy.attempts) {
      try {
        await sleep(delay, undefined, deadline ? { signal: deadline } : {});
      } catch {
        return late(attempt);
      }
    }
  }
  return { ok: false, configError: false, reason: `${dest.label}: ${last} after ${policy.attempts} attempts; kept for the next scan`, attempts: policy.attempts };
}

/** What a 4xx most likely means: a Teams URL is a Workflow's; of a generic receiver only the URL is known. */
function refusalHint(dest: Destination, status: number): string {
  const teams = dest.kind === "teams";
  if (status === 404) return teams ? ": the webhook no longer exists (was the Workflow deleted?)" : " not found: check the URL";
  if (status === 401 || status === 403) return `: the webhook refused the request (${teams ? "check who may trigger the Workflow" : "check the URL and what the receiver asks of a caller"})`;
  return status === 413 ? ": the message is too large" : "";
}

/**
 * Any 3xx (300 and 304 too: no webhook answers a POST so) says the URL is not the webhook's any more.
 * Where it points is never shown: a Location may carry the new URL's signature in its path or query.
 */
function redirected(dest: Destination, status: number): string {
  const moved = dest.kind === "teams" ? " (Office 365 connector URLs, for one, moved to Workflows / Power Automate URLs)" : "";
  return `${dest.label}: the webhook URL answered with a redirect (HTTP ${status}), so it is probably outdated${moved}; give its current URL (where it points is not shown: it may hold secrets)`;
}
