// Storage clients for the fan-out: a connection string (Azurite, local runs, `fleet-audit worker`) or
// identity-based service URIs and a managed identity (the Functions app in Azure: no keys anywhere).
import { TableClient } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { TableAlertState } from "../alerts/state.js";
import { tableClients } from "../store/table-store.js";
import { TableSnapshotStore } from "../store/table-store.js";
import { JobQueue } from "./queue.js";
import { RoundTable } from "./rounds.js";

export type StorageTarget = { connectionString: string } | { tableServiceUri: string; queueServiceUri: string; credential: TokenCredential };

export interface FanoutStorage {
  store: TableSnapshotStore;
  rounds: RoundTable;
  queue: JobQueue;
  alertState: TableAlertState;
}

/** Clients with their tables and queues created (idempotent). */
export async function connectStorage(target: StorageTarget, opts: { tablePrefix?: string; queue?: string } = {}): Promise<FanoutStorage> {
  const client =
    "connectionString" in target
      ? tableClients(target.connectionString)
      : (t: string) => new TableClient(target.tableServiceUri, t, target.credential, { retryOptions: { maxRetries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 } });
  const prefix = opts.tablePrefix ?? "";
  const store = new TableSnapshotStore(client, prefix ? { tablePrefix: prefix } : {});
  const queue = "connectionString" in target ? JobQueue.fromConnectionString(target.connectionString, opts.queue) : JobQueue.fromServiceUri(target.queueServiceUri, target.credential, opts.queue);
  await Promise.all([store.init(), queue.init()]);
  return { store, queue, rounds: new RoundTable(client(`${prefix}rounds`)), alertState: new TableAlertState(client(`${prefix}alerts`)) };
}
