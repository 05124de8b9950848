// Every Functions handler invoked as the host would: @azure/functions' own HttpRequest,
// InvocationContext and timer objects, with app settings in the environment and Azurite behind them.
import { tmpdir } from "node:os";
import path from "node:path";
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { resetAppDeps } from "../../functions/deps.js";
import { auditCluster, auditPoison } from "../../functions/handlers/jobs.js";
import { httpApi } from "../../functions/handlers/http.js";
import { pruneScanHistory, startScanRound, sweepScanRounds } from "../../functions/handlers/rounds.js";
import { httpRoutes, queues, timers } from "../../functions/index.js";
import { connectStorage, type FanoutStorage, forgetGoneClusters } from "../../src/fanout/index.js";
import { newScanId } from "../../src/model/scan-id.js";
import { emptySnapshot } from "../../src/model/snapshot.js";
import { type Fleet, startFleet, uniqueNames } from "../fanout/helpers.js";
import { coldFunctionsArgs, coldResponses } from "../helpers/cold-functions.js";
import { packagesLoaded, SCAN_ONLY } from "../helpers/imports.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let fleet: Fleet;
let storage: FanoutStorage;
const names = uniqueNames();
const logs: string[] = [];

function context(functionName: string, triggerMetadata: Record<string, unknown> = {}): InvocationContext {
  return new InvocationContext({ invocationId: `inv-${Math.random().toString(16).slice(2)}`, functionName, triggerMetadata, logHandler: (level, ...args) => logs.push(`${level}: ${args.join(" ")}`) });
}

const timer: Timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

/** Takes every job off the queue, decoded as the host hands it to the function (JSON → object). */
async function takeJobs(queue = storage.queue.jobs): Promise<Array<{ body: unknown; id: string; dequeueCount: number }>> {
  const items = (await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 })).receivedMessageItems;
  for (const m of items) await queue.deleteMessage(m.messageId, m.popReceipt);
  return items.map((m) => ({ body: JSON.parse(Buffer.from(m.messageText, "base64").toString("utf8")), id: m.messageId, dequeueCount: m.dequeueCount }));
}

/** Runs a job as the host does; the handler resolves to nothing, so the host has no return value to send back. */
async function runJob(j: { body: unknown; id: string; dequeueCount: number }): Promise<void> {
  await expect(auditCluster(j.body, context("auditCluster", { id: j.id, dequeueCount: j.dequeueCount }))).resolves.toBeUndefined();
}

const clusterOf = (j: { body: unknown }): string => (j.body as { ref: { name: string } }).ref.name;

function get(path: string, headers?: Record<string, string>): Promise<{ status?: number; headers?: unknown; body?: unknown }> {
  return httpApi(new HttpRequest({ method: "GET", url: `https://fleet-audit.azurewebsites.net${path}`, ...(headers ? { headers } : {}) }), context("http")) as never;
}

beforeAll(async () => {
  fleet = await startFleet(3);
  await fleet.sim.cluster("aks-dyn-002").setFaults([{ kind: "refuse" }]);
  Object.assign(process.env, {
    AzureWebJobsStorage: inject("azuriteConnectionString"),
    SCAN_SCHEDULE: "0 */15 * * * *",
    FLEET_AUDIT_TABLE_PREFIX: names.tablePrefix,
    FLEET_AUDIT_QUEUE: names.queue,
    FLEET_AUDIT_KUBECONFIG: fleet.kubeconfig,
    FLEET_AUDIT_CLUSTER_DEADLINE_SECONDS: "20",
    FLEET_AUDIT_CNS_METRICS: "0",
    FLEET_AUDIT_TEAMS_WEBHOOK: fleet.receiver.url,
  });
  resetAppDeps();
  storage = await connectStorage({ connectionString: inject("azuriteConnectionString") }, names);
});
afterAll(() => fleet?.close());

