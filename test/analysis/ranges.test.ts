import { describe, expect, it } from "vitest";
import {
  countUnique,
  describeRange,
  formatAddress,
  outside,
  parseAddress,
  sweep,
  sweepArrays,
  type AddressRange,
} from "../../src/analysis/ranges.js";

function range(text: string): AddressRange {
  const p = parseAddress(text);
  if (!p.ok) throw new Error(`fixture ${text}: ${p.reason}`);
  return { start: p.start, end: p.end };
}

describe("parseAddress", () => {
  it("parses a bare address as a one-address range", () => {
    const p = parseAddress("10.0.0.5");
    expect(p).toMatchObject({ ok: true, start: 167772165, end: 167772165, prefix: 32, canonical: "10.0.0.5", hostBitsSet: false });
  });

  it("parses a /28 block into its 16 addresses", () => {
    const p = parseAddress("10.40.0.160/28");
    expect(p).toMatchObject({ ok: true, prefix: 28, canonical: "10.40.0.160/28", hostBitsSet: false });
    if (!p.ok) throw new Error("unreachable");
    expect(p.end - p.start + 1).toBe(16);
    expect(formatAddress(p.start)).toBe("10.40.0.160");
    expect(formatAddress(p.end)).toBe("10.40.0.175");
  });

  it.each([
    ["10.0.0.0/8", 16777216],
    ["10.40.0.0/13", 524288],
    ["10.241.0.0/16", 65536],
    ["10.0.0.0/24", 256],
    ["10.0.0.16/28", 16],
    ["10.0.0.7/32", 1],
    ["0.0.0.0/0", 4294967296],
  ])("%s holds %i addresses", (text, size) => {
    const r = range(text);
    expect(r.end - r.start + 1).toBe(size);
  });

  it("masks host bits and says so", () => {
    const p = parseAddress("10.224.0.4/28");
    expect(p).toMatchObject({ ok: true, canonical: "10.224.0.0/28", hostBitsSet: true });
  });

  it.each([
    "",
    "garbage",
    "10.0.0.256",
    "10.0.0",
    "1.2.3.4.5",
    "10.0.0.1/33",
    "10.0.0.1/",
    "10.0.0.1/-1",
    "010.0.0.1",
    " 10.0.0.1",
    "10.0.0.1%eth0",
    "10.0.0.1/28/3",
  ])("reports %j as malformed without throwing", (text) => {
    expect(parseAddress(text)).toMatchObject({ ok: false, kind: "malformed" });
  });

  it("reports non-strings as malformed", () => {
    expect(parseAddress(undefined)).toMatchObject({ ok: false, kind: "malformed" });
    expect(parseAddress(42)).toMatchObject({ ok: false, kind: "malformed" });
  });

  it("skips IPv6 with its own kind", () => {
    expect(parseAddress("fd00::/64")).toMatchObject({ ok: false, kind: "ipv6" });
    expect(parseAddress("::1")).toMatchObject({ ok: false, kind: "ipv6" });
    expect(parseAddress("fd00:::x")).toMatchObject({ ok: false, kind: "malformed" });
    expect(parseAddress("fd00::/129")).toMatchObject({ ok: false, kind: "malformed" });
  });
});

describe("describeRange", () => {
  it("names single addresses, aligned blocks and odd stretches", () => {
    expect(describeRange(range("10.0.0.5"))).toBe("10.0.0.5");
    expect(describeRange(range("10.40.0.160/28"))).toBe("10.40.0.160/28");
    expect(describeRange({ start: range("10.0.0.5").start, end: range("10.0.0.9").start })).toBe("10.0.0.5-10.0.0.9");
    // 16 addresses but not aligned: not a /28
    expect(describeRange({ start: range("10.0.0.8").start, end: range("10.0.0.23").start })).toBe("10.0.0.8-10.0.0.23");
    expect(describeRange(range("0.0.0.0/0"))).toBe("0.0.0.0/0");
  });
});

describe("outside", () => {
  it("returns the parts beyond either edge", () => {
    const subnet = range("10.0.0.0/24");
    expect(outside(range("10.0.0.16/28"), subnet)).toEqual([]);
    expect(outside(range("10.0.1.0/28"), subnet)).toEqual([range("10.0.1.0/28")]);
    const wide = range("10.0.0.0/23");
    expect(outside(range("10.0.0.0/24"), wide)).toEqual([]);
    expect(outside(wide, range("10.0.0.128/25"))).toEqual([range("10.0.0.0/25"), range("10.0.1.0/24")]);
  });
});

describe("sweep", () => {
  it("counts disjoint and adjacent blocks exactly", () => {
    expect(countUnique([range("10.0.0.0/28"), range("10.0.0.16/28"), range("10.0.0.64/28")])).toBe(48);
  });

  it("counts overlapping and nested ranges once", () => {
    const r = sweep([
      { ...range("10.0.0.0/24"), holder: "big" },
      { ...range("10.0.0.16/28"), holder: "block" },
      { ...range("10.0.0.20"), holder: "ip" },
      { ...range("10.0.0.250"), holder: "tail" },
    ]);
    expect(r.unique).toBe(256);
    expect(r.overlaps.map((o) => [describeRange(o), o.holders])).toEqual([
      ["10.0.0.16/30", ["big", "block"]],
      ["10.0.0.20", ["big", "block", "ip"]],
      ["10.0.0.21-10.0.0.31", ["big", "block"]],
      ["10.0.0.250", ["big", "tail"]],
    ]);
  });

  it("reports a block held twice as one overlap with both holders", () => {
    const r = sweep([
      { ...range("10.40.0.160/28"), holder: "a" },
      { ...range("10.40.0.176/28"), holder: "a2" },
      { ...range("10.40.0.160/28"), holder: "b" },
    ]);
    expect(r.unique).toBe(32);
    expect(r.overlaps).toEqual([{ ...range("10.40.0.160/28"), holders: ["a", "b"] }]);
  });

  it("finds partial overlaps between misaligned ranges", () => {
    const r = sweep([
      { start: 100, end: 199, holder: "x" },
      { start: 150, end: 249, holder: "y" },
    ]);
    expect(r.unique).toBe(150);
    expect(r.overlaps).toEqual([{ start: 150, end: 199, holders: ["x", "y"] }]);
  });

  it("handles the edges of the address space", () => {
    const r = sweep([
      { ...range("255.255.255.255"), holder: "top" },
      { ...range("255.255.255.240/28"), holder: "block" },
      { ...range("0.0.0.0"), holder: "bottom" },
    ]);
    expect(r.unique).toBe(17);
    expect(r.overlaps).toEqual([{ start: 2 ** 32 - 1, end: 2 ** 32 - 1, holders: ["top", "block"] }]);
  });

  it("counts a whole /8 without expanding it", () => {
    expect(countUnique([range("10.0.0.0/8"), range("10.255.255.0/24"), range("11.0.0.0/32")])).toBe(16777217);
  });

  it("rejects ranges that are not IPv4 ranges (a programming error, not data)", () => {
    expect(() => sweepArrays([5], [4])).toThrow(RangeError);
    expect(() => sweepArrays([0.5], [4])).toThrow(RangeError);
  });

  it("returns nothing for nothing", () => {
    expect(sweep([])).toEqual({ unique: 0, overlaps: [] });
  });

  it("skips the overlap detail when asked", () => {
    const r = sweepArrays([0, 0], [9, 9], { overlaps: false });
    expect(r).toEqual({ unique: 10, partitionUnique: [], overlaps: [] });
  });
});
