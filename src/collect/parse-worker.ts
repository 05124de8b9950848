// The parse worker's thread: list page bodies in, normalised pages out (see parse-pool.ts).
import { parentPort } from "node:worker_threads";
import { type ListKind, parseListPage } from "./normalize/lists.js";

export interface ParseRequest {
  id: number;
  body: Uint8Array;
  kind: ListKind;
}

export type ParseReply = { id: number; page: unknown } | { id: number; error: { name: string; message: string } };

parentPort?.on("message", ({ id, body, kind }: ParseRequest) => {
  let reply: ParseReply;
  try {
    reply = { id, page: parseListPage(body, kind) };
  } catch (e) {
    reply = { id, error: { name: (e as Error).name, message: (e as Error).message } };
  }
  parentPort!.postMessage(reply);
});