describe("registrations", () => {
  it("serve every CONTRACT.md route, with function keys on all but health", () => {
    const routes = Object.fromEntries(Object.values(httpRoutes).map((o) => [o.route, o.authLevel]));
    expect(routes).toEqual({
      health: "anonymous",
      dashboard: "function",
      reports: "function",
      "reports/{kind}": "function",
      clusters: "function",
      "clusters/{name}/history": "function",
    });
    for (const o of Object.values(httpRoutes)) expect(o.handler).toBe(httpApi);
  });

  it("take every method the host routes, so the handler, not the host, answers all but GET and HEAD with CONTRACT.md's 405", async () => {
    for (const o of Object.values(httpRoutes)) expect([...o.methods!].sort(), o.route).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]);
    for (const method of httpRoutes.health!.methods!.filter((m) => m !== "GET" && m !== "HEAD")) {
      const r = await httpApi(new HttpRequest({ method, url: "https://fleet-audit.azurewebsites.net/api/health" }), context("http"));
      expect(r.status, method).toBe(405);
      expect(r.headers, method).toMatchObject({ allow: "GET, HEAD" });
      expect(JSON.parse(r.body as string).error.code, method).toBe("method_not_allowed");
    }
  });

  it("bind the timer to %SCAN_SCHEDULE% and the queue triggers to the job queue and its poison queue", () => {
    expect(timers.startScanRound).toMatchObject({ schedule: "%SCAN_SCHEDULE%", runOnStartup: false, handler: startScanRound });
    expect(timers.pruneScanHistory).toMatchObject({ schedule: "0 30 3 * * *", runOnStartup: false, handler: pruneScanHistory });
    expect(timers.sweepScanRounds!.schedule).toMatch(/^0 \S+ \S+ \S+ \S+ \S+$/); // NCRONTAB: six fields
    expect(queues.auditCluster).toMatchObject({ queueName: "%FLEET_AUDIT_QUEUE%", connection: "AzureWebJobsStorage", handler: auditCluster });
    expect(queues.auditPoison).toMatchObject({ queueName: "%FLEET_AUDIT_QUEUE%-poison", connection: "AzureWebJobsStorage", handler: auditPoison });
  });
});

