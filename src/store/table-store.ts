// SnapshotStore over Azure Table Storage (or Azurite).
//
// Tables (names optionally prefixed):
//   snapshots    PK = clusterKey(cluster)  RK = scanRowKey(scanId)   summary columns + document chunks
//                                         RK = ~<RK>_<gen>_<n>       chunk rows of bigger documents
//   latest       PK = "latest"             RK = clusterKey(cluster)   l_* latest summary, ok_* last ok summary,
//                                                                     pv_* the ok one before it (when known)
//   evaluations  PK = "fleet"              RK = scanRowKey(scanId)    summary columns + document chunks
// Row keys are inverted time, so a partition lists newest first and `since` is a row-key bound.
// Every value from outside reaches a filter through the SDK's `odata` tag, never by concatenation.
import { setMaxListeners } from "node:events";
import { odata, TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import { StoreError, statusCodeOf, UsageError } from "../errors.js";
import { identityErrorText } from "../identity-error.js";
import { requestTimeoutPolicy, stopPolicy } from "../request-timeout.js";
import { withoutSecrets } from "../secrets.js";
import type { EvaluationSummary, FleetEvaluation } from "../model/evaluation.js";
import { type FindingClusters, findingClusters, summarizeEvaluation } from "../model/evaluation.js";
import type { ClusterSnapshot, ScanStatus, SnapshotSummary } from "../model/snapshot.js";
import {
  assembleDocument,
  binaryColumnNames,
  binaryColumns,
  checkLimits,
  chunkRowRange,
  CorruptDocumentError,
  DEFAULT_LIMITS,
  genOfChunkRowKey,
  gunzipJson,
  gzipJson,
  layoutDocument,
  planTransactions,
  readBinaryColumns,
  type DocumentLimits,
} from "./codec.js";
import { clusterFromKey, clusterKey, isTablePrefix, normalizeRef, scanRowKey, SCAN_ROWS_END, sinceUpperBound, TABLE_PREFIX_RULE } from "./keys.js";
import { countPruned, type EvaluationQuery, type HistoryQuery, type LatestEntry, type PruneOptions, type PruneResult, type SnapshotStore, type StoredSnapshot, thinner } from "./store.js";
import { checkCluster, checkLimit, checkStoredCluster, describeCluster, nextLatest, storedSummary } from "./summary.js";

/** Kept here too: callers of the store catch it by this name. */
export { StoreError };

const LATEST_PK = "latest";
const EVALUATION_PK = "fleet";
/** A partition of the latest table never written (its rows are all under LATEST_PK). */
const WRITE_CHECK_PK = "write-check";
/** Evaluation summaries carry their subnet list gzipped in at most this many binary columns. */
const MAX_SUBNET_COLUMNS = 4;

export interface TableStoreOptions {
  /** Prepended to the table names (letters and digits, starting with a letter). */
  tablePrefix?: string;
  /** Chunking limits; the defaults suit Azure and Azurite (tests shrink them to force many rows). */
  limits?: Partial<DocumentLimits>;
  /**
   * Called before each transaction of a document write; throwing aborts the write. A test seam for
   * crashes half-way through a multi-transaction document.
   */
  onTransaction?: (t: { table: string; partitionKey: string; index: number; count: number }) => void | Promise<void>;
  /** Ends every request in flight, as closing does: a caller asked to stop need not wait out a hung endpoint. */
  stop?: AbortSignal;
}

/** How long one Table request may go unanswered: a hung endpoint fails the write (its cluster's, named) instead of the scan waiting forever. */
const TABLE_REQUEST_TIMEOUT_MS = 30_000;

/** The project's TableClient settings, whatever the credential. */
export function tableClientOptions(requestTimeoutMs = TABLE_REQUEST_TIMEOUT_MS) {
  return {
    retryOptions: { maxRetries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 },
    additionalPolicies: [{ policy: requestTimeoutPolicy(requestTimeoutMs), position: "perRetry" as const }],
    userAgentOptions: { userAgentPrefix: "aks-fleet-auditor" },
  };
}

/** TableClients for one storage connection string, with the project's retry, timeout and TLS settings. */
export function tableClients(connectionString: string, requestTimeoutMs?: number): (tableName: string) => TableClient {
  const { insecure } = parseConnectionString(connectionString);
  const options = tableClientOptions(requestTimeoutMs);
  return (t: string): TableClient => {
    try {
      return TableClient.fromConnectionString(connectionString, t, { ...options, allowInsecureConnection: insecure });
    } catch (e) {
      throw new UsageError(`invalid storage connection string: ${withoutSecrets((e instanceof Error ? e.message : String(e)).split("\n")[0]!)}`);
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Connection strings

export interface ParsedConnectionString {
  /** Table endpoint when the string names one (or implies one through the account and protocol). */
  tableEndpoint?: string;
  /** http endpoint (Azurite): the SDK refuses to send credentials over it unless told. */
  insecure: boolean;
}

/** Checks a storage connection string; throws a one-line error that never quotes a secret. */
export function parseConnectionString(cs: string): ParsedConnectionString {
  const bad = (why: string): never => {
    throw new UsageError(`invalid storage connection string: ${why}`);
  };
  if (typeof cs !== "string" || cs.trim() === "") bad("it is empty");
  const kv = new Map<string, string>();
  const segments = cs.split(";").map((s) => s.trim()).filter(Boolean);
  segments.forEach((seg, i) => {
    const eq = seg.indexOf("=");
    if (eq <= 0) bad(`segment ${i + 1} is not key=value`);
    kv.set(seg.slice(0, eq).trim().toLowerCase(), seg.slice(eq + 1).trim());
  });
  if (kv.get("usedevelopmentstorage")?.toLowerCase() === "true") return { tableEndpoint: "http://127.0.0.1:10002/devstoreaccount1", insecure: true };
  const protocol = kv.get("defaultendpointsprotocol")?.toLowerCase();
  if (protocol !== undefined && protocol !== "http" && protocol !== "https") bad("DefaultEndpointsProtocol must be http or https");
  let tableEndpoint = kv.get("tableendpoint");
  if (tableEndpoint !== undefined) {
    let u: URL | undefined;
    try {
      u = new URL(tableEndpoint);
    } catch {
      bad("TableEndpoint is not a URL");
    }
    if (u!.protocol !== "http:" && u!.protocol !== "https:") bad("TableEndpoint must be an http(s) URL");
  }
  const account = kv.get("accountname");
  const key = kv.get("accountkey");
  const sas = kv.get("sharedaccesssignature");
  if (key !== undefined) {
    if (!account) bad("AccountKey given without AccountName");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key!)) bad("AccountKey is not base64");
  } else if (sas !== undefined) {
    if (!tableEndpoint) bad("SharedAccessSignature needs a TableEndpoint");
  } else {
    bad("it has neither AccountName/AccountKey nor SharedAccessSignature (nor UseDevelopmentStorage=true)");
  }
  if (tableEndpoint === undefined && account) {
    const suffix = kv.get("endpointsuffix") ?? "core.windows.net";
    tableEndpoint = `${protocol ?? "https"}://${account}.table.${suffix}`;
  }
  return { tableEndpoint, insecure: tableEndpoint?.startsWith("http:") ?? false };
}

// ---------------------------------------------------------------------------------------------
// Columns

type Row = Record<string, unknown>;

const SUMMARY_FIELDS = ["scanId", "takenAt", "status", "reason", "durationMs", "nodes", "nncs", "cnsPods", "requestedIPs", "assignedIPs", "ref", "armId"] as const;
const NUMERIC = new Set(["durationMs", "nodes", "nncs", "cnsPods", "requestedIPs", "assignedIPs"]);

// Numbers go out as Double: untyped JSON integers become Int32 on the service and would overflow.
function dbl(n: number): { value: number; type: "Double" } {
  return { value: n, type: "Double" };
}

function summaryColumns(s: SnapshotSummary, prefix: string): Row {
  const out: Row = {};
  for (const f of SUMMARY_FIELDS) {
    const v = s[f];
    if (v !== undefined) out[prefix + f] = NUMERIC.has(f) ? dbl(v as number) : v;
  }
  return out;
}

function summaryFromColumns(e: Row, prefix: string, cluster: string): SnapshotSummary | undefined {
  if (typeof e[prefix + "scanId"] !== "string") return undefined;
  const num = (f: string): number => Number(e[prefix + f] ?? 0);
  const s: SnapshotSummary = {
    cluster,
    scanId: e[prefix + "scanId"] as string,
    takenAt: String(e[prefix + "takenAt"]),
    status: e[prefix + "status"] as ScanStatus,
    durationMs: num("durationMs"),
    nodes: num("nodes"),
    nncs: num("nncs"),
    cnsPods: num("cnsPods"),
    requestedIPs: num("requestedIPs"),
    assignedIPs: num("assignedIPs"),
    ref: String(e[prefix + "ref"] ?? e.rowKey),
  };
  const reason = e[prefix + "reason"];
  if (typeof reason === "string") s.reason = reason;
  const armId = e[prefix + "armId"];
  if (typeof armId === "string") s.armId = armId;
  return s;
}

const SNAPSHOT_SELECT = ["rowKey", ...SUMMARY_FIELDS.filter((f) => f !== "ref")];
const EVALUATION_SELECT = ["rowKey", "scanId", "generatedAt", "clusters", "critical", "warning", "info", "waived", "subn", ...binaryColumnNames("sub", MAX_SUBNET_COLUMNS)];

// ---------------------------------------------------------------------------------------------

/** "409 EntityAlreadyExists (The specified entity already exists.)" from a RestError, short. */
function describeRestError(e: unknown): { text: string; code?: string } {
  // No token, so the store was never asked: the credential that tried says why (the error's name is the code).
  const identity = identityErrorText(e);
  if (identity) return { text: identity, code: (e as Error).name };
  const status = statusCodeOf(e);
  let code = (e as { code?: unknown } | null)?.code;
  let detail = e instanceof Error ? e.message : String(e);
  try {
    const body = JSON.parse(detail) as { "odata.error"?: { code?: string; message?: { value?: string } } };
    code = body["odata.error"]?.code ?? code;
    detail = body["odata.error"]?.message?.value ?? detail;
  } catch {
    // Not JSON: Azure Storage and Azurite answer some errors (authentication among them) in XML.
    const xml = (tag: string): string | undefined => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(detail)?.[1]?.trim();
    [code, detail] = [xml("Code") ?? code, xml("Message") ?? detail];
  }
  // The service, or a proxy in front of it, may echo the request: its Authorization header, its SAS.
  detail = withoutSecrets(detail.split("\n")[0]!).slice(0, 200);
  const head = [status, typeof code === "string" ? code : undefined].filter((x) => x !== undefined).join(" ");
  return { text: head ? `${head} (${detail})` : detail, code: typeof code === "string" ? code : undefined };
}

interface Table {
  name: string;
  client: TableClient;
}

export class TableSnapshotStore implements SnapshotStore {
  private readonly snapshots: Table;
  private readonly latest: Table;
  private readonly evaluations: Table;
  private readonly limits: DocumentLimits;
  /** Documents (table/pk/rk) whose last write here failed: their next write sweeps for leftovers. */
  private readonly failedWrites = new Set<string>();
  /**
   * Latest-view rows as this store last listed or wrote them, with their etags, so an update need not
   * read the row first. Only a hint: a stale etag fails the update (412), a stale "absent" fails the
   * create (409), and either makes us read the row and merge again.
   */
  private readonly latestRows = new Map<string, { entry: LatestEntry; etag: string }>();
  /** listLatest has filled latestRows: a cluster missing from it has no row (as far as we know). */
  private latestListed = false;
  readonly label: string;
  private readonly closed = new AbortController();

  /**
   * @param client makes a TableClient for a table name (connection string, managed identity, ...).
   */
  constructor(
    client: (tableName: string) => TableClient,
    private readonly options: TableStoreOptions = {},
  ) {
    // Every Table request in flight listens for the close: a scan of many clusters has more than Node's 10.
    setMaxListeners(0, this.closed.signal);
    const prefix = options.tablePrefix ?? "";
    if (!isTablePrefix(prefix)) throw new TypeError(`table prefix must be ${TABLE_PREFIX_RULE}, got ${JSON.stringify(prefix)}`);
    const table = (n: string): Table => {
      const c = client(prefix + n);
      c.pipeline.addPolicy(stopPolicy(options.stop ? AbortSignal.any([this.closed.signal, options.stop]) : this.closed.signal));
      return { name: prefix + n, client: c };
    };
    this.snapshots = table("snapshots");
    this.latest = table("latest");
    this.evaluations = table("evaluations");
    this.limits = checkLimits({ ...DEFAULT_LIMITS, ...options.limits });
    // By host and port only: a SAS connection string leaves its signature in the client's URL.
    this.label = `Table store at ${new URL(this.snapshots.client.url).host}`;
  }

  static fromConnectionString(connectionString: string, options: TableStoreOptions = {}): TableSnapshotStore {
    return new TableSnapshotStore(tableClients(connectionString), options);
  }

  /** Table names in use, for messages and tests. */
  get tableNames(): { snapshots: string; latest: string; evaluations: string } {
    return { snapshots: this.snapshots.name, latest: this.latest.name, evaluations: this.evaluations.name };
  }

  private async call<T>(what: string, table: Table, cluster: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const { text, code } = describeRestError(e);
      const who = cluster === undefined ? "" : ` for cluster ${describeCluster(cluster)}`;
      // No `cause`: a RestError holds the request, Authorization header included, for any logger that
      // serialises errors deeply; the status, code and message are all a reader needs.
      throw new StoreError(`Table store: cannot ${what} in table "${table.name}"${who}: ${text}`, table.name, cluster, statusCodeOf(e), code, { reason: text });
    }
  }

  /** The entity, or undefined on 404. */
  private async getRow(table: Table, pk: string, rk: string, cluster: string | undefined, what: string): Promise<TableEntityResult<Row> | undefined> {
    return this.call(what, table, cluster, async () => {
      try {
        return await table.client.getEntity<Row>(pk, rk);
      } catch (e) {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      }
    });
  }

  /** `keep`: rows it refuses still count towards `limit`, but are dropped as their page arrives. */
  private async query(table: Table, filter: string, select: string[] | undefined, limit: number, cluster: string | undefined, what: string, keep?: (row: TableEntityResult<Row>) => boolean): Promise<TableEntityResult<Row>[]> {
    const out: TableEntityResult<Row>[] = [];
    if (limit <= 0) return out;
    let seen = 0;
    await this.call(what, table, cluster, async () => {
      const pages = table.client
        .listEntities<Row>({ queryOptions: select ? { filter, select } : { filter } })
        .byPage({ maxPageSize: Math.min(limit, 1000) });
      try {
        for await (const page of pages) {
          for (const e of page) {
            if (!keep || keep(e)) out.push(e);
            if (++seen >= limit) return;
          }
        }
      } catch (e) {
        // A table nobody created yet holds nothing: a read-only identity cannot create it (init), and a
        // report over a store no scan has written to should say so, not fail on the table.
        if (statusCodeOf(e) !== 404 || describeRestError(e).code !== "TableNotFound") throw e;
      }
    });
    return out;
  }

  async init(): Promise<void> {
    await Promise.all(
      [this.snapshots, this.latest, this.evaluations].map((t) =>
        this.call("create the table", t, undefined, async () => {
          try {
            await t.client.createTable();
          } catch (e) {
            // A read-only identity (Storage Table Data Reader, enough for report and serve) may not create
            // tables, even existing ones: the first read says whether the table is there.
            if (statusCodeOf(e) !== 403) throw e;
          }
        }),
      ),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Documents

  /**
   * Writes a document: header row last, so readers never see it before its chunks. With `ifAbsent`
   * the header is created, never replaced: when it exists already nothing changes (our chunk rows
   * are removed again) and the answer is false.
   */
  private async writeDocument(table: Table, pk: string, rk: string, columns: Row, doc: unknown, cluster: string | undefined, reserved = 0, ifAbsent = false): Promise<boolean> {
    const gz = await gzipJson(doc, true);
    const layout = layoutDocument(pk, rk, gz, this.limits, this.limits.chunksPerEntity - reserved);
    const header: TableEntity<Row> = { ...columns, ...layout.headerColumns, partitionKey: pk, rowKey: rk };
    const batches = planTransactions(header, layout.rows, this.limits);
    const key = `${table.name}\n${pk}\n${rk}`;
    // A document written in one transaction that creates its header (no earlier write of it) can have
    // no stale chunk rows, so it skips the sweep's round trip. Chunk rows of an earlier attempt that
    // died half-way exist only after a failure, or when the header is already there (409): those sweep.
    let sweep = batches.length > 1 || this.failedWrites.has(key);
    const last = batches[batches.length - 1]!;
    if (ifAbsent || !sweep) last[last.length - 1] = ["create", header];
    try {
      for (let index = 0; index < batches.length; index++) {
        const written = await this.call(`write document ${rk} (transaction ${index + 1} of ${batches.length})`, table, cluster, async () => {
          await this.options.onTransaction?.({ table: table.name, partitionKey: pk, index, count: batches.length });
          try {
            await table.client.submitTransaction(batches[index]!);
          } catch (e) {
            if (statusCodeOf(e) !== 409) throw e;
            if (ifAbsent) return false;
            if (sweep) throw e;
            // The header exists (a rewrite): replace it, then sweep.
            sweep = true;
            last[last.length - 1] = ["upsert", header, "Replace"];
            await table.client.submitTransaction(last);
          }
          return true;
        });
        if (written) continue;
        // The header exists: the chunk rows of our earlier transactions belong to nothing.
        if (batches.length > 1) await this.dropChunks(table, pk, rk, (g) => g === layout.gen);
        return false;
      }
    } catch (e) {
      this.failedWrites.add(key);
      throw e;
    }
    if (sweep && (await this.dropStaleChunks(table, pk, rk, layout.gen))) this.failedWrites.delete(key);
    return true;
  }

  // Chunk rows of earlier writes of the same document (a retry, or one that died half-way) are
  // invisible but take space. Best effort: the next write of that document sweeps again.
  private async dropStaleChunks(table: Table, pk: string, rk: string, gen: string): Promise<boolean> {
    return this.dropChunks(table, pk, rk, (g) => g !== gen);
  }

  private async dropChunks(table: Table, pk: string, rk: string, drop: (gen: string | undefined) => boolean): Promise<boolean> {
    try {
      const { from, to } = chunkRowRange(rk);
      const rows = await this.query(table, odata`PartitionKey eq ${pk} and RowKey ge ${from} and RowKey lt ${to}`, ["rowKey"], Infinity, undefined, "list chunk rows");
      const doomed = rows.filter((r) => drop(genOfChunkRowKey(rk, r.rowKey ?? ""))).map((r) => r.rowKey ?? "");
      await this.deleteRows(table, pk, doomed, undefined, "delete chunk rows");
      return true;
    } catch {
      return false; // leave them for the next sweep
    }
  }

  private async readDocument<T>(table: Table, pk: string, rk: string, cluster: string | undefined): Promise<T | undefined> {
    // A concurrent rewrite can replace the chunk rows between our two reads: read again.
    for (let attempt = 1; ; attempt++) {
      const header = await this.getRow(table, pk, rk, cluster, `read document ${rk}`);
      if (!header) return undefined;
      let rows: Row[] = [];
      if (typeof header.drows === "number" && header.drows > 0 && typeof header.dgen === "string") {
        const { from, to } = chunkRowRange(rk, header.dgen);
        rows = await this.query(table, odata`PartitionKey eq ${pk} and RowKey ge ${from} and RowKey lt ${to}`, undefined, Infinity, cluster, `read document ${rk}`);
      }
      try {
        return await gunzipJson<T>(assembleDocument(header, rows));
      } catch (e) {
        if (e instanceof CorruptDocumentError && attempt < 3) continue;
        const who = cluster === undefined ? "" : ` of cluster ${describeCluster(cluster)}`;
        throw new StoreError(`Table store: document ${rk}${who} in table "${table.name}" is unreadable: ${(e as Error).message}`, table.name, cluster, undefined, undefined, { cause: e, corrupt: true });
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Snapshots

  async putSnapshot(snapshot: ClusterSnapshot): Promise<SnapshotSummary> {
    return (await this.put(snapshot, false))!.summary;
  }

  async putSnapshotWithLatest(snapshot: ClusterSnapshot): Promise<StoredSnapshot> {
    return (await this.put(snapshot, false))!;
  }

  async putSnapshotIfAbsent(snapshot: ClusterSnapshot): Promise<SnapshotSummary | undefined> {
    return (await this.put(snapshot, true))?.summary;
  }

  private async put(snapshot: ClusterSnapshot, ifAbsent: boolean): Promise<StoredSnapshot | undefined> {
    const cluster = checkCluster(snapshot.cluster);
    const ref = scanRowKey(snapshot.scanId);
    const pk = clusterKey(cluster);
    const summary = storedSummary(snapshot, ref);
    if (!(await this.writeDocument(this.snapshots, pk, ref, { cluster, ...summaryColumns(summary, "") }, snapshot, cluster, 0, ifAbsent))) return undefined;
    // Only now, with the document complete, may the latest view point at it.
    const { before, after } = await this.updateLatest(pk, summary, ifAbsent);
    return { summary, ...(before ? { before } : {}), after };
  }

  /** Moves the entry on; `before` is the row the etag-checked write replaced, so it is exact. */
  private async updateLatest(pk: string, summary: SnapshotSummary, placeholder = false): Promise<{ before?: LatestEntry; after: LatestEntry }> {
    const cluster = summary.cluster;
    // Optimistic concurrency: another writer for the same cluster makes us re-read and re-merge.
    for (let attempt = 0; attempt < 10; attempt++) {
      const known = attempt === 0 ? this.latestRows.get(pk) : undefined;
      let cur: LatestEntry | undefined;
      let etag: string | undefined;
      if (known) ({ entry: cur, etag } = known);
      else if (attempt > 0 || !this.latestListed) {
        const row = await this.getRow(this.latest, LATEST_PK, pk, cluster, "read the latest view");
        cur = row ? latestFromRow(row, cluster) : undefined;
        etag = row?.etag;
      }
      const next = await nextLatest(cur, summary, () => this.newestOk(pk, cluster), placeholder);
      const entity: TableEntity<Row> = {
        partitionKey: LATEST_PK,
        rowKey: pk,
        cluster,
        ...summaryColumns(next.latest, "l_"),
        ...(next.lastOk ? summaryColumns(next.lastOk, "ok_") : {}),
        ...(next.previousOk ? summaryColumns(next.previousOk, "pv_") : {}),
      };
      this.latestRows.delete(pk);
      try {
        const res = await this.call("update the latest view", this.latest, cluster, () =>
          etag !== undefined ? this.latest.client.updateEntity(entity, "Replace", { etag }) : this.latest.client.createEntity(entity),
        );
        if (res.etag) this.latestRows.set(pk, { entry: structuredClone(next), etag: res.etag });
        // `cur` left the cache above and the cache keeps its own copy of `next`: both are the caller's now.
        return { ...(cur ? { before: cur } : {}), after: next };
      } catch (e) {
        const s = (e as StoreError).statusCode;
        if (s !== 412 && s !== 409) throw e;
      }
    }
    throw new StoreError(`Table store: cannot update the latest view in table "${this.latest.name}" for cluster ${describeCluster(cluster)}: too many concurrent writers`, this.latest.name, cluster);
  }

  private async newestOk(pk: string, cluster: string): Promise<SnapshotSummary | undefined> {
    const [row] = await this.query(
      this.snapshots,
      odata`PartitionKey eq ${pk} and RowKey lt ${SCAN_ROWS_END} and status eq ${"ok"}`,
      SNAPSHOT_SELECT,
      1,
      cluster,
      "find the last good snapshot",
    );
    return row ? summaryFromColumns(row, "", cluster) : undefined;
  }

  async getSnapshot(cluster: string, ref: string): Promise<ClusterSnapshot | undefined> {
    const rk = normalizeRef(ref);
    if (rk === undefined || typeof cluster !== "string") return undefined;
    return this.readDocument<ClusterSnapshot>(this.snapshots, clusterKey(cluster), rk, cluster);
  }

  async listHistory(cluster: string, query: HistoryQuery = {}): Promise<SnapshotSummary[]> {
    const limit = checkLimit(query.limit);
    const end = query.since ? sinceUpperBound(query.since) : SCAN_ROWS_END;
    const rows = await this.query(
      this.snapshots,
      odata`PartitionKey eq ${clusterKey(cluster)} and RowKey lt ${end}`,
      SNAPSHOT_SELECT,
      limit,
      cluster,
      "list snapshot history",
    );
    return rows.map((r) => summaryFromColumns(r, "", cluster)).filter((s): s is SnapshotSummary => s !== undefined);
  }

  async listLatest(): Promise<LatestEntry[]> {
    const rows = await this.query(this.latest, odata`PartitionKey eq ${LATEST_PK}`, undefined, Infinity, undefined, "list the latest view");
    const entries: LatestEntry[] = [];
    this.latestRows.clear();
    for (const r of rows) {
      const e = latestFromRow(r, clusterFromKey(r.rowKey ?? "") ?? String(r.cluster));
      if (!e) continue;
      entries.push(e);
      if (r.rowKey && r.etag) this.latestRows.set(r.rowKey, { entry: latestFromRow(r, e.cluster)!, etag: r.etag }); // our own copy
    }
    this.latestListed = true;
    return entries.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }

  async getLatest(cluster: string): Promise<LatestEntry | undefined> {
    const row = await this.getRow(this.latest, LATEST_PK, clusterKey(cluster), cluster, "read the latest view");
    return row ? latestFromRow(row, cluster) : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Evaluations

  async putEvaluation(evaluation: FleetEvaluation): Promise<EvaluationSummary> {
    const ref = scanRowKey(evaluation.scanId);
    const summary = summarizeEvaluation(evaluation, ref);
    const subnets = await gzipJson(summary.subnets);
    const subColumns = binaryColumns("sub", subnets, DEFAULT_LIMITS.chunkBytes);
    const used = subColumns.subn as number;
    if (used > MAX_SUBNET_COLUMNS) {
      throw new StoreError(
        `Table store: evaluation ${evaluation.scanId} lists too many subnets for its summary row (${summary.subnets.length}) in table "${this.evaluations.name}"`,
        this.evaluations.name,
      );
    }
    // Which clusters each finding was about, for a scoped dashboard's trend: left out when too big.
    const fcColumns = binaryColumns("fc", await gzipJson(findingClusters(evaluation.findings), true), DEFAULT_LIMITS.chunkBytes);
    const fcUsed = fcColumns.fcn as number;
    const withFc = fcUsed <= MAX_SUBNET_COLUMNS && used + fcUsed <= this.limits.chunksPerEntity - 1;
    const columns: Row = {
      ...(withFc ? fcColumns : {}),
      scanId: summary.scanId,
      generatedAt: summary.generatedAt,
      clusters: dbl(summary.clusters),
      critical: dbl(summary.counts.critical),
      warning: dbl(summary.counts.warning),
      info: dbl(summary.counts.info),
      waived: dbl(summary.counts.waived),
      ...subColumns,
    };
    await this.writeDocument(this.evaluations, EVALUATION_PK, ref, columns, evaluation, undefined, Math.min(used + (withFc ? fcUsed : 0), this.limits.chunksPerEntity - 1));
    return summary;
  }

  async getEvaluation(ref: string): Promise<FleetEvaluation | undefined> {
    const rk = normalizeRef(ref);
    if (rk === undefined) return undefined;
    return this.readDocument<FleetEvaluation>(this.evaluations, EVALUATION_PK, rk, undefined);
  }

  async getLatestEvaluation(): Promise<FleetEvaluation | undefined> {
    const [newest] = await this.listEvaluations({ limit: 1 });
    return newest ? this.getEvaluation(newest.ref) : undefined;
  }

  async listEvaluations(query: EvaluationQuery = {}): Promise<EvaluationSummary[]> {
    const limit = checkLimit(query.limit);
    const end = query.since ? sinceUpperBound(query.since) : SCAN_ROWS_END;
    const select = query.findingClusters ? [...EVALUATION_SELECT, "fcn", ...binaryColumnNames("fc", MAX_SUBNET_COLUMNS)] : EVALUATION_SELECT;
    // Thinned as the pages arrive: a week of frequent scans never sits in memory whole.
    const thin = thinner(query.thin);
    const rows = await this.query(this.evaluations, odata`PartitionKey eq ${EVALUATION_PK} and RowKey lt ${end}`, select, limit, undefined, "list evaluations", (r) => thin(String(r.generatedAt)));
    const out: EvaluationSummary[] = [];
    for (const r of rows) {
      const sub = readBinaryColumns(r, "sub");
      const summary: EvaluationSummary = {
        scanId: String(r.scanId),
        generatedAt: String(r.generatedAt),
        clusters: Number(r.clusters ?? 0),
        counts: { critical: Number(r.critical ?? 0), warning: Number(r.warning ?? 0), info: Number(r.info ?? 0), waived: Number(r.waived ?? 0) },
        subnets: sub ? await gunzipJson<EvaluationSummary["subnets"]>(sub) : [],
        ref: r.rowKey ?? "",
      };
      const fc = query.findingClusters ? readBinaryColumns(r, "fc") : undefined;
      if (fc) summary.findingClusters = await gunzipJson<FindingClusters>(fc);
      out.push(summary);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  async pruneHistory(before: Date, opts: PruneOptions = {}): Promise<PruneResult> {
    const bound = sinceUpperBound(before);
    const out: PruneResult = { snapshots: 0, evaluations: 0, clusters: [] };
    if (bound >= SCAN_ROWS_END) return out;
    for (const e of await this.listLatest()) {
      const pk = clusterKey(e.cluster);
      const keep = new Set([e.latest.ref, e.lastOk?.ref, e.previousOk?.ref]);
      const rows = await this.query(this.snapshots, odata`PartitionKey eq ${pk} and RowKey ge ${bound} and RowKey lt ${SCAN_ROWS_END}`, ["rowKey"], Infinity, e.cluster, "list old snapshots");
      const doomed = rows.flatMap((r) => (r.rowKey && !keep.has(r.rowKey) ? [r.rowKey] : []));
      if (!opts.dryRun) for (const rk of doomed) await this.deleteDocument(this.snapshots, pk, rk, e.cluster);
      countPruned(out, e.cluster, doomed.length);
    }
    const [newest] = await this.listEvaluations({ limit: 1 });
    const rows = await this.query(this.evaluations, odata`PartitionKey eq ${EVALUATION_PK} and RowKey ge ${bound} and RowKey lt ${SCAN_ROWS_END}`, ["rowKey"], Infinity, undefined, "list old evaluations");
    const doomed = rows.flatMap((r) => (r.rowKey && r.rowKey !== newest?.ref ? [r.rowKey] : []));
    if (!opts.dryRun) for (const rk of doomed) await this.deleteDocument(this.evaluations, EVALUATION_PK, rk, undefined);
    out.evaluations = doomed.length;
    return out;
  }

  async forgetCluster(cluster: string): Promise<{ snapshots: number } | undefined> {
    const pk = clusterKey(checkStoredCluster(cluster));
    const row = await this.getRow(this.latest, LATEST_PK, pk, cluster, "read the latest view");
    // Every row of the partition: headers, and chunk rows, also those a write that died left behind.
    const rows = (await this.query(this.snapshots, odata`PartitionKey eq ${pk}`, ["rowKey"], Infinity, cluster, "list the cluster's snapshots")).map((r) => r.rowKey ?? "");
    if (!row && rows.length === 0) return undefined;
    this.latestRows.delete(pk);
    if (row) await this.deleteRows(this.latest, LATEST_PK, [pk], cluster, "remove the cluster from the latest view");
    const headers = rows.filter((rk) => rk < SCAN_ROWS_END);
    // Headers first: a reader never finds a document whose chunks are gone.
    await this.deleteRows(this.snapshots, pk, headers, cluster, "delete the cluster's snapshots");
    await this.deleteRows(this.snapshots, pk, rows.filter((rk) => rk >= SCAN_ROWS_END), cluster, "delete the cluster's snapshot chunks");
    return { snapshots: headers.length };
  }

  /** Deletes rows of one partition, 100 to a transaction; a row already gone (a concurrent delete) is no error. */
  private async deleteRows(table: Table, pk: string, rowKeys: readonly string[], cluster: string | undefined, what: string): Promise<void> {
    for (let i = 0; i < rowKeys.length; i += 100) {
      const keys = rowKeys.slice(i, i + 100);
      await this.call(what, table, cluster, async () => {
        try {
          await table.client.submitTransaction(keys.map((rowKey): TransactionAction => ["delete", { partitionKey: pk, rowKey }]));
        } catch (e) {
          // One missing row fails the whole transaction: go one by one.
          if (statusCodeOf(e) !== 404) throw e;
          for (const rowKey of keys) {
            await table.client.deleteEntity(pk, rowKey).catch((e2: unknown) => {
              if (statusCodeOf(e2) !== 404) throw e2;
            });
          }
        }
      });
    }
  }

  /** Header first (the document is gone for readers at once), then its chunk rows of every generation. */
  private async deleteDocument(table: Table, pk: string, rk: string, cluster: string | undefined): Promise<void> {
    // A header gone already (an earlier prune that stopped half-way, or a concurrent one) is no error.
    await this.deleteRows(table, pk, [rk], cluster, `delete document ${rk}`);
    await this.dropChunks(table, pk, rk, () => true);
  }

  async ping(): Promise<void> {
    await this.query(this.latest, odata`PartitionKey eq ${LATEST_PK}`, ["rowKey"], 1, undefined, "ping");
  }

  /**
   * Throws when the store will not take our writes (a read-only identity, a wrong or rotated key), before
   * a scan collects what it could not store: deleting a row no one writes needs the write permission and
   * changes nothing.
   */
  async checkWrites(): Promise<void> {
    await this.call("check that we may write", this.latest, undefined, async () => {
      try {
        await this.latest.client.deleteEntity(WRITE_CHECK_PK, WRITE_CHECK_PK);
      } catch (e) {
        if (statusCodeOf(e) !== 404) throw e;
      }
    });
  }

  async close(): Promise<void> {
    // Requests still in flight (a scan gave up on a store that does not answer) end now, not at their timeout.
    this.closed.abort();
  }
}

function latestFromRow(row: Row, cluster: string): LatestEntry | undefined {
  const latest = summaryFromColumns(row, "l_", cluster);
  if (!latest) return undefined;
  const entry: LatestEntry = { cluster, latest };
  const ok = summaryFromColumns(row, "ok_", cluster);
  if (ok) entry.lastOk = ok;
  const previous = ok && summaryFromColumns(row, "pv_", cluster);
  if (previous) entry.previousOk = previous;
  return entry;
}
