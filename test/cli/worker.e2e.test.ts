// `fleet-audit scan --enqueue` and two `fleet-audit worker` processes sharing one round on Azurite:
// real processes, the real queue, the simulated fleet over HTTPS.
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROUND_LOOKBACK_MS, startRound } from "../../src/fanout/index.js";
import { depsFor, type Fleet, startFleet, uniqueNames } from "../fanout/helpers.js";

const run = promisify(execFile);
const BIN = new URL("../../bin/fleet-audit.js", import.meta.url).pathname;
const names = uniqueNames();
let fleet: Fleet;

async function fleetAudit(args: string[], cwd?: string, extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, NO_COLOR: "1", FLEET_AUDIT_STORAGE: inject("azuriteConnectionString"), FLEET_AUDIT_TABLE_PREFIX: names.tablePrefix, FLEET_AUDIT_TEAMS_WEBHOOK: fleet.receiver.url, ...extraEnv };
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, timeout: 120_000, ...(cwd ? { cwd } : {}) });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  fleet = await startFleet(8);
  await fleet.sim.cluster("aks-dyn-005").setFaults([{ kind: "refuse" }]);
});
afterAll(() => fleet?.close());

describe("fleet-audit worker", () => {
  it("two processes share a round enqueued by scan --enqueue; one of them evaluates it and alerts once", async () => {
    // A store deadline set for scans run here does nothing for a round: a note says so.
    const enq = await fleetAudit(["scan", "--enqueue", "--kubeconfig", fleet.kubeconfig, "--queue", names.queue], undefined, { FLEET_AUDIT_STORE_DEADLINE_SECONDS: "120" });
    expect(enq.stderr).toMatch(/8 job\(s\) on queue/);
    expect(enq.stderr).toContain("note: FLEET_AUDIT_STORE_DEADLINE_SECONDS does not apply with --enqueue");
    expect(enq.code).toBe(0);
    const round = enq.stdout.trim();
    expect(round).toMatch(/^\d{8}T\d{6,9}Z-[0-9a-f]+$/);

    const worker = ["worker", "--queue", names.queue, "--until-empty", "--concurrency", "3", "--cluster-deadline", "20", "--request-timeout", "5"];
    const [a, b] = await Promise.all([fleetAudit(worker), fleetAudit(worker)]);
    for (const w of [a, b]) {
      expect(w.code).toBe(0);
      expect(w.stderr).not.toContain("sig=");
    }
    const stats = [a, b].map((w) => /^worker: (\d+) stored, (\d+) duplicate\(s\), (\d+) poison, (\d+) rejected.*evaluated (.*)$/m.exec(w.stdout)!);
    expect(stats.every(Boolean)).toBe(true);
    expect(Number(stats[0]![1]) + Number(stats[1]![1])).toBe(8);
    expect(stats.map((s) => s[5]).sort()).toEqual([round, "no round"]);

    const report = await fleetAudit(["report", "findings", "--format", "json", "--severity", "critical"]);
    expect(report.code).toBe(0);
    const doc = JSON.parse(report.stdout);
    expect(doc.findings.find((f: { rule: string; cluster: string }) => f.rule === "SCN001" && f.cluster === "aks-dyn-005")).toBeDefined();
    expect(fleet.receiver.posts).toHaveLength(1);
  });

  it("a worker in another directory finds a kubeconfig enqueued by a relative path", async () => {
    const queue = `${names.queue}-rel`;
    const enq = await fleetAudit(["scan", "--enqueue", "--kubeconfig", path.basename(fleet.kubeconfig), "--context", "aks-dyn-002", "--queue", queue], path.dirname(fleet.kubeconfig));
    expect(enq.code, enq.stderr).toBe(0);
    const w = await fleetAudit(["worker", "--queue", queue, "--until-empty", "--cluster-deadline", "20", "--request-timeout", "5"], tmpdir());
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^worker: 1 stored, 0 duplicate\(s\), 0 poison, 0 rejected/m);
    const report = await fleetAudit(["report", "exhaustion", "--format", "json", "--cluster", "aks-dyn-002"]);
    expect(JSON.parse(report.stdout).clusters).toEqual([expect.objectContaining({ cluster: "aks-dyn-002", status: "ok" })]);
  });

  it("refuses bad alert settings before taking any job, with exit code 2", async () => {
    const queue = `${names.queue}-bad`;
    const enq = await fleetAudit(["scan", "--enqueue", "--kubeconfig", fleet.kubeconfig, "--context", "aks-dyn-002", "--queue", queue]);
    expect(enq.code, enq.stderr).toBe(0);
    const bad = await fleetAudit(["worker", "--queue", queue, "--until-empty"], undefined, { FLEET_AUDIT_TEAMS_WEBHOOK: "http://hooks.example.com/x" });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("fleet-audit: teams webhook must be an https URL (host hooks.example.com)");
    expect(bad.stdout).toBe("");
    const sev = await fleetAudit(["worker", "--queue", queue, "--until-empty"], undefined, { FLEET_AUDIT_ALERT_MIN_SEVERITY: "loud" });
    expect(sev.code).toBe(2);
    // The job is still there for a worker that starts well.
    const good = await fleetAudit(["worker", "--queue", queue, "--until-empty", "--cluster-deadline", "20"]);
    expect(good.stdout).toMatch(/^worker: 1 stored/m);
  });

  it("scan --enqueue deletes round records past the sweep's look-back, as the Functions app's daily timer does", async () => {
    const queue = `${names.queue}-old`;
    const deps = await depsFor(fleet, { ...names, queue }, "w");
    const old = await startRound({ ...deps, now: () => new Date(Date.now() - ROUND_LOOKBACK_MS - 86_400_000) }, [{ kind: "kubeconfig", name: "aks-gone", context: "c", files: ["/k"] }]);
    expect(await deps.rounds.header(old.round)).toBeDefined();
    const enq = await fleetAudit(["scan", "--enqueue", "--kubeconfig", fleet.kubeconfig, "--context", "aks-dyn-002", "--queue", queue]);
    expect(enq.code, enq.stderr).toBe(0);
    expect(enq.stderr).toMatch(/round records: deleted 1 round\(s\) started before/);
    expect(await deps.rounds.header(old.round)).toBeUndefined();
    expect(await deps.rounds.header(enq.stdout.trim())).toMatchObject({ state: "open" });
  });

  it("refuses a bad queue name with exit code 2", async () => {
    const r = await fleetAudit(["worker", "--queue", "Bad_Queue", "--until-empty"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("queue name");
  });
});
