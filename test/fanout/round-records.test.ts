// The round table's upkeep on Azurite: the deadline sweep lists one index partition, not every round's
// cluster rows; rounds registered before the index still get finished; old records are deleted.
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { type FanoutDeps, pruneRounds, ROUND_LOOKBACK_MS, RoundTable, startRound, sweepRounds } from "../../src/fanout/index.js";
import type { ClusterRef } from "../../src/sources/discover.js";
import { scanRowKey } from "../../src/store/keys.js";
import { depsFor, type Fleet, startFleet, uniqueNames } from "./helpers.js";

let fleet: Fleet;
beforeAll(async () => {
  fleet = await startFleet(1);
});
afterAll(() => fleet?.close());

/** Clusters no job will reach: their rounds end at the deadline sweep. */
const refs = (n: number): ClusterRef[] => Array.from({ length: n }, (_, i) => ({ kind: "kubeconfig", name: `aks-far-${i}`, context: "c", files: ["/k"] }));
const DAY = 86_400_000;

/** The round table's own client, and a RoundTable over it that records every listing (as a new process would open it). */
function roundsTable(prefix: string): { client: TableClient; rounds: RoundTable; filters: string[]; listed: () => number } {
  const client = TableClient.fromConnectionString(inject("azuriteConnectionString"), `${prefix}rounds`, { allowInsecureConnection: true });
  const filters: string[] = [];
  let listed = 0;
  const list = client.listEntities.bind(client);
  client.listEntities = ((options) => {
    filters.push(options?.queryOptions?.filter ?? "(no filter)");
    const it = list(options);
    return Object.assign(Object.create(it), {
      next: async () => {
        const r = await it.next();
        if (!r.done) listed++;
        return r;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    });
  }) as TableClient["listEntities"];
  return { client, rounds: new RoundTable(client), filters, listed: () => listed };
}

/** A round as versions before the index registered it: its header only in its own partition. */
async function asLegacy(client: TableClient, round: string): Promise<void> {
  await client.deleteEntity("rounds", scanRowKey(round)).catch((e: { statusCode?: number }) => {
    if (e.statusCode !== 404) throw e;
  });
}

const at = (t: number) => () => new Date(t);

describe("the deadline sweep", () => {
  it("finishes a round registered before the index, then lists only the index partition, whatever the rounds hold", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w", { roundDeadlineMs: 60_000 });
    const { client } = roundsTable(names.tablePrefix);
    const legacy = await startRound(deps, refs(30));
    await asLegacy(client, legacy.round);
    const indexed = await startRound(deps, refs(30));
    const later = Date.parse(indexed.deadline) + 1_000;

    const swept = await sweepRounds({ ...deps, now: at(later) });
    expect(swept.map((s) => [s.round, s.completion.state]).sort()).toEqual([[legacy.round, "evaluated"], [indexed.round, "evaluated"]].sort());
    expect((await deps.rounds.header(legacy.round))?.state).toBe("evaluated");

    // A new round, not yet due; a new process sweeps.
    const open = await startRound({ ...deps, now: at(later) }, refs(30));
    const next = roundsTable(names.tablePrefix);
    expect(await sweepRounds({ ...deps, rounds: next.rounds, now: at(later + 1_000) })).toEqual([{ round: open.round, completion: { state: "not-ready" } }]);
    // Every query names one partition (Table Storage narrows by PartitionKey only), and the listing of
    // rounds reads the one unfinished round's index row, not the 90 cluster rows the table holds.
    expect(next.filters.length).toBeGreaterThan(0);
    for (const f of next.filters) expect(f).toMatch(/^PartitionKey eq '[^']+'/);
    expect(next.filters.filter((f) => f.startsWith("PartitionKey eq 'rounds'"))).toHaveLength(1);
    expect(next.listed()).toBe(1);
  });
});

describe("retention of round records", () => {
  it("deletes rounds older than the sweep's look-back, in the old layout and the new, and keeps newer ones", async () => {
    const names = uniqueNames();
    const deps: FanoutDeps = await depsFor(fleet, names, "w");
    const { client } = roundsTable(names.tablePrefix);
    const now = Date.now();
    const longAgo = { ...deps, now: at(now - ROUND_LOOKBACK_MS - DAY) };
    const old = await startRound(longAgo, refs(3));
    const oldLegacy = await startRound(longAgo, refs(3));
    await asLegacy(client, oldLegacy.round);
    const recent = await startRound({ ...deps, now: at(now - ROUND_LOOKBACK_MS + DAY) }, refs(3));

    expect(await pruneRounds({ ...deps, now: at(now) })).toMatchObject({ rounds: 2 });
    for (const r of [old, oldLegacy]) {
      expect(await deps.rounds.header(r.round)).toBeUndefined();
      expect(await deps.rounds.clusters(r.round)).toEqual([]);
    }
    expect(await deps.rounds.unfinished(new Date(0))).toEqual([recent.round]);
    expect(await deps.rounds.header(recent.round)).toMatchObject({ state: "open", expected: 3 });
    expect(await deps.rounds.clusters(recent.round)).toHaveLength(3);
  });

  it("keeps rejected-message records for the same days, and only the newest of them", async () => {
    const names = uniqueNames();
    const deps = await depsFor(fleet, names, "w");
    const now = Date.now();
    const reject = (t: number, id: string) => deps.rounds.reject({ at: new Date(t).toISOString(), queue: names.queue, messageId: id, reason: "not JSON and not base64", bytes: 1, sha256: "00" });
    for (let i = 0; i < 3; i++) await reject(now - ROUND_LOOKBACK_MS - DAY - i * 1_000, `old-${i}`);
    for (let i = 0; i < 4; i++) await reject(now - i * 1_000, `new-${i}`);

    expect(await pruneRounds({ ...deps, now: at(now) }, 2)).toEqual({ rounds: 0, rejected: 5 });
    expect((await deps.rounds.rejected()).map((r) => r.messageId)).toEqual(["new-0", "new-1"]);
  });
});
