// Opens the configured store: a Table endpoint from a connection string or a Table service URL with an
// Entra ID identity (--storage or FLEET_AUDIT_STORAGE), else an embedded Azurite persisting under
// <dataDir>/azurite so history accumulates across runs.
//
// Two Azurites over the same files would each keep their own copy in memory and overwrite each
// other's saves, so a lock file names the process that runs the embedded Azurite and its ports; a
// second process (`scan` while `serve` runs) uses that Azurite instead of starting its own.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { StoreError } from "../errors.js";
import { isIdentityError } from "../identity-error.js";
import { azuriteConnectionString, startAzurite, type AzuriteInstance } from "./azurite.js";
import { embeddedDataDir } from "./data-dir.js";
import { parseStorageUrl, type StorageTarget, storageCredential, tableClientsFor } from "./endpoint.js";
import type { SnapshotStore } from "./store.js";
import { parseConnectionString, TableSnapshotStore, type TableStoreOptions } from "./table-store.js";

export interface OpenStoreOptions {
  /**
   * Storage connection string, or a Table service URL (identity-based: FLEET_AUDIT_STORAGE_TOKEN, else
   * DefaultAzureCredential); defaults to FLEET_AUDIT_STORAGE, then to an embedded Azurite.
   */
  storage?: string;
  /** What gave `storage`, for messages (default `--storage`; the CLI's may come from FLEET_AUDIT_STORAGE). */
  storageFrom?: string;
  /** Where the embedded Azurite keeps its data (default `.fleet-audit` in the working directory). */
  dataDir?: string;
  /** The embedded Azurite under `dataDir` whatever FLEET_AUDIT_STORAGE says (the CLI's explicit --data-dir). */
  embedded?: boolean;
  /** The command writes (scan, worker, prune, forget): the role a refusal of our credentials names. */
  writes?: boolean;
  tablePrefix?: string;
  /** Environment to read FLEET_AUDIT_STORAGE from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told, in one line, when the embedded Azurite this process started goes away under it. */
  onEmbeddedExit?: (message: string) => void;
  /** Ends the store's requests, the first (init) included, when aborted: a stop request need not wait out a hung endpoint. */
  signal?: AbortSignal;
}

export interface OpenedStore {
  store: SnapshotStore;
  /** The storage in use, for the other tables and the queue (a connection string may hold a key: never print it). */
  target: StorageTarget;
  /** The connection string in use, unless the storage is a URL with an identity. */
  connectionString?: string;
  /** The embedded Azurite this process started (and stops on close). */
  azurite?: AzuriteInstance;
  /** Pid of the other process whose embedded Azurite on the same data dir we use. */
  sharedWith?: number;
  /** Closes the store and stops an embedded Azurite this process started. Idempotent. */
  close(): Promise<void>;
  /** `e` reworded when it is the store refusing our credentials: where it is, what gave it, what to check. Else `e`. */
  refusal(e: unknown): unknown;
}

interface LockInfo {
  /** The process that owns the embedded Azurite. */
  pid: number;
  azuritePid?: number;
  tablePort?: number;
  queuePort?: number;
}

/** Running, as opposed to gone or a zombie waiting to be reaped. */
function running(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as LockInfo;
    return Number.isInteger(v.pid) ? v : undefined;
  } catch {
    return undefined;
  }
}

// Lock contents are written to a temporary file and linked or renamed into place, so a reader
// never sees a half-written lock.
function writeTemp(file: string, info: LockInfo): string {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, JSON.stringify(info));
  return tmp;
}

