// Documents (snapshots, evaluations) in Table Storage: JSON → gzip → binary chunks spread over
// columns d0..dN of the header row and, when bigger, over chunk rows of the same partition.
// The header row makes a document visible, so it is written last (or in the last transaction),
// and it names the generation of chunk rows it belongs to: a retry that dies half-way never mixes
// its chunks into the document a reader sees.
import { createHash, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { constants, gunzip, gzip } from "node:zlib";
import { inflateChunkSize } from "../gzip.js";
import type { TableEntity, TransactionAction } from "@azure/data-tables";

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface DocumentLimits {
  /** Bytes per binary column; Table binary properties hold at most 64 KiB. */
  chunkBytes: number;
  /** Binary columns per entity; Azurite measures the JSON body (base64: 4/3) against 1 MiB. */
  chunksPerEntity: number;
  /** Entities per transaction: at most 100, and the batch body (base64) must stay under 4 MiB. */
  entitiesPerTransaction: number;
}

/** 8 × 60 KiB = 480 KiB per entity (640 KiB as base64); 4 entities ≈ 2.6 MiB per batch. */
export const DEFAULT_LIMITS: Readonly<DocumentLimits> = Object.freeze({
  chunkBytes: 60 * 1024,
  chunksPerEntity: 8,
  entitiesPerTransaction: 4,
});

export function checkLimits(l: DocumentLimits): DocumentLimits {
  const ok =
    Number.isInteger(l.chunkBytes) && l.chunkBytes >= 1 && l.chunkBytes <= 64 * 1024 &&
    Number.isInteger(l.chunksPerEntity) && l.chunksPerEntity >= 1 && l.chunkBytes * l.chunksPerEntity <= 640 * 1024 &&
    Number.isInteger(l.entitiesPerTransaction) && l.entitiesPerTransaction >= 2 && l.entitiesPerTransaction <= 100 &&
    l.chunkBytes * l.chunksPerEntity * l.entitiesPerTransaction <= 2.75 * 1024 * 1024;
  if (!ok) throw new RangeError(`document limits out of range: ${JSON.stringify(l)}`);
  return l;
}

export const CODEC_VERSION = 1;

/**
 * `fast` trades ~7 % more bytes for half the CPU (level 1): right for documents, which spread over as
 * many rows as they need; not for the few columns with a hard size limit.
 */
export async function gzipJson(doc: unknown, fast = false): Promise<Buffer> {
  const json = JSON.stringify(doc);
  if (json === undefined) throw new TypeError("document is not JSON-serialisable");
  return gzipAsync(Buffer.from(json, "utf8"), fast ? { level: constants.Z_BEST_SPEED } : {});
}

export async function gunzipJson<T>(gz: Uint8Array): Promise<T> {
  return JSON.parse((await gunzipAsync(gz, { chunkSize: inflateChunkSize(gz) })).toString("utf8")) as T;
}

/** `prefix0..prefixK` binary columns plus `prefixn` = K+1. */
export function binaryColumns(prefix: string, data: Uint8Array, chunkBytes: number): Record<string, Uint8Array | number> {
  const out: Record<string, Uint8Array | number> = {};
  let n = 0;
  for (let off = 0; off < data.length; off += chunkBytes, n++) out[`${prefix}${n}`] = data.subarray(off, off + chunkBytes);
  out[`${prefix}n`] = n;
  return out;
}

export function binaryColumnNames(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Concatenates `prefix0..` of an entity; undefined when a column is missing or not binary. */
export function readBinaryColumns(e: Record<string, unknown>, prefix: string): Buffer | undefined {
  const n = e[`${prefix}n`];
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return undefined;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = e[`${prefix}${i}`];
    if (!(v instanceof Uint8Array)) return undefined;
    parts.push(v);
  }
  return Buffer.concat(parts);
}

/** Chunk rows sort after every scan row (those start with a digit) and group by header and generation. */
export function chunkRowKey(baseRowKey: string, gen: string, index: number): string {
  return `~${baseRowKey}_${gen}_${String(index).padStart(5, "0")}`;
}

/** Row-key range [from, to) of a header's chunk rows: one generation, or every generation. */
export function chunkRowRange(baseRowKey: string, gen?: string): { from: string; to: string } {
  const p = gen === undefined ? `~${baseRowKey}_` : `~${baseRowKey}_${gen}_`;
  return { from: p, to: p.slice(0, -1) + "`" }; // "`" sorts right after "_"
}

export function genOfChunkRowKey(baseRowKey: string, rowKey: string): string | undefined {
  const p = `~${baseRowKey}_`;
  if (!rowKey.startsWith(p)) return undefined;
  return rowKey.slice(p.length).split("_")[0];
}

export interface DocumentLayout {
  gen: string;
  /** Columns to add to the header row (it also carries the summary columns). */
  headerColumns: Record<string, Uint8Array | number | string>;
  /** Chunk rows, written before (or with) the header. */
  rows: TableEntity<Record<string, unknown>>[];
}

/**
 * Spreads a gzipped document over the header row (`headerChunks` columns, fewer when the header's
 * summary is itself big) and chunk rows.
 */
export function layoutDocument(
  partitionKey: string,
  baseRowKey: string,
  gz: Uint8Array,
  limits: DocumentLimits,
  headerChunks = limits.chunksPerEntity,
): DocumentLayout {
  const gen = randomBytes(6).toString("hex");
  const inHeader = Math.min(gz.length, headerChunks * limits.chunkBytes);
  const headerColumns: DocumentLayout["headerColumns"] = {
    dv: CODEC_VERSION,
    dgen: gen,
    dlen: gz.length,
    dsha: createHash("sha256").update(gz).digest("hex"),
    ...binaryColumns("d", gz.subarray(0, inHeader), limits.chunkBytes),
  };
  const rows: DocumentLayout["rows"] = [];
  const perRow = limits.chunksPerEntity * limits.chunkBytes;
  for (let off = inHeader; off < gz.length; off += perRow) {
    rows.push({
      partitionKey,
      rowKey: chunkRowKey(baseRowKey, gen, rows.length),
      ...binaryColumns("d", gz.subarray(off, off + perRow), limits.chunkBytes),
    });
  }
  headerColumns.drows = rows.length;
  return { gen, headerColumns, rows };
}

/**
 * Transactions in write order: chunk rows first, the header in the last one. Each is one partition,
 * ≤ entitiesPerTransaction entities; "Replace" drops columns left by an earlier, bigger write.
 */
export function planTransactions(header: TableEntity<object>, rows: TableEntity<object>[], limits: DocumentLimits): TransactionAction[][] {
  const batches: TransactionAction[][] = [];
  for (let i = 0; i < rows.length; i += limits.entitiesPerTransaction) {
    batches.push(rows.slice(i, i + limits.entitiesPerTransaction).map((r) => ["upsert", r, "Replace"] as TransactionAction));
  }
  const last = batches[batches.length - 1];
  if (last && last.length < limits.entitiesPerTransaction) last.push(["upsert", header, "Replace"]);
  else batches.push([["upsert", header, "Replace"]]);
  return batches;
}

export class CorruptDocumentError extends Error {
  override name = "CorruptDocumentError";
}

/** Reassembles the gzipped bytes from a header row and its chunk rows (in row-key order). */
export function assembleDocument(header: Record<string, unknown>, rows: Record<string, unknown>[]): Buffer {
  if (header.dv !== CODEC_VERSION) throw new CorruptDocumentError(`unknown document encoding ${String(header.dv)}`);
  if (header.drows !== rows.length) throw new CorruptDocumentError(`expected ${String(header.drows)} chunk rows, found ${rows.length}`);
  const parts: Buffer[] = [];
  for (const e of [header, ...rows]) {
    const b = readBinaryColumns(e, "d");
    if (!b) throw new CorruptDocumentError("a chunk column is missing");
    parts.push(b);
  }
  const gz = Buffer.concat(parts);
  if (gz.length !== header.dlen || createHash("sha256").update(gz).digest("hex") !== header.dsha) {
    throw new CorruptDocumentError("document bytes do not match their checksum");
  }
  return gz;
}
