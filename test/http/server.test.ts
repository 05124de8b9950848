// `serve` on loopback against DNS rebinding: a request whose Host is not a loopback name is refused
// (a web page at attacker.example, rebound to 127.0.0.1, sends Host: attacker.example).
import http from "node:http";
import net from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { runEvaluation } from "../../src/evaluate/run.js";
import { newScanId } from "../../src/model/scan-id.js";
import { type RunningServer, serveApi } from "../../src/http/server.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { healthy } from "../rules/cns-fixtures.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A GET to 127.0.0.1 with the Host header a browser would send for `host`. */
function get(port: number, path: string, host: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body }));
      })
      .on("error", reject);
  });
}

describe("serve on a loopback address", () => {
  it("answers requests addressed to localhost, 127.0.0.1 or [::1], with any port", async () => {
    server = await serveApi({ store: new MemorySnapshotStore() }, { port: 0 });
    for (const host of [`localhost:${server.port}`, "localhost", `127.0.0.1:${server.port}`, `[::1]:${server.port}`, "LocalHost:80"]) {
      expect((await get(server.port, "/api/health", host)).status, host).toBe(200);
    }
  });

  it("refuses any other Host with a JSON error, before reading anything", async () => {
    server = await serveApi({ store: new MemorySnapshotStore() }, { port: 0 });
    for (const host of [`attacker.example:${server.port}`, "attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io", "[::2]:80", "evil:localhost"]) {
      const r = await get(server.port, "/api/reports/findings", host);
      expect(r.status, host).toBe(421);
      expect(r.type).toMatch(/^application\/json/);
      expect(JSON.parse(r.body).error).toEqual({ code: "misdirected_request", message: expect.stringContaining("localhost") });
    }
  });
});

describe("a path with a doubled leading slash", () => {
  it("is answered as the single-slash path (proxies and clients send //api/...), never as another host's path", async () => {
    const store = new MemorySnapshotStore();
    await store.putSnapshot(healthy("calm"));
    await runEvaluation(store, { scanId: newScanId(new Date()), now: new Date() });
    server = await serveApi({ store }, { port: 0 });
    const host = `127.0.0.1:${server.port}`;
    const single = await get(server.port, "/api/reports/findings?format=csv", host);
    expect(single.status).toBe(200);
    expect(await get(server.port, "//api/reports/findings?format=csv", host)).toEqual(single);
    expect((await get(server.port, "///api/health", host)).status).toBe(200);
    // Not a host (foo) then the path /api/health; and a "host" no URL parser takes is no crash.
    for (const path of ["//foo/api/health", "//[bad/api/health", "//%zz/api"]) {
      const r = await get(server.port, path, host);
      expect(r.status, path).toBe(404);
      expect(JSON.parse(r.body).error.code, path).toBe("not_found");
    }
    expect((await get(server.port, "/api/health", host)).status).toBe(200);
  });

  it("answers an absolute-form target whose host no URL parser takes with a 400, and keeps serving", async () => {
    server = await serveApi({ store: new MemorySnapshotStore() }, { port: 0 });
    const port = server.port;
    const statusLine = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, "127.0.0.1", () => c.write("GET http://[bad/api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
      let d = "";
      c.on("data", (x) => (d += x));
      c.on("close", () => resolve(d.split("\r\n", 1)[0]!));
      c.on("error", reject);
      c.setTimeout(5_000, () => c.destroy()); // no answer: the server died of it
    });
    expect(statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect((await get(port, "/api/health", "localhost")).status).toBe(200);
  });
});

describe("serve on another address", () => {
  it("leaves who may reach it to the operator's network", async () => {
    server = await serveApi({ store: new MemorySnapshotStore() }, { port: 0, host: "0.0.0.0" });
    expect((await get(server.port, "/api/health", "audit.example.internal:7071")).status).toBe(200);
  });
});

describe("the URL serve prints", () => {
  const ipv6Loopback = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === "::1"));
  it.skipIf(!ipv6Loopback)("brackets an IPv6 address, so the URL opens", async () => {
    server = await serveApi({ store: new MemorySnapshotStore() }, { port: 0, host: "::1" });
    expect(server.url).toBe(`http://[::1]:${server.port}`);
    const res = await fetch(`${server.url}/api/health`);
    expect(res.status).toBe(200);
  });
});
