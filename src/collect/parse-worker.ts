// The parse worker's thread: list page bodies in, normalised pages out (see parse-pool.ts).
import { parentPort } from "node:worker_threads";
import { type ListKind, parseListPage } from "./normalize/lists.js";

export interface ParseRequest {
  id: number;
  body: Uint8Array;
  kind: ListKind;
  gzipped: boolean;
}

/** An error crosses as its name, message and code, so the collector classifies it as if thrown at home. */
export type ParseReply = { id: number; page: unknown } | { id: number; error: { name: string; message: string; code?: string } };

parentPort?.on("message", ({ id, body, kind, gzipped }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id, page: parseListPage(body, kind, gzipped) };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    reply = { id, error: { name: (e as Error).name, message: (e as Error).message, ...(typeof code === "string" ? { code } : {}) } };
  }
  parentPort!.postMessage(reply);
});
