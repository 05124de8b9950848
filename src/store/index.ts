// The store's public surface.
export type { HistoryQuery, LatestEntry, SnapshotStore } from "./store.js";
export { MemorySnapshotStore } from "./memory-store.js";
export { parseConnectionString, StoreError, TableSnapshotStore, type TableStoreOptions } from "./table-store.js";
export { openStore, type OpenedStore, type OpenStoreOptions } from "./open.js";
export { AZURITE_ACCOUNT, AZURITE_KEY, azuriteConnectionString, startAzurite, type AzuriteInstance, type AzuriteOptions } from "./azurite.js";
export { clusterKey, clusterFromKey, scanRowKey } from "./keys.js";
export { MAX_CLUSTER_NAME, MAX_SUMMARY_REASON } from "./summary.js";
