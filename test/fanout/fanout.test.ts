// The fan-out end to end on Azurite's queue and tables: a round of 20 simulated clusters shared by
// two workers, redelivery, poison, garbage, a deadline, and a job that stored but never settled.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import type { SnapshotSummary } from "../../src/model/snapshot.js";
import { type ClusterRef, discoverRefs, resolveTarget } from "../../src/sources/discover.js";
import { completeRound, encodeJob, type FanoutDeps, type FanoutLog, handleJob, handlePoison, runWorker, startRound, sweepRounds } from "../../src/fanout/index.js";
import { alertSettings, destination } from "../../src/alerts/config.js";
import { startReceiver } from "../alerts/receiver.js";
import { depsFor, type Fleet, startFleet, uniqueNames } from "./helpers.js";
import { JobQueue } from "../../src/fanout/queue.js";
import { AZURITE_KEY } from "../../src/store/azurite.js";
import { withSilentServer } from "../helpers/silent-server.js";
import { emptySnapshot } from "../../src/model/snapshot.js";

let fleet: Fleet;
const BROKEN = "aks-dyn-002"; // refuses connections: SCN001, so the round has something to announce

beforeAll(async () => {
  fleet = await startFleet(20);
  await fleet.sim.cluster(BROKEN).setFaults([{ kind: "refuse" }]);
});
afterAll(() => fleet?.close());

const worker = (deps: FanoutDeps) => runWorker(deps, { concurrency: 4, untilEmpty: true, pollMs: 100, sweepMs: 60_000 });

describe("a scan round over the queue", () => {
  const names = uniqueNames();
  const a = () => depsFor(fleet, names, "worker-a");
  let round: string;

  it("enqueues one job per cluster, two workers share them, every cluster is stored once and the round is evaluated once", async () => {
    const started = await startRound(await a());
    round = started.round;
    expect(started.clusters).toHaveLength(20);
    expect(started.notEnqueued).toEqual([]);
    expect(await (await a()).queue.backlog()).toBe(20);

    const [wa, wb] = await Promise.all([worker(await a()), worker(await depsFor(fleet, names, "worker-b"))]);
    // Both took part, and between them every job was stored exactly once.
    expect(wa.stored).toBeGreaterThan(0);
    expect(wb.stored).toBeGreaterThan(0);
    expect(wa.stored + wb.stored).toBe(20);
    expect(wa.duplicates + wb.duplicates + wa.rejected + wb.rejected + wa.poisoned + wb.poisoned).toBe(0);
    expect([...wa.evaluated, ...wb.evaluated]).toEqual([round]);

    const { store, rounds } = await a();
    const latest = await store.listLatest();
    expect(latest.map((l) => l.cluster).sort()).toEqual(started.clusters);
    for (const l of latest) {
      expect(l.latest.scanId).toBe(round);
      expect(await store.listHistory(l.cluster)).toHaveLength(1);
    }
    expect(latest.find((l) => l.cluster === BROKEN)?.latest.status).toBe("unreachable");
    expect(await rounds.header(round)).toMatchObject({ state: "evaluated", expected: 20 });
    expect((await rounds.clusters(round)).every((r) => r.state === "done")).toBe(true);

    const evaluations = await store.listEvaluations();
    expect(evaluations.map((e) => e.scanId)).toEqual([round]);
    const evaluation = (await store.getEvaluation(round))!;
    expect(evaluation.clusters).toHaveLength(20);
    expect(evaluation.findings.some((f) => f.rule === "SCN001" && f.cluster === BROKEN)).toBe(true);
    // One alert message for the round, not one per worker.
    expect(fleet.receiver.posts).toHaveLength(1);
    expect(fleet.receiver.posts[0]!.body.attachments[0].content.type).toBe("AdaptiveCard");
  });

  it("a redelivered job changes nothing and does not evaluate again", async () => {
    const deps = await a();
    const before = await deps.store.getLatest("aks-blk-001");
    const ref = (await discoverRefs(deps.discovery)).find((r) => r.name === "aks-blk-001")!;
    await deps.queue.send(encodeJob({ v: 1, round, ref }));
    const stats = await worker(deps);
    expect(stats).toMatchObject({ stored: 0, duplicates: 1, evaluated: [] });
    expect(await deps.store.getLatest("aks-blk-001")).toEqual(before);
    expect(await deps.store.listHistory("aks-blk-001")).toHaveLength(1);
    expect(fleet.receiver.posts).toHaveLength(1);
    expect(await completeRound(round, deps)).toEqual({ state: "already" });
  });
});

