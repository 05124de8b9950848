import { inspect, isDeepStrictEqual } from "node:util";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it, vi } from "vitest";
import { AZURITE_KEY } from "../../src/store/azurite.js";
import { withoutSecrets } from "../../src/secrets.js";
import { parseConnectionString, StoreError, tableClients, TableSnapshotStore } from "../../src/store/table-store.js";
import { storeConformance } from "./conformance.js";
import { scanAt, snapshot, timeOf } from "./fixtures.js";
import { azurite, rejection, uniquePrefix } from "./helpers.js";
import { withSilentServer } from "../helpers/silent-server.js";

storeConformance("TableSnapshotStore (Azurite)", async () => ({
  store: TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() }),
}));

describe("TableSnapshotStore on Azurite", () => {
  const tiny = { chunkBytes: 4096, chunksPerEntity: 2, entitiesPerTransaction: 3 };

  /** A store with tiny chunks whose writes die before their last transaction (the header's) while `crash.on`. */
  async function crashingStore(): Promise<{ store: TableSnapshotStore; crash: { on: boolean } }> {
    const crash = { on: false };
    const store = TableSnapshotStore.fromConnectionString(azurite(), {
      tablePrefix: uniquePrefix(),
      limits: tiny,
      onTransaction: ({ index, count }) => {
        if (crash.on && index === count - 1) throw new Error("injected crash");
      },
    });
    await store.init();
    return { store, crash };
  }

  /** Every row key of a table: headers, and chunk rows no reader sees. */
  async function rowKeys(table: string): Promise<string[]> {
    const raw = TableClient.fromConnectionString(azurite(), table, { allowInsecureConnection: true });
    const rows: string[] = [];
    for await (const e of raw.listEntities({ queryOptions: { select: ["rowKey"] } })) rows.push(String(e.rowKey));
    return rows;
  }

  it("fails with an error that carries no request, so no logger can print its Authorization header", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() }); // no init: no tables
    const e = await rejection(store.putSnapshot(snapshot("aks-a", scanAt(1))));
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).message).toMatch(/in table "\w+" for cluster "aks-a": 404/);
    const deep = [inspect(e, { depth: Infinity, showHidden: true }), JSON.stringify(e, Object.getOwnPropertyNames(e)), JSON.stringify((e as Error).cause ?? null)].join("\n");
    expect(deep).not.toMatch(/authorization|SharedKey|x-ms-date/i);
  });

  it("fails with the service's message without a credential it echoes, and with its ordinary words", async () => {
    // A proxy (or the service) may echo the request it refused: its Authorization header, the SAS it had.
    const echoed = `Server failed to authenticate the request (Authorization: Bearer ${"SEKRET".repeat(4)}, authorization=SharedKeyLite acct:SEKRETSIG0a1b2c3d4e5f, ?sv=2022-11-02&sig=SEKRETSAS) for key=value`;
    const denied = Object.assign(new Error(JSON.stringify({ "odata.error": { code: "AuthenticationFailed", message: { lang: "en-US", value: echoed } } })), { statusCode: 403 });
    const clients = (name: string) => Object.assign(tableClients(azurite())(name), { getEntity: async () => Promise.reject(denied) });
    const e = await rejection(new TableSnapshotStore(clients, { tablePrefix: uniquePrefix() }).getLatest("aks-a"));
    expect(e).toBeInstanceOf(StoreError);
    expect(e.message).toMatch(/403 AuthenticationFailed \(Server failed to authenticate the request \(Authorization: Bearer \(redacted\), authorization=SharedKeyLite \(redacted\), /);
    expect(e.message).toMatch(/for key=value\)$/);
    expect(e.message).not.toMatch(/SEKRET/);
  });

  it("opens for reading with an identity that may not create tables (Storage Table Data Reader)", async () => {
    const prefix = uniquePrefix();
    const writer = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix });
    await writer.init();
    const stored = await writer.putSnapshot(snapshot("aks-a", scanAt(1)));
    // Azure answers a Reader's createTable with 403 even for a table that exists; Azurite has no RBAC.
    const forbidden = Object.assign(new Error("This request is not authorized to perform this operation using this permission."), { statusCode: 403, code: "AuthorizationPermissionMismatch" });
    const readerClients = (name: string) => Object.assign(tableClients(azurite())(name), { createTable: async () => Promise.reject(forbidden) });
    const reader = new TableSnapshotStore(readerClients, { tablePrefix: prefix });
    await reader.init();
    expect((await reader.getLatest("aks-a"))?.latest).toEqual(stored);
    // On an account no scan has written to yet, its tables do not exist: the reader finds nothing.
    const empty = new TableSnapshotStore(readerClients, { tablePrefix: uniquePrefix() });
    await empty.init();
    expect(await empty.listLatest()).toEqual([]);
    expect(await empty.getLatestEvaluation()).toBeUndefined();
    expect(await empty.listHistory("aks-a")).toEqual([]);
    // Any other refusal still fails, naming the table.
    const broken = new TableSnapshotStore((name: string) => Object.assign(tableClients(azurite())(name), { createTable: async () => Promise.reject(Object.assign(new Error("boom"), { statusCode: 500 })) }), { tablePrefix: prefix });
    await expect(broken.init()).rejects.toThrow(/cannot create the table in table "\w+"/);
  });

  it("fails a write to an endpoint that takes the request and never answers, as unavailable and naming it, instead of waiting forever", async () => {
    const { err, port } = await withSilentServer(async (port) => {
      const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
      const store = new TableSnapshotStore(tableClients(cs, 200), { tablePrefix: uniquePrefix() });
      return { err: await rejection(store.putSnapshot(snapshot("aks-a", scanAt(1)))), port };
    });
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).unavailable).toBe(true);
    expect(err.message).toMatch(new RegExp(`cluster .*aks-a.*127\\.0\\.0\\.1:${port} did not answer within 0\\.2 s`));
  });

  it("ends its requests still waiting on an endpoint that never answers when closed, so a process that gave up on it can exit", async () => {
    await withSilentServer(async (port) => {
      const cs = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
      const store = TableSnapshotStore.fromConnectionString(cs); // the Table store's own 30 s request timeout
      expect(store.label).toBe(`Table store at 127.0.0.1:${port}`);
      const waiting = rejection(store.listLatest());
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await store.close();
      expect(await waiting).toBeInstanceOf(StoreError);
      expect(Date.now() - t0).toBeLessThan(2000);
    });
  });

  it("round-trips a 5,000-node snapshot spread over many rows and transactions", async () => {
    let transactions = 0;
    const store = TableSnapshotStore.fromConnectionString(azurite(), {
      tablePrefix: uniquePrefix(),
      limits: { chunkBytes: 16 * 1024, chunksPerEntity: 2, entitiesPerTransaction: 4 },
      onTransaction: () => void transactions++,
    });
    await store.init();
    const s = snapshot("aks-big", scanAt(0), { nodes: 5000 });
    const summary = await store.putSnapshot(s);
    expect(transactions).toBeGreaterThan(3);
    const back = await store.getSnapshot("aks-big", summary.ref);
    if (!isDeepStrictEqual(back, s)) expect(back).toEqual(s);
    expect(await store.listHistory("aks-big")).toEqual([summary]);
  });

  it("never exposes a write that died half-way, and sweeps its leftovers on the next write", async () => {
    let failAt: number | undefined; // transaction index; negative counts from the end
    const store = TableSnapshotStore.fromConnectionString(azurite(), {
      tablePrefix: uniquePrefix(),
      limits: tiny,
      onTransaction: ({ index, count }) => {
        if (failAt !== undefined && index === (failAt < 0 ? count + failAt : failAt)) throw new Error("injected crash");
      },
    });
    await store.init();
    const s1 = snapshot("aks-a", scanAt(10), { nodes: 200 });
    const sum1 = await store.putSnapshot(s1);

    // A newer snapshot dies right before the transaction holding its header.
    failAt = -1;
    const s2 = snapshot("aks-a", scanAt(20), { nodes: 300 });
    const err = await rejection(store.putSnapshot(s2));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/table "t[0-9a-f]+snapshots" for cluster "aks-a": injected crash/);
    expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: sum1, lastOk: sum1 });
    expect(await store.listHistory("aks-a")).toEqual([sum1]);
    expect(await store.getSnapshot("aks-a", s2.scanId)).toBeUndefined();

    // A retry of the complete snapshot dies after its first transaction: the old document stays whole.
    failAt = 1;
    const s1b = snapshot("aks-a", s1.scanId, { nodes: 250 });
    await expect(store.putSnapshot(s1b)).rejects.toThrow(/injected crash/);
    expect(await store.getSnapshot("aks-a", sum1.ref)).toEqual(s1);
    expect(await store.listHistory("aks-a")).toEqual([sum1]);

    // Both retried for real: visible, and no chunk row of a dead generation is left.
    failAt = undefined;
    const sum2 = await store.putSnapshot(s2);
    await store.putSnapshot(s1b);
    expect((await store.getLatest("aks-a"))!.latest).toEqual(sum2);
    expect(await store.getSnapshot("aks-a", sum1.ref)).toEqual(s1b);
    const rows: Array<Record<string, unknown>> = [];
    const raw = TableClient.fromConnectionString(azurite(), store.tableNames.snapshots, { allowInsecureConnection: true });
    for await (const e of raw.listEntities({ queryOptions: { select: ["rowKey", "dgen", "drows"] } })) rows.push(e);
    const headers = rows.filter((r) => !String(r.rowKey).startsWith("~"));
    expect(headers).toHaveLength(2);
    const chunks = rows.filter((r) => String(r.rowKey).startsWith("~"));
    expect(chunks.length).toBe(headers.reduce((n, h) => n + Number(h.drows), 0));
    for (const h of headers) {
      const mine = chunks.filter((c) => String(c.rowKey).startsWith(`~${String(h.rowKey)}_${String(h.dgen)}_`));
      expect(mine).toHaveLength(Number(h.drows));
    }
  });

  it("sweeps a dead write's chunk rows when its retry fits in one transaction", async () => {
    const { store, crash } = await crashingStore();
    const scanId = scanAt(5);
    crash.on = true;
    await expect(store.putSnapshot(snapshot("aks-a", scanId, { nodes: 300 }))).rejects.toThrow(/injected crash/);
    crash.on = false;
    const small = snapshot("aks-a", scanId, { nodes: 1 });
    const sum = await store.putSnapshot(small);
    expect(await store.getSnapshot("aks-a", sum.ref)).toEqual(small);
    expect(await rowKeys(store.tableNames.snapshots)).toEqual([sum.ref]);
  });

  it("leaves no chunk rows behind when a many-transaction placeholder loses to a stored snapshot", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix(), limits: tiny });
    await store.init();
    const real = snapshot("aks-a", scanAt(5), { nodes: 2 });
    const sum = await store.putSnapshot(real);
    expect(await store.putSnapshotIfAbsent(snapshot("aks-a", real.scanId, { status: "error", nodes: 300 }))).toBeUndefined();
    const raw = TableClient.fromConnectionString(azurite(), store.tableNames.snapshots, { allowInsecureConnection: true });
    const rows: string[] = [];
    for await (const e of raw.listEntities({ queryOptions: { select: ["rowKey"] } })) rows.push(String(e.rowKey));
    expect(rows).toEqual([sum.ref]);
    expect(await store.getSnapshot("aks-a", real.scanId)).toEqual(real);
  });

  it("sweeps the chunk rows of a placeholder that died half-way when the real snapshot is written", async () => {
    let fail = false;
    const store = TableSnapshotStore.fromConnectionString(azurite(), {
      tablePrefix: uniquePrefix(),
      limits: tiny,
      onTransaction: ({ index }) => {
        if (fail && index === 1) throw new Error("injected crash");
      },
    });
    await store.init();
    const scanId = scanAt(5);
    fail = true;
    await expect(store.putSnapshotIfAbsent(snapshot("aks-a", scanId, { status: "error", nodes: 300 }))).rejects.toThrow(/injected crash/);
    fail = false;
    const sum = await store.putSnapshot(snapshot("aks-a", scanId, { nodes: 1 }));
    const raw = TableClient.fromConnectionString(azurite(), store.tableNames.snapshots, { allowInsecureConnection: true });
    const rows: string[] = [];
    for await (const e of raw.listEntities({ queryOptions: { select: ["rowKey"] } })) rows.push(String(e.rowKey));
    expect(rows).toEqual([sum.ref]);
  });

  it("a placeholder racing a job's snapshot in another store never replaces its latest view", async () => {
    // Interleaving: the sweep creates the placeholder document, the job (another instance) overwrites
    // it and moves the latest view, then the sweep's latest-view update runs.
    const prefix = uniquePrefix();
    const sweep = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix });
    const job = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix });
    await sweep.init();
    const first = await job.putSnapshot(snapshot("aks-a", scanAt(10)));
    const round = scanAt(20);
    let created!: () => void;
    const sweepCreated = new Promise<void>((r) => (created = r));
    const jobDone = sweepCreated.then(() => job.putSnapshot(snapshot("aks-a", round, { nodes: 4 })));
    // The sweep's first latest-view write waits until the job has stored and moved the view.
    const latestClient = (sweep as unknown as { latest: { client: TableClient } }).latest.client;
    const update = latestClient.updateEntity.bind(latestClient);
    let gated = false;
    latestClient.updateEntity = (async (...args: Parameters<TableClient["updateEntity"]>) => {
      if (!gated) {
        gated = true;
        created();
        await jobDone;
      }
      return update(...args);
    }) as TableClient["updateEntity"];
    await sweep.listLatest(); // the sweep knows the row and its etag, so it goes straight to updateEntity
    const placed = await sweep.putSnapshotIfAbsent(snapshot("aks-a", round, { status: "error", reason: "missed", nodes: 0 }));
    const realSum = await jobDone;
    expect(gated).toBe(true);
    expect(placed).toBeDefined(); // it did create the document first
    expect(await job.getSnapshot("aks-a", round)).toMatchObject({ status: "ok", nodes: expect.any(Array) });
    expect(await job.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: realSum, lastOk: realSum, previousOk: first });
  });

  it("prunes a many-row document to the last chunk row", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix(), limits: tiny });
    await store.init();
    await store.putSnapshot(snapshot("aks-a", scanAt(0), { nodes: 300 }));
    const before = await store.putSnapshot(snapshot("aks-a", scanAt(2), { nodes: 1 })); // the ok one before lastOk: kept
    const kept = await store.putSnapshot(snapshot("aks-a", scanAt(10), { nodes: 1 }));
    expect(await store.pruneHistory(timeOf(5))).toEqual({ snapshots: 1, evaluations: 0, clusters: [{ cluster: "aks-a", snapshots: 1 }] });
    expect(await rowKeys(store.tableNames.snapshots)).toEqual([kept.ref, before.ref]);
  });

  it("forgets a cluster down to its last chunk row, also those of a write that died", async () => {
    const { store, crash } = await crashingStore();
    await store.putSnapshot(snapshot("aks-a", scanAt(0), { nodes: 300 }));
    crash.on = true;
    await expect(store.putSnapshot(snapshot("aks-a", scanAt(10), { nodes: 300 }))).rejects.toThrow(/injected crash/);
    crash.on = false;
    const other = await store.putSnapshot(snapshot("aks-b", scanAt(0), { nodes: 1 }));
    expect((await rowKeys(store.tableNames.snapshots)).length).toBeGreaterThan(10);
    expect(await store.forgetCluster("aks-a")).toEqual({ snapshots: 1 });
    expect(await rowKeys(store.tableNames.snapshots)).toEqual([other.ref]);
    expect((await store.listLatest()).map((e) => e.cluster)).toEqual(["aks-b"]);
  });

  it("lets two processes forget the same cluster at once: rows the other deleted first are no error", async () => {
    const prefix = uniquePrefix();
    const [a, b] = [0, 1].map(() => TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix, limits: tiny }));
    await a!.init();
    for (let i = 0; i < 8; i++) await a!.putSnapshot(snapshot("aks-a", scanAt(i), { nodes: 600 }));
    const rows = (await rowKeys(a!.tableNames.snapshots)).length;
    expect(rows).toBeGreaterThan(100); // more than one transaction of deletes
    const results = await Promise.all([a!.forgetCluster("aks-a"), b!.forgetCluster("aks-a")]);
    // Neither fails. Whichever listed first saw all 8 (nothing is deleted before its own listing); the
    // other saw what was left by then, or no cluster at all when it came after the whole delete.
    expect(Math.max(...results.map((r) => r?.snapshots ?? 0))).toBe(8);
    for (const r of results) if (r) expect(r.snapshots).toBeLessThanOrEqual(8);
    expect(await rowKeys(a!.tableNames.snapshots)).toEqual([]);
    expect(await a!.listLatest()).toEqual([]);
  });

  it("keeps the latest view moving forward when another writer changed it behind a store's back", async () => {
    const prefix = uniquePrefix();
    const a = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix });
    const b = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: prefix });
    await a.init();
    await a.putSnapshot(snapshot("aks-a", scanAt(10)));
    expect((await a.listLatest()).map((e) => e.cluster)).toEqual(["aks-a"]); // a now knows aks-a's row, and that aks-b has none
    const newer = await b.putSnapshot(snapshot("aks-a", scanAt(30)));
    const newerB = await b.putSnapshot(snapshot("aks-b", scanAt(30)));
    // a's idea of both rows is stale: its writes of older rounds must not move them back.
    const between = await a.putSnapshot(snapshot("aks-a", scanAt(20)));
    await a.putSnapshot(snapshot("aks-b", scanAt(20)));
    expect((await b.getLatest("aks-a"))!.latest).toEqual(newer);
    expect((await b.getLatest("aks-b"))!.latest).toEqual(newerB);
    // And a newer round from a moves both forward again.
    const newest = await a.putSnapshot(snapshot("aks-a", scanAt(40), { status: "unreachable", reason: "timeout" }));
    expect(await b.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: newest, lastOk: newer, previousOk: between });
  });

  it("escapes outside values in filters, so they cannot widen a query", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() });
    await store.init();
    const hostile = "x' or PartitionKey ne 'x";
    await store.putSnapshot(snapshot("aks-a", scanAt(1)));
    await store.putSnapshot(snapshot("aks-b", scanAt(2)));
    await store.putSnapshot(snapshot(hostile, scanAt(3)));

    for (const c of ["' or PartitionKey ne '", "aks-a' or RowKey ne '", "aks-a') or (1 eq 1", "x' or 'a' eq 'a"]) {
      expect(await store.listHistory(c), c).toEqual([]);
      expect(await store.getLatest(c), c).toBeUndefined();
      expect(await store.getSnapshot(c, scanAt(1)), c).toBeUndefined();
    }
    expect((await store.listHistory(hostile)).map((s) => s.cluster)).toEqual([hostile]);
    expect((await store.listLatest()).map((e) => e.cluster).sort()).toEqual(["aks-a", "aks-b", hostile].sort());
    // `since` goes in as digits only; anything that is not a real time is refused.
    const fake = { getTime: () => "1 or true", toISOString: () => "' or true or '" } as unknown as Date;
    await expect(store.listHistory("aks-a", { since: fake })).rejects.toThrow(/since must be a Date/);
  });

  it("puts the hostile value into the filter with quotes doubled", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() });
    await store.init();
    const seen: string[] = [];
    const original = TableClient.prototype.listEntities;
    const spy = vi.spyOn(TableClient.prototype, "listEntities").mockImplementation(function (this: TableClient, options) {
      seen.push(options?.queryOptions?.filter ?? "");
      return original.call(this, options);
    });
    try {
      await store.listHistory("a' or 'b");
    } finally {
      spy.mockRestore();
    }
    expect(seen).toEqual(["PartitionKey eq 'a'' or ''b' and RowKey lt '~'"]);
  });

  it("names the table and the cluster when storage fails", async () => {
    const store = TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() }); // no init: no tables
    const err = await rejection<StoreError>(store.putSnapshot(snapshot("aks-a", scanAt(1))));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.message).toMatch(/^Table store: cannot write document .* in table "t[0-9a-f]+snapshots" for cluster "aks-a": 404 TableNotFound/);
    expect(err.statusCode).toBe(404);
    expect(err.cluster).toBe("aks-a");
    expect(err.message).not.toContain(AZURITE_KEY);
  });
});

