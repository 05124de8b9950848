// Faults of an API server that does answer, slowly or oddly, scoped to some paths: the collector keeps
// what it read and names what it could not, and never calls such a cluster unreachable or not-cns.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster, collectFleet } from "../../src/collect/collector.js";
import { sharedParsePool } from "../../src/collect/parse-pool.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import { type FaultSpec, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";

// Two parse workers whatever the machine, so that a worker can die mid-scan (set before the pool starts).
process.env.FLEET_AUDIT_PARSE_WORKERS = "2";
const FAST = { retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 2000 } };

function spec(name: string, faults: FaultSpec[] = [], over: Partial<SimClusterSpec> = {}): SimClusterSpec {
  return { name, mode: "vnetblock", nodes: 3, faults, ...over };
}

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator([
    // Every answer takes 400 ms: the eight reads after the NNC list queue for two connections.
    spec("slow-400", [{ kind: "slow", delayMs: 400 }]),
    spec("slow-pending", [{ kind: "slow", delayMs: 1500, path: /fieldSelector=status\.phase/ }]),
    spec("version-hang", [{ kind: "hang", path: "/version" }]),
    spec("core-hang", [{ kind: "hang", path: "/api/v1/" }]),
    // Lists big enough for the parse workers.
    spec("big", [], { nodes: 120 }),
    spec("nnc-404", [{ kind: "status", code: 404, path: "/nodenetworkconfigs" }]),
    spec("kubenet", [], { mode: "kubenet" }),
    spec("kubenet-apis-403", [{ kind: "status", code: 403, path: /^\/apis(\?|$)/ }], { mode: "kubenet" }),
    spec("kubenet-apis-503", [{ kind: "status", code: 503, path: /^\/apis(\?|$)/ }], { mode: "kubenet" }),
    // Valid JSON, but no Kubernetes list: no malformed JSON either.
    ...["[]", "42", '"x"', "null"].map((body, i) => spec(`nnc-json-${i}`, [{ kind: "body", body, path: "/nodenetworkconfigs" }])),
    spec("nodes-array", [{ kind: "body", body: "[]", path: "/api/v1/nodes" }]),
    spec("kubenet-apis-empty", [{ kind: "body", body: "{}", path: /^\/apis(\?|$)/ }], { mode: "kubenet" }),
    spec("kubenet-apis-html", [{ kind: "body", body: "<html><body>Sign in</body></html>", contentType: "text/html", path: /^\/apis(\?|$)/ }], { mode: "kubenet" }),
    spec("healthy"),
    spec("kubenet-apis-hang", [{ kind: "hang", path: /^\/apis(\?|$)/ }], { mode: "kubenet" }),
  ]);
  dir = mkdtempSync(path.join(tmpdir(), "collector-faults-"));
});

afterAll(async () => {
  await sim?.close();
});

/** The cluster's target, from a kubeconfig whose server URL `server` may rewrite. */
function target(name: string, server: (url: string) => string = (u) => u): ClusterTarget {
  const file = path.join(dir, `${name.replace(/\W/g, "_")}.yaml`);
  writeFileSync(file, sim.kubeconfig({ clusters: [name] }).replace(/server: (\S+)/, (_, u: string) => `server: ${server(u)}`), { mode: 0o600 });
  return discoverFromKubeconfig({ files: [file] })[0]!;
}

const collect = (name: string, over: Record<string, unknown> = {}, server?: (url: string) => string): Promise<ClusterSnapshot> =>
  collectCluster(target(name, server), { scanId: "20261201T040000000Z-test", requestTimeoutMs: 1000, clusterDeadlineMs: 8000, cnsMetrics: 0, ...FAST, ...over });

describe("an API server that answers slowly", () => {
  it("is read whole: a request's timeout starts when it has a connection, not while it waits for one", async () => {
    const s = await collect("slow-400");
    expect(s.reason).toBeUndefined();
    expect(s.status).toBe("ok");
    expect(s.nodes).toHaveLength(3);
    expect(s.kubernetesVersion).toMatch(/^v1\./);
  });

  it("still fails on the cluster deadline, which covers the waiting too", async () => {
    const s = await collect("slow-400", { requestTimeoutMs: 5000, clusterDeadlineMs: 1200 });
    expect(s.status).toBe("unreachable");
    expect(s.reason).toMatch(/deadline/);
  });
});

describe("an optional read that gets no answer", () => {
  it.each([
    ["slow-pending", /^listing Pending pods: no answer before the timeout$/],
    ["version-hang", /^reading \/version: no answer before the timeout$/],
  ])("%s: is a note, and the cluster that answered the rest is ok", async (name, note) => {
    const s = await collect(name);
    expect(s.reason).toBeUndefined();
    expect(s.status).toBe("ok");
    expect([s.nncs.length, s.nodes.length, s.cns.pods.length]).toEqual([3, 3, 3]);
    expect(s.notes).toContainEqual(expect.stringMatching(note));
  });

  it("leaves a cluster whose required reads get no answer either unreachable", async () => {
    const s = await collect("core-hang");
    expect(s.status).toBe("unreachable");
    expect(s.reason).toMatch(/^listing (Nodes|CNS pods).*: no answer before the timeout$/);
    expect(s.nncs).toEqual([]);
  });
});

