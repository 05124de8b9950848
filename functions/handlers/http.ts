// The HTTP API of CONTRACT.md on Functions: one adapter over route() (src/http/api.ts), registered
// once per route so each can have its own auth level.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { UsageError } from "../../src/errors.js";
import { json, route } from "../../src/http/api.js";
import { appStore } from "../deps.js";

export async function httpApi(req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> {
  let store;
  try {
    store = await appStore();
  } catch (e) {
    // A missing or bad app setting: say which (settings are not secrets), as health checks want.
    if (!(e instanceof UsageError)) throw e;
    ctx.error(e.message);
    const r = json(503, { status: "unavailable", error: { code: "misconfigured", message: e.message } });
    return { status: r.status, headers: r.headers, body: r.body };
  }
  const url = new URL(req.url);
  // route() logs the cause of every 5xx it answers to the invocation's log.
  const r = await route({ method: req.method, path: url.pathname, query: url.searchParams }, { store, log: (line) => ctx.error(line) });
  return { status: r.status, headers: r.headers, body: req.method === "HEAD" ? "" : r.body };
}
