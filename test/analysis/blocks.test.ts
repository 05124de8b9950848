import { describe, expect, it } from "vitest";
import { blockAddressesPerNode, blocksPerNode, wastedPerNode } from "../../src/analysis/blocks.js";

describe("static block sizing (DOMAIN.md §2)", () => {
  it.each([
    [30, 2, 32, 1],
    [31, 2, 32, 0],
    [32, 3, 48, 15],
    [110, 7, 112, 1],
    [250, 16, 256, 5],
    [15, 1, 16, 0],
    [16, 2, 32, 15],
  ])("maxPods %i → %i blocks, %i addresses, %i wasted", (maxPods, blocks, addresses, wasted) => {
    expect(blocksPerNode(maxPods)).toBe(blocks);
    expect(blockAddressesPerNode(maxPods)).toBe(addresses);
    expect(wastedPerNode(maxPods)).toBe(wasted);
  });

  it("rejects nonsense maxPods", () => {
    expect(() => blocksPerNode(-1)).toThrow(RangeError);
    expect(() => blocksPerNode(Number.NaN)).toThrow(RangeError);
    expect(() => blocksPerNode(2.5)).toThrow(RangeError);
  });
});
