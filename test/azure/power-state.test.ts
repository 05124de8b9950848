// Clusters ARM says are stopped (`az aks stop`) or private, discovered through the real ARM SDK from the
// simulated ARM and scanned by the real collector: a stopped cluster is recorded as stopped without a
// connection, raises no SCN finding, and its earlier findings are neither resolved nor kept while it
// is stopped; a private cluster that cannot be reached says where the auditor must run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { newScanId } from "../../src/model/scan-id.js";
import { exhaustionReport } from "../../src/reports/kinds/exhaustion.js";
import { runScan } from "../../src/scan.js";
import { mutate } from "../../src/sim/index.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { SUB_A, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
const SCAN = { requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 };
const STOPPED_REASON = "stopped in ARM (powerState Stopped): not scanned";

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A }],
    clusters: [
      { name: "aks-run", mode: "vnetblock", nodes: 1 },
      { name: "aks-nightly", mode: "vnetblock", nodes: 2 },
      { name: "aks-off", mode: "overlay", nodes: 1, azure: { powerState: "Stopped" } },
      { name: "aks-private", mode: "overlay", nodes: 1, azure: { privateCluster: true } },
    ],
  });
});

afterAll(async () => {
  await fx?.close();
});

const targets = () => discoverFleet({ ...fx.settings, subscriptions: [SUB_A] });
const target = async (name: string) => (await targets()).find((t) => t.name === name)!;

describe("a cluster stopped in ARM", () => {
  it("keeps ARM's powerState and is recorded as stopped without asking ARM or the cluster for anything more", async () => {
    const t = await target("aks-off");
    expect(t.arm?.powerState).toBe("Stopped");
    fx.az.arm.requests.length = 0;
    const snap = await collectCluster(t, { ...SCAN, scanId: newScanId() });
    expect(snap).toMatchObject({ cluster: "aks-off", status: "stopped", reason: STOPPED_REASON, nodes: [], nncs: [] });
    expect(snap.arm?.name).toBe("aks-off");
    expect(fx.az.fleet.cluster("aks-off").requests).toHaveLength(0);
    expect(fx.az.arm.requests.filter((r) => r.path.includes("/aks-off/"))).toEqual([]);
  });

  it("raises no SCN finding, and what was found before it stopped is withdrawn until it runs again, not resolved", async () => {
    const store = new MemorySnapshotStore();
    const nightly = fx.az.fleet.cluster("aks-nightly");
    mutate.crashLoopCnsPod(nightly.state, nightly.state.nodes.list()[0]!.metadata.name);
    const scan = async () => runScan(await targets(), store, { ...SCAN, scanId: newScanId() });
    const aboutNightly = (fs: Array<{ cluster: string; rule: string }>) => fs.filter((f) => f.cluster === "aks-nightly").map((f) => f.rule);

    const running = await scan();
    expect(aboutNightly(running.evaluation.findings)).toContain("CNS002");

    fx.az.managedCluster("aks-nightly").powerState = "Stopped";
    const stopped = (await scan()).evaluation;
    expect(stopped.clusters.find((c) => c.cluster === "aks-nightly")).toMatchObject({ status: "stopped", reason: STOPPED_REASON });
    expect(stopped.findings.filter((f) => /^SCN/.test(f.rule) && (f.cluster === "aks-nightly" || f.cluster === "aks-off"))).toEqual([]);
    // Neither kept as if it were still running, nor claimed as fixed.
    expect(aboutNightly(stopped.findings)).toEqual([]);
    expect(aboutNightly(stopped.resolved)).toEqual([]);
    expect(stopped.notes).toContain(`${running.evaluation.findings.filter((f) => f.cluster === "aks-nightly").length} finding(s) of stopped clusters withdrawn until they run again`);
    // Reports do not show it as a failure.
    const rows = exhaustionReport.tables(exhaustionReport.build(stopped, {}))[1]!;
    expect(rows.rowSeverity![rows.rows.findIndex((r) => r.cluster === "aks-nightly")]).toBeUndefined();

    fx.az.managedCluster("aks-nightly").powerState = "Running";
    const back = (await scan()).evaluation;
    expect(aboutNightly(back.findings)).toContain("CNS002");
  });
});

describe("a private cluster", () => {
  it("that cannot be resolved says the auditor must run inside its network", async () => {
    const t = await target("aks-private");
    expect(t.arm?.privateCluster).toBe(true);
    const snap = await collectCluster(t, { ...SCAN, scanId: newScanId() });
    expect(snap.status).toBe("unreachable");
    expect(snap.reason).toMatch(/: (ENOTFOUND|EAI_AGAIN) .*; private cluster: the auditor must run inside its network$/);
  });

  it("a public cluster's failure has no such hint", async () => {
    const t = await target("aks-run");
    const snap = await collectCluster({ ...t, kubeConfig: async () => { const kc = await t.kubeConfig(); kc.clusters[0] = { ...kc.clusters[0]!, server: "https://aks-run.invalid:443" }; return kc; } }, { ...SCAN, scanId: newScanId() });
    expect(snap.status).toBe("unreachable");
    expect(snap.reason).not.toContain("private cluster");
  });
});
