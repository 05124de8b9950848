// What each destination has been told, in Table Storage (one partition per destination id, one row
// per finding id), so dedupe survives restarts and is shared by every worker.
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import { tableClients } from "../store/table-store.js";
import type { Announced } from "./plan.js";

export interface AlertState {
  load(destinationId: string): Promise<Map<string, Announced>>;
  /** Upserts and deletes rows of one destination. */
  apply(destinationId: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void>;
}

export class MemoryAlertState implements AlertState {
  private readonly rows = new Map<string, Map<string, Announced>>();
  async load(id: string): Promise<Map<string, Announced>> {
    return new Map([...(this.rows.get(id) ?? new Map<string, Announced>())].map(([k, v]) => [k, { ...v }]));
  }
  async apply(id: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void> {
    const m = this.rows.get(id) ?? new Map<string, Announced>();
    for (const u of upserts) m.set(u.findingId, { ...u });
    for (const d of deletes) m.delete(d);
    this.rows.set(id, m);
  }
}

const BATCH = 100;

export class TableAlertState implements AlertState {
  private created = false;

  constructor(private readonly table: TableClient) {}

  static fromConnectionString(connectionString: string, opts: { tablePrefix?: string } = {}): TableAlertState {
    return new TableAlertState(tableClients(connectionString)(`${opts.tablePrefix ?? ""}alerts`));
  }

  private async ensure(): Promise<void> {
    if (this.created) return;
    await this.table.createTable();
    this.created = true;
  }

  async load(id: string): Promise<Map<string, Announced>> {
    await this.ensure();
    const out = new Map<string, Announced>();
    for await (const e of this.table.listEntities<Omit<Announced, "findingId">>({ queryOptions: { filter: odata`PartitionKey eq ${id}` } })) {
      out.set(e.rowKey!, { findingId: e.rowKey!, severity: e.severity, announcedAt: e.announcedAt, rule: e.rule, cluster: e.cluster, resource: e.resource, message: e.message });
    }
    return out;
  }

  async apply(id: string, upserts: readonly Announced[], deletes: readonly string[]): Promise<void> {
    await this.ensure();
    const actions: TransactionAction[] = [
      ...upserts.map((a): TransactionAction => ["upsert", { partitionKey: id, rowKey: a.findingId, severity: a.severity, announcedAt: a.announcedAt, rule: a.rule, cluster: a.cluster, resource: a.resource, message: a.message }, "Replace"]),
      ...deletes.map((d): TransactionAction => ["delete", { partitionKey: id, rowKey: d }]),
    ];
    for (let i = 0; i < actions.length; i += BATCH) {
      try {
        await this.table.submitTransaction(actions.slice(i, i + BATCH));
      } catch (e) {
        // A delete of a row another worker already removed fails the whole batch: redo it one by one.
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
        for (const a of actions.slice(i, i + BATCH)) {
          if (a[0] === "delete") await this.table.deleteEntity(a[1].partitionKey as string, a[1].rowKey as string).catch(() => {});
          else await this.table.upsertEntity(a[1], "Replace");
        }
      }
    }
  }
}
