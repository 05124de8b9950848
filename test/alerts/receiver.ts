// A local webhook receiver: records what is posted, answers with scripted statuses.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Receiver {
  url: string;
  posts: Array<{ body: any; bytes: number; at: number }>;
  /** Statuses (with optional Retry-After) for the next requests, or `hang` (read, never answered); then 202. */
  script: Array<{ status: number; retryAfter?: number; location?: string; body?: string } | { hang: true }>;
  close(): Promise<void>;
}

export async function startReceiver(port = 0): Promise<Receiver> {
  const r: Receiver = { url: "", posts: [], script: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const next = r.script.shift();
      if (next && "hang" in next) return;
      // A 2xx with a body: recorded as delivered, answered with that body.
      if (next && next.body !== undefined && next.status >= 200 && next.status < 300) {
        const raw = Buffer.concat(chunks);
        r.posts.push({ body: JSON.parse(raw.toString("utf8")), bytes: raw.length, at: Date.now() });
        res.writeHead(next.status, { "content-type": "application/json" });
        res.end(next.body);
        return;
      }
      if (next && next.status !== 202) {
        res.writeHead(next.status, { ...(next.retryAfter !== undefined ? { "retry-after": String(next.retryAfter) } : {}), ...(next.location ? { location: next.location } : {}) });
        res.end();
        return;
      }
      const raw = Buffer.concat(chunks);
      r.posts.push({ body: JSON.parse(raw.toString("utf8")), bytes: raw.length, at: Date.now() });
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SECRETSIG123456789`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