/** Creates the lock if nobody holds it; true when it is ours. */
function tryLock(file: string, info: LockInfo): boolean {
  const tmp = writeTemp(file, info);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    return false;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Embedded = { azurite: AzuriteInstance; release: () => void } | { connectionString: string; owner: number };

async function embedded(dataDir: string, onGone?: (message: string) => void, timeoutMs = 30_000): Promise<Embedded> {
  const root = resolve(dataDir);
  const location = embeddedDataDir(root);
  const lockFile = join(root, "azurite.lock");
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (tryLock(lockFile, { pid: process.pid })) {
      let azurite: AzuriteInstance;
      try {
        azurite = await startAzurite({
          location,
          ...(onGone ? { onUnexpectedExit: (how: string) => onGone(`the embedded Azurite in ${location} stopped (${how}): the store is gone until fleet-audit restarts`) } : {}),
        });
      } catch (e) {
        rmSync(lockFile, { force: true });
        throw e;
      }
      const port = (u: string): number => Number(new URL(u).port);
      renameSync(
        writeTemp(lockFile, { pid: process.pid, azuritePid: azurite.pid, tablePort: port(azurite.tableEndpoint), queuePort: port(azurite.queueEndpoint) }),
        lockFile,
      );
      const onExit = (): void => {
        if (readLock(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
      };
      process.once("exit", onExit);
      const release = (): void => {
        process.removeListener("exit", onExit);
        onExit();
      };
      return { azurite, release };
    }
    const held = readLock(lockFile);
    if (held === undefined) {
      // Gone since we looked (try again), or not ours to read: a lock we cannot parse is garbage.
      if (readFileSafe(lockFile) !== undefined) rmSync(lockFile, { force: true });
      continue;
    }
    if (running(held.pid)) {
      if (held.tablePort && held.queuePort && running(held.azuritePid)) {
        return { connectionString: azuriteConnectionString(held.tablePort, held.queuePort), owner: held.pid };
      }
      // The owner is still starting its Azurite: wait for the ports.
    } else if (!running(held.azuritePid)) {
      // The owner died without cleaning up, and its Azurite has finished saving: take over (unless
      // another process just did).
      if (readLock(lockFile)?.pid === held.pid) rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > until) throw new Error(`embedded Azurite in ${location} (process ${held.pid}) did not become ready`);
    await sleep(100);
  }
}

function readFileSafe(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

export async function openStore(options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const env = options.env ?? process.env;
  const given = options.embedded ? undefined : (options.storage ?? (env.FLEET_AUDIT_STORAGE?.trim() || undefined));
  const tableOptions: TableStoreOptions = {
    ...(options.tablePrefix !== undefined ? { tablePrefix: options.tablePrefix } : {}),
    ...(options.signal ? { stop: options.signal } : {}),
  };

  let owned: { azurite: AzuriteInstance; release: () => void } | undefined;
  let sharedWith: number | undefined;
  let connectionString: string | undefined;
  let target: StorageTarget | undefined;
  const url = given !== undefined ? parseStorageUrl(given) : undefined;
  if (url) {
    target = { ...url, credential: storageCredential(env) };
  } else if (given !== undefined) {
    parseConnectionString(given); // fail fast with a one-line reason, before anything starts
    connectionString = given;
  } else {
    const e = await embedded(options.dataDir ?? ".fleet-audit", options.onEmbeddedExit);
    if ("azurite" in e) {
      owned = e;
      connectionString = e.azurite.connectionString;
    } else {
      sharedWith = e.owner;
      connectionString = e.connectionString;
    }
  }

  target ??= { connectionString: connectionString! };
  const store = new TableSnapshotStore(tableClientsFor(target), tableOptions);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      try {
        await store.close();
      } finally {
        if (owned) {
          await owned.azurite.stop();
          owned.release();
        }
      }
    })());
  const from = options.storage !== undefined ? `given by ${options.storageFrom ?? "--storage"}` : given !== undefined ? "given by FLEET_AUDIT_STORAGE" : "the embedded Azurite";
  const refusal = (e: unknown): unknown => refusedCredentials(e, target, from, options.writes === true);
  try {
    await store.init();
  } catch (e) {
    await close();
    throw cannotOpen(refusal(e), target, from);
  }
  const out: OpenedStore = { store, target, ...(connectionString !== undefined ? { connectionString } : {}), close, refusal };
  if (owned) out.azurite = owned.azurite;
  if (sharedWith !== undefined) out.sharedWith = sharedWith;
  return out;
}

/** Where the store is, for messages: by host and port only, as a connection string holds an account key. */
function storeAt(target: StorageTarget): string {
  const endpoint = "connectionString" in target ? parseConnectionString(target.connectionString).tableEndpoint : target.tableServiceUri;
  return endpoint ? ` at ${new URL(endpoint).host}` : "";
}

/** The first call's failure, reworded to say where the store is and what named it. */
function cannotOpen(e: unknown, target: StorageTarget, from: string): unknown {
  if (!(e instanceof StoreError) || e.reason === undefined || e.refused) return e;
  // DefaultAzureCredential found no identity to use (no login on a workstation): say how to give one.
  const howToSignIn = "credential" in target && isIdentityError(e.code) ? ": run `az login`, or set FLEET_AUDIT_STORAGE_TOKEN" : "";
  return new StoreError(`cannot open the Table store${storeAt(target)} (${from}): ${e.reason}${howToSignIn}`, e.table, e.cluster, e.statusCode, e.code, { reason: e.reason });
}

/**
 * A 401 or 403 from the store, whenever a command meets it (a read-only identity passes the opening): no
 * outage to wait out, but a wrong or rotated key, or an identity without the role the command needs.
 */
function refusedCredentials(e: unknown, target: StorageTarget, from: string, writes: boolean): unknown {
  if (!(e instanceof StoreError) || !e.refused) return e;
  const check = "connectionString" in target ? "the account key (or SAS) of the connection string" : `the identity and its role on the storage account (Storage Table Data ${writes ? "Contributor" : "Reader"})`;
  const status = [e.statusCode, e.code].filter(Boolean).join(" ");
  return new StoreError(`the store${storeAt(target)} (${from}) refused our credentials (${status}): check ${check}`, e.table, e.cluster, e.statusCode, e.code, { ...(e.reason !== undefined ? { reason: e.reason } : {}) });
}
