// How one POST's answer is judged: a redirect is a configuration error, a 408 is worth retrying.
import { describe, expect, it } from "vitest";
import { destination } from "../../src/alerts/config.js";
import { deliver } from "../../src/alerts/deliver.js";
import { startReceiver } from "./receiver.js";

const FAST = { attempts: 4, baseDelayMs: 20, maxDelayMs: 1000, timeoutMs: 2000 };

describe("deliver", () => {
  it("does not retry a webhook that redirects: a configuration error naming the status, not the URL or where it points", async () => {
    const rx = await startReceiver();
    try {
      for (const status of [301, 302, 307, 308]) {
        rx.script.push({ status, location: "https://login.example.com/authorize?client_secret=LOCATIONSECRET" });
        const r = await deliver(destination("teams", rx.url, "warning"), { type: "message" }, FAST);
        expect(r).toMatchObject({ ok: false, configError: true, attempts: 1 });
        const reason = (r as { reason: string }).reason;
        expect(reason).toMatch(new RegExp(`^teams \\(127\\.0\\.0\\.1:\\d+, #\\w+\\) answered HTTP ${status}: the webhook URL redirects`));
        expect(reason).not.toMatch(/SECRETSIG|LOCATIONSECRET|login\.example/);
      }
      expect(rx.script).toEqual([]);
      expect(rx.posts).toEqual([]);
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
