// `fleet-audit forget`: clusters the fleet no longer has leave the store, by name or by age, against Azurite.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { announced, planAlerts } from "../../src/alerts/plan.js";
import { TableAlertState } from "../../src/alerts/state.js";
import { newScanId } from "../../src/model/scan-id.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";
import { evaluation, snapshot } from "../store/fixtures.js";
import { uniquePrefix } from "../store/helpers.js";

const DAY = 86_400_000;
const storage = inject("azuriteConnectionString");
/** A snapshot of the scan round `daysAgo` days back, taken then. */
function scanned(cluster: string, daysAgo: number, over: Parameters<typeof snapshot>[2] = {}) {
  const at = new Date(Date.now() - daysAgo * DAY);
  return { ...snapshot(cluster, newScanId(at), over), takenAt: at.toISOString() };
}

let prefix: string;
let store: TableSnapshotStore;
const cli = (args: string[]) => runCli([...args, "--storage", storage], { cwd: mkdtempSync(path.join(tmpdir(), "cli-forget-")), env: { FLEET_AUDIT_TABLE_PREFIX: prefix } });
const clusters = async () => (await store.listLatest()).map((e) => e.cluster);

const DESTINATIONS = ["teams-ops", "webhook-oncall"];
/** One announced finding per cluster (the fixture's critical one, given an id of its own), told to every destination. */
const finding = (cluster: string) => ({ ...evaluation(newScanId(new Date()), [cluster]).findings[0]!, id: `NNC006-${cluster}` });
async function announceToEach(): Promise<TableAlertState> {
  const alerts = TableAlertState.fromConnectionString(storage, { tablePrefix: prefix });
  for (const d of DESTINATIONS) await alerts.apply(d, [announced(finding("aks-gone"), new Date().toISOString()), announced(finding("aks-live"), new Date().toISOString())], []);
  return alerts;
}

beforeEach(async () => {
  prefix = uniquePrefix();
  store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix: prefix });
  await store.init();
  await store.putSnapshot(scanned("aks-gone", 40));
  await store.putSnapshot(scanned("aks-gone", 30, { status: "unreachable", reason: "timeout", nodes: 0 }));
  // Unreachable for weeks, but scanned yesterday: not gone.
  await store.putSnapshot(scanned("aks-live", 25));
  await store.putSnapshot(scanned("aks-live", 1, { status: "unreachable", reason: "timeout", nodes: 0 }));
  await store.putSnapshot(scanned("<b>x</b>", 20));
});

