// Both alert-state implementations forget a cluster the same way: every destination's rows about it go.
import { describe, expect, it } from "vitest";
import { announced } from "../../src/alerts/plan.js";
import { type AlertState, MemoryAlertState, TableAlertState } from "../../src/alerts/state.js";
import type { Finding } from "../../src/model/finding.js";
import { azurite, uniquePrefix } from "../store/helpers.js";

const AT = "2026-11-28T12:00:00.000Z";
const finding = (cluster: string, rule: string): Finding => ({ id: `${rule}-${cluster}`, rule, severity: "warning", cluster, resource: `cluster/${cluster}`, message: "m", firstSeen: AT, lastSeen: AT });

describe.each([
  ["memory", () => new MemoryAlertState()],
  ["table", () => TableAlertState.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() })],
])("%s alert state", (_name, make: () => AlertState) => {
  it("forgets a cluster: its rows in every destination, no other cluster's", async () => {
    const state = make();
    const rows = [finding("aks-gone", "SCN004"), finding("aks-gone", "NNC001"), finding("aks-live", "SCN004")].map((f) => announced(f, AT));
    for (const d of ["teams-ops", "webhook-oncall"]) await state.apply(d, rows, []);
    expect(await state.forgetCluster("aks-gone")).toBe(4);
    for (const d of ["teams-ops", "webhook-oncall"]) expect([...(await state.load(d)).keys()]).toEqual(["SCN004-aks-live"]);
    expect(await state.forgetCluster("aks-gone")).toBe(0);
  });

  it("has nothing to forget before any alert was recorded", async () => {
    expect(await make().forgetCluster("aks-gone")).toBe(0);
  });
});
