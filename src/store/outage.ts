// A store that stops answering during a scan: each request to it waits out its timeout (30 s for Table
// Storage), so snapshots written one after another behind it would each cost that much and hold their
// collection slot meanwhile. Once a write finds the store gone, later snapshots wait for the end of the
// scan without trying, until a ping (one at a time, outside the collection) finds the store back.
import { StoreError } from "../errors.js";
import type { SnapshotStore } from "./store.js";

/**
 * How long a scan waits on a store that does not answer (a restart takes seconds; a hung Table endpoint
 * costs 30 s a request): for the latest view at its start, for storing what an outage left at its end
 * (waiting for a ping, then every write again), and for its evaluation. `scan --store-deadline`.
 */
export const STORE_DEADLINE_MS = 60_000;

export class StoreOutage {
  private down = false;
  /** The ping asking now: what it failed with, or undefined once the store answered. */
  private probing: Promise<unknown> | undefined;

  constructor(readonly store: SnapshotStore) {}

  /** Whether writes wait: the store stopped answering and no ping since has found it back (this starts one). */
  waiting(): boolean {
    if (this.down) void this.answers();
    return this.down;
  }

  /** A write failed: a store that does not answer, or says "not now", is down until a ping answers (one refusing our credentials is not). */
  failed(e: unknown): void {
    if (e instanceof StoreError && e.unavailable && !e.refused) this.down = true;
  }

  /** Whether the store answers: undefined when it does, else what the ping failed with (that ping may be one asking already). */
  answers(): Promise<unknown> {
    this.probing ??= this.store.ping().then(
      () => {
        this.down = false;
        return undefined;
      },
      (e: unknown) => e,
    ).finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }
}