describe("messages that fail", () => {
  it("a message past the max dequeue count, and one on the poison queue, end as scan-failure findings", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w");
    const refs = (await discoverRefs(deps.discovery)).filter((r) => ["aks-ovl-003", "aks-ovl-006", "aks-blk-004"].includes(r.name));
    const started = await startRound(deps, refs);
    const text = (m: { messageText: string }) => Buffer.from(m.messageText, "base64").toString();
    for (const m of (await deps.queue.jobs.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 30 })).receivedMessageItems) {
      if (text(m).includes('"aks-ovl-003"')) {
        // Tried once and failed: back in the queue with dequeue count 1, at the limit of 1.
        await deps.queue.jobs.updateMessage(m.messageId, m.popReceipt, undefined, 0);
        continue;
      }
      await deps.queue.jobs.deleteMessage(m.messageId, m.popReceipt);
      // The Functions host moved aks-ovl-006's job to the poison queue after its last try.
      if (text(m).includes('"aks-ovl-006"')) await deps.queue.poison.sendMessage(m.messageText);
      else await deps.queue.send(m.messageText); // untried
    }

    const stats = await runWorker(deps, { concurrency: 2, untilEmpty: true, pollMs: 100, maxDequeueCount: 1 });
    expect(stats).toMatchObject({ stored: 1, poisoned: 2, rejected: 0, evaluated: [started.round] });
    const e = (await deps.store.getEvaluation(started.round))!;
    for (const name of ["aks-ovl-003", "aks-ovl-006"]) {
      const snap = await deps.store.getSnapshot(name, started.round);
      expect(snap).toMatchObject({ status: "error", reason: expect.stringMatching(/^poison message: the scan job for this cluster failed/) });
      const f = e.findings.find((x) => x.rule === "SCN001" && x.cluster === name);
      expect(f?.message).toContain("poison message");
    }
    expect((await deps.rounds.cluster(started.round, "aks-ovl-006"))?.state).toBe("failed");
    expect((await deps.store.getSnapshot("aks-blk-004", started.round))?.status).toBe("ok");
  });

  it("says how many times a poisoned job was tried, and that the last try gave it up", async () => {
    const names = uniqueNames();
    const { lines, log } = recordingLog();
    const deps = await depsFor(fleet, names, "w", { log });
    const started = await startRound(deps, (await discoverRefs(deps.discovery)).filter((r) => r.name === "aks-blk-001"));
    // Every try collects, then the store refuses the snapshot: the job throws each time.
    const failing = { ...deps, store: Object.assign(Object.create(deps.store), { putSnapshot: () => Promise.reject(new Error("table snapshots: 503 Server Busy")) }) };
    const stats = await runWorker(failing, { concurrency: 1, untilEmpty: true, pollMs: 100, maxDequeueCount: 2 });
    expect(stats).toMatchObject({ poisoned: 1, stored: 0 });
    expect((await deps.store.getSnapshot("aks-blk-001", started.round))?.reason).toMatch(/^poison message: the scan job for this cluster failed 2 times and was given up/);
    const tries = lines.filter((l) => l.includes("failed,"));
    expect(tries).toEqual([
      expect.stringMatching(/^warn: message \S+ \(try 1 of 2\) failed, retrying in 2 s: /),
      expect.stringMatching(/^warn: message \S+ \(try 2 of 2\) failed, given up: it is recorded as its cluster's failed scan: /),
    ]);
  });

  it("garbage is recorded by name and reason, never crashes the worker, and never touches a cluster", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w");
    const started = await startRound(deps, (await discoverRefs(deps.discovery)).filter((r) => r.name === "aks-blk-004"));
    await deps.queue.send("this is not a job!");
    await deps.queue.send(Buffer.from(JSON.stringify({ v: 1, round: started.round, ref: { kind: "kubeconfig", name: "aks-x\u0007", files: [] } })).toString("base64"));
    await deps.queue.send(Buffer.from("{not json").toString("base64"));
    await deps.queue.send(encodeJob({ v: 1, round: started.round, ref: { kind: "kubeconfig", name: "aks-not-in-round", context: "c", files: ["/k"] } }));
    const stats = await runWorker(deps, { concurrency: 3, untilEmpty: true, pollMs: 100 });
    expect(stats).toMatchObject({ stored: 1, rejected: 4, retried: 0 });
    const rejected = await deps.rounds.rejected();
    expect(rejected).toHaveLength(4);
    const reasons = rejected.map((r) => r.reason).sort();
    expect(reasons).toEqual([
      expect.stringContaining("cluster \"aks-not-in-round\" is not part of round"),
      "not JSON (after base64 decoding)",
      "not JSON and not base64",
      expect.stringMatching(/^not a job message \(ref.context: .*ref.files: /),
    ]);
    const named = rejected.find((r) => r.reason.startsWith("not a job"))!;
    expect(named).toMatchObject({ round: started.round, cluster: "aks-x\\x07", queue: names.queue, dequeueCount: 1 });
    expect(named.messageId).toMatch(/\S/);
    expect(JSON.stringify(rejected)).not.toContain("this is not a job");
    expect((await deps.store.listLatest()).map((l) => l.cluster)).toEqual(["aks-blk-004"]);
  });
});

