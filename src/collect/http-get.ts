// A plain HTTPS GET on the session's keep-alive agent, for the big list and proxy reads. client-node
// 1.x goes through node-fetch, which inflates gzip as a stream of 16 KiB chunks and concatenates them
// again; one inflate of the whole body on the thread pool costs about half, and the body is read once.
import type { IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";

const gunzipAsync = promisify(gunzip);

/** A decoded body above this is refused rather than held: no API list page comes near it. */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Output chunk of the inflate; the gzip trailer's size hint picks a tighter one when it can. */
const MAX_INFLATE_CHUNK = 8 * 1024 * 1024;

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Decoded (inflated) body. */
  body: Buffer;
}

export interface GetOptions {
  agent: https.Agent;
  headers: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/** The error client-node's fetch gives for a body that ends early, so callers classify it the same way. */
function cutShort(detail: string): Error {
  return Object.assign(new Error(`Premature close: the response was cut short (${detail})`), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

/** Inflates a gzip body; ISIZE (the last four bytes) is the inflated size mod 2^32. */
async function inflate(gz: Buffer): Promise<Buffer> {
  const hint = gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
  const chunkSize = Math.min(MAX_INFLATE_CHUNK, Math.max(64 * 1024, hint + 1));
  try {
    return await gunzipAsync(gz, { chunkSize, maxOutputLength: MAX_BODY_BYTES });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new Error(`the response inflates to more than ${MAX_BODY_BYTES} bytes`);
    throw cutShort(`gzip: ${(e as Error).message}`);
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
        (gz ? inflate(raw) : Promise.resolve(raw)).then(
          (body) => resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body }),
          reject,
        );
      });
    });
    req.on("error", reject);
  });
}
