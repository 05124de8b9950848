// scan --store-deadline (or FLEET_AUDIT_STORE_DEADLINE_SECONDS): how long a scan waits for a store that
// does not answer. Here the Table endpoint answers the store's opening (its tables) and then goes silent,
// as a hung front end does: the scan gives up at the deadline, naming the store by host and port, not a
// Table request timeout (30 s) per call later. Bad values are refused before anything is scanned.
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { AZURITE_KEY } from "../../src/store/azurite.js";
import { runCli } from "../helpers/cli.js";

const TABLE_TIMEOUT_MS = 30_000;
let sim: Simulator;
let dir: string;
let kubeconfig: string;
let silent: { server: Server; sockets: Set<Socket>; storage: string };
let scans = 0;

/** Passes the tables' creation on to Azurite and never answers anything else. */
async function silentAfterOpening(azurite: string): Promise<typeof silent> {
  const target = new URL(/TableEndpoint=([^;]+)/.exec(azurite)![1]!);
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!(req.method === "POST" && /\/Tables$/.test(req.url ?? ""))) return;
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { server, sockets, storage: azurite.replace(/TableEndpoint=[^;]+/, `TableEndpoint=http://127.0.0.1:${port}${target.pathname}`) };
}

beforeAll(async () => {
  sim = await startSimulator(["a", "b"].map((name) => ({ name, mode: "vnetblock" as const, nodes: 2 })));
  dir = mkdtempSync(path.join(tmpdir(), "store-deadline-cli-"));
  kubeconfig = await sim.writeKubeconfig(dir);
  silent = await silentAfterOpening(inject("azuriteConnectionString"));
});

afterAll(async () => {
  for (const s of silent?.sockets ?? []) s.destroy();
  await new Promise((r) => silent?.server.close(r));
  await sim?.close();
});

function scan(env: Record<string, string>, ...flags: string[]) {
  return runCli(["scan", "--kubeconfig", kubeconfig, "--storage", silent.storage, "--cns-metrics", "0", ...flags], { cwd: dir, env: { FLEET_AUDIT_TABLE_PREFIX: `stdl${process.pid}x${scans++}`, ...env } });
}

describe("scan's store deadline", () => {
  const host = () => new URL(/TableEndpoint=([^;]+)/.exec(silent.storage)![1]!).host;

  for (const [how, env, flags] of [
    ["--store-deadline, which wins over the environment", { FLEET_AUDIT_STORE_DEADLINE_SECONDS: "3600" }, ["--store-deadline", "1"]],
    ["FLEET_AUDIT_STORE_DEADLINE_SECONDS", { FLEET_AUDIT_STORE_DEADLINE_SECONDS: "1" }, []],
  ] as const) {
    it(`is taken from ${how}: a store gone silent fails the scan then, naming the store, not its key`, async () => {
      const t0 = Date.now();
      const r = await scan(env, ...flags);
      expect(Date.now() - t0).toBeLessThan(TABLE_TIMEOUT_MS);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`fleet-audit: the Table store at ${host()} stopped answering during the scan and did not answer again within 1 s: the snapshots of 2 clusters were not stored`);
      expect(r.stderr).not.toContain(AZURITE_KEY.slice(0, 12));
    }, 60_000);
  }

  it("refuses a value that is no whole number of seconds from 1 to 3600, before scanning", async () => {
    for (const [env, flags, said] of [
      [{}, ["--store-deadline", "0"], /--store-deadline must be an integer from 1 to 3600/],
      [{}, ["--store-deadline", "1.5"], /--store-deadline must be an integer from 1 to 3600/],
      [{ FLEET_AUDIT_STORE_DEADLINE_SECONDS: "soon" }, [], /^fleet-audit: FLEET_AUDIT_STORE_DEADLINE_SECONDS must be an integer from 1 to 3600 \(seconds\), not "soon"$/],
      [{ FLEET_AUDIT_STORE_DEADLINE_SECONDS: "86400" }, [], /^fleet-audit: FLEET_AUDIT_STORE_DEADLINE_SECONDS must be an integer from 1 to 3600 \(seconds\), not "86400"$/],
      // A value that is no short plain word is not quoted: it may be a secret set in the wrong variable.
      [{ FLEET_AUDIT_STORE_DEADLINE_SECONDS: "SharedAccessSignature=sv=2022&sig=SEKRET" }, [], /^fleet-audit: FLEET_AUDIT_STORE_DEADLINE_SECONDS must be an integer from 1 to 3600 \(seconds\); its value is not a number of seconds \(not shown/],
      // A round's workers do not scan with it: the option would do nothing there.
      [{}, ["--enqueue", "--store-deadline", "5"], /--store-deadline\b.* not apply with --enqueue/],
    ] as const) {
      const r = await scan(env, ...flags);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(said);
      expect(r.stderr).not.toContain("SEKRET");
      expect(r.stdout).toBe("");
    }
    // Its variable is still bad input there, as for a scan here.
    const r = await runCli(["scan", "--enqueue", "--kubeconfig", kubeconfig, "--storage", silent.storage], { cwd: dir, env: { FLEET_AUDIT_STORE_DEADLINE_SECONDS: "soon" } });
    expect([r.code, r.stderr.trim()]).toEqual([2, 'fleet-audit: FLEET_AUDIT_STORE_DEADLINE_SECONDS must be an integer from 1 to 3600 (seconds), not "soon"']);
  });
});
