// A job message: one cluster of one scan round. It carries a secret-free ClusterRef (never a token or
// kubeconfig) and travels base64-encoded, as the Functions queue trigger expects by default.
import { createHash } from "node:crypto";
import { z } from "zod";
import { displaySafe } from "../display-safe.js";
import { MAX_CLUSTER_NAME } from "../model/cluster-name.js";
import { isScanId } from "../model/scan-id.js";
import type { ClusterRef } from "../sources/discover.js";

/** A queue message may hold 64 KiB; base64 costs a third. */
const MAX_JSON_BYTES = 48 * 1024;
const name = z.string().min(1).max(MAX_CLUSTER_NAME);
const path = z.string().min(1).max(4096);

// Loose objects: fields discovery adds later must survive the trip, not be stripped.
const RefSchema = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("kubeconfig"), name, context: name, files: z.array(path).min(1).max(64) }),
  z.looseObject({ kind: z.literal("fleet"), name, fleetFile: path }),
  z.looseObject({ kind: z.literal("arm"), name, id: z.string().min(1).max(2048), arm: z.looseObject({}).optional() }),
]);

const JobSchema = z.strictObject({
  v: z.literal(1),
  round: z.string().refine(isScanId, "not a scan round id"),
  ref: RefSchema,
});

export interface Job {
  v: 1;
  /** The scan round (a scan id). */
  round: string;
  ref: ClusterRef;
}

export function encodeJob(job: Job): string {
  const text = JSON.stringify(job);
  if (Buffer.byteLength(text) > MAX_JSON_BYTES) throw new RangeError(`job for cluster ${JSON.stringify(job.ref.name.slice(0, 80))} is over ${MAX_JSON_BYTES} bytes`);
  return Buffer.from(text, "utf8").toString("base64");
}

/** What a rejected message is known by: never its content, which may hold anything. */
export interface MessageTrace {
  bytes: number;
  /** sha256 prefix of the raw message, to find it again in the queue's logs. */
  sha256: string;
  round?: string;
  cluster?: string;
}

export type ParsedJob = { ok: true; job: Job } | { ok: false; reason: string; trace: MessageTrace };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** For a log line: hidden characters shown as escapes, and the rest of an over-long name cut. */
export function printable(s: string, max = 120): string {
  const clean = displaySafe(s);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Accepts what a worker receives (base64 text) and what the Functions host hands over (already
 * decoded: an object for JSON, else a string or bytes).
 */
export function parseJob(input: unknown): ParsedJob {
  const raw = typeof input === "string" ? input : input instanceof Uint8Array ? Buffer.from(input).toString("utf8") : JSON.stringify(input ?? null);
  const trace: MessageTrace = { bytes: Buffer.byteLength(raw), sha256: createHash("sha256").update(raw).digest("hex").slice(0, 16) };
  const fail = (reason: string): ParsedJob => ({ ok: false, reason, trace });
  let value: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    let text = raw.trim();
    if (!text.startsWith("{")) {
      if (!BASE64.test(text)) return fail("not JSON and not base64");
      text = Buffer.from(text, "base64").toString("utf8");
    }
    try {
      value = JSON.parse(text);
    } catch {
      return fail("not JSON (after base64 decoding)");
    }
  }
  const v = value as { round?: unknown; ref?: { name?: unknown } } | null;
  if (typeof v?.round === "string" && isScanId(v.round)) trace.round = v.round;
  if (typeof v?.ref?.name === "string") trace.cluster = printable(v.ref.name);
  const r = JobSchema.safeParse(value);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join(".") : "message"}: ${i.message}`);
    return fail(`not a job message (${issues.join("; ")})`);
  }
  return { ok: true, job: r.data as Job };
}
