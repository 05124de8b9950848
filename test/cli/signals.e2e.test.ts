// Ctrl-C and SIGTERM as a terminal or a supervisor sends them to the long-running commands on the
// embedded Azurite: each shuts down cleanly (its stop path runs, Azurite is stopped by it) and exits 0.
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI until `ready` shows on stdout or stderr (or, a function, holds: checked as output
 * arrives and every 20 ms, for a stage that prints nothing), sends `sig` (and again after `againAfterMs`),
 * and waits for the end.
 */
function runUntil(args: string[], ready: RegExp | (() => boolean), sig: NodeJS.Signals, opts: { cwd: string; env?: NodeJS.ProcessEnv; againAfterMs?: number }): Promise<Stopped> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...opts.env };
  delete env.FLEET_AUDIT_STORAGE;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let sent = false;
  const maybeSend = (): void => {
    if (sent || !(typeof ready === "function" ? ready() : ready.test(stdout + stderr))) return;
    sent = true;
    child.kill(sig);
    if (opts.againAfterMs !== undefined) setTimeout(() => child.kill(sig), opts.againAfterMs);
  };
  const poll = setInterval(maybeSend, 20);
  child.stdout.on("data", (d: Buffer) => ((stdout += d.toString()), maybeSend()));
  child.stderr.on("data", (d: Buffer) => ((stderr += d.toString()), maybeSend()));
  return new Promise((resolve) => child.on("close", (code, signal) => (clearInterval(poll), resolve({ code, signal, stdout, stderr }))));
}

/** The embedded Azurite's lock in `dataDir`: there once it starts, with its ports once the store is open. */
function lockOf(dataDir: string): string | undefined {
  try {
    return readFileSync(path.join(dataDir, "azurite.lock"), "utf8");
  } catch {
    return undefined;
  }
}

/** Processes still running whose command line names `dir` (the embedded Azurite's --location). */
function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dir)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A working directory for the demo, its TMPDIR (empty) and the data dir of its embedded Azurite. */
function demoDirs(prefix: string): { cwd: string; tmp: string; dataDir: string } {
  const cwd = mkdtempSync(path.join(tmpdir(), prefix));
  const tmp = path.join(cwd, "tmp");
  mkdirSync(tmp);
  return { cwd, tmp, dataDir: path.join(cwd, ".fleet-audit", "demo") };
}

describe("stopping serve, worker and demo", () => {
  it("serve: Ctrl-C closes the server and the store, stops Azurite and exits 0", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "serve-sig-"));
    const r = await runUntil(["serve", "--port", "0", "--data-dir", "fresh"], /Ctrl-C to stop/, "SIGINT", { cwd });
    expect(r.stderr).toBe("");
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    if (process.platform === "linux") expect(processesUsing(path.join(cwd, "fresh"))).toEqual([]);
  }, 60_000);

  it("serve: Ctrl-C while a Table endpoint that never answers is being opened exits 0 at once", async () => {
    // Accepts the connection and says nothing: the store's first request would wait its 30 s timeout.
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    const key = Buffer.from("k".repeat(32)).toString("base64");
    const storage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1`;
    try {
      const started = Date.now();
      const r = await runUntil(["serve", "--port", "0", "--storage", storage], () => sockets.length > 0, "SIGINT", { cwd: mkdtempSync(path.join(tmpdir(), "serve-hung-")) });
      expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 60_000);

  it("serve: SIGTERM, as a supervisor sends it, exits 0 too", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "serve-term-"));
    const r = await runUntil(["serve", "--port", "0"], /Ctrl-C to stop/, "SIGTERM", { cwd });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("worker: SIGTERM lets it finish, print its summary and exit 0", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "worker-sig-"));
    const r = await runUntil(["worker", "--data-dir", "w"], /Ctrl-C to stop/, "SIGTERM", { cwd });
    expect(r.stdout).toMatch(/^worker: 0 stored, 0 duplicate\(s\), .* evaluated no round$/m);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("demo: Ctrl-C stops the simulated Azure and removes its temporary files", async () => {
    const { cwd, tmp } = demoDirs("demo-sig-");
    const r = await runUntil(["demo", "--port", "0"], /Ctrl-C to stop/, "SIGINT", { cwd, env: { TMPDIR: tmp } });
    expect(r.stdout).toMatch(/Dashboard: http/);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it("demo: Ctrl-C while it is still scanning stops it as cleanly: exit 0, no temporary files, no Azurite, no lock", async () => {
    const { cwd, tmp, dataDir } = demoDirs("demo-scan-sig-");
    // The store is open (its ports in the lock) and the scan under way: its unreachable cluster alone takes seconds.
    const r = await runUntil(["demo", "--port", "0"], () => lockOf(dataDir)?.includes("tablePort") === true, "SIGINT", { cwd, env: { TMPDIR: tmp } });
    expect(r.stdout).not.toMatch(/Scanned \d+ clusters/);
    expect(r.stderr).toBe("");
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(readdirSync(tmp)).toEqual([]);
    expect(lockOf(dataDir)).toBeUndefined();
    if (process.platform === "linux") expect(processesUsing(dataDir)).toEqual([]);
  }, 120_000);

  it("demo: a second Ctrl-C while it waits for Azurite to start ends it at once, its temporary files gone all the same", async () => {
    const { cwd, tmp, dataDir } = demoDirs("demo-twice-sig-");
    // The first as Azurite starts (it takes seconds), the second 100 ms later.
    const r = await runUntil(["demo", "--port", "0"], () => lockOf(dataDir) !== undefined, "SIGINT", { cwd, env: { TMPDIR: tmp }, againAfterMs: 100 });
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: "SIGINT" });
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  it.each([[[]], [["--azure"]]])("sim %j: Ctrl-C while the fleet starts stops it as cleanly as once it runs: exit 0", async (flags) => {
    const cwd = mkdtempSync(path.join(tmpdir(), "sim-start-sig-"));
    // A fleet that takes a second to start: the signal comes while it is generated and its servers start.
    const r = await runUntil(["sim", "--clusters", "150", "--nodes", "40", "--out", "out", ...flags], /Starting the simulated fleet/, "SIGINT", { cwd });
    expect(r.stderr).toBe("");
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("serve: SIGTERM while the embedded Azurite starts stops it and exits 0, leaving no lock", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "serve-start-sig-"));
    const dataDir = path.join(cwd, "fresh");
    const r = await runUntil(["serve", "--port", "0", "--data-dir", "fresh"], () => lockOf(dataDir) !== undefined, "SIGTERM", { cwd });
    expect(r.stdout).not.toMatch(/Serving/);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(lockOf(dataDir)).toBeUndefined();
    if (process.platform === "linux") expect(processesUsing(dataDir)).toEqual([]);
  }, 60_000);
});
