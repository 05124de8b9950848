// The installed command as users run it: a real process, the embedded Azurite, and clean exits.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { packagesLoaded, SCAN_ONLY } from "../helpers/imports.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;

async function fleetAudit(args: string[], cwd: string) {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1" }, timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe("bin/fleet-audit.js", () => {
  it("prints help with every command", async () => {
    const r = await fleetAudit(["--help"], tmpdir());
    expect(r.code).toBe(0);
    for (const c of ["scan", "report", "serve", "sim", "demo"]) expect(r.stdout).toContain(c);
  });

  it("loads the collector and the Azure SDKs only for commands that scan", async () => {
    const help = await packagesLoaded([BIN, "--help"]);
    expect(help.code).toBe(0);
    expect(help.packages).toContain("commander");
    for (const p of [...SCAN_ONLY, "@azure/data-tables"]) expect(help.packages).not.toContain(p);

    const report = await packagesLoaded([BIN, "report", "findings", "--format", "json", "--storage", inject("azuriteConnectionString")]);
    expect(report.stderr).toMatch(/no scan has been evaluated yet|^$/);
    expect(report.packages).toContain("@azure/data-tables");
    for (const p of SCAN_ONLY) expect(report.packages).not.toContain(p);

    // The same hook sees a scan load them: the check above is not blind.
    const scan = await packagesLoaded([BIN, "scan", "--kubeconfig", "/nope/config"]);
    expect(scan.code).toBe(2);
    expect(scan.packages).toContain("@kubernetes/client-node");
  }, 60_000);

  it("runs the demo once on the embedded Azurite, keeps history in the data dir, and exits", async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), "demo-"));
    const first = await fleetAudit(["demo", "--once"], cwd);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Scanned 8 clusters/);
    expect(first.stdout).toMatch(/SCN001 .*aks-dr-weu-blk-03/);
    // Found through the simulated ARM: agent-pool data gives headroom verdicts, and the Entra ID
    // cluster was scanned with a token.
    expect(first.stdout).toMatch(/IPX003 .*aks-prod-neu-dyn-01/);
    expect(first.stdout).toMatch(/fits \(\d+ of 524256 in whole \/28 blocks at max\)/);
    expect(first.stdout).toMatch(/aks-dev-weu-ovl-02 +ok/);
    // Each table stands apart: a blank line before every title after the first.
    expect(first.stdout).toMatch(/\n\nPod subnets\n[^]*\n\nClusters\n[^]*\n\nFindings \(\d+\)\n/);

    // The demo's store is a real embedded Azurite under .fleet-audit/demo: a report reads it back.
    const report = await fleetAudit(["report", "findings", "--format", "json", "--data-dir", ".fleet-audit/demo"], cwd);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).findings.length).toBeGreaterThan(2);

    const second = await fleetAudit(["demo", "--once"], cwd);
    expect(second.code).toBe(0);
    const history = await fleetAudit(["report", "findings", "--format", "json", "--data-dir", ".fleet-audit/demo"], cwd);
    const doc = JSON.parse(history.stdout);
    // firstSeen survives the second run: the finding was carried over from the stored evaluation.
    expect(doc.findings.some((f: { firstSeen: string; lastSeen: string }) => f.firstSeen < f.lastSeen)).toBe(true);
  }, 120_000);

  it("stops writing quietly when the reader goes away (fleet-audit … | head)", async () => {
    // The read end is closed before the command writes, so every write meets EPIPE.
    const child = spawn(process.execPath, [BIN, "sim", "--help"], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("exits 2 with a one-line reason for bad usage", async () => {
    const r = await fleetAudit(["scan", "--kubeconfig", "/nope/config"], tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: kubeconfig not found: /nope/config");
  });

  it("refuses --clusters for the demo scenario, whose fleet is fixed, instead of ignoring it", async () => {
    const r = await fleetAudit(["sim", "--scenario", "demo", "--clusters", "2", "--out", mkdtempSync(path.join(tmpdir(), "sim-"))], tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: --clusters does not apply to the demo scenario: its 8 clusters are fixed");
  });

  it("exits 2 for a malformed storage connection string, without quoting its key", async () => {
    const r = await fleetAudit(["report", "findings", "--storage", "AccountName=x;AccountKey=s3cr3t!!;TableEndpoint=https://x.example"], tmpdir());
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: invalid storage connection string: AccountKey is not base64");
  });
});
