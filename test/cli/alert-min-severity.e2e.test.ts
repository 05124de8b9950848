// `scan` announces from FLEET_AUDIT_ALERT_MIN_SEVERITY, as `worker` and the Functions app do, unless
// --alert-min-severity says otherwise; a bad value stops it before it scans.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { type Receiver, startReceiver } from "../alerts/receiver.js";
import { runCli } from "../helpers/cli.js";

const storage = inject("azuriteConnectionString");
let sim: Simulator;
let rx: Receiver;
let dir: string;
let kubeconfig: string;
let scans = 0;

beforeAll(async () => {
  rx = await startReceiver();
  sim = await startSimulator([{ name: "blk", mode: "vnetblock", nodes: 3, problems: [{ kind: "missingNnc", node: 2 }] }]);
  dir = mkdtempSync(path.join(tmpdir(), "alert-min-"));
  kubeconfig = await sim.writeKubeconfig(dir);
  // Only warnings: a critical threshold announces nothing, the default (warning) announces them.
  writeFileSync(path.join(dir, "policy.yaml"), "severity:\n  NNC001: warning\n  CNS001: warning\n  CNS002: warning\n");
});
afterAll(async () => {
  await sim?.close();
  await rx?.close();
});

/** A scan with the webhook in the environment, in alert state of its own (a fresh table prefix). */
async function scan(env: Record<string, string>, ...flags: string[]) {
  const before = rx.posts.length;
  const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--policy", path.join(dir, "policy.yaml"), ...flags], {
    env: { FLEET_AUDIT_TABLE_PREFIX: `almin${process.pid}x${scans++}`, FLEET_AUDIT_TEAMS_WEBHOOK: rx.url, ...env },
  });
  return { ...r, posts: rx.posts.length - before };
}

describe("scan's alert threshold", () => {
  it("announces warnings by default", async () => {
    const r = await scan({});
    expect(r.code, r.stderr).toBe(0);
    expect(r.posts).toBe(1);
  });

  it("takes FLEET_AUDIT_ALERT_MIN_SEVERITY when the flag is not given", async () => {
    const r = await scan({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "critical" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.posts).toBe(0);
  });

  it("reads the setting and the flag in any case", async () => {
    const runs = [await scan({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "Critical" }), await scan({}, "--alert-min-severity", "CRITICAL"), await scan({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "Critical" }, "--alert-min-severity", "Warning")];
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs.map((r) => r.posts)).toEqual([0, 0, 1]);
  });

  it("lets --alert-min-severity win over the environment", async () => {
    const r = await scan({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "critical" }, "--alert-min-severity", "warning");
    expect(r.code, r.stderr).toBe(0);
    expect(r.posts).toBe(1);
  });

  it("refuses a bad value with exit code 2 before scanning", async () => {
    const r = await scan({ FLEET_AUDIT_ALERT_MIN_SEVERITY: "loud" });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("fleet-audit: FLEET_AUDIT_ALERT_MIN_SEVERITY must be info, warning or critical");
    expect(r.stdout).toBe("");
    expect(r.posts).toBe(0);
  });
});
