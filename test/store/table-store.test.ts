import { describe, expect, it } from "vitest";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { storeConformance } from "./conformance.js";
import { azurite, uniquePrefix } from "./helpers.js";

storeConformance("TableSnapshotStore (Azurite)", async () => ({
  store: TableSnapshotStore.fromConnectionString(azurite(), { tablePrefix: uniquePrefix() }),
}));

// The same suite with tiny chunks, so every document spans many rows and transactions.
storeConformance("TableSnapshotStore (Azurite, tiny chunks)", async () => ({
  store: TableSnapshotStore.fromConnectionString(azurite(), {
    tablePrefix: uniquePrefix(),
    limits: { chunkBytes: 4096, chunksPerEntity: 3, entitiesPerTransaction: 5 },
  }),
}));
