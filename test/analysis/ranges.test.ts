import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  countUnique,
  describeRange,
  formatAddress,
  intersect,
  orderByStart,
  outside,
  RangeList,
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

describe("intersect", () => {
  it("returns the shared stretch or null", () => {
    expect(intersect(range("10.0.0.0/24"), range("10.0.0.16/28"))).toEqual(range("10.0.0.16/28"));
    expect(intersect(range("10.0.0.0/28"), range("10.0.0.16/28"))).toBeNull();
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

describe("sweep against brute force", () => {
  // Small address space so a per-address count is cheap for the oracle (never in the code under test).
  const rangeArb = fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 40 })).map(([s, len]) => ({ start: s, end: s + len }));

  it("unique count, overlap coverage and holders match a per-address oracle", () => {
    fc.assert(
      fc.property(fc.array(rangeArb, { maxLength: 30 }), (ranges) => {
        const held = ranges.map((r, i) => ({ ...r, holder: i }));
        const r = sweep(held);
        const cover = new Map<number, number[]>();
        held.forEach((h) => {
          for (let a = h.start; a <= h.end; a++) cover.set(a, [...(cover.get(a) ?? []), h.holder]);
        });
        expect(r.unique).toBe(cover.size);
        const fromOverlaps = new Map<number, number[]>();
        for (const o of r.overlaps) {
          expect(o.holders.length).toBeGreaterThanOrEqual(2);
          for (let a = o.start; a <= o.end; a++) {
            expect(fromOverlaps.has(a)).toBe(false);
            fromOverlaps.set(a, o.holders);
          }
        }
        for (const [a, hs] of cover) {
          if (hs.length >= 2) expect(fromOverlaps.get(a)).toEqual([...hs].sort((x, y) => x - y));
          else expect(fromOverlaps.has(a)).toBe(false);
        }
        // neighbouring segments with the same holders are merged
        for (let i = 1; i < r.overlaps.length; i++) {
          const prev = r.overlaps[i - 1]!;
          const cur = r.overlaps[i]!;
          if (prev.end + 1 === cur.start) expect(cur.holders).not.toEqual(prev.holders);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("per-partition counts match sweeping each partition alone", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(rangeArb, fc.integer({ min: 0, max: 3 })), { maxLength: 40 }), (items) => {
        const starts = items.map(([r]) => r.start);
        const ends = items.map(([r]) => r.end);
        const parts = items.map(([, p]) => p);
        const r = sweepArrays(starts, ends, { partitions: parts, partitionCount: 4 });
        for (let p = 0; p < 4; p++) {
          expect(r.partitionUnique[p]).toBe(countUnique(items.filter(([, q]) => q === p).map(([x]) => x)));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("internals", () => {
  it("orders by start on the packed path and the comparator path alike", () => {
    const starts = [2 ** 32 - 1, 5, 0, 5, 167772160, 3];
    const expected = [2, 5, 1, 3, 4, 0];
    expect([...orderByStart(starts)]).toEqual(expected);
    expect([...orderByStart(starts, 2)]).toEqual(expected);
  });

  it("RangeList grows past its first allocation", () => {
    const list = new RangeList(1);
    for (let i = 0; i < 100; i++) list.push(i * 16, i * 16 + 15, i, -1);
    list.push(0, 0, 100, 0);
    expect(list.length).toBe(101);
    const r = list.sweep();
    expect(r.unique).toBe(1600);
    expect(r.overlaps).toEqual([{ start: 0, end: 0, members: [0, 100] }]);
    expect(list.tagA[100]).toBe(100);
    expect(list.tagB[0]).toBe(-1);
  });
});
