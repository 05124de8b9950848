// Opens the configured store: a Table endpoint from a connection string (--storage or
// FLEET_AUDIT_STORAGE), else an embedded Azurite persisting under <dataDir>/azurite so history
// accumulates across runs.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { startAzurite, type AzuriteInstance } from "./azurite.js";
import type { SnapshotStore } from "./store.js";
import { parseConnectionString, TableSnapshotStore, type TableStoreOptions } from "./table-store.js";

export interface OpenStoreOptions {
  /** Storage connection string; defaults to FLEET_AUDIT_STORAGE, then to an embedded Azurite. */
  storage?: string;
  /** Where the embedded Azurite keeps its data (default `.fleet-audit` in the working directory). */
  dataDir?: string;
  tablePrefix?: string;
  /** Environment to read FLEET_AUDIT_STORAGE from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface OpenedStore {
  store: SnapshotStore;
  /** The connection string in use (holds a key: never print it; see redactConnectionString). */
  connectionString: string;
  /** Set when the store runs on an embedded Azurite. */
  azurite?: AzuriteInstance;
  /** Closes the store and stops an embedded Azurite. Idempotent. */
  close(): Promise<void>;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const given = options.storage ?? (env.FLEET_AUDIT_STORAGE?.trim() || undefined);
  const tableOptions: TableStoreOptions = options.tablePrefix !== undefined ? { tablePrefix: options.tablePrefix } : {};

  let azurite: AzuriteInstance | undefined;
  let connectionString: string;
  if (given !== undefined) {
    parseConnectionString(given); // fail fast with a one-line reason, before anything starts
    connectionString = given;
  } else {
    const location = join(resolve(options.dataDir ?? ".fleet-audit"), "azurite");
    mkdirSync(location, { recursive: true });
    azurite = await startAzurite({ location });
    connectionString = azurite.connectionString;
  }

  const store = TableSnapshotStore.fromConnectionString(connectionString, tableOptions);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await store.close();
      } finally {
        await azurite?.stop();
      }
    })());
  try {
    await store.init();
  } catch (e) {
    await close();
    throw e;
  }
  const out: OpenedStore = { store, connectionString, close };
  if (azurite) out.azurite = azurite;
  return out;
}
