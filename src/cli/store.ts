// Opens the store the storage options name, runs `fn`, and always closes it (and any embedded Azurite).
import { existsSync } from "node:fs";
import path from "node:path";
import type { AlertState } from "../alerts/state.js";
import type { OpenedStore } from "../store/open.js";
import type { SnapshotStore } from "../store/store.js";
import type { CliIO } from "./io.js";

/** Where the embedded Azurite keeps its data unless --data-dir says otherwise. */
export const DEFAULT_DATA_DIR = ".fleet-audit";
/** The demo's own history, apart from the default store so its simulated fleet never mixes with a real one. */
export const DEMO_DATA_DIR = ".fleet-audit/demo";

/** How to read the history kept under `dataDir`. */
export function reportCommand(kind: string, dataDir: string): string {
  return `\`fleet-audit report ${kind} --data-dir ${dataDir}\``;
}

/** Where the demo's history is, when `opened` is the empty default store beside it (a newcomer's first report after `npm start`). */
export function demoHistoryHint(opts: StorageOpts, opened: OpenedStore, io: CliIO, kind: string): string {
  const embedded = opened.azurite !== undefined || opened.sharedWith !== undefined;
  const atDefault = path.resolve(io.cwd, opts.dataDir) === path.resolve(io.cwd, DEFAULT_DATA_DIR);
  if (!embedded || !atDefault || !existsSync(path.resolve(io.cwd, DEMO_DATA_DIR))) return "";
  return ` (the demo's history is in ${DEMO_DATA_DIR}: ${reportCommand(kind, DEMO_DATA_DIR)})`;
}

export interface StorageOpts {
  storage?: string;
  /** What gave `storage` when not the flag (set by storageOptions). */
  storageFrom?: string;
  dataDir: string;
  /** The embedded store under dataDir, whatever FLEET_AUDIT_STORAGE says (an explicit --data-dir, set by storageOptions; the demo). */
  embedded?: boolean;
  /** Prepended to the table names (default FLEET_AUDIT_TABLE_PREFIX; "" for none). */
  tablePrefix?: string;
  /** The command writes: a store refusing our credentials names the role that needs. */
  writes?: boolean;
}

/** `stop` ends the store's requests when aborted, opening it included. */
export async function withStore<T>(opts: StorageOpts, io: CliIO, fn: (store: SnapshotStore, opened: OpenedStore & { tablePrefix?: string }) => Promise<T>, stop?: AbortSignal): Promise<T> {
  const prefix = opts.tablePrefix ?? io.env.FLEET_AUDIT_TABLE_PREFIX;
  // The Table SDK loads with the first command that needs it, not with --help.
  const { openStore } = await import("../store/open.js");
  const opened = await openStore({
    ...(opts.storage ? { storage: opts.storage, ...(opts.storageFrom ? { storageFrom: opts.storageFrom } : {}) } : {}),
    dataDir: path.resolve(io.cwd, opts.dataDir),
    ...(opts.embedded ? { embedded: true } : {}),
    ...(opts.writes ? { writes: true } : {}),
    env: io.env,
    // serve and demo outlive their store's child: say so when it dies instead of only failing requests.
    onEmbeddedExit: (m) => io.stderr.write(`fleet-audit: ${m}\n`),
    // Several fleets (or test runs) can share one storage account under different table prefixes.
    ...(prefix ? { tablePrefix: prefix } : {}),
    ...(stop ? { signal: stop } : {}),
  });
  try {
    return await fn(opened.store, { ...opened, ...(prefix ? { tablePrefix: prefix } : {}) });
  } catch (e) {
    throw opened.refusal(e);
  } finally {
    await opened.close();
  }
}

/** What alert destinations were told, kept beside the store (same account, same table prefix). */
export async function alertStateOf(opened: OpenedStore & { tablePrefix?: string }): Promise<AlertState> {
  const [{ TableAlertState }, { tableClientsFor }] = await Promise.all([import("../alerts/state.js"), import("../store/endpoint.js")]);
  return new TableAlertState(tableClientsFor(opened.target)(`${opened.tablePrefix ?? ""}alerts`));
}
