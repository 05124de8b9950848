import { describe, expect, it } from "vitest";
import { printable } from "../../src/fanout/messages.js";

describe("a cluster name in a job's log line", () => {
  it("shows controls and bidi overrides as escapes, so a log line cannot pass one name for another", () => {
    expect(printable("bidi-\u202Eevil\u202C-txt")).toBe("bidi-\\u202eevil\\u202c-txt");
    expect(printable("ansi-\u001b]0;x\u0007")).toBe("ansi-\\x1b]0;x\\x07");
    expect(printable("aks-prod-ünï-🚀")).toBe("aks-prod-ünï-🚀");
  });

  it("cuts an over-long name", () => {
    expect(printable("a".repeat(200), 10)).toBe(`${"a".repeat(10)}…`);
  });
});
