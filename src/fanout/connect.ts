// Storage clients for the fan-out: a connection string (Azurite, local runs, `fleet-audit worker`) or
// identity-based service URIs and a managed identity (the Functions app in Azure: no keys anywhere).
import { TableAlertState } from "../alerts/state.js";
import { UsageError } from "../errors.js";
import { type StorageTarget, tableClientsFor } from "../store/endpoint.js";
import { TableSnapshotStore } from "../store/table-store.js";
import { JobQueue } from "./queue.js";
import { RoundTable } from "./rounds.js";

export type { StorageTarget };

/** What completing rounds and pruning history use: no queue. */
export interface FanoutTables {
  store: TableSnapshotStore;
  rounds: RoundTable;
  alertState: TableAlertState;
}

export interface FanoutStorage extends FanoutTables {
  queue: JobQueue;
}

/** Table clients with their tables created (idempotent). */
export async function connectTables(target: StorageTarget, tablePrefix = ""): Promise<FanoutTables> {
  const client = tableClientsFor(target);
  const store = new TableSnapshotStore(client, tablePrefix ? { tablePrefix } : {});
  await store.init();
  return { store, rounds: new RoundTable(client(`${tablePrefix}rounds`)), alertState: new TableAlertState(client(`${tablePrefix}alerts`)) };
}

/** The job queue and its poison queue, created (idempotent). */
export async function connectQueue(target: StorageTarget, name?: string): Promise<JobQueue> {
  let queue: JobQueue;
  if ("connectionString" in target) queue = JobQueue.fromConnectionString(target.connectionString, name);
  else if (target.queueServiceUri) queue = JobQueue.fromServiceUri(target.queueServiceUri, target.credential, name);
  else throw new UsageError(`the job queue needs a storage account's endpoints: give --storage as https://<account>.table.core.windows.net (the queue is <account>.queue.…), not ${target.tableServiceUri}`);
  await queue.init();
  return queue;
}

export async function connectStorage(target: StorageTarget, opts: { tablePrefix?: string; queue?: string } = {}): Promise<FanoutStorage> {
  const [tables, queue] = await Promise.all([connectTables(target, opts.tablePrefix), connectQueue(target, opts.queue)]);
  return { ...tables, queue };
}