/** A log that keeps its lines, prefixed by level. */
function recordingLog(): { lines: string[]; log: FanoutLog } {
  const lines: string[] = [];
  return { lines, log: { info: (l) => lines.push(`info: ${l}`), warn: (l) => lines.push(`warn: ${l}`) } };
}

describe("what a job logs", () => {
  it("names round and cluster before collecting, warns on a failed scan, and names both in an error it throws", async () => {
    const names = uniqueNames();
    const { lines, log } = recordingLog();
    const deps = await depsFor(fleet, names, "w", { log });
    const started = await startRound(deps, (await discoverRefs(deps.discovery)).filter((r) => ["aks-blk-001", BROKEN].includes(r.name)));
    const jobs = await deps.queue.receive(2, 60);
    const broken = jobs.find((j) => Buffer.from(j.text, "base64").toString().includes(`"${BROKEN}"`))!;
    const other = jobs.find((j) => j !== broken)!;
    const r = started.round;
    lines.length = 0;

    await handleJob(broken.text, { queue: names.queue, messageId: "m-1", dequeueCount: 1 }, deps);
    expect(lines).toEqual([`info: round ${r}: scanning ${BROKEN} (attempt 1, message m-1)`, expect.stringMatching(new RegExp(`^warn: round ${r}: ${BROKEN} unreachable \\(`))]);

    // A store that fails after collecting: the host would log only this error, so it names the job.
    lines.length = 0;
    const failing = { ...deps, store: Object.assign(Object.create(deps.store), { putSnapshot: () => Promise.reject(new Error("table snapshots: 503 Server Busy")) }) };
    const err = await handleJob(other.text, { queue: names.queue, messageId: "m-2", dequeueCount: 3 }, failing).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`round ${r}: scanning aks-blk-001 failed (attempt 3, message m-2): table snapshots: 503 Server Busy`);
    expect(((err as Error).cause as Error).message).toBe("table snapshots: 503 Server Busy");
    expect(lines).toEqual([`info: round ${r}: scanning aks-blk-001 (attempt 3, message m-2)`]);

    // The poison reason points at the lines above.
    await handlePoison(other.text, { queue: names.queue, messageId: "m-2", dequeueCount: 5 }, deps);
    const reason = (await deps.store.getSnapshot("aks-blk-001", r))!.reason!;
    expect(reason).toContain(`the logs name each try's error, after "round ${r}: scanning aks-blk-001"`);
    expect(lines).toContain(`warn: round ${r}: aks-blk-001: ${reason}`);
  });
});

