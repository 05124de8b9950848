// The direct GET used for big lists: gzip bodies come back inflated, and a body cut short (plain or
// gzip) is an error the collector classifies as "cut short", never a silently shorter list.
import https from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify } from "../../src/collect/errors.js";
import { httpsGet } from "../../src/collect/http-get.js";
import { createCa } from "../../src/sim/certs.js";

const items = Array.from({ length: 3000 }, (_, i) => ({ metadata: { name: `aks-np1-vmss${String(i).padStart(6, "0")}` } }));
const json = JSON.stringify({ kind: "NodeList", items });
const gz = gzipSync(json);

let server: https.Server;
let base: string;
let agent: https.Agent;

beforeAll(async () => {
  const ca = createCa();
  const leaf = ca.issue({ commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], usage: "server" });
  server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    const wantsGzip = /gzip/.test(String(req.headers["accept-encoding"]));
    if (req.url === "/gzip" && wantsGzip) {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": gz.length });
      res.end(gz);
    } else if (req.url === "/gzip-cut") {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      // A complete chunked response whose gzip stream stops half-way.
      res.end(gz.subarray(0, gz.length >> 1));
    } else if (req.url === "/plain-cut") {
      res.writeHead(200, { "content-type": "application/json", "content-length": json.length });
      res.write(json.slice(0, json.length >> 1), () => res.socket?.destroy());
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"kind":"Status","code":404}');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = new https.Agent({ keepAlive: true, secureContext: createSecureContext({ ca: ca.certPem }) });
});

afterAll(async () => {
  agent.destroy();
  await new Promise((r) => server.close(r));
});

describe("httpsGet", () => {
  it("asks for gzip and returns the inflated body", async () => {
    const r = await httpsGet(`${base}/gzip`, { agent, headers: {} });
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(Buffer.byteLength(json));
    expect((JSON.parse(r.body.toString()) as { items: unknown[] }).items).toHaveLength(items.length);
  });

  it("returns other statuses with their body", async () => {
    const r = await httpsGet(`${base}/nope`, { agent, headers: {} });
    expect(r.status).toBe(404);
    expect(r.body.toString()).toContain("Status");
  });

  it.each(["/gzip-cut", "/plain-cut"])("fails a body cut short (%s) as cut short", async (path) => {
    const e = await httpsGet(`${base}${path}`, { agent, headers: {} }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(Error);
    const c = classify(e, "listing Nodes");
    expect(c.status).toBe("error");
    expect(c.message).toMatch(/listing Nodes: the response was cut short/);
  });
});
