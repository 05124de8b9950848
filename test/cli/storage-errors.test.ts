// Where the store cannot be: a --data-dir that cannot hold the embedded Azurite is bad input (exit 2,
// naming the option and the path); a Table endpoint that does not answer says where it is and what
// named it (--storage or FLEET_AUDIT_STORAGE), by host and port, never quoting the account key.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.js";

const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
let dir: string;
let closedPort: number;
/** A store nothing answers for. */
const connection = () => `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${closedPort}/devstoreaccount1;`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "storage-errors-"));
  writeFileSync(path.join(dir, "afile"), "");
  mkdirSync(path.join(dir, "holds-a-file"));
  writeFileSync(path.join(dir, "holds-a-file", "azurite"), "");
  // A port nothing listens on: one that was just free.
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closedPort = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("a --data-dir that cannot hold the embedded store", () => {
  it.each([
    ["afile", "it is a file, not a directory"],
    ["afile/sub", "a part of the path is a file, not a directory"],
    ["holds-a-file", `${path.join("DIR", "holds-a-file", "azurite")} is a file, not a directory`],
  ])("--data-dir %s: exit 2, naming the option and the path", async (dataDir, why) => {
    const r = await runCli(["report", "findings", "--data-dir", dataDir], { cwd: dir });
    expect(r.stderr).toBe(`fleet-audit: --data-dir ${path.join(dir, dataDir)}: cannot keep the embedded store there: ${why.replace("DIR", dir)}\n`);
    expect(r.code).toBe(2);
  });

  it("one it may not write to: exit 2, saying why", async () => {
    // Root writes through file modes; sysfs refuses even root (EPERM, or EROFS where it is mounted read-only).
    let target: string;
    if (process.getuid?.() === 0) target = "/sys/fleet-audit-data";
    else {
      const locked = path.join(dir, "locked");
      mkdirSync(locked, { mode: 0o500 });
      chmodSync(locked, 0o500);
      target = path.join(locked, "data");
    }
    const r = await runCli(["report", "findings", "--data-dir", target], { cwd: dir });
    expect(r.stderr).toMatch(new RegExp(`^fleet-audit: --data-dir ${target}: cannot keep the embedded store there: (permission denied|the file system is read-only)\n$`));
    expect(r.code).toBe(2);
  });
});

describe("a Table endpoint that does not answer", () => {
  const said = (from: string) => `fleet-audit: cannot open the Table store at 127.0.0.1:${closedPort} (given by ${from}): ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:${closedPort})\n`;

  it("names --storage when the flag gave it", async () => {
    const r = await runCli(["report", "findings", "--storage", connection()], { cwd: dir });
    expect(r.stderr).toBe(said("--storage"));
    expect(r.code).toBe(1);
  });

  it("names FLEET_AUDIT_STORAGE when the environment gave it, however it is read", async () => {
    vi.stubEnv("FLEET_AUDIT_STORAGE", connection()); // read by the option parser, as in a real process
    const parsed = await runCli(["report", "findings"], { cwd: dir });
    vi.unstubAllEnvs();
    const given = await runCli(["report", "findings"], { cwd: dir, env: { FLEET_AUDIT_STORAGE: connection() } });
    for (const r of [parsed, given]) {
      expect(r.stderr).toBe(said("FLEET_AUDIT_STORAGE"));
      expect(r.stderr).not.toContain(KEY.slice(0, 12));
      expect(r.code).toBe(1);
    }
  });
});

describe("an explicit --data-dir", () => {

  it("wins over FLEET_AUDIT_STORAGE, however it is read: flags win over the environment", async () => {
    vi.stubEnv("FLEET_AUDIT_STORAGE", connection());
    const parsed = await runCli(["report", "findings", "--data-dir", "parsed"], { cwd: dir });
    vi.unstubAllEnvs();
    const given = await runCli(["report", "findings", "--data-dir", "given"], { cwd: dir, env: { FLEET_AUDIT_STORAGE: connection() } });
    for (const r of [parsed, given]) {
      // The embedded store in that directory answered: it holds no evaluation yet.
      expect(r.stderr).toMatch(/^fleet-audit: no scan has been evaluated yet/);
      expect(r.code).toBe(2);
    }
  });
});
