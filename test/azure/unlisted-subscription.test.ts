// A subscription that cannot be listed while another can (even an empty one): the scan goes on, and the
// clusters the store knows in the unlisted subscription are recorded for this round, not left as they were.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newScanId } from "../../src/model/scan-id.js";
import { runScan } from "../../src/scan.js";
import { type DiscoveryProblem, discoverFleet } from "../../src/sources/discover.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { SUB_A, SUB_B, type AzureFixture, withSimAzure } from "./env.js";

let fx: AzureFixture;
const SCAN = { requestTimeoutMs: 3000, clusterDeadlineMs: 15_000 };

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A, displayName: "empty" }, { id: SUB_B }],
    clusters: [
      { name: "aks-b", mode: "overlay", nodes: 1, azure: { subscription: SUB_B } },
      { name: "aks-off", mode: "overlay", nodes: 1, azure: { subscription: SUB_B, powerState: "Stopped" } },
      { name: "aks-knet", mode: "kubenet", nodes: 1, azure: { subscription: SUB_B } },
    ],
  });
});

afterAll(async () => {
  await fx?.close();
});

async function scan(store: MemorySnapshotStore) {
  const problems: DiscoveryProblem[] = [];
  const targets = await discoverFleet({ ...fx.settings, armMaxRetries: 0, subscriptions: [SUB_A, SUB_B] }, { onProblem: (p) => problems.push(p) });
  return runScan(targets, store, { ...SCAN, scanId: newScanId(), discoveryProblems: problems });
}

describe("one subscription listed, another not", () => {
  it("scans on, and fails the unlisted one's known clusters naming it, though nothing else was listed", async () => {
    const store = new MemorySnapshotStore();
    const first = await scan(store);
    expect(first.clusters.find((c) => c.cluster === "aks-b")?.status).toBe("ok");
    for (const fault of [{ kind: "forbidden" as const }, { kind: "throttle" as const, retryAfter: 0, times: 100 }]) {
      fx.az.setSubscriptionFault(SUB_B, fault);
      try {
        const { clusters, evaluation } = await scan(store);
        const code = fault.kind === "forbidden" ? 403 : 429;
        expect(clusters.find((c) => c.cluster === "aks-b")).toMatchObject({ status: "error", reason: expect.stringContaining(`not scanned: its subscription ${SUB_B} could not be listed (listing AKS clusters: ${code}`) });
        expect(evaluation.notes).toContainEqual(expect.stringContaining(`discovery: subscription ${SUB_B}: listing AKS clusters: ${code}`));
        expect(evaluation.clusters.find((c) => c.cluster === "aks-b")).toMatchObject({ status: "error", lastOkAt: first.clusters.find((c) => c.cluster === "aks-b")!.takenAt });
      } finally {
        fx.az.setSubscriptionFault(SUB_B, undefined);
      }
    }
  });

  it("keeps a stopped or not-CNS cluster's status and ARM data, noting why, rather than failing it", async () => {
    const store = new MemorySnapshotStore();
    const first = await scan(store);
    const before = Object.fromEntries(first.clusters.map((c) => [c.cluster, c]));
    expect([before["aks-off"]!.status, before["aks-knet"]!.status]).toEqual(["stopped", "not-cns"]);
    fx.az.setSubscriptionFault(SUB_B, { kind: "throttle", retryAfter: 0, times: 100 });
    try {
      const { clusters, evaluation } = await scan(store);
      for (const name of ["aks-off", "aks-knet"]) {
        const was = before[name]!;
        expect(clusters.find((c) => c.cluster === name), name).toMatchObject({ status: was.status, reason: was.reason });
        const snap = (await store.getSnapshot(name, (await store.getLatest(name))!.latest.ref))!;
        expect(snap.notes).toEqual([expect.stringMatching(new RegExp(`^its subscription ${SUB_B} could not be listed this round \\(listing AKS clusters: 429 .*\\): ${was.status} as found before$`))]);
        expect(snap.arm?.id, name).toBe(fx.az.managedCluster(name).id);
        expect(evaluation.clusters.find((c) => c.cluster === name), name).toMatchObject({ status: was.status });
      }
      // Nothing pages about clusters with no CNS data to go stale; the one that has some is failed.
      expect(evaluation.findings.filter((f) => /^SCN00[124]$/.test(f.rule)).map((f) => f.cluster)).toEqual(["aks-b"]);
    } finally {
      fx.az.setSubscriptionFault(SUB_B, undefined);
    }
  });
});

/** A kubeconfig of one context on a server that refuses connections: a cluster ARM does not list. */
function refusingKubeconfig(context: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "unlisted-")), "config");
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: ${context}, context: { cluster: c, user: u } }]
current-context: ${context}
`);
  return file;
}

describe("--subscription all while ARM cannot be reached", () => {
  it("scans the kubeconfig clusters and fails every known ARM cluster, rather than leaving them all out", async () => {
    const store = new MemorySnapshotStore();
    const first = await runScan(await discoverFleet({ ...fx.settings, armMaxRetries: 0, subscriptions: "all" }), store, { ...SCAN, scanId: newScanId() });
    expect(first.clusters.find((c) => c.cluster === "aks-b")?.status).toBe("ok");
    const problems: DiscoveryProblem[] = [];
    const settings = { ...fx.settings, armMaxRetries: 0, armEndpoint: "https://127.0.0.1:1", subscriptions: "all" as const, kubeconfig: [refusingKubeconfig("kc-one")] };
    const targets = await discoverFleet(settings, { onProblem: (p) => problems.push(p) });
    expect(targets.map((t) => t.name)).toEqual(["kc-one"]);
    expect(problems).toEqual([expect.objectContaining({ source: "ARM https://127.0.0.1:1", message: expect.stringContaining("listing the subscriptions the identity can read") })]);
    const { clusters, evaluation } = await runScan(targets, store, { ...SCAN, scanId: newScanId(), discoveryProblems: problems });
    expect(clusters.find((c) => c.cluster === "kc-one")).toMatchObject({ status: "unreachable" });
    expect(clusters.find((c) => c.cluster === "aks-b")).toMatchObject({ status: "error", reason: expect.stringContaining(`not scanned: its subscription ${SUB_B} could not be listed (ARM https://127.0.0.1:1: listing the subscriptions the identity can read`) });
    expect(evaluation.findings.filter((f) => f.rule === "SCN001").map((f) => f.cluster)).toContain("aks-b");
  });
});