describe("fleet-audit forget", () => {
  it("removes the named clusters and all their snapshots, and nothing else", async () => {
    const r = await cli(["forget", "aks-gone", "<b>x</b>"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Forgot "aks-gone" \(last scanned [^)]+\): 2 snapshot\(s\)\.$/m);
    expect(r.stdout).toMatch(/^Forgot "<b>x<\/b>" \(last scanned [^)]+\): 1 snapshot\(s\)\.$/m);
    expect(r.stdout).toContain("Removed 2 cluster(s) and 3 snapshot(s)");
    expect(await clusters()).toEqual(["aks-live"]);
    expect(await store.listHistory("aks-gone")).toEqual([]);
    expect(await store.listHistory("aks-live")).toHaveLength(2);
  });

  it("takes the clusters out of the latest evaluation too: the reports stop listing them at once", async () => {
    await store.putEvaluation(evaluation(newScanId(new Date()), ["aks-gone", "aks-live"]));
    const before = JSON.parse((await cli(["report", "findings", "--format", "json"])).stdout);
    expect(before.findings.map((f: { cluster: string }) => f.cluster)).toContain("aks-gone");
    const r = await cli(["forget", "aks-gone"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Removed 1 cluster(s) and 2 snapshot(s); the reports no longer list them.");
    const findings = JSON.parse((await cli(["report", "findings", "--format", "json"])).stdout);
    expect(findings.findings.map((f: { cluster: string }) => f.cluster)).not.toContain("aks-gone");
    const exhaustion = JSON.parse((await cli(["report", "exhaustion", "--format", "json"])).stdout);
    expect(exhaustion.clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["aks-live"]);
    expect(exhaustion.subnets[0].clusters).toEqual(["aks-live"]);
    const again = await cli(["report", "findings", "--cluster", "aks-gone"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('unknown cluster "aks-gone"');
  });

  it("drops the clusters' announced findings from every destination: a scan that reaches them again sends no 'resolved'", async () => {
    const alerts = await announceToEach();

    const r = await cli(["forget", "aks-gone"]);
    expect(r.code, r.stderr).toBe(0);

    // Scans that reach it again, its problem fixed meanwhile: nothing resolves, the live cluster's row stays.
    for (const d of DESTINATIONS) {
      for (let scan = 0; scan < 3; scan++) {
        const takenAt = `2026-11-28T0${scan}:00:00.000Z`;
        const fleet = new Map([["aks-gone", takenAt], ["aks-live", takenAt]]);
        const plan = planAlerts([finding("aks-live")], await alerts.load(d), { minSeverity: "warning" }, new Date(), DAY, fleet);
        expect(plan.resolved).toEqual([]);
        await alerts.apply(d, plan.quietUpdates, plan.quietDeletes);
      }
      expect([...(await alerts.load(d)).values()].map((a) => a.cluster)).toEqual(["aks-live"]);
    }
    // One finding, told to two destinations: one announced finding dropped.
    expect(r.stdout).toMatch(/^Forgot "aks-gone" \(last scanned [^)]+\): 2 snapshot\(s\), 1 announced finding\(s\) dropped without a resolved notice\.$/m);
  });

  it("--dry-run says how many announced findings it would drop, and drops none", async () => {
    const alerts = await announceToEach();
    const rows = async () => Promise.all(DESTINATIONS.map(async (d) => [...(await alerts.load(d)).keys()]));
    const before = await rows();
    const dry = await cli(["forget", "aks-gone", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    const would = /^Would forget "aks-gone" \(last scanned [^)]+\): (\d+) announced finding\(s\) would be dropped without a resolved notice\.$/m.exec(dry.stdout);
    expect(would, dry.stdout).not.toBeNull();
    expect(await rows()).toEqual(before);
    // The count is the one the real run then reports.
    const r = await cli(["forget", "aks-gone"]);
    expect(r.stdout).toMatch(new RegExp(`: 2 snapshot\\(s\\), ${would![1]} announced finding\\(s\\) dropped without a resolved notice\\.$`, "m"));
  });

  it("checks every name before removing any, and names the one it does not know", async () => {
    const r = await cli(["forget", "aks-gone", "aks-typo"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no cluster named "aks-typo" in the store');
    expect(await clusters()).toEqual(["<b>x</b>", "aks-gone", "aks-live"]);
  });

  it("removes the clusters not scanned for --not-seen-days, and --dry-run only lists them", async () => {
    const dry = await cli(["forget", "--not-seen-days", "14", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split("\n").map((l) => l.replace(/ \(last scanned .*/, ""))).toEqual(['Would forget "<b>x</b>"', 'Would forget "aks-gone"']);
    expect(await clusters()).toHaveLength(3);
    const r = await cli(["forget", "--not-seen-days", "14"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await clusters()).toEqual(["aks-live"]);
    const again = await cli(["forget", "--not-seen-days", "14"]);
    expect(again.stdout).toBe("No cluster to forget.\n");
  });

  it.each([
    [["forget"], "name the clusters to forget, or give --not-seen-days N"],
    [["forget", "aks-gone", "--not-seen-days", "3"], "name clusters or give --not-seen-days, not both"],
    [["forget", "--not-seen-days", "0"], '--not-seen-days must be a whole number of days from 1, not "0"'],
    [["forget", "--not-seen-days", "2w"], '--not-seen-days must be a whole number of days from 1, not "2w"'],
  ])("refuses %j with a reason", async (args, reason) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(reason);
    expect(await clusters()).toHaveLength(3);
  });
});