describe("a parse worker that dies", () => {
  it("costs no cluster: the pages it held are read again and parsed in place", async () => {
    const pool = sharedParsePool()!;
    const parse = pool.parse.bind(pool);
    // As a crash or an OOM kill would: the workers die with the cluster's first big page on one of them.
    pool.parse = (...args) => {
      const page = parse(...args);
      for (const w of (pool as unknown as { workers: Worker[] }).workers) void w.terminate();
      return page;
    };
    const s = await collect("big");
    expect(pool.failure?.message).toMatch(/the parse worker exited/);
    expect(s.reason).toBeUndefined();
    expect(s.status).toBe("ok");
    expect([s.nncs.length, s.nodes.length, s.cns.pods.length]).toEqual([120, 120, 120]);
    expect(pool.stats.inPlace).toBeGreaterThan(0);
  });
});

describe("a 404 on the NodeNetworkConfig list", () => {
  it("is not-cns when API discovery agrees the cluster serves no acn.azure.com/v1alpha", async () => {
    const s = await collect("kubenet");
    expect(s.status).toBe("not-cns");
    expect(s.reason).toMatch(/serves no acn\.azure\.com\/v1alpha NodeNetworkConfig API/);
  });

  it("is an error naming the 404 when the server URL has a wrong path: discovery answers 404 too", async () => {
    const s = await collect("kubenet", {}, (u) => `${u}/wrong`);
    expect(s.status).toBe("error");
    expect(s.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*API discovery \(\/apis\) did not answer as a Kubernetes API server.*server URL/);
  });

  // Only a wrong answer, or a 404, suggests a wrong server URL; a failed discovery says why it failed,
  // and is classified as that failure: a credential without discovery rights is unauthorized, as a 403 on
  // a list is, and discovery that gets no answer in time leaves the cluster unreachable, as a list would.
  it("is classified and named by why API discovery failed, when it failed, after the 404", async () => {
    const [forbidden, unavailable, deadline, timeout] = await Promise.all([
      collect("kubenet-apis-403"),
      collect("kubenet-apis-503"),
      collect("kubenet-apis-hang", { requestTimeoutMs: 5000, clusterDeadlineMs: 1500 }),
      collect("kubenet-apis-hang"),
    ]);
    expect([forbidden.status, unavailable.status, deadline.status, timeout.status]).toEqual(["unauthorized", "error", "unreachable", "unreachable"]);
    expect(forbidden.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*; API discovery \(\/apis\) failed: 403 Forbidden.* the identity lacks read access$/);
    expect(unavailable.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*; API discovery \(\/apis\) failed: .*503/);
    expect(deadline.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*; API discovery \(\/apis\) failed: the cluster deadline passed before it answered$/);
    expect(timeout.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*; API discovery \(\/apis\) failed: no answer before the timeout$/);
    expect([forbidden, unavailable, deadline, timeout].map((s) => s.reason).join(" ")).not.toMatch(/server URL/);
  });

  // A 2xx page that is no APIGroupList (a proxy's {} or sign-in page) is no answer about the API either.
  it("is an error naming the 404 when discovery answers with no APIGroupList, and costs no other cluster", async () => {
    const snaps = new Map<string, ClusterSnapshot>();
    const targets = ["kubenet-apis-empty", "kubenet-apis-html", "kubenet", "healthy"].map((n) => target(n));
    await collectFleet(targets, { scanId: "20261201T040000000Z-test", requestTimeoutMs: 1000, clusterDeadlineMs: 8000, cnsMetrics: 0, ...FAST }, (s) => void snaps.set(s.cluster, s));
    for (const name of ["kubenet-apis-empty", "kubenet-apis-html"]) {
      const s = snaps.get(name)!;
      expect(s.status).toBe("error");
      expect(s.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*; API discovery \(\/apis\) answered with no APIGroupList, as a Kubernetes API server does: is the kubeconfig's server URL right\?$/);
    }
    expect(snaps.get("kubenet")!.status).toBe("not-cns");
    const healthy = snaps.get("healthy")!;
    expect([healthy.status, healthy.reason, healthy.nncs.length]).toEqual(["ok", undefined, 3]);
  });

  it("is an error naming the 404 when discovery lists the NodeNetworkConfig API", async () => {
    const s = await collect("nnc-404");
    expect(s.status).toBe("error");
    expect(s.reason).toMatch(/^listing NodeNetworkConfigs .*: HTTP 404 .*API discovery \(\/apis\) lists acn\.azure\.com\/v1alpha/);
  });
});

describe("a list answer that is valid JSON but no object", () => {
  it.each([
    ["nnc-json-0", "an array"],
    ["nnc-json-1", "a number"],
    ["nnc-json-2", "a string"],
    ["nnc-json-3", "null"],
  ])("%s: fails the cluster as an error naming the list and what came instead of it, not as malformed JSON", async (name, what) => {
    const s = await collect(name);
    expect(s.status).toBe("error");
    expect(s.reason).toBe(`listing NodeNetworkConfigs (acn.azure.com/v1alpha) in kube-system: the list answer is ${what}, not a Kubernetes list`);
  });

  it("is named so for any list, after the NodeNetworkConfigs were read", async () => {
    const s = await collect("nodes-array");
    expect(s.status).toBe("error");
    expect(s.reason).toBe("listing Nodes: the list answer is an array, not a Kubernetes list");
  });
});

describe("a kubeconfig server URL with a query", () => {
  it("is read without it, as kubectl does, with a note, rather than appending paths after it", async () => {
    const s = await collect("slow-400", { requestTimeoutMs: 5000 }, (u) => `${u}/?x=1`);
    expect(s.status).toBe("ok");
    expect([s.nncs.length, s.nodes.length, s.cns.pods.length]).toEqual([3, 3, 3]);
    expect(s.notes).toContainEqual(expect.stringMatching(/server URL has a query.*ignored/));
    expect(JSON.stringify(s)).not.toContain("x=1");
  });
});
