// What each destination has been told, in Table Storage (one partition per destination id, one row
// per finding id), so dedupe survives restarts and is shared by every worker.
import { setTimeout as sleep } from "node:timers/promises";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { statusCodeOf } from "../errors.js";
import { tableClients } from "../store/table-store.js";
import { clustersOf } from "../model/finding.js";
import { forgetPlan } from "./forget.js";
import type { Announced } from "./plan.js";

export interface AlertState {
  load(destinationId: string): Promise<Map<string, Announced>>;
  /** Upserts and deletes rows of one destination; of several upserts of one row, the last is kept. */
  apply(destinationId: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void>;
  /**
   * Runs `fn` (load, send, apply) for one destination while no other process does: two rounds that
   * finish together would otherwise both read the old state and both send the same card. `held` aborts
   * if the destination can no longer be held for `fn` (another process may take over): stop sending.
   * Waiting for another holder ends when `deadline` aborts (the messages are kept for the next scan).
   */
  exclusive<T>(destinationId: string, fn: (held: AbortSignal) => Promise<T>, deadline?: AbortSignal): Promise<T>;
  /**
   * Deletes every destination's rows about a forgotten cluster (`fleet-audit forget`): otherwise a scan
   * that reaches it again would announce its old findings resolved. A pod subnet's finding it shared stays
   * for the other clusters (alerts/forget.ts). Returns how many findings were dropped, each counted once
   * however many destinations had been told of it.
   */
  forgetCluster(cluster: string): Promise<number>;
  /** What forgetCluster would return, changing nothing (`forget --dry-run`). */
  wouldForgetCluster(cluster: string): Promise<number>;
}

/** Under the destination's lease, so a scan sending at that moment cannot write the rows back. */
function dropClusterRows(state: AlertState, destinationId: string, cluster: string): Promise<string[]> {
  return state.exclusive(destinationId, async () => {
    const { deletes, upserts } = forgetPlan((await state.load(destinationId)).values(), cluster);
    if (deletes.length + upserts.length > 0) await state.apply(destinationId, upserts, deletes);
    return deletes;
  });
}

/** The finding ids forgetting the cluster drops from one destination, changing nothing: no lease needed. */
async function clusterRowsToDrop(state: AlertState, destinationId: string, cluster: string): Promise<string[]> {
  return forgetPlan((await state.load(destinationId)).values(), cluster).deletes;
}

/** Distinct finding ids over the destinations: one finding told to several counts once. */
async function dropFromEach(destinationIds: Iterable<string>, drop: (destinationId: string) => Promise<string[]>): Promise<number> {
  const dropped = new Set<string>();
  for (const id of destinationIds) for (const findingId of await drop(id)) dropped.add(findingId);
  return dropped.size;
}

export class MemoryAlertState implements AlertState {
  private readonly rows = new Map<string, Map<string, Announced>>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Queued in this process, behind holders bounded by their own deadlines. */
  async exclusive<T>(id: string, fn: (held: AbortSignal) => Promise<T>): Promise<T> {
    const held = () => fn(new AbortController().signal);
    const run = (this.queues.get(id) ?? Promise.resolve()).then(held, held);
    this.queues.set(id, run.catch(() => {}));
    return run;
  }
  async load(id: string): Promise<Map<string, Announced>> {
    return new Map([...(this.rows.get(id) ?? new Map<string, Announced>())].map(([k, v]) => [k, { ...v }]));
  }
  async apply(id: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void> {
    const m = this.rows.get(id) ?? new Map<string, Announced>();
    for (const u of upserts) m.set(u.findingId, { ...u });
    for (const d of deletes) m.delete(d);
    this.rows.set(id, m);
  }
  async forgetCluster(cluster: string): Promise<number> {
    return dropFromEach([...this.rows.keys()], (id) => dropClusterRows(this, id, cluster));
  }
  async wouldForgetCluster(cluster: string): Promise<number> {
    return dropFromEach([...this.rows.keys()], (id) => clusterRowsToDrop(this, id, cluster));
  }
}

const BATCH = 100;
/** Optional counters of a row: absent (not 0) when not counting, so rows written before them load. */
const COUNTS = ["missing", "lowerFor"] as const;
/** A row's optional properties: none is written when absent, so old and new rows read alike. A table property is a scalar: `clusters` goes as JSON. */
function optional(a: Announced): Record<string, unknown> {
  return {
    ...Object.fromEntries(COUNTS.filter((k) => a[k]).map((k) => [k, a[k]])),
    ...(a.clusters ? { clusters: JSON.stringify(a.clusters) } : {}),
    ...(a.firstSeen ? { firstSeen: a.firstSeen } : {}),
    ...(a.countedOn ? { countedOn: a.countedOn } : {}),
    ...(a.belowMin ? { belowMin: true } : {}),
  };
}

function parseClusters(json: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) && v.every((c) => typeof c === "string") ? v : undefined;
  } catch {
    return undefined;
  }
}
/** The lease row of a destination's partition; finding ids never start with "!". */
const LEASE = "!lease";

