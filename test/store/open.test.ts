import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/open.js";
import { scanAt, snapshot } from "./fixtures.js";
import { azurite, rejection, uniquePrefix } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("openStore", () => {
  it("keeps history in an embedded Azurite across close and reopen", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fleet-data-"));
    dirs.push(dataDir);
    const s1 = snapshot("aks-a", scanAt(1), { nodes: 20 });

    const first = await openStore({ dataDir, env: {} });
    expect(first.azurite?.tableEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1$/);
    expect(first.connectionString).toContain(`TableEndpoint=${first.azurite!.tableEndpoint};`);
    expect(alive(first.azurite!.pid)).toBe(true);
    const sum1 = await first.store.putSnapshot(s1);

    // A second opener on the same data dir uses the running Azurite instead of starting another
    // one over the same files; closing it leaves the owner's Azurite running.
    const joiner = await openStore({ dataDir, env: {} });
    expect(joiner.azurite).toBeUndefined();
    expect(joiner.sharedWith).toBe(process.pid);
    expect(await joiner.store.listHistory("aks-a")).toEqual([sum1]);
    await joiner.close();
    expect(alive(first.azurite!.pid)).toBe(true);

    await first.close();
    expect(existsSync(join(dataDir, "azurite.lock"))).toBe(false);
    expect(alive(first.azurite!.pid)).toBe(false); // stopped and reaped: the pid is gone
    expect(existsSync(join(dataDir, "azurite"))).toBe(true);
    expect(readdirSync(join(dataDir, "azurite")).length).toBeGreaterThan(0);

    // A lock left by a crashed owner is taken over.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    writeFileSync(join(dataDir, "azurite.lock"), JSON.stringify({ pid: dead, azuritePid: dead, tablePort: 1, queuePort: 2 }));
    const second = await openStore({ dataDir, env: {} });
    expect(second.azurite).toBeDefined();
    try {
      expect(await second.store.listHistory("aks-a")).toEqual([sum1]);
      expect(await second.store.getSnapshot("aks-a", sum1.ref)).toEqual(s1);
      const sum2 = await second.store.putSnapshot(snapshot("aks-a", scanAt(2), { status: "unreachable", nodes: 0 }));
      expect(await second.store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: sum2, lastOk: sum1 });
    } finally {
      await second.close();
      await second.close(); // idempotent
    }
  });

  it("says when the embedded Azurite goes away under a running process, and not when it is closed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fleet-data-"));
    dirs.push(dataDir);
    const told: string[] = [];
    const opened = await openStore({ dataDir, env: {}, onEmbeddedExit: (m) => told.push(m) });
    try {
      process.kill(opened.azurite!.pid, "SIGKILL");
      await vi.waitFor(() => expect(told).toHaveLength(1), { timeout: 10_000 });
      expect(told[0]).toMatch(/^the embedded Azurite in .*azurite stopped \(killed by SIGKILL\): the store is gone/);
    } finally {
      await opened.close();
    }
    const again = await openStore({ dataDir, env: {}, onEmbeddedExit: (m) => told.push(m) });
    await again.close();
    expect(told).toHaveLength(1);
  });

  it("uses a given connection string, or FLEET_AUDIT_STORAGE, without starting Azurite", async () => {
    const tablePrefix = uniquePrefix();
    const given = await openStore({ storage: azurite(), tablePrefix });
    expect(given.azurite).toBeUndefined();
    const sum = await given.store.putSnapshot(snapshot("aks-a", scanAt(1)));
    await given.close();

    const fromEnv = await openStore({ env: { FLEET_AUDIT_STORAGE: azurite() }, tablePrefix });
    expect(fromEnv.azurite).toBeUndefined();
    expect(await fromEnv.store.listHistory("aks-a")).toEqual([sum]);
    await fromEnv.store.ping();
    await fromEnv.close();
  });

  it("refuses a malformed connection string in one line, without echoing the key", async () => {
    const key = "bm90LWEtcmVhbC1rZXk=";
    const err = await rejection(openStore({ storage: `AccountName=acct;AccountKey=${key}!` }));
    expect(err.message).toBe("invalid storage connection string: AccountKey is not base64");
    const err2 = await rejection(openStore({ env: { FLEET_AUDIT_STORAGE: `AccountKey=${key}` } }));
    expect(err2.message).toMatch(/^invalid storage connection string: /);
    expect(err2.message).not.toContain(key);
  });
});
