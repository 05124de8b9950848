// A scan round's record in Table Storage (table `rounds`, prefixed like the store's):
//   PK = scanRowKey(round)  RK = "round"               the header: expected clusters, deadline, state
//   PK = scanRowKey(round)  RK = "c_" + clusterKey(c)   one row per cluster, written by whoever settles it
//   PK = "rounds"           RK = scanRowKey(round)      the round's index row: what the sweep lists
//   PK = "rejected"         RK = inverted time + id     messages that were not jobs, by trace only
// One row per cluster, so concurrent workers never write the same entity; the header changes state
// only with its etag, so exactly one worker wins the evaluation. Table Storage narrows a query by
// PartitionKey only, so the sweep reads the one index partition, never the rounds' cluster rows; the
// header stays authoritative, and an index row left stale is repaired by the sweep that reads it.
import { randomBytes } from "node:crypto";
import { statusCodeOf } from "../errors.js";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { ScanStatus } from "../model/snapshot.js";
import type { ClusterRef } from "../sources/discover.js";
import { scanIdTime } from "../model/scan-id.js";
import { clusterKey, invertedTime, scanRowKey, sinceUpperBound } from "../store/keys.js";
import { indexLegacyRounds, legacyIndexed } from "./legacy-rounds.js";
import type { MessageTrace } from "./messages.js";
import { HEADER, INDEX, REJECTED } from "./round-keys.js";
import { capRejected, deleteRoundsBefore } from "./round-retention.js";

const BATCH = 100;
/** Rejected-message records kept at most (the newest), besides their age. */
export const REJECTED_KEPT = 1_000;
/** A transaction carries at most 4 MiB; a registered reference may be up to a job's 48 KiB. */
const BATCH_BYTES = 2 * 1024 * 1024;

export type RoundState = "open" | "evaluating" | "evaluated";
/**
 * pending: enqueued; done: a snapshot stored; failed: poison or not enqueued; missed: the deadline passed
 * first; gone: left its source while queued, no snapshot.
 */
export type ClusterState = "pending" | "done" | "failed" | "missed" | "gone";

export interface RoundHeader {
  round: string;
  startedAt: string;
  deadline: string;
  expected: number;
  state: RoundState;
  claimedBy?: string;
  claimedAt?: string;
  evaluatedAt?: string;
  /** Findings of the evaluation, for a glance at the round. */
  findings?: number;
  /** What the round's start could not do (a subscription it could not list): notes of its evaluation. */
  notes?: string[];
  etag: string;
}

export type SourceKind = "kubeconfig" | "fleet" | "arm";

export interface ClusterRow {
  cluster: string;
  kind: SourceKind;
  state: ClusterState;
  status?: ScanStatus;
  reason?: string;
  updatedAt?: string;
  /** The reference the round was started with: only a job carrying this one may settle the row. */
  ref?: ClusterRef;
  etag: string;
}

/** Row columns other than the registered reference, so listings stay small. */
const ROW_COLUMNS = ["cluster", "kind", "state", "status", "reason", "updatedAt"];

export interface RejectedMessage extends MessageTrace {
  at: string;
  queue: string;
  messageId?: string;
  dequeueCount?: number;
  reason: string;
}