export interface LeaseTiming {
  /** A holder that died frees the destination after this long; a live one renews it every third of it. */
  ttlMs: number;
  /** How long to wait for another holder before giving up on this scan's messages. */
  waitMs: number;
  pollMs: number;
}

export const DEFAULT_LEASE: LeaseTiming = { ttlMs: 5 * 60_000, waitMs: 6 * 60_000, pollMs: 500 };

export class TableAlertState implements AlertState {
  private created = false;

  constructor(
    private readonly table: TableClient,
    private readonly lease: LeaseTiming = DEFAULT_LEASE,
  ) {}

  async exclusive<T>(id: string, fn: (held: AbortSignal) => Promise<T>, deadline?: AbortSignal): Promise<T> {
    await this.ensure();
    const holder = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    let etag = await this.acquire(id, holder, deadline);
    // Renewed while held, under its etag: a delivery's retries can outlast the TTL, and a lease that
    // expired mid-send would let another scan post the same cards. A renewal that fails (taken over, or
    // not renewed in time) ends the holding: no message is sent on a lease that may be someone else's.
    const lost = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let renewing = Promise.resolve();
    const renew = (): void => {
      const row = { partitionKey: id, rowKey: LEASE, holder, expiresAt: Date.now() + this.lease.ttlMs };
      renewing = this.table.updateEntity(row, "Replace", { etag }).then(
        (r) => {
          etag = r.etag!;
          if (!lost.signal.aborted) timer = setTimeout(renew, this.lease.ttlMs / 3);
        },
        (e: unknown) => lost.abort(new Error(`this destination's lease could not be renewed (${statusCodeOf(e) === 412 ? "another process took it over" : (e as Error).message.split("\n", 1)[0]}); stopped sending, the rest is kept for the next scan`)),
      );
    };
    timer = setTimeout(renew, this.lease.ttlMs / 3);
    try {
      return await fn(lost.signal);
    } finally {
      lost.abort(); // held no more: no renewal after this
      clearTimeout(timer);
      await renewing;
      await this.table.deleteEntity(id, LEASE, { etag }).catch(() => {}); // gone or taken over: not ours to delete
    }
  }

  /** Creates the lease row, or takes it over once expired; waits while another holder has it, up to `deadline`. */
  private async acquire(id: string, holder: string, deadline?: AbortSignal): Promise<string> {
    const until = Date.now() + this.lease.waitMs;
    for (;;) {
      const row = { partitionKey: id, rowKey: LEASE, holder, expiresAt: Date.now() + this.lease.ttlMs };
      try {
        return (await this.table.createEntity(row)).etag!;
      } catch (e) {
        if (statusCodeOf(e) !== 409) throw e;
      }
      const cur = await this.table.getEntity<{ expiresAt: number }>(id, LEASE).catch(() => undefined);
      if (cur && Number(cur.expiresAt) < Date.now()) {
        try {
          return (await this.table.updateEntity(row, "Replace", { etag: cur.etag })).etag!;
        } catch (e) {
          if (statusCodeOf(e) !== 412) throw e; // another process took it first
        }
      }
      if (Date.now() > until) throw new Error(`another process has been sending this destination's alerts for over ${Math.round(this.lease.waitMs / 1000)} s`);
      // A round's alerts have 60 s in all (its function's timeout counts on it): a dead holder's lease
      // can have minutes to run.
      await sleep(this.lease.pollMs, undefined, deadline ? { signal: deadline } : {}).catch(() => {
        throw new Error("another process was still sending this destination's alerts at the alerts' deadline (kept for the next scan)");
      });
    }
  }

