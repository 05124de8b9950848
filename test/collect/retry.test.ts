import { describe, expect, it } from "vitest";
import { ClusterScanError, classify } from "../../src/collect/errors.js";
import { retryAfterMs, withRetry } from "../../src/collect/retry.js";

const apiError = (code: number, headers: Record<string, string> = {}, body?: string) => Object.assign(new Error(`HTTP ${code}`), { code, headers, body });

describe("withRetry", () => {
  it("retries 429 after the Retry-After delay, then succeeds", async () => {
    let calls = 0;
    const delays: number[] = [];
    const r = await withRetry("x", async () => {
      if (++calls < 3) throw apiError(429, { "retry-after": "0" });
      return "ok";
    }, { onRetry: (_a, d) => delays.push(d) });
    expect(r).toBe("ok");
    expect(calls).toBe(3);
    expect(delays).toEqual([0, 0]);
  });

  it("gives up after the bounded number of retries", async () => {
    let calls = 0;
    await expect(withRetry("x", async () => { calls++; throw apiError(500); }, { policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } })).rejects.toMatchObject({ code: 500 });
    expect(calls).toBe(3);
  });

  it("does not retry 401, 403 or 404", async () => {
    for (const code of [401, 403, 404]) {
      let calls = 0;
      await expect(withRetry("x", async () => { calls++; throw apiError(code); })).rejects.toMatchObject({ code });
      expect(calls).toBe(1);
    }
  });

  it("fails at once when Retry-After runs past the deadline", async () => {
    const e = await withRetry("listing Nodes", async () => { throw apiError(429, { "retry-after": "120" }); }, { deadline: Date.now() + 1000 }).catch((x) => x);
    expect(e).toBeInstanceOf(ClusterScanError);
    expect(e.message).toMatch(/listing Nodes: throttled \(429\).*deadline/);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs({ "retry-after": "3" })).toBe(3000);
    const now = Date.parse("2026-11-28T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "Sat, 28 Nov 2026 00:00:10 GMT" }, now)).toBe(10_000);
    expect(retryAfterMs({})).toBeUndefined();
  });
});

describe("classify", () => {
  it("maps failures to scan statuses with the failing call named", () => {
    expect(classify(apiError(401), "listing Nodes")).toMatchObject({ status: "unauthorized", message: expect.stringContaining("listing Nodes: 401") });
    expect(classify(apiError(403, {}, JSON.stringify({ message: "nodes is forbidden" })), "listing Nodes").message).toContain("nodes is forbidden");
    expect(classify(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "x").status).toBe("unreachable");
    expect(classify(Object.assign(new Error("self-signed"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }), "x").message).toContain("TLS failure");
    expect(classify(Object.assign(new Error("aborted"), { name: "AbortError" }), "x").status).toBe("unreachable");
    expect(classify(new SyntaxError("Unexpected token < in JSON"), "x")).toMatchObject({ status: "error", message: expect.stringContaining("malformed JSON") });
    expect(classify(apiError(500), "x").status).toBe("error");
  });

  it("says where JSON could not be parsed, never what it read (the body may be a token)", () => {
    const parsing = (body: string) => {
      try {
        JSON.parse(body);
      } catch (e) {
        return classify(e, "listing Nodes").message;
      }
      throw new Error("expected malformed JSON");
    };
    expect(parsing("SEKRETRAWTOKEN0123456789")).toBe("listing Nodes: the API server sent malformed JSON");
    expect(parsing('{"items":[] "SEKRET"}')).toBe("listing Nodes: the API server sent malformed JSON (at character 12)");
    expect(parsing('{"items":["SEKRET')).toBe("listing Nodes: the API server sent malformed JSON (at character 17)");
    expect(parsing('{"items":[')).toBe("listing Nodes: the API server sent malformed JSON (it ends early)");
    // Such a message passed on by another layer (node-fetch, the parse worker) is not quoted either.
    const wrapped = new Error(`invalid json response body reason: Unexpected token 'S', "SEKRETRAWT"... is not valid JSON`);
    expect(classify(wrapped, "reading /version").message).toBe("reading /version: the API server sent malformed JSON");
  });

  it("quotes a proxy's error page without a credential it echoes back", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRUtSRVQifQ.c2lnbmF0dXJl";
    const page = `<h1>502 Bad Gateway</h1> upstream failed; request headers: Authorization: Bearer SEKRET-opaque-token, X-Id: ${jwt}`;
    const message = classify(apiError(502, {}, page), "listing Nodes").message;
    expect(message).toContain("502 Bad Gateway");
    expect(message).toContain("Bearer (redacted)");
    expect(message).not.toMatch(/SEKRET|eyJ/);
  });

  it("redacts credentials an API server or proxy echoes in a JSON Status message, the 403 text included", () => {
    const status = (message: string) => JSON.stringify({ kind: "Status", status: "Failure", message });
    const echoed = [
      "upstream rejected request with header Authorization=Bearer SEKRETTOKEN_abcdefghijklmnop and X-Api-Key: SEKRETKEY_abcdef",
      "bad request: GET https://user:SEKRETPW@proxy.example/apis?access_token=SEKRETQ2 failed",
      'proxy said {"access_token":"SEKRETJSON","token": "SEKRETSPACED"} key=SEKRETKEY2; Authorization: SharedKey acct:SEKRETSIG',
    ];
    for (const code of [400, 403, 500, 503]) {
      for (const text of echoed) {
        const message = classify(apiError(code, {}, status(text)), "listing Nodes").message;
        expect(message, `${code}: ${message}`).not.toMatch(/SEKRET/);
        expect(message).toMatch(new RegExp(`listing Nodes: (HTTP )?${code}`));
      }
    }
    // What is no credential stays, so the reason still says what happened.
    const kept = classify(apiError(400, {}, status(echoed[1]!)), "listing Nodes").message;
    expect(kept).toContain("bad request: GET https://proxy.example/apis failed");
    expect(classify(apiError(500, {}, status(echoed[0]!)), "x").message).toMatch(/upstream rejected request with header Authorization=Bearer \(redacted\) and X-Api-Key: \(redacted\)/);
    // A proxy's plain-text page gets the same treatment.
    expect(classify(apiError(502, {}, echoed[1]!), "x").message).not.toMatch(/SEKRET/);
  });
});