const rowKey = (cluster: string): string => `c_${clusterKey(cluster)}`;
/** Table rejects undefined; dropping them keeps Merge from blanking a column. */
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export class RoundTable {
  private created = false;
  /** The legacy fallback is over for this table (see legacy-rounds.ts). */
  private legacyDone = false;

  constructor(private readonly table: TableClient) {}

  get tableName(): string {
    return this.table.tableName;
  }

  private async ensure(): Promise<void> {
    if (this.created) return;
    await this.table.createTable();
    this.created = true;
  }

  /**
   * Cluster rows first, the header last: a round with a header is fully registered. Each row keeps
   * the whole reference (binary JSON: a property holds 64 KiB), which a job's message must match.
   */
  async create(round: string, clusters: readonly ClusterRef[], at: Date, deadline: Date, notes: readonly string[] = []): Promise<void> {
    await this.ensure();
    const pk = scanRowKey(round);
    let batch: TransactionAction[] = [];
    let bytes = 0;
    for (const c of clusters) {
      const ref = Buffer.from(JSON.stringify(c), "utf8");
      if (batch.length === BATCH || bytes + ref.length > BATCH_BYTES) {
        await this.table.submitTransaction(batch);
        [batch, bytes] = [[], 0];
      }
      batch.push(["upsert", { partitionKey: pk, rowKey: rowKey(c.name), cluster: c.name, kind: c.kind, ref, state: "pending", updatedAt: at.toISOString() }, "Replace"]);
      bytes += ref.length;
    }
    if (batch.length > 0) await this.table.submitTransaction(batch);
    const header = { round, startedAt: at.toISOString(), deadline: deadline.toISOString(), expected: clusters.length, state: "open" };
    // JSON in one string property (64 KiB): a handful of subscriptions' errors, capped to be sure.
    const noted = notes.length ? { notes: JSON.stringify(notes.slice(0, 50).map((n) => n.slice(0, 1000))) } : {};
    await this.table.upsertEntity({ partitionKey: pk, rowKey: HEADER, ...header, ...noted }, "Replace");
    // After the header, so an index row always names a registered round; no job is sent before both.
    await this.table.upsertEntity({ partitionKey: INDEX, rowKey: pk, ...header }, "Replace");
  }

  async header(round: string): Promise<RoundHeader | undefined> {
    await this.ensure();
    try {
      const e = await this.table.getEntity<Omit<RoundHeader, "etag">>(scanRowKey(round), HEADER);
      return { ...pickHeader(e), etag: e.etag };
    } catch (e) {
      if (statusCodeOf(e) === 404) return undefined;
      throw e;
    }
  }

  async cluster(round: string, cluster: string): Promise<ClusterRow | undefined> {
    await this.ensure();
    try {
      const e = await this.table.getEntity<Omit<ClusterRow, "etag">>(scanRowKey(round), rowKey(cluster));
      return { ...pickRow(e), etag: e.etag };
    } catch (e) {
      if (statusCodeOf(e) === 404) return undefined;
      throw e;
    }
  }

  async clusters(round: string, state?: ClusterState): Promise<ClusterRow[]> {
    await this.ensure();
    const pk = scanRowKey(round);
    const filter = state ? odata`PartitionKey eq ${pk} and state eq ${state}` : odata`PartitionKey eq ${pk} and RowKey ne ${HEADER}`;
    const out: ClusterRow[] = [];
    for await (const e of this.table.listEntities<Omit<ClusterRow, "etag">>({ queryOptions: { filter, select: ROW_COLUMNS } })) out.push({ ...pickRow(e), etag: e.etag });
    return out;
  }

  /** True when no cluster of the round is still pending (one row is enough to say no). */
  async settled(round: string): Promise<boolean> {
    await this.ensure();
    const pk = scanRowKey(round);
    const pages = this.table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${pk} and state eq ${"pending"}`, select: ["rowKey"] } }).byPage({ maxPageSize: 1 });
    for await (const page of pages) if (page.length > 0) return false;
    return true;
  }

  /** Records how a cluster ended; unconditional, since only its own job (or poison) writes it. */
  async settle(round: string, cluster: string, state: ClusterState, status?: ScanStatus, reason?: string, at = new Date()): Promise<void> {
    await this.ensure();
    await this.table.upsertEntity(defined({ partitionKey: scanRowKey(round), rowKey: rowKey(cluster), state, status, reason: reason ?? "", updatedAt: at.toISOString() }), "Merge");
  }

  /** Marks a still-pending cluster missed; false when its job settled it meanwhile. */
  async markMissed(round: string, row: ClusterRow, reason: string, at: Date): Promise<boolean> {
    return this.conditional(() =>
      this.table.updateEntity({ partitionKey: scanRowKey(round), rowKey: rowKey(row.cluster), state: "missed", status: "error", reason, updatedAt: at.toISOString() }, "Merge", { etag: row.etag }),
    );
  }

  /** Takes the header to `evaluating`; false when another worker changed it first. */
  async claim(h: RoundHeader, by: string, at: Date): Promise<boolean> {
    return this.conditional(() => this.table.updateEntity({ partitionKey: scanRowKey(h.round), rowKey: HEADER, state: "evaluating", claimedBy: by, claimedAt: at.toISOString() }, "Merge", { etag: h.etag }));
  }

  async finish(round: string, fields: { state: RoundState; evaluatedAt?: string; findings?: number }): Promise<void> {
    await this.table.updateEntity(defined({ partitionKey: scanRowKey(round), rowKey: HEADER, ...fields }), "Merge");
    // The header decides: a failed index write must not undo an evaluation; the sweep repairs it.
    await this.index(round, fields.state).catch(() => {});
  }

  /** Records a round's state in its index row (also the sweep's repair of a stale one). */
  async index(round: string, state: RoundState): Promise<void> {
    await this.table.upsertEntity({ partitionKey: INDEX, rowKey: scanRowKey(round), round, state }, "Merge");
  }

  /** Ids of the rounds not yet evaluated that started at or after `since`, oldest first. */
  async unfinished(since: Date): Promise<string[]> {
    await this.ensure();
    const filter = odata`PartitionKey eq ${INDEX} and RowKey lt ${sinceUpperBound(since)} and state ne ${"evaluated"}`;
    const rounds = new Set<string>();
    for await (const e of this.table.listEntities<{ round: string }>({ queryOptions: { filter, select: ["round"] } })) rounds.add(String(e.round));
    if (!this.legacyDone) {
      if (!(await legacyIndexed(this.table))) for (const r of await indexLegacyRounds(this.table, since)) rounds.add(r);
      this.legacyDone = true;
    }
    return [...rounds].sort((a, b) => scanIdTime(a).getTime() - scanIdTime(b).getTime());
  }

  /** The newest round registered after `round`, when it includes `cluster`: that round's own job scans it afresh. */
  async supersededBy(round: string, cluster: string): Promise<string | undefined> {
    await this.ensure();
    // Index row keys are inverted time: the first one below this round's is the newest round.
    const pages = this.table.listEntities<{ round: string }>({ queryOptions: { filter: odata`PartitionKey eq ${INDEX} and RowKey lt ${scanRowKey(round)}`, select: ["round"] } }).byPage({ maxPageSize: 1 });
    for await (const [newest] of pages) return newest && (await this.cluster(String(newest.round), cluster)) ? String(newest.round) : undefined;
    return undefined;
  }

  /** Deletes the rounds started before `before`, and rejected-message records by age and count. */
  async prune(before: Date, keepRejected = REJECTED_KEPT): Promise<{ rounds: number; rejected: number }> {
    await this.ensure();
    return { rounds: await deleteRoundsBefore(this.table, before), rejected: await capRejected(this.table, before, keepRejected) };
  }

  async reject(r: RejectedMessage): Promise<void> {
    await this.ensure();
    const rk = `${invertedTime(new Date(r.at))}_${randomBytes(4).toString("hex")}`;
    await this.table.upsertEntity(defined({ partitionKey: REJECTED, rowKey: rk, ...r }), "Replace");
  }

  /** Newest first. */
  async rejected(limit = 100): Promise<RejectedMessage[]> {
    await this.ensure();
    const out: RejectedMessage[] = [];
    for await (const e of this.table.listEntities<RejectedMessage>({ queryOptions: { filter: odata`PartitionKey eq ${REJECTED}` } })) {
      const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...rest } = e;
      out.push(rest as RejectedMessage);
      if (out.length >= limit) break;
    }
    return out;
  }

  private async conditional(fn: () => Promise<unknown>): Promise<boolean> {
    await this.ensure();
    try {
      await fn();
      return true;
    } catch (e) {
      if (statusCodeOf(e) === 412 || statusCodeOf(e) === 404) return false;
      throw e;
    }
  }
}

function pickHeader(e: Record<string, unknown>): Omit<RoundHeader, "etag"> {
  return defined({
    round: String(e.round),
    startedAt: String(e.startedAt),
    deadline: String(e.deadline),
    expected: Number(e.expected),
    state: e.state as RoundState,
    claimedBy: e.claimedBy as string | undefined,
    claimedAt: e.claimedAt as string | undefined,
    evaluatedAt: e.evaluatedAt as string | undefined,
    findings: e.findings === undefined ? undefined : Number(e.findings),
    notes: typeof e.notes === "string" ? (JSON.parse(e.notes) as string[]) : undefined,
  });
}

function pickRow(e: Record<string, unknown>): Omit<ClusterRow, "etag"> {
  return defined({
    cluster: String(e.cluster),
    kind: (e.kind ?? "kubeconfig") as SourceKind,
    state: e.state as ClusterState,
    status: e.status as ScanStatus | undefined,
    reason: (e.reason as string | undefined) || undefined,
    updatedAt: e.updatedAt as string | undefined,
    // Rows of rounds registered before references were kept have none.
    ref: e.ref instanceof Uint8Array ? (JSON.parse(Buffer.from(e.ref).toString("utf8")) as ClusterRef) : undefined,
  });
}