describe("connection strings", () => {
  const SECRET = "c2VjcmV0LWtleS1kby1ub3QtcHJpbnQ="; // base64
  const cases = [
    "",
    "garbage",
    `AccountName=acct;AccountKey=${SECRET}-not-base64`,
    `DefaultEndpointsProtocol=ftp;AccountName=acct;AccountKey=${SECRET}`,
    `AccountKey=${SECRET}`,
    `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${SECRET};TableEndpoint=not a url`,
    `SharedAccessSignature=sv=2020&sig=${SECRET}`,
  ];
  for (const cs of cases) {
    it(`rejects ${JSON.stringify(withoutSecrets(cs))} in one line, without the key`, () => {
      let message = "";
      try {
        TableSnapshotStore.fromConnectionString(cs);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/^invalid storage connection string: /);
      expect(message).not.toContain("\n");
      expect(message).not.toContain(SECRET);
      expect(message).not.toContain("c2VjcmV0");
    });
  }

  it("accepts real shapes and flags http endpoints as insecure", () => {
    expect(parseConnectionString(azurite()).insecure).toBe(true);
    expect(parseConnectionString(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${SECRET};EndpointSuffix=core.windows.net`)).toEqual({
      tableEndpoint: "https://acct.table.core.windows.net",
      insecure: false,
    });
    expect(parseConnectionString("UseDevelopmentStorage=true").insecure).toBe(true);
    expect(parseConnectionString(`TableEndpoint=https://acct.table.core.windows.net;SharedAccessSignature=sv=2020&sig=${SECRET}`).insecure).toBe(false);
  });
});
