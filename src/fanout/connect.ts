// Storage clients for the fan-out: a connection string (Azurite, local runs, `fleet-audit worker`) or
// identity-based service URIs and a managed identity (the Functions app in Azure: no keys anywhere).
import { TableAlertState } from "../alerts/state.js";
import { UsageError } from "../errors.js";
import { type StorageTarget, tableClientsFor } from "../store/endpoint.js";
import { TableSnapshotStore } from "../store/table-store.js";
import { JobQueue } from "./queue.js";
import { RoundTable } from "./rounds.js";

export type { StorageTarget };

export interface FanoutStorage {
  store: TableSnapshotStore;
  rounds: RoundTable;
  queue: JobQueue;
  alertState: TableAlertState;
}

/** Clients with their tables and queues created (idempotent). */
export async function connectStorage(target: StorageTarget, opts: { tablePrefix?: string; queue?: string } = {}): Promise<FanoutStorage> {
  const client = tableClientsFor(target);
  const prefix = opts.tablePrefix ?? "";
  const store = new TableSnapshotStore(client, prefix ? { tablePrefix: prefix } : {});
  let queue: JobQueue;
  if ("connectionString" in target) queue = JobQueue.fromConnectionString(target.connectionString, opts.queue);
  else if (target.queueServiceUri) queue = JobQueue.fromServiceUri(target.queueServiceUri, target.credential, opts.queue);
  else throw new UsageError(`the job queue needs a storage account's endpoints: give --storage as https://<account>.table.core.windows.net (the queue is <account>.queue.…), not ${target.tableServiceUri}`);
  await Promise.all([store.init(), queue.init()]);
  return { store, queue, rounds: new RoundTable(client(`${prefix}rounds`)), alertState: new TableAlertState(client(`${prefix}alerts`)) };
}
