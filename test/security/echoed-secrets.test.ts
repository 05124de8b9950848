// An API server or a proxy in front of it may echo the request back in its error: the Authorization
// header, an API key, a URL with userinfo or an access_token query. None of it reaches a snapshot, a
// finding or the scan's summaries, whichever read failed (a list, or a CNS pod's /metrics).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runScan } from "../../src/scan.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";

let sim: Simulator;
let file: string;

beforeAll(async () => {
  sim = await startSimulator([
    { name: "echo-500", mode: "vnetblock", nodes: 2, faults: [{ kind: "status", code: 500, message: "upstream rejected request with header Authorization=Bearer SEKRETTOKEN_abcdefghijklmnop and X-Api-Key: SEKRETKEY_abcdef" }] },
    { name: "echo-403", mode: "vnetblock", nodes: 2, faults: [{ kind: "status", code: 403, message: "denied: api-key=SEKRETKEY_forbidden" }] },
    { name: "echo-400", mode: "vnetblock", nodes: 2, faults: [{ kind: "status", code: 400, message: "bad request: GET https://user:SEKRETPW@proxy.example/apis?access_token=SEKRETQ2 failed" }] },
    { name: "echo-proxy-metrics", mode: "vnetblock", nodes: 2, faults: [{ kind: "proxyUnreachable", message: "error trying to reach service: dial tcp 10.0.0.1:10092: token=SEKRETQUERY_abcdef" }] },
  ]);
  file = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "echoed-secrets-")));
});

afterAll(async () => {
  await sim?.close();
});

describe("credentials echoed in an HTTP error", () => {
  it("never reach a snapshot, a finding or the scan summary; the reasons still say what failed", async () => {
    const store = new MemorySnapshotStore();
    const r = await runScan(discoverFromKubeconfig({ files: [file] }), store, { cnsMetrics: 2, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    const by = new Map(r.clusters.map((c) => [c.cluster, c]));
    expect(by.get("echo-500")).toMatchObject({ status: "error", reason: expect.stringMatching(/HTTP 500 \(upstream rejected request/) });
    expect(by.get("echo-403")).toMatchObject({ status: "unauthorized", reason: expect.stringMatching(/403 Forbidden \(denied/) });
    expect(by.get("echo-400")?.reason).toMatch(/GET https:\/\/proxy\.example\/apis failed/);
    const snapshots = await Promise.all(r.clusters.map(async (c) => store.getSnapshot(c.cluster, (await store.getLatest(c.cluster))!.latest.ref)));
    const metricsNote = snapshots.find((s) => s?.cluster === "echo-proxy-metrics")?.notes.find((n) => n.startsWith("CNS metrics"));
    expect(metricsNote).toMatch(/HTTP 503 \(error trying to reach service/);
    const haystack = JSON.stringify([r.clusters, snapshots, r.evaluation, await store.getLatestEvaluation()]);
    expect(haystack).toContain("scan failed"); // the findings are in there
    expect(haystack).not.toMatch(/SEKRET/);
  });
});
