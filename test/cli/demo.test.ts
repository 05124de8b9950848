// The demo in-process: its simulated fleet lives in its own embedded store, whatever the environment
// names as the store, so it can never become a real fleet's latest evaluation.
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";

/** A stop request that never comes: the demo runs to its end. */
const never = new Promise<void>(() => {});

describe("fleet-audit demo", () => {
  it("keeps its fleet out of the store FLEET_AUDIT_STORAGE names, and says it ignores it", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "demo-env-"));
    const storage = inject("azuriteConnectionString");
    const tablePrefix = `demo${process.pid}`;
    const r = await runCli(["demo", "--once"], { cwd, env: { FLEET_AUDIT_STORAGE: storage, FLEET_AUDIT_TABLE_PREFIX: tablePrefix }, stop: never });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("fleet-audit: the demo keeps its own store in .fleet-audit/demo: FLEET_AUDIT_STORAGE and FLEET_AUDIT_TABLE_PREFIX are ignored\n");
    const shared = TableSnapshotStore.fromConnectionString(storage, { tablePrefix });
    expect(await shared.getLatestEvaluation()).toBeUndefined();
    expect(await shared.listLatest()).toEqual([]);
    // All of it in the demo's own store, under no prefix.
    const own = await runCli(["report", "findings", "--format", "json", "--data-dir", ".fleet-audit/demo"], { cwd });
    expect(own.code, own.stderr).toBe(0);
    expect(JSON.parse(own.stdout).findings.length).toBeGreaterThan(2);
  }, 90_000);
});

describe("the demo's history", () => {
  it("is kept apart from the default store, and both the demo and an empty default store say where", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "demo-history-"));
    const before = await runCli(["report", "findings"], { cwd });
    expect(before.stderr).toBe("fleet-audit: no scan has been evaluated yet: run `fleet-audit scan` first\n");
    const demo = await runCli(["demo", "--once"], { cwd, stop: never });
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain("\nhistory kept in .fleet-audit/demo: `fleet-audit report findings --data-dir .fleet-audit/demo`\n");
    const after = await runCli(["report", "exhaustion"], { cwd });
    expect(after.stderr).toBe(
      "fleet-audit: no scan has been evaluated yet: run `fleet-audit scan` first (the demo's history is in .fleet-audit/demo: `fleet-audit report exhaustion --data-dir .fleet-audit/demo`)\n",
    );
    expect(after.code).toBe(2);
    // A store named otherwise is not the default one: no hint there.
    const elsewhere = await runCli(["report", "findings", "--data-dir", "other"], { cwd });
    expect(elsewhere.stderr).toBe("fleet-audit: no scan has been evaluated yet: run `fleet-audit scan` first\n");
  }, 90_000);
});

describe("a port in use", () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => taken.close(r));
  });

  it("stops the demo before it scans, saying how to choose another port (exit 2)", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "demo-port-"));
    const viaNpm = await runCli(["demo", "--port", String(port)], { cwd, env: { npm_lifecycle_event: "start" }, stop: never });
    expect(viaNpm.stderr).toBe(`fleet-audit: port ${port} is in use: choose another with \`npm start -- --port 8080\`\n`);
    const direct = await runCli(["demo", "--port", String(port)], { cwd, stop: never });
    expect(direct.stderr).toBe(`fleet-audit: port ${port} is in use: choose another with \`fleet-audit demo --port 8080\`\n`);
    for (const r of [viaNpm, direct]) {
      expect(r.code).toBe(2);
      expect(r.stdout).not.toMatch(/Scanned/);
    }
  }, 60_000);

  it("makes serve say so too, naming --port (exit 2)", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "serve-port-"));
    const r = await runCli(["serve", "--port", String(port)], { cwd, stop: never });
    expect(r.stderr).toBe(`fleet-audit: port ${port} is in use: choose another with \`--port\`\n`);
    expect(r.code).toBe(2);
  });
});
