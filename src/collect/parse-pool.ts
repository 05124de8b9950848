// Big list pages are inflated, parsed and normalised on a worker thread. A scan is bound by its main thread:
// JSON.parse of a 250-node cluster's ~3 MB of lists and the garbage its raw objects leave were a third
// of it, beside TLS, the store and the evaluation that must stay there. The normalised page that comes
// back is a tenth of the size. Small bodies are parsed in place: the round trip costs more than they
// do. With one core there is nothing to gain, so there is no pool; `FLEET_AUDIT_PARSE_WORKERS` sets
// the size (0 = off).
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { UsageError } from "../errors.js";
import { gzipSizeHint } from "../gzip.js";
import { inflate } from "./http-get.js";
import type { ListPage } from "./kube-session.js";
import { type ListKind, type Normalized, parseListPage } from "./normalize/lists.js";
import type { ParseReply, ParseRequest } from "./parse-worker.js";

/** Bodies from this size go to a worker. */
export const WORKER_MIN_BYTES = 64 * 1024;
/** More workers than this only add memory: the main thread is the limit again at two. */
const MAX_WORKERS = 2;

/**
 * A page the pool lost with its worker (it died, or the pool closed), not a page that failed to parse:
 * its body went to the worker, so the caller reads the page again.
 */
export class ParsePoolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParsePoolFailure";
  }
}

interface Pending {
  resolve: (page: ListPage<unknown>) => void;
  reject: (e: Error) => void;
}

export class ParsePool {
  private next = 0;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly workers: Worker[] = [];
  private broken: Error | undefined;
  /** Pages parsed on a worker and in place (after the pool broke), for diagnostics and tests. */
  readonly stats = { onWorker: 0, inPlace: 0 };

  constructor(
    private readonly file: string | URL,
    private readonly size: number,
  ) {}

  /** Why the pool stopped using workers, if it did. */
  get failure(): Error | undefined {
    return this.broken;
  }

  /** `gzipped`: the body is still gzip and inflates on the worker too. */
  async parse(body: Buffer, kind: ListKind, gzipped = false): Promise<ListPage<unknown>> {
    if (this.broken) {
      this.stats.inPlace++;
      return parseListPage(body, kind, gzipped);
    }
    const worker = this.worker(this.next++ % this.size);
    const id = ++this.seq;
    const request: ParseRequest = { id, body, kind, gzipped };
    // A body that owns its memory moves to the worker without a copy.
    const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    return new Promise<ListPage<unknown>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // While any page is out, every worker that exists is referenced (worker 0 always is): a worker
      // started later needs no reference of its own to keep the process waiting for it.
      if (this.pending.size === 1) for (const w of this.workers) w.ref();
      worker.postMessage(request, own ? [body.buffer as ArrayBuffer] : []);
    });
  }

  /**
   * Starts every worker now rather than at the first big page, which would otherwise wait the ~50–100 ms
   * a worker takes to load. Idle workers keep no process alive.
   */
  warm(): void {
    if (this.broken) return;
    for (let i = 0; i < this.size; i++) this.worker(i);
  }

  /** Workers started so far. */
  get started(): number {
    return this.workers.filter(Boolean).length;
  }

  /** Stops the workers; pages in flight fail, later ones are parsed in place. */
  async close(): Promise<void> {
    this.fail(new Error("the parse pool was closed"));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private worker(i: number): Worker {
    let w = this.workers[i];
    if (w) return w;
    w = new Worker(this.file);
    w.on("message", (reply: ParseReply) => this.settle(reply));
    // A worker that dies fails the pages in flight (ParsePoolFailure: each is read again); the others
    // are stopped, and from then on pages are parsed in place.
    w.on("error", (e) => this.fail(e));
    w.on("exit", (code) => this.fail(new Error(`the parse worker exited (code ${code})`)));
    this.workers[i] = w;
    // Idle workers never keep the process alive; `parse` refs them while pages are out. Only after the
    // listeners: adding a "message" listener refs a worker again.
    w.unref();
    return w;
  }

  private settle(reply: ParseReply): void {
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) for (const w of this.workers) w.unref();
    if ("page" in reply) {
      this.stats.onWorker++;
      p.resolve(reply.page as ListPage<unknown>);
    } else {
      const { name, message, code } = reply.error;
      p.reject(Object.assign(name === "SyntaxError" ? new SyntaxError(message) : new Error(message), { name }, code ? { code } : {}));
    }
  }

  private fail(e: Error): void {
    if (!this.broken) {
      this.broken = e;
      // Never used again: nothing must keep them, or the process, alive.
      for (const w of this.workers) void w.terminate();
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new ParsePoolFailure(`parsing a list page: ${e.message}`));
  }
}

let shared: ParsePool | null | undefined;

/** The built worker script beside this module; tests that run the TypeScript sources use dist's. */
export function workerFile(): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const built = here.endsWith(".ts") ? here.replace(/([\\/])src([\\/]collect[\\/])parse-pool\.ts$/, "$1dist$1src$2parse-worker.js") : here.replace(/parse-pool\.js$/, "parse-worker.js");
  return built !== here && existsSync(built) ? built : undefined;
}

/** Workers for this machine: one core stays with the main thread. */
export function parseWorkerCount(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const configured = env.FLEET_AUDIT_PARSE_WORKERS;
  if (configured !== undefined && configured !== "") {
    const n = Number(configured);
    if (Number.isInteger(n) && n >= 0 && n <= 16) return n;
    throw new UsageError(`FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not ${JSON.stringify(configured)}`);
  }
  return Math.max(0, Math.min(MAX_WORKERS, cores - 1));
}

/** The process's pool, or null when it is off (one core, or FLEET_AUDIT_PARSE_WORKERS=0). */
export function sharedParsePool(): ParsePool | null {
  if (shared === undefined) {
    const file = workerFile();
    const size = parseWorkerCount();
    shared = file && size > 0 ? new ParsePool(file, size) : null;
  }
  return shared;
}

/**
 * Inflates (when `gzipped`), parses and normalises one list page: on a worker when the page is big and
 * the pool is on, else here with the inflate on the thread pool.
 */
export async function parseListPageAsync<K extends ListKind>(body: Buffer, kind: K, gzipped = false): Promise<ListPage<Normalized<K>>> {
  const size = gzipped ? gzipSizeHint(body) : body.byteLength;
  const p = size >= WORKER_MIN_BYTES && kind !== "raw" ? sharedParsePool() : null;
  if (p) return p.parse(body, kind, gzipped) as Promise<ListPage<Normalized<K>>>;
  return parseListPage(gzipped ? await inflate(body) : body, kind);
}
