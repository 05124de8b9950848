// The HTTP API of CONTRACT.md on Functions: one adapter over route() (src/http/api.ts), registered
// once per route so each can have its own auth level.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { StoreError, UsageError } from "../../src/errors.js";
import { type ApiResponse, json, route } from "../../src/http/api.js";
import type { SnapshotStore } from "../../src/store/store.js";
import { appStore } from "../deps.js";
import { SettingError } from "../settings.js";

/**
 * A store that cannot be opened is a 503 in the error shape (health's "unavailable" one), never a bare
 * host 500: a bad app setting is named, without its value (health is anonymous, and a storage setting
 * may hold a SAS), a store that does not answer is named by table; anything else is logged and answered
 * in general words.
 */
function storeUnavailable(e: unknown, ctx: InvocationContext): ApiResponse {
  const line = (e instanceof Error ? e.message : String(e)).split("\n", 1)[0]!.slice(0, 500);
  ctx.error(`the store could not be opened: ${line}`);
  const error =
    e instanceof UsageError
      ? { code: "misconfigured", message: e instanceof SettingError ? e.publicMessage : line }
      : e instanceof StoreError
        ? { code: "store_unavailable", message: `the store does not answer: ${line}` }
        : { code: "store_unavailable", message: "the store could not be opened (the cause is in the function's log)" };
  return json(503, { status: "unavailable", error });
}

async function answer(req: HttpRequest, ctx: InvocationContext): Promise<ApiResponse> {
  let store: SnapshotStore;
  try {
    store = await appStore();
  } catch (e) {
    return storeUnavailable(e, ctx);
  }
  const url = new URL(req.url);
  // route() logs the cause of every 5xx it answers to the invocation's log.
  const accept = req.headers.get("accept");
  return route({ method: req.method, path: url.pathname, query: url.searchParams, ...(accept ? { accept } : {}) }, { store, log: (line) => ctx.error(line) });
}

export async function httpApi(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  const r = await answer(req, ctx);
  return { status: r.status, headers: r.headers, body: req.method === "HEAD" ? "" : r.body };
}
