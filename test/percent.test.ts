import { describe, expect, it } from "vitest";
import { PERCENT_DOWN_SCRIPT, percentDown } from "../src/percent.js";

describe("percentDown", () => {
  const values = [0, 0.5, 0.79, 0.7998, 0.8, 0.94995, 968 / 1019, 0.95, 190 / 200, 1, 1.2];

  it("rounds down to one decimal, so 94.995 % is not shown as 95.0 %", () => {
    expect(values.map(percentDown)).toEqual(["0.0%", "50.0%", "79.0%", "79.9%", "80.0%", "94.9%", "94.9%", "95.0%", "95.0%", "100.0%", "120.0%"]);
  });

  it("reads the same in the dashboard's script", () => {
    const pct = new Function(`${PERCENT_DOWN_SCRIPT}; return pct;`)() as (v: number) => string;
    expect(values.map(pct)).toEqual(values.map(percentDown));
  });
});
