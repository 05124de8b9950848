import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newScanId } from "../../src/model/scan-id.js";
import {
  clusterFromKey,
  clusterKey,
  escapeKey,
  invertedTime,
  MAX_PLAIN_KEY,
  normalizeRef,
  scanIdOfRowKey,
  scanRowKey,
  sinceUpperBound,
  timeFromInverted,
  unescapeKey,
} from "../../src/store/keys.js";

// Azure: no / \ # ? and no U+0000–U+001F, U+007F–U+009F in keys; lone surrogates cannot travel in a URL.
const FORBIDDEN = /[/\\#?\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const anyName = fc.string({ unit: "binary", maxLength: 700 });
const nastyName = fc.string({ unit: fc.constantFrom("/", "\\", "#", "?", "%", "'", "\t", "\n", "\u0085", "\u007f", "a", "é", "😀", "\ud800", "-", "2", "5", "F", "u"), maxLength: 300 });

describe("cluster keys", () => {
  it("never hold a forbidden character and stay short", () => {
    fc.assert(
      fc.property(fc.oneof(anyName, nastyName), (name) => {
        const k = clusterKey(name);
        expect(k).not.toMatch(FORBIDDEN);
        expect(k.length).toBeLessThanOrEqual(MAX_PLAIN_KEY);
      }),
      { numRuns: 2000 },
    );
  });

  it("are reversible below the hashing threshold", () => {
    fc.assert(
      fc.property(fc.oneof(anyName, nastyName), (name) => {
        expect(unescapeKey(escapeKey(name))).toBe(name);
        const back = clusterFromKey(clusterKey(name));
        if (escapeKey(name).length <= MAX_PLAIN_KEY) expect(back).toBe(name);
        else expect(back).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("are injective", () => {
    fc.assert(
      fc.property(fc.oneof(anyName, nastyName), fc.oneof(anyName, nastyName), (a, b) => {
        if (a !== b) expect(clusterKey(a)).not.toBe(clusterKey(b));
      }),
      { numRuns: 2000 },
    );
    const pairs: Array<[string, string]> = [
      ["a/b", "a\\b"],
      ["a/b", "a%2Fb"],
      ["a#b", "a?b"],
      ["a\tb", "a\nb"],
      ["a\ud800b", "a\ufffdb"],
      ["x".repeat(300) + "/" + "x".repeat(300), "x".repeat(300) + "#" + "x".repeat(300)],
      ["x".repeat(600), "x".repeat(601)],
    ];
    for (const [a, b] of pairs) expect(clusterKey(a), `${a} vs ${b}`).not.toBe(clusterKey(b));
  });

  it("keep long names readable: prefix plus hash", () => {
    const k = clusterKey("aks-prod-" + "x".repeat(600));
    expect(k.startsWith("aks-prod-xxxx")).toBe(true);
    expect(k).toMatch(/%-[0-9a-f]{64}$/);
    // a plain name that looks like a hashed key does not collide with one
    expect(clusterKey(k)).not.toBe(k);
  });
});

describe("row keys", () => {
  it("sort newest first, fixed width, and round-trip the time", () => {
    const times = [0, 1, 1_700_000_000_000, 1_700_000_000_001, 4_102_444_800_000].map((t) => new Date(t));
    const keys = times.map(invertedTime);
    expect(new Set(keys.map((k) => k.length))).toEqual(new Set([16]));
    expect([...keys].sort()).toEqual([...keys].reverse());
    for (const [i, t] of times.entries()) expect(timeFromInverted(keys[i]!).getTime()).toBe(t.getTime());
  });

  it("derive from the scan id, so a retry lands on the same row", () => {
    const at = new Date("2026-11-28T04:07:22.123Z");
    const id = newScanId(at);
    expect(scanRowKey(id)).toBe(scanRowKey(id));
    expect(scanRowKey(id)).toBe(`${invertedTime(at)}_${id}`);
    expect(scanRowKey(newScanId(at))).not.toBe(scanRowKey(id)); // same instant, other round
    expect(scanIdOfRowKey(scanRowKey(id))).toBe(id);
    expect(normalizeRef(id)).toBe(scanRowKey(id));
    expect(normalizeRef(scanRowKey(id))).toBe(scanRowKey(id));
    expect(() => scanRowKey("x/../y")).toThrow(/not a scan id/);
  });

  it("reject refs that are not ours", () => {
    const id = newScanId();
    const forged = `${"0".repeat(16)}_${id}`; // right shape, wrong time
    for (const r of ["", "x", forged, scanRowKey(id) + "'", "~" + scanRowKey(id)]) expect(normalizeRef(r), r).toBeUndefined();
  });

  it("bound `since` inclusively", () => {
    const at = new Date("2026-11-28T04:07:22.123Z");
    const bound = sinceUpperBound(at);
    expect(scanRowKey(newScanId(at)) < bound).toBe(true);
    expect(scanRowKey(newScanId(new Date(at.getTime() - 1))) < bound).toBe(false);
    expect(() => sinceUpperBound(new Date(Number.NaN))).toThrow(/since/);
  });
});
