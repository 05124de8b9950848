// Both alert-state implementations forget a cluster the same way: every destination's rows about it go.
import { describe, expect, it } from "vitest";
import { announced, planAlerts } from "../../src/alerts/plan.js";
import { type AlertState, MemoryAlertState, TableAlertState } from "../../src/alerts/state.js";
import { type Finding, findingId } from "../../src/model/finding.js";
import { azurite, uniquePrefix } from "../store/helpers.js";

const AT = "2026-11-28T12:00:00.000Z";
const DAY = 86_400_000;
const finding = (cluster: string, rule: string): Finding => ({ id: `${rule}-${cluster}`, rule, severity: "warning", cluster, resource: `cluster/${cluster}`, message: "m", firstSeen: AT, lastSeen: AT });
/** A finding about a pod subnet, as subnetScope names one: its id does not depend on the clusters drawing from it. */
const subnetFinding = (rule: string, clusters: string[]): Finding => {
  const scope = { cluster: clusters[0]!, ...(clusters.length > 1 ? { clusters } : {}), resource: "subnet/10.40.0.0/13", discriminator: "vnet-a/podsubnet" };
  return { ...scope, id: findingId(rule, scope), rule, severity: "critical", message: "m", firstSeen: AT, lastSeen: AT };
};

describe.each([
  ["memory", () => new MemoryAlertState()],
  ["table", () => TableAlertState.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() })],
])("%s alert state", (_name, make: () => AlertState) => {
  it("forgets a cluster: its rows in every destination, no other cluster's", async () => {
    const state = make();
    const rows = [finding("aks-gone", "SCN004"), finding("aks-gone", "NNC001"), finding("aks-live", "SCN004")].map((f) => announced(f, AT));
    for (const d of ["teams-ops", "webhook-oncall"]) await state.apply(d, rows, []);
    // Each finding counts once, however many destinations were told of it; a dry run counts the same and keeps them.
    const would = await state.wouldForgetCluster("aks-gone");
    for (const d of ["teams-ops", "webhook-oncall"]) expect((await state.load(d)).size).toBe(rows.length);
    expect(await state.forgetCluster("aks-gone")).toBe(would);
    expect(would).toBe(2);
    for (const d of ["teams-ops", "webhook-oncall"]) expect([...(await state.load(d)).keys()]).toEqual(["SCN004-aks-live"]);
    expect(await state.forgetCluster("aks-gone")).toBe(0);
  });

  it("keeps a shared subnet's finding for the clusters still on it: forgetting one does not make the next scan announce it anew", async () => {
    const state = make();
    // IPX001 about a subnet aks-gone shares with aks-live and aks-other, aks-gone named first; its id is the subnet's.
    const onSubnet = (...clusters: string[]) => subnetFinding("IPX001", clusters);
    const rows = [onSubnet("aks-gone", "aks-live", "aks-other"), subnetFinding("IPX002", ["aks-gone", "aks-live"]), finding("aks-gone", "SCN004")].map((f) => announced(f, AT));
    for (const d of ["teams-ops", "webhook-oncall"]) await state.apply(d, rows, []);
    await state.forgetCluster("aks-gone");
    for (const d of ["teams-ops", "webhook-oncall"]) {
      const left = await state.load(d);
      expect([...left.values()].map((a) => [a.rule, a.cluster, a.clusters])).toEqual(
        expect.arrayContaining([["IPX001", "aks-live", ["aks-live", "aks-other"]], ["IPX002", "aks-live", undefined]]),
      );
      expect(left.size).toBe(2);
      // The next scan sees both still open without aks-gone: nothing new, nothing resolved.
      const next = [onSubnet("aks-live", "aks-other"), subnetFinding("IPX002", ["aks-live"])];
      const plan = planAlerts(next, left, { minSeverity: "warning" }, new Date(AT), DAY, new Map([["aks-live", AT], ["aks-other", AT]]));
      expect(plan.announce).toEqual([]);
      expect(plan.resolved).toEqual([]);
    }
    // A cluster named after the first one leaves the list too; the row stays about the first.
    await state.forgetCluster("aks-other");
    const row = (await state.load("teams-ops")).get(onSubnet("aks-live").id)!;
    expect([row.cluster, row.clusters]).toEqual(["aks-live", undefined]);
  });

  it("drops a finding about several clusters whose identity names the forgotten one: it cannot be seen again without it", async () => {
    const state = make();
    // A duplicate block across two clusters is identified by both: once one is forgotten it can only go away
    // (quietly, as forgetting promises), whichever of them the row names first.
    const dup: Finding = { ...finding("aks-a", "NNC006"), clusters: ["aks-a", "aks-b"], resource: "nnc/aks-b-n1" };
    dup.id = findingId("NNC006", dup);
    await state.apply("teams-ops", [announced(dup, AT), announced(finding("aks-a", "SCN004"), AT)], []);
    await state.forgetCluster("aks-b");
    expect([...(await state.load("teams-ops")).keys()]).toEqual(["SCN004-aks-a"]);
  });

  it("keeps the last of several upserts of one row: an announcement delivered is written over the row rewritten quietly", async () => {
    const state = make();
    const row = announced(finding("aks-a", "NNC001"), AT);
    await state.apply("teams-ops", [{ ...row, missing: 1 }], []);
    await state.apply("teams-ops", [row, { ...row, severity: "critical", announcedAt: "2026-11-28T13:00:00.000Z" }], []);
    expect([...(await state.load("teams-ops")).values()]).toEqual([{ ...row, severity: "critical", announcedAt: "2026-11-28T13:00:00.000Z" }]);
  });

  it("has nothing to forget before any alert was recorded", async () => {
    expect(await make().forgetCluster("aks-gone")).toBe(0);
  });
});