  static fromConnectionString(connectionString: string, opts: { tablePrefix?: string; lease?: LeaseTiming } = {}): TableAlertState {
    return new TableAlertState(tableClients(connectionString)(`${opts.tablePrefix ?? ""}alerts`), opts.lease);
  }

  private async ensure(): Promise<void> {
    if (this.created) return;
    await this.table.createTable();
    this.created = true;
  }

  async load(id: string): Promise<Map<string, Announced>> {
    await this.ensure();
    const out = new Map<string, Announced>();
    for await (const e of this.table.listEntities<Omit<Announced, "findingId" | "clusters"> & { clusters?: string }>({ queryOptions: { filter: odata`PartitionKey eq ${id} and RowKey ne ${LEASE}` } })) {
      const a: Announced = { findingId: e.rowKey!, severity: e.severity, announcedAt: e.announcedAt, rule: e.rule, cluster: e.cluster, resource: e.resource, message: e.message };
      if (typeof e.firstSeen === "string") a.firstSeen = e.firstSeen;
      if (typeof e.countedOn === "string") a.countedOn = e.countedOn;
      const clusters = typeof e.clusters === "string" ? parseClusters(e.clusters) : undefined;
      if (clusters) a.clusters = clusters;
      if (e.belowMin === true) a.belowMin = true;
      for (const k of COUNTS) if (typeof e[k] === "number" && e[k] > 0) a[k] = e[k];
      out.set(e.rowKey!, a);
    }
    return out;
  }

  async forgetCluster(cluster: string): Promise<number> {
    return dropFromEach(await this.destinationsTold(cluster), (id) => dropClusterRows(this, id, cluster));
  }

  async wouldForgetCluster(cluster: string): Promise<number> {
    return dropFromEach(await this.destinationsTold(cluster), (id) => clusterRowsToDrop(this, id, cluster));
  }

  /**
   * The destinations that heard of the cluster, named first or not: a filter cannot look inside `clusters`
   * (JSON), so every row's names are read. A table never created (alerts never configured) has none.
   */
  private async destinationsTold(cluster: string): Promise<Set<string>> {
    const ids = new Set<string>();
    try {
      for await (const e of this.table.listEntities<{ cluster?: string; clusters?: string }>({ queryOptions: { select: ["PartitionKey", "cluster", "clusters"] } })) {
        const clusters = typeof e.clusters === "string" ? parseClusters(e.clusters) : undefined;
        if (clustersOf({ cluster: e.cluster ?? "", ...(clusters ? { clusters } : {}) }).includes(cluster)) ids.add(e.partitionKey!);
      }
    } catch (e) {
      if (statusCodeOf(e) !== 404) throw e;
    }
    return ids;
  }

  async apply(id: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void> {
    await this.ensure();
    // A transaction takes one action per row: the last upsert of each (a delivered announcement over a quiet rewrite).
    const last = [...new Map(upserts.map((a) => [a.findingId, a])).values()];
    const actions: TransactionAction[] = [
      ...last.map((a): TransactionAction => ["upsert", { partitionKey: id, rowKey: a.findingId, severity: a.severity, announcedAt: a.announcedAt, rule: a.rule, cluster: a.cluster, resource: a.resource, message: a.message, ...optional(a) }, "Replace"]),
      ...deletes.map((d): TransactionAction => ["delete", { partitionKey: id, rowKey: d }]),
    ];
    for (let i = 0; i < actions.length; i += BATCH) {
      try {
        await this.table.submitTransaction(actions.slice(i, i + BATCH));
      } catch (e) {
        // A delete of a row another worker already removed fails the whole batch: redo it one by one.
        if (statusCodeOf(e) !== 404) throw e;
        for (const a of actions.slice(i, i + BATCH)) {
          if (a[0] === "delete") await this.table.deleteEntity(a[1].partitionKey as string, a[1].rowKey as string).catch(() => {});
          else await this.table.upsertEntity(a[1], "Replace");
        }
      }
    }
  }
}
