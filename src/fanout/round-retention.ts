// Round records are bookkeeping: once a round is older than the sweep's look-back nothing reads it
// again, so the daily timer deletes its partition and index row. Rejected-message records keep the
// same days, and at most the newest `keep` of them, so a flood of garbage cannot grow the table.
import { statusCodeOf } from "../errors.js";
import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import pLimit from "p-limit";
import { SCAN_ROWS_END, sinceUpperBound } from "../store/keys.js";
import { INDEX, REJECTED, ROUND_PARTITIONS_END } from "./round-keys.js";

const BATCH = 100;
const PAGE = 1_000;
/** Transactions in flight at once: a months-old table takes many, and the daily timer has 10 minutes. */
const PARALLEL = 8;

type Key = { partitionKey: string; rowKey: string };

/** One partition's rows, 100 to a transaction; a row already gone (a concurrent prune) is no error. */
async function deleteBatch(table: TableClient, rows: readonly Key[]): Promise<void> {
  try {
    await table.submitTransaction(rows.map((r): TransactionAction => ["delete", r]));
  } catch (e) {
    if (statusCodeOf(e) !== 404) throw e;
    // One missing row fails the whole transaction: go one by one.
    for (const r of rows) {
      await table.deleteEntity(r.partitionKey, r.rowKey).catch((e2: unknown) => {
        if (statusCodeOf(e2) !== 404) throw e2;
      });
    }
  }
}

/** Deletes what `filter` lists, page by page, except rows `spare` keeps; how many rows and partitions went. */
async function deleteListed(table: TableClient, filter: string, spare: (row: Key) => boolean = () => false): Promise<{ rows: number; partitions: number }> {
  const deleted = { rows: 0, partitions: 0 };
  let partition: string | undefined;
  const limit = pLimit(PARALLEL);
  const pages = table.listEntities<Key>({ queryOptions: { filter, select: ["partitionKey", "rowKey"] } }).byPage({ maxPageSize: PAGE });
  for await (const page of pages) {
    const batches: Key[][] = [];
    for (const r of page) {
      if (spare(r)) continue;
      const last = batches[batches.length - 1];
      if (last && last.length < BATCH && last[0]!.partitionKey === r.partitionKey) last.push(r);
      else batches.push([r]);
      deleted.rows++;
      // Rows come in key order, so a partition's rows are consecutive.
      if (r.partitionKey !== partition) [partition, deleted.partitions] = [r.partitionKey, deleted.partitions + 1];
    }
    await Promise.all(batches.map((b) => limit(() => deleteBatch(table, b))));
  }
  return deleted;
}

/** Rounds started before `before`: every row of their partitions (old and new layout alike), then their index rows; how many rounds. */
export async function deleteRoundsBefore(table: TableClient, before: Date): Promise<number> {
  // An older round has a larger (inverted-time) key.
  const from = sinceUpperBound(before);
  const { partitions } = await deleteListed(table, odata`PartitionKey ge ${from} and PartitionKey lt ${ROUND_PARTITIONS_END}`);
  await deleteListed(table, odata`PartitionKey eq ${INDEX} and RowKey ge ${from} and RowKey lt ${SCAN_ROWS_END}`);
  return partitions;
}

/** Rejected-message records from before `before`, and all but the newest `keep` (row keys sort newest first). */
export async function capRejected(table: TableClient, before: Date, keep: number): Promise<number> {
  const newerThan = sinceUpperBound(before);
  let kept = 0;
  const spare = (r: Key): boolean => {
    if (r.rowKey >= newerThan || kept >= keep) return false;
    kept++;
    return true;
  };
  return (await deleteListed(table, odata`PartitionKey eq ${REJECTED}`, spare)).rows;
}
