// A round started while one subscription cannot be listed: its clusters the store knows are in the
// round as failed scans (shown from their last good snapshot), and the evaluation notes the subscription.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectStorage, type FanoutDeps, runWorker, startRound } from "../../src/fanout/index.js";
import { type AzureFixture, SUB_A, SUB_B, SUB_C, withSimAzure } from "../azure/env.js";
import { runCli } from "../helpers/cli.js";
import { type Names, uniqueNames } from "./helpers.js";

let fx: AzureFixture;
let deps: FanoutDeps;
let names: Names;

beforeAll(async () => {
  fx = await withSimAzure({
    subscriptions: [{ id: SUB_A }, { id: SUB_B }, { id: SUB_C, displayName: "empty" }],
    clusters: [
      { name: "aks-listed", mode: "overlay", nodes: 1, azure: { subscription: SUB_A } },
      { name: "aks-unlisted", mode: "overlay", nodes: 1, azure: { subscription: SUB_B } },
      { name: "aks-asleep", mode: "overlay", nodes: 1, azure: { subscription: SUB_B, powerState: "Stopped" } },
    ],
  });
  names = uniqueNames();
  const storage = await connectStorage({ connectionString: inject("azuriteConnectionString") }, names);
  deps = { ...storage, discovery: { ...fx.settings, subscriptions: [SUB_A, SUB_B] }, collect: { clusterDeadlineMs: 20_000, requestTimeoutMs: 5_000, cnsMetrics: 0 }, workerId: "worker-unlisted" };
});
afterAll(() => fx?.close());

const round = async (subscriptions = [SUB_A, SUB_B]) => {
  const started = await startRound({ ...deps, discovery: { ...deps.discovery, subscriptions } });
  const stats = await runWorker(deps, { concurrency: 2, untilEmpty: true, pollMs: 100, sweepMs: 60_000 });
  expect(stats.evaluated).toEqual([started.round]);
  return { started, evaluation: (await deps.store.getEvaluation(started.round))! };
};

