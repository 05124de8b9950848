// `fleet-audit serve`: the API handlers on node:http, for local use and the demo.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiDeps, type ApiResponse, apiError, route } from "./api.js";
import { addressedToLoopback, isLoopback } from "./loopback-host.js";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The request target as a URL; undefined when no URL parser takes it (thrown, it would end the server).
 * A path is read as one even when it starts with `//` (some proxies and clients double the slash): as a
 * URL reference, `//api/reports/x` is host `api` and path `/reports/x`, another route.
 */
function requestUrl(target = "/"): URL | undefined {
  try {
    return target.startsWith("/") ? new URL(`http://localhost${target}`) : new URL(target, "http://localhost");
  } catch {
    return undefined;
  }
}

export async function serveApi(deps: ApiDeps, opts: { port: number; host?: string; log?: (line: string) => void }): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  // Bound to loopback, the API (unauthenticated) is for this machine only: a request a rebound DNS name
  // brought here is refused. Bound elsewhere, who may reach it is the operator's network to decide.
  const loopbackOnly = isLoopback(host);
  const server = http.createServer((req, res) => {
    const send = (r: ApiResponse): void => {
      res.writeHead(r.status, r.headers);
      res.end(req.method === "HEAD" ? undefined : r.body);
    };
    if (loopbackOnly && !addressedToLoopback(req.headers.host)) {
      send(apiError(421, "misdirected_request", `this server answers requests for localhost, 127.0.0.1 or [::1] only, not for host ${JSON.stringify((req.headers.host ?? "").slice(0, 100))}`));
      return;
    }
    const url = requestUrl(req.url);
    if (!url) {
      send(apiError(400, "bad_request", "the request target is no path or URL"));
      return;
    }
    // route() logs the cause of every 5xx it answers.
    route({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, ...(req.headers.accept ? { accept: req.headers.accept } : {}) }, { ...deps, log: deps.log ?? opts.log })
      .then(send)
      .catch((e) => {
        opts.log?.(`${req.method} ${url.pathname} failed: ${(e as Error).message}`);
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "internal", message: "internal error" } }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    // An IPv6 address is bracketed in a URL: http://[::1]:7071, not http://::1:7071.
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
