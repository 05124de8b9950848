import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { storeConformance } from "./conformance.js";

storeConformance("MemorySnapshotStore", async () => ({ store: new MemorySnapshotStore() }));