describe("a round while a subscription cannot be listed", () => {
  it("fails the known clusters of that subscription, shows their last good data as such, and notes the subscription", async () => {
    const first = await round();
    const good = first.evaluation.clusters.find((c) => c.cluster === "aks-unlisted")!;
    expect(good.status).toBe("ok");

    fx.az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    const { started, evaluation } = await round();
    expect(started.clusters).toEqual(["aks-asleep", "aks-listed", "aks-unlisted"]);
    expect(evaluation.notes).toContainEqual(expect.stringContaining(`subscription ${SUB_B}: listing AKS clusters: 403`));
    expect(evaluation.clusters.find((c) => c.cluster === "aks-unlisted")).toMatchObject({ status: "error", dataFrom: good.takenAt, lastOkAt: good.takenAt });
    expect(evaluation.clusters.find((c) => c.cluster === "aks-listed")).toMatchObject({ status: "ok" });
    const scn = evaluation.findings.filter((f) => f.cluster === "aks-unlisted" && f.rule.startsWith("SCN"));
    expect(scn.map((f) => f.message).join("\n")).toContain(`subscription ${SUB_B} could not be listed`);
    // A stopped cluster has no CNS data to go stale: it stays stopped, saying why, and pages no one.
    expect(evaluation.clusters.find((c) => c.cluster === "aks-asleep")).toMatchObject({ status: "stopped", notes: [expect.stringContaining(`subscription ${SUB_B} could not be listed this round`)] });
    expect(evaluation.findings.filter((f) => f.cluster === "aks-asleep")).toEqual([]);
    expect(await deps.rounds.cluster(started.round, "aks-asleep")).toMatchObject({ state: "done", status: "stopped" });
  });

  it("starts the round when the subscription that could be listed has no cluster at all", async () => {
    fx.az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    const { started, evaluation } = await round([SUB_C, SUB_B]);
    expect(started.clusters).toEqual(["aks-asleep", "aks-unlisted"]);
    expect(evaluation.notes).toContainEqual(expect.stringContaining(`subscription ${SUB_B}: listing AKS clusters: 403`));
    expect(evaluation.clusters.find((c) => c.cluster === "aks-unlisted")).toMatchObject({ status: "error", reason: expect.stringContaining(`subscription ${SUB_B} could not be listed`) });
  });

  it("with nothing to scan at all, says which subscription could not be listed", async () => {
    fx.az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    const fresh = await connectStorage({ connectionString: inject("azuriteConnectionString") }, uniqueNames());
    const err = await startRound({ ...deps, ...fresh, discovery: { ...deps.discovery, subscriptions: [SUB_C, SUB_B] } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`^discovery found no clusters: nothing to scan; discovery: subscription ${SUB_B}: listing AKS clusters: 403`));
  });

  it("when no subscription can be listed, still registers a round that fails every known cluster, and the sweep evaluates it", async () => {
    fx.az.setSubscriptionFault(SUB_A, { kind: "forbidden" });
    fx.az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    try {
      const logs: string[] = [];
      const started = await startRound({ ...deps, log: { info: (l) => logs.push(l), warn: (l) => logs.push(l) } });
      // aks-asleep was stopped: it is in the round, keeping that status.
      expect(started.clusters).toEqual(["aks-asleep", "aks-listed", "aks-unlisted"]);
      expect(started.discoveryError?.message).toContain(`subscription ${SUB_A}: listing AKS clusters: 403`);
      expect(await deps.queue.backlog()).toBe(0);
      expect(logs).toContainEqual(expect.stringContaining(`discovery: subscription ${SUB_B}: listing AKS clusters: 403`));
      // No job will land it: the deadline sweep of a worker (or the Functions timer) evaluates the settled round.
      const stats = await runWorker(deps, { concurrency: 1, untilEmpty: true, pollMs: 100, sweepMs: 60_000 });
      expect(stats.evaluated).toEqual([started.round]);
      const evaluation = (await deps.store.getEvaluation(started.round))!;
      for (const [cluster, sub] of [["aks-listed", SUB_A], ["aks-unlisted", SUB_B]] as const) {
        expect(evaluation.clusters.find((c) => c.cluster === cluster)).toMatchObject({ status: "error" });
        const scn001 = evaluation.findings.find((f) => f.cluster === cluster && f.rule === "SCN001");
        expect(scn001?.message).toContain(`subscription ${sub} could not be listed`);
      }
    } finally {
      fx.az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("when no subscription can be listed and the store knows no cluster, starts nothing and throws the discovery error", async () => {
    const fresh = { ...deps, ...(await connectStorage({ connectionString: inject("azuriteConnectionString") }, uniqueNames())) };
    fx.az.setSubscriptionFault(SUB_A, { kind: "forbidden" });
    try {
      await expect(startRound(fresh)).rejects.toMatchObject({ name: "DiscoveryError" });
      expect(await fresh.rounds.unfinished(new Date(0))).toEqual([]);
    } finally {
      fx.az.setSubscriptionFault(SUB_A, undefined);
    }
  });

  it("scan --enqueue counts the jobs it enqueued, not the clusters recorded from the start without one", async () => {
    await round();
    fx.az.setSubscriptionFault(SUB_B, { kind: "forbidden" });
    try {
      const r = await runCli(["scan", "--enqueue", "--queue", names.queue, "--storage", inject("azuriteConnectionString"), "--subscription", SUB_A, "--subscription", SUB_B], { env: { ...fx.env, FLEET_AUDIT_TABLE_PREFIX: names.tablePrefix } });
      expect(r.code).toBe(0);
      // aks-listed has a job; aks-unlisted is failed and the stopped aks-asleep kept, neither with one.
      expect(r.stderr).toContain(`: 1 job(s) on queue ${names.queue}; 1 cluster(s) recorded failed from the start and 1 kept stopped or not CNS, with no job (subscription not listed); run`);
      expect(await deps.queue.backlog()).toBe(1);
    } finally {
      fx.az.setSubscriptionFault(SUB_B, undefined);
    }
    // Drained, so the round is evaluated and the next tests' workers find no job of it.
    expect((await runWorker(deps, { concurrency: 1, untilEmpty: true, pollMs: 100, sweepMs: 60_000 })).evaluated).toHaveLength(1);
  });
});

describe("a round with --subscription all while ARM cannot be reached", () => {
  it("enqueues the kubeconfig clusters and fails the known ARM clusters, rather than leaving them all out", async () => {
    await round();
    const file = path.join(mkdtempSync(path.join(tmpdir(), "unlisted-")), "config");
    writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: kc-one, context: { cluster: c, user: u } }]
current-context: kc-one
`);
    const started = await startRound({ ...deps, discovery: { ...deps.discovery, armMaxRetries: 0, armEndpoint: "https://127.0.0.1:1", subscriptions: "all", kubeconfig: [file] } });
    expect(started.discoveryError).toBeUndefined();
    expect(started.clusters).toEqual(["aks-asleep", "aks-listed", "aks-unlisted", "kc-one"]);
    expect(await deps.queue.backlog()).toBe(1);
    const stats = await runWorker(deps, { concurrency: 1, untilEmpty: true, pollMs: 100, sweepMs: 60_000 });
    expect(stats.evaluated).toEqual([started.round]);
    const evaluation = (await deps.store.getEvaluation(started.round))!;
    expect(evaluation.clusters.find((c) => c.cluster === "kc-one")).toMatchObject({ status: "unreachable" });
    expect(evaluation.clusters.find((c) => c.cluster === "aks-listed")).toMatchObject({ status: "error", reason: expect.stringContaining(`subscription ${SUB_A} could not be listed (ARM https://127.0.0.1:1: listing the subscriptions`) });
  });
});
