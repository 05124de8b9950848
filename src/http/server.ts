// `fleet-audit serve`: the API handlers on node:http, for local use and the demo.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type ApiDeps, route } from "./api.js";

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveApi(deps: ApiDeps, opts: { port: number; host?: string; log?: (line: string) => void }): Promise<RunningServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    // route() logs the cause of every 5xx it answers.
    route({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams }, { ...deps, log: deps.log ?? opts.log })
      .then((r) => {
        res.writeHead(r.status, r.headers);
        res.end(req.method === "HEAD" ? undefined : r.body);
      })
      .catch((e) => {
        opts.log?.(`${req.method} ${url.pathname} failed: ${(e as Error).message}`);
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "internal", message: "internal error" } }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