describe("a message that names another cluster than its round registered", () => {
  it("is rejected without touching any cluster, and the genuine job still lands under its own name", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w");
    const refs = (await discoverRefs(deps.discovery)).filter((r) => ["aks-blk-001", "aks-ovl-003"].includes(r.name));
    const started = await startRound(deps, refs);
    const genuine = refs.find((r) => r.name === "aks-blk-001") as Extract<ClusterRef, { kind: "kubeconfig" }>;
    const forged: ClusterRef[] = [
      { ...genuine, context: "aks-ovl-003" }, // another cluster's context under this name
      { ...genuine, files: ["/etc/hostname"] }, // any file a message names
      { kind: "fleet", name: "aks-blk-001", fleetFile: fleet.kubeconfig }, // a kind the round did not register
    ];
    for (const ref of forged) {
      for (const handle of [handleJob, handlePoison]) {
        const out = await handle(encodeJob({ v: 1, round: started.round, ref }), { queue: names.queue, messageId: "forged", dequeueCount: 5 }, deps);
        expect(out).toMatchObject({ kind: "rejected", reason: expect.stringContaining(`cluster "aks-blk-001" of round ${started.round}: the message's cluster reference`) });
      }
    }
    expect((await deps.rounds.clusters(started.round)).map((r) => r.state)).toEqual(["pending", "pending"]);
    expect(await deps.store.listLatest()).toEqual([]);

    // The same reference written another way is the same job; it scans what the round registered.
    const [file] = genuine.files;
    const same = { ...genuine, files: [`${path.dirname(file!)}/./${path.basename(file!)}`], extra: "ignored" };
    expect(await handleJob(encodeJob({ v: 1, round: started.round, ref: same }), { queue: names.queue }, deps)).toMatchObject({ kind: "stored", cluster: "aks-blk-001" });
    const stats = await runWorker(deps, { concurrency: 2, untilEmpty: true, pollMs: 100 });
    expect(stats).toMatchObject({ stored: 1, duplicates: 1, rejected: 0, evaluated: [started.round] });
    for (const name of ["aks-blk-001", "aks-ovl-003"]) expect(await deps.store.getSnapshot(name, started.round)).toMatchObject({ status: "ok", source: { context: name } });
  });
});

describe("the round deadline", () => {
  it("evaluates at the deadline without the missing cluster, which becomes a finding", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w", { roundDeadlineMs: 60_000 });
    const refs = (await discoverRefs(deps.discovery)).filter((r) => ["aks-blk-001", "aks-ovl-003"].includes(r.name));
    const started = await startRound(deps, refs);
    // aks-ovl-003's job is lost (its worker died and the message is still hidden).
    const items = (await deps.queue.jobs.receiveMessages({ numberOfMessages: 2, visibilityTimeout: 600 })).receivedMessageItems;
    const lost = items.find((m) => Buffer.from(m.messageText, "base64").toString().includes('"aks-ovl-003"'))!;
    for (const m of items.filter((m) => m !== lost)) await deps.queue.jobs.updateMessage(m.messageId, m.popReceipt, undefined, 0);
    const stats = await runWorker(deps, { concurrency: 2, idleExitMs: 300, pollMs: 100 });
    expect(stats).toMatchObject({ stored: 1, evaluated: [] });
    expect(await completeRound(started.round, deps)).toEqual({ state: "not-ready" });

    const later = { ...deps, now: () => new Date(Date.parse(started.deadline) + 1_000) };
    const swept = await sweepRounds(later);
    expect(swept.map((s) => [s.round, s.completion.state])).toEqual([[started.round, "evaluated"]]);
    const snap = await deps.store.getSnapshot("aks-ovl-003", started.round);
    expect(snap).toMatchObject({ status: "error", reason: expect.stringContaining("no result by the scan round's deadline") });
    const e = (await deps.store.getEvaluation(started.round))!;
    expect(e.findings.find((f) => f.rule === "SCN001" && f.cluster === "aks-ovl-003")).toBeDefined();
    expect(e.notes.join("\n")).toContain("without 1 cluster(s): aks-ovl-003");
    expect((await deps.rounds.cluster(started.round, "aks-ovl-003"))?.state).toBe("missed");
    // A second sweep finds nothing left to do.
    expect(await sweepRounds(later)).toEqual([]);

    // The late job still lands: real data replaces the placeholder, and the round stays evaluated once.
    await deps.queue.jobs.updateMessage(lost.messageId, lost.popReceipt, undefined, 0);
    const late = await runWorker(later, { concurrency: 1, untilEmpty: true, pollMs: 100 });
    expect(late).toMatchObject({ stored: 1, evaluated: [] });
    expect((await deps.store.getSnapshot("aks-ovl-003", started.round))?.status).toBe("ok");
  });
});

