// Rounds registered before the index (INDEX) existed have a header in their own partition only. The
// first sweep of a table finds them with the old query (it reads every row of the look-back window,
// once), indexes them, and writes a marker that ends the fallback for every later sweep. A round that
// an older version still starts after that is completed by its own last job, but not at its deadline
// by the sweep: run one version of `fleet-audit worker` per storage.
import { statusCodeOf } from "../errors.js";
import { odata, type TableClient } from "@azure/data-tables";
import { sinceUpperBound } from "../store/keys.js";
import { HEADER, INDEX, LEGACY_INDEXED } from "./round-keys.js";


/** True once the marker is there (a 404 is "not yet"). */
export async function legacyIndexed(table: TableClient): Promise<boolean> {
  try {
    await table.getEntity(INDEX, LEGACY_INDEXED, { queryOptions: { select: ["rowKey"] } });
    return true;
  } catch (e) {
    if (statusCodeOf(e) === 404) return false;
    throw e;
  }
}

/** Indexes the unfinished headers of rounds started since `since`, then marks the table done; their ids. */
export async function indexLegacyRounds(table: TableClient, since: Date): Promise<string[]> {
  const filter = odata`RowKey eq ${HEADER} and state ne ${"evaluated"} and PartitionKey lt ${sinceUpperBound(since)}`;
  const rounds: string[] = [];
  for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter, select: ["round", "startedAt", "deadline", "expected", "state"] } })) {
    const { partitionKey, rowKey: _r, etag: _e, timestamp: _t, ...header } = e;
    await table.upsertEntity({ ...header, partitionKey: INDEX, rowKey: String(partitionKey) }, "Merge");
    rounds.push(String(e.round));
  }
  await table.upsertEntity({ partitionKey: INDEX, rowKey: LEGACY_INDEXED, at: new Date().toISOString(), found: rounds.length }, "Replace");
  return rounds;
}
