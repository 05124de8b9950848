// How one POST's answer is judged: a redirect is a configuration error, a 408 is worth retrying.
import { describe, expect, it } from "vitest";
import { destination } from "../../src/alerts/config.js";
import { deliver } from "../../src/alerts/deliver.js";
import { startReceiver } from "./receiver.js";

const FAST = { attempts: 4, baseDelayMs: 20, maxDelayMs: 1000, timeoutMs: 2000 };

describe("deliver", () => {
  it("does not retry a webhook that redirects: a configuration error saying the URL is probably outdated, naming the status, not the URL or where it points", async () => {
    const rx = await startReceiver();
    try {
      for (const kind of ["teams", "webhook"] as const) {
        for (const status of [300, 301, 302, 303, 304, 307, 308]) {
          rx.script.push({ status, location: "https://prod-01.westeurope.logic.azure.com/workflows/LOCATIONPATH/triggers/manual/paths/invoke?sig=LOCATIONSECRET" });
          const r = await deliver(destination(kind, rx.url, "warning"), { type: "message" }, FAST);
          expect(r).toMatchObject({ ok: false, configError: true, attempts: 1 });
          const reason = (r as { reason: string }).reason;
          expect(reason).toMatch(new RegExp(`^${kind} \\(127\\.0\\.0\\.1:\\d+, #\\w+\\): the webhook URL answered with a redirect \\(HTTP ${status}\\), so it is probably outdated`));
          // A Teams URL that redirects is most likely a retired Office 365 connector's.
          expect(reason.includes("Office 365 connector URLs, for one, moved to Workflows / Power Automate URLs")).toBe(kind === "teams");
          expect(reason).not.toMatch(/SECRETSIG|LOCATION|logic\.azure|\/workflows\//);
        }
      }
      expect(rx.script).toEqual([]);
      expect(rx.posts).toEqual([]);
    } finally {
      await rx.close();
    }
  });

  it("hints at Teams Workflows only for a Teams destination: a generic webhook's 404 or 403 says to check the URL", async () => {
    const rx = await startReceiver();
    try {
      const reasons: Record<string, string[]> = {};
      for (const kind of ["teams", "webhook"] as const) {
        for (const status of [404, 403]) {
          rx.script.push({ status });
          const r = await deliver(destination(kind, rx.url, "warning"), { type: "message" }, FAST);
          expect(r).toMatchObject({ ok: false, configError: true, attempts: 1 });
          (reasons[kind] ??= []).push((r as { reason: string }).reason.replace(/^\w+ \(127\.0\.0\.1:\d+, #\w+\) /, ""));
        }
      }
      expect(reasons).toEqual({
        teams: ["answered HTTP 404: the webhook no longer exists (was the Workflow deleted?)", "answered HTTP 403: the webhook refused the request (check who may trigger the Workflow)"],
        webhook: ["answered HTTP 404 not found: check the URL", "answered HTTP 403: the webhook refused the request (check the URL and what the receiver asks of a caller)"],
      });
    } finally {
      await rx.close();
    }
  });

  it("retries a 408 (the receiver timed out reading the request) and delivers", async () => {
    const rx = await startReceiver();
    try {
      rx.script.push({ status: 408 }, { status: 408 });
      const r = await deliver(destination("webhook", rx.url, "warning"), { kind: "findings" }, FAST);
      expect(r).toEqual({ ok: true, status: 202, attempts: 3 });
      expect(rx.posts).toHaveLength(1);
    } finally {
      await rx.close();
    }
  });
});