describe("a cluster removed from its source while its job is queued", () => {
  it("ends its job without a snapshot, so it ages into SCN004 as one removed between rounds, never SCN001", async () => {
    const names = uniqueNames();
    const kubeconfig = path.join(mkdtempSync(path.join(tmpdir(), "gone-")), "kubeconfig");
    copyFileSync(fleet.kubeconfig, kubeconfig);
    const deps = await depsFor(fleet, names, "w", { discovery: { kubeconfig: [kubeconfig], contexts: ["aks-blk-001", "aks-ovl-003"] } });
    const first = await startRound(deps);
    await worker(deps);
    const second = await startRound(deps);
    // `kubectl config delete-context` while the round's jobs wait on the queue.
    const kc = YAML.parse(readFileSync(kubeconfig, "utf8")) as { contexts: Array<{ name: string }> };
    kc.contexts = kc.contexts.filter((c) => c.name !== "aks-ovl-003");
    writeFileSync(kubeconfig, YAML.stringify(kc));

    const stats = await worker(deps);
    expect(stats).toMatchObject({ stored: 1, gone: 1, poisoned: 0, retried: 0, evaluated: [second.round] });
    expect(await deps.store.getSnapshot("aks-ovl-003", second.round)).toBeUndefined();
    expect((await deps.store.getLatest("aks-ovl-003"))?.latest).toMatchObject({ scanId: first.round, status: "ok" });
    expect(await deps.rounds.cluster(second.round, "aks-ovl-003")).toMatchObject({ state: "gone", reason: expect.stringContaining('unknown context "aks-ovl-003"') });
    const e = (await deps.store.getEvaluation(second.round))!;
    expect(e.findings.filter((f) => f.cluster === "aks-ovl-003" && /^SCN00[12]$/.test(f.rule))).toEqual([]);
  });
});

describe("the deadline sweep's log", () => {
  it("names the clusters that missed the deadline in a warning, the first 20 and how many more", async () => {
    const { lines, log } = recordingLog();
    const deps = await depsFor(fleet, uniqueNames(), "w", { roundDeadlineMs: 60_000, log });
    const refs: ClusterRef[] = Array.from({ length: 23 }, (_, i) => ({ kind: "kubeconfig", name: `aks-gone-${String(i).padStart(2, "0")}`, context: "c", files: ["/k"] }));
    const started = await startRound(deps, refs);
    const swept = await sweepRounds({ ...deps, now: () => new Date(Date.parse(started.deadline) + 1_000) });
    expect(swept.map((s) => s.completion.state)).toEqual(["evaluated"]);
    const warned = lines.filter((l) => l.startsWith("warn: "));
    expect(warned).toEqual([expect.stringMatching(new RegExp(`^warn: round ${started.round}: 23 cluster\\(s\\) missed the deadline \\(${started.deadline}\\): (aks-gone-\\d\\d, ){19}aks-gone-\\d\\d and 3 more$`))]);
  });
});

describe("the round's alerts", () => {
  it("have one deadline: a webhook that never answers leaves them pending, and the round is still evaluated", async () => {
    const silent = await startReceiver();
    try {
      silent.script.push(...Array.from({ length: 4 }, () => ({ hang: true as const })));
      const names = uniqueNames();
      const warned: string[] = [];
      const log = { info: () => {}, warn: (l: string) => void warned.push(l) };
      const deps = await depsFor(fleet, names, "w", { alerts: () => alertSettings({ teams: [silent.url], env: {} }), alertDeadlineMs: 300, log });
      const started = await startRound(deps, (await discoverRefs(deps.discovery)).filter((r) => r.name === BROKEN));
      const [job] = await deps.queue.receive(1, 60);
      const out = await handleJob(job!.text, { queue: names.queue }, deps);
      expect(out.kind === "stored" && out.completion).toMatchObject({
        state: "evaluated",
        alerts: [{ announced: 0, pending: 1, errors: [expect.stringContaining("not delivered by the alerts' deadline (last: no answer); kept for the next scan")] }],
      });
      expect(await deps.rounds.header(started.round)).toMatchObject({ state: "evaluated" });
      // An operator filtering the logs to warnings sees it.
      expect(warned).toEqual(expect.arrayContaining([expect.stringMatching(/^alerts: teams .*nothing delivered, 1 message\(s\) pending$/), expect.stringMatching(/^alerts: .*kept for the next scan$/)]));
      // Nothing was recorded as announced: the next round plans the same message again.
      expect(await deps.alertState!.load(destination("teams", silent.url, "warning").id)).toEqual(new Map());
    } finally {
      await silent.close();
    }
  });
});

