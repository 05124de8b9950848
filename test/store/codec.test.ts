// Stored documents inflate in one output chunk sized from the gzip trailer: whatever the size, the
// document comes back whole, and a damaged one is refused rather than misread.
import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { gzipSizeHint, inflateChunkSize } from "../../src/gzip.js";
import { gunzipJson, gzipJson } from "../../src/store/codec.js";

describe("document gzip", () => {
  it("round-trips documents of any size, beyond one inflate chunk too", async () => {
    const big = { rows: Array.from({ length: 250_000 }, (_, i) => ({ i, s: `node-${i}-${(i * 2654435761) % 1e9}` })) };
    const gz = await gzipJson(big, true);
    expect(gzipSizeHint(gz)).toBeGreaterThan(8 * 1024 * 1024); // more than one chunk of the largest size
    expect(await gunzipJson(gz)).toEqual(big);
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (doc) => {
        expect(await gunzipJson(await gzipJson(doc))).toEqual(JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 50 },
    );
  });

  it("sizes the inflate chunk from the trailer, within bounds", () => {
    expect(inflateChunkSize(gzipSync(Buffer.alloc(1000)))).toBe(64 * 1024);
    expect(inflateChunkSize(gzipSync(Buffer.alloc(300_000)))).toBe(300_001);
    expect(inflateChunkSize(gzipSync(Buffer.alloc(20 * 1024 * 1024)))).toBe(8 * 1024 * 1024);
    expect(inflateChunkSize(Buffer.alloc(3))).toBe(64 * 1024);
  });

  it("refuses a document whose trailer lies about its size", async () => {
    const gz = Buffer.from(await gzipJson({ a: "x".repeat(100_000) }));
    gz.writeUInt32LE(10, gz.length - 4);
    await expect(gunzipJson(gz)).rejects.toThrow();
  });
});
