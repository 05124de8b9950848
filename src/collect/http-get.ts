// A plain HTTPS GET on the session's keep-alive agent, for the big list and proxy reads. client-node
// 1.x goes through node-fetch, which inflates gzip as a stream of 16 KiB chunks and concatenates them
// again; one inflate of the whole body on the thread pool costs about half, and the body is read once.
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { promisify } from "node:util";
import { gunzip, gunzipSync } from "node:zlib";
import { inflateChunkSize } from "../gzip.js";

const gunzipAsync = promisify(gunzip);

/**
 * Connections per cluster. The first call (the NNC list) runs alone and pays the one full TLS handshake;
 * later connections resume its session. Two carry the parallel reads that follow: more only adds
 * handshakes, which cost the API server more than they save us (measured: 4 → 2 cut 8–10 % off a
 * 100-cluster scan, 1 gained nothing more).
 */
export const SOCKETS_PER_CLUSTER = 2;

/** A decoded body above this is refused rather than held: no API list page comes near it. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Decoded (inflated) body, unless `gzipped`. */
  body: Buffer;
  /** The body is still gzip: only with `keepGzip`, and only for a 2xx answer. */
  gzipped?: boolean;
}

export interface GetOptions {
  agent: https.Agent;
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Leave a 2xx gzip body for the caller to inflate (a list page inflates on the parse worker). */
  keepGzip?: boolean;
}

/** The error client-node's fetch gives for a body that ends early, so callers classify it the same way. */
function cutShort(detail: string): Error {
  return Object.assign(new Error(`Premature close: the response was cut short (${detail})`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

function inflateOptions(gz: Uint8Array): { chunkSize: number; maxOutputLength: number } {
  return { chunkSize: inflateChunkSize(gz), maxOutputLength: MAX_BODY_BYTES };
}

function inflateError(e: unknown): Error {
  if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return new Error(`the response inflates to more than ${MAX_BODY_BYTES} bytes`);
  return cutShort(`gzip: ${(e as Error).message}`);
}

/** Inflates a gzip body on the thread pool. */
export async function inflate(gz: Buffer): Promise<Buffer> {
  try {
    return await gunzipAsync(gz, inflateOptions(gz));
  } catch (e) {
    throw inflateError(e);
  }
}

/** The same, in the calling thread: for the parse worker, which has nothing else to do meanwhile. */
export function inflateSync(gz: Uint8Array): Buffer {
  try {
    return gunzipSync(gz, inflateOptions(gz));
  } catch (e) {
    throw inflateError(e);
  }
}

function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

export function httpsGet(url: string, opts: GetOptions): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = https.get(url, { agent: opts.agent, headers: { ...opts.headers, "accept-encoding": "gzip" }, ...(opts.signal ? { signal: opts.signal } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        res.destroy();
        reject(e);
      };
      res.on("data", (c: Buffer) => {
        bytes += c.length;
        if (bytes > MAX_BODY_BYTES) fail(new Error(`the response is larger than ${MAX_BODY_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on("error", (e) => fail(opts.signal?.aborted ? e : cutShort(e.message)));
      res.on("aborted", () => fail(opts.signal?.aborted ? Object.assign(new Error("The operation was aborted"), { name: "AbortError" }) : cutShort("the connection closed")));
      res.on("end", () => {
        if (failed) return;
        if (!res.complete) return fail(cutShort("the connection closed"));
        const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
        const gz = /\bgzip\b/i.test(String(res.headers["content-encoding"] ?? ""));
        const status = res.statusCode ?? 0;
        if (gz && opts.keepGzip && status >= 200 && status <= 299) {
          return resolve({ status, headers: flatHeaders(res.headers), body: raw, gzipped: true });
        }
        (gz ? inflate(raw) : Promise.resolve(raw)).then((body) => resolve({ status, headers: flatHeaders(res.headers), body }), reject);
      });
    });
    req.on("error", reject);
  });
}