describe("timer → queue → one cluster per invocation", () => {
  it("the timer enqueues one job per cluster; the queue function stores each and the last one evaluates the round", async () => {
    const before = logs.length;
    await startScanRound(timer, context("startScanRound"));
    const jobs = await takeJobs();
    expect(jobs.map(clusterOf).sort()).toEqual(["aks-blk-001", "aks-dyn-002", "aks-ovl-003"]);
    const round = (jobs[0]!.body as { round: string }).round;
    // The round is logged once, with its clusters, queue and deadline.
    expect(logs.slice(before)).toEqual([expect.stringMatching(new RegExp(`^information: round ${round}: 3 of 3 cluster job\\(s\\) enqueued on ${names.queue}, deadline `))]);
    expect(JSON.stringify(jobs)).not.toMatch(/token|BEGIN CERTIFICATE/i);

    const last = jobs.at(-1)!;
    for (const j of jobs.slice(0, -1)) await runJob(j);
    expect((await storage.rounds.header(round))?.state).toBe("open");
    await runJob(last);
    for (const j of jobs) expect(await storage.store.getSnapshot(clusterOf(j), round), clusterOf(j)).toBeDefined();
    expect((await storage.store.getLatest("aks-dyn-002"))?.latest).toMatchObject({ scanId: round, status: "unreachable" });
    expect((await storage.rounds.header(round))?.state).toBe("evaluated");
    expect(fleet.receiver.posts).toHaveLength(1);
    expect(logs.join("\n")).not.toContain("sig=");
    // In App Insights: a scan that failed is a warning, found by severity alone.
    const blk = jobs.find((j) => clusterOf(j) === "aks-blk-001")!;
    expect(logs).toContain(`information: round ${round}: scanning aks-blk-001 (attempt ${blk.dequeueCount}, message ${blk.id})`);
    expect(logs).toContain(`information: round ${round}: aks-blk-001 ok`);
    expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^warning: round ${round}: aks-dyn-002 unreachable \\(`)));
  });

  it("the poison function records the cluster's failed scan, and garbage is named without a throw", async () => {
    await startScanRound(timer, context("startScanRound"));
    const jobs = await takeJobs();
    const round = (jobs[0]!.body as { round: string }).round;
    const [poisoned, ...rest] = jobs;
    const name = clusterOf(poisoned!);
    // The host moves the job to the poison queue as a new message: it arrives there at dequeue count 1.
    await expect(auditPoison(poisoned!.body, context("auditPoison", { id: poisoned!.id, dequeueCount: 1 }))).resolves.toBeUndefined();
    expect(await storage.store.getSnapshot(name, round)).toMatchObject({ status: "error", reason: expect.stringContaining("failed 5 times") });
    for (const j of rest) await runJob({ ...j, dequeueCount: 1 });
    const e = (await storage.store.getEvaluation(round))!;
    expect(e.findings.some((f) => f.rule === "SCN001" && f.cluster === name && f.message.includes("poison message"))).toBe(true);

    await runJob({ body: "definitely not a job", id: "m-1", dequeueCount: 1 });
    const garbage = (await storage.rounds.rejected()).find((r) => r.messageId === "m-1");
    expect(garbage).toMatchObject({ queue: names.queue, dequeueCount: 1, reason: expect.stringContaining("not JSON and not base64") });
  });

  it("the sweep timer leaves evaluated rounds alone", async () => {
    const before = (await storage.store.listEvaluations()).length;
    await sweepScanRounds(timer, context("sweepScanRounds"));
    expect((await storage.store.listEvaluations()).length).toBe(before);
  });
});

describe("HTTP functions", () => {
  it("serve reports, clusters, history, dashboard and health from the store", async () => {
    const findings = await get("/api/reports/findings?format=json&severity=critical");
    expect(findings.status).toBe(200);
    const doc = JSON.parse(findings.body as string);
    expect(doc.findings.some((f: { rule: string; cluster: string }) => f.rule === "SCN001" && f.cluster === "aks-dyn-002")).toBe(true);
    const csv = await get("/api/reports/exhaustion?format=csv&code=functionkey");
    expect(csv.status).toBe(200);
    expect((csv.headers as Record<string, string>)["content-type"]).toMatch(/^text\/csv/);
    const clusters = JSON.parse((await get("/api/clusters")).body as string);
    expect(clusters.clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["aks-blk-001", "aks-dyn-002", "aks-ovl-003"]);
    const history = JSON.parse((await get("/api/clusters/aks-blk-001/history")).body as string);
    expect(history.history).toHaveLength(2);
    const dash = await get("/api/dashboard");
    expect(dash.status).toBe(200);
    expect(dash.body as string).toMatch(/^<!doctype html>/i);
    expect(await get("/api/health")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it("answer bad input with the CONTRACT.md error shape", async () => {
    const unknown = await get("/api/reports/nope");
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body as string).error.code).toBe("not_found");
    expect((await get("/api/clusters/aks-nope/history")).status).toBe(404);
    // The dashboard's 404 is a page for a browser, the error shape for anything else.
    const page = await get("/api/dashboard?cluster=aks-nope", { accept: "text/html" });
    expect([page.status, (page.headers as Record<string, string>)["content-type"]]).toEqual([404, "text/html; charset=utf-8"]);
    expect(JSON.parse((await get("/api/dashboard?cluster=aks-nope")).body as string).error.code).toBe("not_found");
    expect((await get("/api/reports/findings?colour=red")).status).toBe(400);
  });

  it("wake an instance without loading the collector, the queue or the Azure SDKs", async () => {
    // A fresh process, as a cold instance (404 = no evaluation yet, when this test runs alone).
    const r = await packagesLoaded(coldFunctionsArgs(["/api/health", "/api/reports/findings?format=json"]));
    expect(coldResponses(r.stdout).map((x) => x.status), r.stderr).toEqual([200, expect.toSatisfy((s: number) => s === 200 || s === 404)]);
    expect(r.packages).toContain("@azure/data-tables");
    for (const p of SCAN_ONLY) expect(r.packages).not.toContain(p);
  });

  it("a setting some functions use stops only those: the API needs the storage settings alone", async () => {
    const drain = async () => void (await takeJobs());
    const run: Record<string, () => Promise<unknown>> = {
      health: () => get("/api/health").then((r) => r.status === 200 || Promise.reject(new Error(`health answered ${r.status}: ${String(r.body)}`))),
      dashboard: () => get("/api/dashboard").then((r) => r.status === 200 || Promise.reject(new Error(`dashboard answered ${r.status}: ${String(r.body)}`))),
      startScanRound: () => startScanRound(timer, context("startScanRound")).then(drain),
      auditCluster: () => auditCluster("not a job", context("auditCluster", { id: "m-settings", dequeueCount: 1 })),
      sweepScanRounds: () => sweepScanRounds(timer, context("sweepScanRounds")),
      pruneScanHistory: () => pruneScanHistory(timer, context("pruneScanHistory")),
    };
    const bad: Array<[string, string, string[]]> = [
      ["FLEET_AUDIT_RETENTION_DAYS", "2", ["pruneScanHistory"]],
      ["FLEET_AUDIT_FORGET_AFTER_DAYS", "soon", ["pruneScanHistory"]],
      ["FLEET_AUDIT_CNS_METRICS", "many", ["auditCluster"]],
      ["FLEET_AUDIT_PARSE_WORKERS", "-1", ["auditCluster"]],
      ["FLEET_AUDIT_ALERT_MIN_SEVERITY", "loud", ["startScanRound", "sweepScanRounds"]],
      ["FLEET_AUDIT_KUBECONFIG", "", ["startScanRound", "auditCluster"]], // no fleet: FLEET_AUDIT_SUBSCRIPTIONS must be set
      ["FLEET_AUDIT_QUEUE", "Audit_Jobs", ["startScanRound", "auditCluster"]],
      ["SCAN_SCHEDULE", "* * * * * *", ["startScanRound"]],
      ["FLEET_AUDIT_POLICY", "missing-policy.yaml", ["startScanRound", "sweepScanRounds"]],
      ["FLEET_AUDIT_PUBLIC_URL", "audit.example.com/api/dashboard", ["startScanRound", "sweepScanRounds"]],
      ["FLEET_AUDIT_PUBLIC_URL", "https://func-fleet.azurewebsites.net/api/dashboard?code=FUNCTIONKEY", ["startScanRound", "sweepScanRounds"]],
    ];
    for (const [name, value, users] of bad) {
      const saved = process.env[name];
      process.env[name] = value;
      resetAppDeps();
      try {
        for (const [fn, call] of Object.entries(run)) {
          if (users.includes(fn)) await expect(call(), `${name} in ${fn}`).rejects.toThrow(name === "FLEET_AUDIT_KUBECONFIG" ? "FLEET_AUDIT_SUBSCRIPTIONS" : name);
          else await expect(call(), `${name} in ${fn}`).resolves.not.toThrow();
        }
      } finally {
        if (saved === undefined) delete process.env[name];
        else process.env[name] = saved;
        resetAppDeps();
      }
    }
  });

  it("FLEET_AUDIT_POLICY is a path relative to the app root, whatever the working directory; a wrong one names the setting and the path tried", async () => {
    const [cwd, saved] = [process.cwd(), process.env.FLEET_AUDIT_POLICY];
    process.chdir(tmpdir()); // the host does not promise to start the worker in the app root
    try {
      process.env.FLEET_AUDIT_POLICY = "examples/policy.yaml";
      resetAppDeps();
      await sweepScanRounds(timer, context("sweepScanRounds"));
      process.env.FLEET_AUDIT_POLICY = "missing-policy.yaml";
      resetAppDeps();
      await expect(sweepScanRounds(timer, context("sweepScanRounds"))).rejects.toThrow(`app setting FLEET_AUDIT_POLICY: policy file not found: ${path.join(ROOT, "missing-policy.yaml")}`);
    } finally {
      process.chdir(cwd);
      if (saved === undefined) delete process.env.FLEET_AUDIT_POLICY;
      else process.env.FLEET_AUDIT_POLICY = saved;
      resetAppDeps();
    }
  });

  it("FLEET_AUDIT_FLEET_FILE is a path relative to the app root, whatever the working directory", async () => {
    const [cwd, saved] = [process.cwd(), process.env.FLEET_AUDIT_FLEET_FILE];
    process.chdir(tmpdir());
    try {
      // examples/fleet.yaml is found at the app root; its kubeconfig entry (an example) is not.
      process.env.FLEET_AUDIT_FLEET_FILE = "examples/fleet.yaml";
      resetAppDeps();
      await expect(startScanRound(timer, context("startScanRound"))).rejects.toThrow(path.join(ROOT, "examples/kubeconfigs/prod.yaml"));
    } finally {
      process.chdir(cwd);
      if (saved === undefined) delete process.env.FLEET_AUDIT_FLEET_FILE;
      else process.env.FLEET_AUDIT_FLEET_FILE = saved;
      resetAppDeps();
    }
  });

  it("a bad alert setting stops new rounds, but jobs in flight still store their clusters; the sweep evaluates once it is fixed", async () => {
    await startScanRound(timer, context("startScanRound"));
    const jobs = await takeJobs();
    const round = (jobs[0]!.body as { round: string }).round;
    const saved = process.env.FLEET_AUDIT_ALERT_MIN_SEVERITY;
    process.env.FLEET_AUDIT_ALERT_MIN_SEVERITY = "loud";
    resetAppDeps();
    try {
      for (const j of jobs) await runJob(j);
      for (const j of jobs) expect(await storage.store.getSnapshot(clusterOf(j), round), clusterOf(j)).toBeDefined();
      expect((await storage.store.getLatest("aks-blk-001"))?.latest).toMatchObject({ scanId: round, status: "ok" });
      expect((await storage.rounds.header(round))?.state).toBe("open");
      expect(logs.join("\n")).toMatch(new RegExp(`round ${round}: evaluation failed \\(the sweep retries it\\): app setting FLEET_AUDIT_ALERT_MIN_SEVERITY`));
    } finally {
      if (saved === undefined) delete process.env.FLEET_AUDIT_ALERT_MIN_SEVERITY;
      else process.env.FLEET_AUDIT_ALERT_MIN_SEVERITY = saved;
      resetAppDeps();
    }
    await sweepScanRounds(timer, context("sweepScanRounds"));
    expect((await storage.rounds.header(round))?.state).toBe("evaluated");
  });

  it("answer 503 in the error shape, with the usual headers, when the store cannot be opened", async () => {
    const KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    const SAS = "SEKRETSASSIG0123456789";
    const before = logs.length;
    const usual = Object.keys((await get("/api/reports/nope")).headers as object).sort();
    const cases: Array<[Record<string, string>, { code: string; message: string }]> = [
      // Health is anonymous: a bad setting is named, its value is not repeated.
      [{ FLEET_AUDIT_TABLE_PREFIX: "fleet-a" }, { code: "misconfigured", message: "app setting FLEET_AUDIT_TABLE_PREFIX must be letters and digits starting with a letter (at most 51)" }],
      [
        { AzureWebJobsStorage: "", AzureWebJobsStorage__tableServiceUri: "stfleet.table.core.windows.net", AzureWebJobsStorage__queueServiceUri: "https://stfleet.queue.core.windows.net" },
        { code: "misconfigured", message: "app setting AzureWebJobsStorage__tableServiceUri must be an https URL such as https://<account>.table.core.windows.net" },
      ],
      [
        { AzureWebJobsStorage: "", AzureWebJobsStorage__tableServiceUri: `http://stfleet.table.core.windows.net/?sv=2022-11-02&sig=${SAS}`, AzureWebJobsStorage__queueServiceUri: "https://stfleet.queue.core.windows.net" },
        { code: "misconfigured", message: "app setting AzureWebJobsStorage__tableServiceUri must be an https URL such as https://<account>.table.core.windows.net" },
      ],
      [
        { AzureWebJobsStorage: "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=not-base64!!;EndpointSuffix=core.windows.net" },
        { code: "misconfigured", message: "invalid storage connection string: AccountKey is not base64" },
      ],
      // Nothing listens on port 9: the store does not answer.
      [{ AzureWebJobsStorage: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${KEY};TableEndpoint=http://127.0.0.1:9/devstoreaccount1;` }, { code: "store_unavailable", message: expect.stringMatching(/^the store does not answer: .*ECONNREFUSED/) }],
    ];
    for (const [settings, error] of cases) {
      const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
      Object.assign(process.env, settings);
      resetAppDeps();
      try {
        for (const path of ["/api/health", "/api/dashboard", "/api/reports/findings"]) {
          const r = await get(path);
          expect(r.status, path).toBe(503);
          expect(JSON.parse(r.body as string), path).toEqual({ status: "unavailable", error });
          expect(Object.keys(r.headers as object).sort(), path).toEqual(usual);
          for (const value of [KEY, SAS, "stfleet", "fleet-a"]) expect(r.body as string).not.toContain(value);
        }
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        resetAppDeps();
      }
    }
    // The function's log keeps what was wrong: the value, or of a URL its scheme and host only.
    const logged = logs.slice(before).join("\n");
    expect(logged).toContain('app setting FLEET_AUDIT_TABLE_PREFIX must be letters and digits starting with a letter (at most 51), not "fleet-a"');
    expect(logged).toMatch(/app setting AzureWebJobsStorage__tableServiceUri must be an https URL such as https:\/\/<account>\.table\.core\.windows\.net, not http:\/\/stfleet\.table\.core\.windows\.net$/m);
    expect(logged).not.toContain(SAS);
  });
});

// Last: it adds history to a cluster that the tests above count.
describe("retention", () => {
  /** Sets an app setting for the app's next deps; undefined removes it. */
  const setting = (name: string, value: string | undefined): void => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
    resetAppDeps();
  };
  afterEach(() => {
    setting("FLEET_AUDIT_RETENTION_DAYS", undefined);
    setting("FLEET_AUDIT_FORGET_AFTER_DAYS", undefined);
  });

  it("the daily timer prunes history older than FLEET_AUDIT_RETENTION_DAYS, the scan timer does not, and a bad value names the setting", async () => {
    const longAgo = newScanId(new Date(Date.now() - 40 * 86_400_000));
    const old = emptySnapshot("aks-blk-001", longAgo, { kind: "kubeconfig" }, new Date(Date.now() - 40 * 86_400_000));
    await storage.store.putSnapshot(old);
    await storage.store.putSnapshot(emptySnapshot("aks-blk-001", newScanId(new Date()), { kind: "kubeconfig" }, new Date())); // the latest view moves on
    expect(await storage.store.getSnapshot("aks-blk-001", longAgo)).toBeDefined();
    setting("FLEET_AUDIT_RETENTION_DAYS", "30");
    await startScanRound(timer, context("startScanRound"));
    await takeJobs();
    expect(await storage.store.getSnapshot("aks-blk-001", longAgo)).toBeDefined();
    await pruneScanHistory(timer, context("pruneScanHistory"));
    expect(await storage.store.getSnapshot("aks-blk-001", longAgo)).toBeUndefined();
    expect(logs.join("\n")).toMatch(/retention \(30 days\): deleted 1 snapshot\(s\)/);

    setting("FLEET_AUDIT_RETENTION_DAYS", "2");
    await expect(pruneScanHistory(timer, context("pruneScanHistory"))).rejects.toThrow('app setting FLEET_AUDIT_RETENTION_DAYS must be a whole number of days from 7 to 36500, not "2"');
  });

  it("the daily timer forgets clusters not scanned for FLEET_AUDIT_FORGET_AFTER_DAYS, and only those", async () => {
    const gone = "aks-deleted-weu";
    const longAgo = new Date(Date.now() - 20 * 86_400_000);
    await storage.store.putSnapshot(emptySnapshot(gone, newScanId(longAgo), { kind: "kubeconfig" }, longAgo));
    // SCN004 was announced about it: forgetting it drops that too, so no "resolved" follows if it comes back.
    const told = { findingId: `SCN004-${gone}`, severity: "warning" as const, announcedAt: longAgo.toISOString(), rule: "SCN004", cluster: gone, resource: `cluster/${gone}`, message: "stale" };
    await storage.alertState.apply("teams-ops", [told], []);
    const before = (await storage.store.listLatest()).map((e) => e.cluster);
    expect(before).toContain(gone);
    setting("FLEET_AUDIT_FORGET_AFTER_DAYS", "14");
    await pruneScanHistory(timer, context("pruneScanHistory"));
    expect((await storage.store.listLatest()).map((e) => e.cluster)).toEqual(before.filter((c) => c !== gone));
    expect(await storage.store.listHistory(gone)).toEqual([]);
    expect(logs.join("\n")).toMatch(/forgot cluster "aks-deleted-weu": not scanned for 14 days \(last at .*\); 1 snapshot\(s\) deleted; 1 announced finding\(s\) dropped/);
    expect(await storage.alertState.load("teams-ops")).toEqual(new Map());

    setting("FLEET_AUDIT_FORGET_AFTER_DAYS", "soon");
    await expect(pruneScanHistory(timer, context("pruneScanHistory"))).rejects.toThrow('app setting FLEET_AUDIT_FORGET_AFTER_DAYS must be a whole number of days from 1, not "soon"');
  });

  it("the daily timer forgets no cluster when none at all was scanned since the cutoff: scanning stopped, not the fleet", async () => {
    const before = await storage.store.listLatest();
    expect(before.length).toBeGreaterThan(1);
    const warned: string[] = [];
    // Thirty days on, every round since having failed to start: each cluster's newest snapshot is a month old.
    const later = new Date(Date.now() + 30 * 86_400_000);
    await forgetGoneClusters({ ...storage, forgetAfterDays: 14, now: () => later, log: { info: () => {}, warn: (l) => warned.push(l) } });
    expect(await storage.store.listLatest()).toEqual(before);
    expect(warned).toEqual([expect.stringMatching(/^clusters not scanned for 14 days: none forgotten, since no cluster at all has been scanned since .*`fleet-audit forget` removes clusters by hand$/)]);
  });
});