describe("a job that stored its snapshot and died before settling", () => {
  it("keeps its real result through the deadline sweep and the poison handler", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w", { roundDeadlineMs: 60_000 });
    const refs = (await discoverRefs(deps.discovery)).filter((r) => ["aks-blk-001", "aks-ovl-003"].includes(r.name));
    const started = await startRound(deps, refs);
    // Both jobs stored a snapshot; neither settled its row (the workers stopped right after).
    const stored = new Map<string, SnapshotSummary>();
    for (const ref of refs) {
      const target = await resolveTarget(ref, deps.discovery);
      stored.set(ref.name, await deps.store.putSnapshot(await collectCluster(target, { ...deps.collect, scanId: started.round })));
    }
    // aks-blk-001's message ends on the poison queue: its stored result stands, and the row is done.
    const poisoned = await handlePoison(encodeJob({ v: 1, round: started.round, ref: refs.find((r) => r.name === "aks-blk-001")! }), { queue: "poison", dequeueCount: 5 }, deps);
    expect(poisoned.kind).toBe("duplicate");
    expect(await deps.store.getSnapshot("aks-blk-001", started.round)).toMatchObject({ status: "ok" });
    expect((await deps.rounds.cluster(started.round, "aks-blk-001"))?.state).toBe("done");
    // aks-ovl-003 is still pending at the deadline: the sweep marks the row but keeps the snapshot.
    const later = { ...deps, now: () => new Date(Date.parse(started.deadline) + 1_000) };
    const completion = await completeRound(started.round, later);
    expect(completion).toMatchObject({ state: "evaluated", missed: [] });
    expect(await deps.store.getSnapshot("aks-ovl-003", started.round)).toMatchObject({ status: "ok" });
    expect((await deps.store.getLatest("aks-ovl-003"))?.latest).toEqual(stored.get("aks-ovl-003"));
    const e = (await deps.store.getEvaluation(started.round))!;
    expect(e.findings.filter((f) => f.rule === "SCN001")).toEqual([]);
    expect(e.notes.join("\n")).not.toContain("without");
  });
});

describe("the job queue", () => {
  it("fails a send to an endpoint that takes the request and never answers, instead of waiting forever", async () => {
    const err = await withSilentServer((port) => {
      const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
      return JobQueue.fromConnectionString(cs, "jobs", 200).send("{}").then(() => undefined, (e: unknown) => e as Error);
    });
    expect(err?.message).toBe("queue jobs: creating the queues: no answer within 0.2 s");
  });
});

describe("a round of ARM clusters", () => {
  it("registers a cluster under the qualified name its history has, though this listing alone would name it bare", async () => {
    const deps = await depsFor(fleet, uniqueNames(), "worker-arm");
    const arm = { id: "/subscriptions/s1/resourceGroups/rg-1/providers/Microsoft.ContainerService/managedClusters/web", name: "web", resourceGroup: "rg-1", subscriptionId: "s1", aad: false, pools: [] };
    await deps.store.putSnapshotWithLatest(emptySnapshot("rg-1/web", "20261201T000000000Z-abcd", { kind: "arm" }, new Date("2026-12-01T00:00:00Z")));
    const started = await startRound(deps, [{ kind: "arm", name: "web", id: arm.id, arm }]);
    expect(started.clusters).toEqual(["rg-1/web"]);
    expect((await deps.rounds.clusters(started.round)).map((r) => r.cluster)).toEqual(["rg-1/web"]);
  });
});
