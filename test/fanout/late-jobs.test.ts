// Jobs that outlive their round, on Azurite: they expire soon after its deadline, and one taken after
// its round was evaluated without it ends unscanned once a newer round scans the same cluster.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleJob, handlePoison, LATE_JOB_SLACK_MS, runWorker, startRound, sweepRounds } from "../../src/fanout/index.js";
import { discoverRefs } from "../../src/sources/discover.js";
import { depsFor, type Fleet, startFleet, uniqueNames } from "./helpers.js";

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet(1);
});
afterAll(() => fleet?.close());

describe("a job's lifetime", () => {
  it("ends with the slack after its round's deadline, not the queue's default week", async () => {
    const deps = await depsFor(fleet, uniqueNames(), "w", { roundDeadlineMs: 60_000 });
    const started = await startRound(deps);
    const [m] = (await deps.queue.jobs.peekMessages()).peekedMessageItems;
    const expires = m!.expiresOn.getTime();
    expect(expires).toBeGreaterThan(Date.parse(started.deadline));
    expect(expires).toBeLessThanOrEqual(Date.parse(started.deadline) + LATE_JOB_SLACK_MS + 2_000);
  });
});

describe("a job that expires while its worker scans it", () => {
  it("counts as stored once: the message its TTL removed is not retried", async () => {
    const lines: string[] = [];
    const deps = await depsFor(fleet, uniqueNames(), "w", { log: { info: (l) => lines.push(`info: ${l}`), warn: (l) => lines.push(`warn: ${l}`) } });
    const refs = await discoverRefs(deps.discovery);
    const started = await startRound(deps, refs);
    // The same job, taken a second before its TTL ends (as one taken near deadline + slack), from a
    // cluster whose NNC list takes longer than that.
    const [job] = await deps.queue.receive(1, 600);
    await deps.queue.delete(job!);
    await deps.queue.send(job!.text, 1);
    await fleet.sim.cluster(refs[0]!.name).setFaults([{ kind: "slow", delayMs: 1_500, path: "nodenetworkconfigs" }]);
    try {
      const stats = await runWorker(deps, { concurrency: 1, untilEmpty: true, pollMs: 100, sweepMs: 60_000 });
      expect(stats).toMatchObject({ stored: 1, retried: 0, evaluated: [started.round] });
    } finally {
      await fleet.sim.cluster(refs[0]!.name).setFaults([]);
    }
    expect(lines.filter((l) => l.startsWith("warn: "))).toEqual([]);
    expect(await deps.queue.backlog()).toBe(0);
  });
});

describe("a job taken after its round was evaluated without it", () => {
  it("is ended without scanning once a newer round registered its cluster, and leaves the round's record alone", async () => {
    const names = uniqueNames();
    const lines: string[] = [];
    const deps = await depsFor(fleet, names, "w", { roundDeadlineMs: 60_000, log: { info: (l) => lines.push(`info: ${l}`), warn: (l) => lines.push(`warn: ${l}`) } });
    const refs = await discoverRefs(deps.discovery);
    const cluster = refs[0]!.name;
    const old = await startRound(deps, refs);
    const [job] = await deps.queue.receive(1, 600); // its worker stalls past the deadline
    const later = { ...deps, now: () => new Date(Date.parse(old.deadline) + 1_000) };
    expect((await sweepRounds(later)).map((s) => s.completion.state)).toEqual(["evaluated"]);
    const placeholder = await deps.store.getSnapshot(cluster, old.round);
    expect(placeholder).toMatchObject({ status: "error", reason: expect.stringContaining("no result by the scan round's deadline") });
    const newer = await startRound(later, refs);
    lines.length = 0;

    for (const handle of [handleJob, handlePoison]) {
      const out = await handle(job!.text, { queue: names.queue, messageId: "m-late", dequeueCount: 2 }, later);
      expect(out).toMatchObject({ kind: "late", cluster });
    }
    // Nothing collected or written: the deadline's placeholder and the row stand, and the newer round is untouched.
    expect(await deps.store.getSnapshot(cluster, old.round)).toEqual(placeholder);
    expect((await deps.rounds.cluster(old.round, cluster))?.state).toBe("missed");
    expect(await deps.store.getSnapshot(cluster, newer.round)).toBeUndefined();
    expect(lines[0]).toBe(`info: round ${old.round}: ${cluster} not scanned (attempt 2, message m-late): the round was evaluated without it at its deadline, and round ${newer.round} scans it`);
    expect(lines.filter((l) => l.startsWith("warn: "))).toEqual([]);
  });
});
