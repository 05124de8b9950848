// Alerts end to end: evaluations of a changing fleet, dedupe state in Azurite, a real HTTP receiver.
// Identical scans post nothing, an escalation and a resolution post once each, 429 Retry-After is
// honoured, and a receiver that is down loses nothing. Then the same through `fleet-audit scan`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { alertSettings, AlertsConfigSchema, destination } from "../../src/alerts/config.js";
import { announced } from "../../src/alerts/plan.js";
import { sendAlerts, WEBHOOK_MAX_ITEMS } from "../../src/alerts/send.js";
import { MemoryAlertState, TableAlertState } from "../../src/alerts/state.js";
import { tableClients } from "../../src/store/table-store.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import ipx001 from "../../src/rules/ipx/ipx001-subnet-utilization.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import type { Finding } from "../../src/model/finding.js";
import type { Nnc } from "../../src/model/snapshot.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { node, snapshot, T0, view } from "../fixtures/builders.js";
import { dynNnc } from "../rules/ipam-fixtures.js";
import { runCli } from "../helpers/cli.js";
import { type Receiver, startReceiver } from "./receiver.js";

const storage = inject("azuriteConnectionString");
const FAST = { attempts: 3, baseDelayMs: 50, maxDelayMs: 5000, timeoutMs: 5000 };

/** A dynamic pod subnet /24 (251 usable) with `used` addresses held: IPX001 warns at 80 %, critical at 95 %. */
function fleetAt(used: number | null, previous?: FleetEvaluation, minutes = 0): FleetEvaluation {
  const nncs: Nnc[] =
    used === null
      ? []
      : [{
          name: "n1", namespace: "kube-system", uid: "n1", labels: {}, requestedIPCount: used - 1, ipsNotInUse: 0, assignedIPCount: used - 1,
          networkContainers: [{ id: "nc", assignmentMode: "dynamic", type: "vnet", version: 1, primaryIP: "10.1.0.4", subnetAddressSpace: "10.1.0.0/24", subnetName: "pods", subnetID: "pods", vnetID: "v", resourceGroupID: "rg", subscriptionID: "s",
            ipAssignments: Array.from({ length: used - 1 }, (_, i) => `10.1.0.${5 + i}`) }],
        }];
  const now = new Date(T0.getTime() + minutes * 60_000);
  // Each evaluation on a scan of its own, taken when it evaluates.
  return evaluate({ scanId: `20261128T${String(4 + Math.floor(minutes / 60)).padStart(2, "0")}${String(minutes % 60).padStart(2, "0")}00000Z-abcd`, now, views: [view(snapshot("aks-a", { nncs, takenAt: now.toISOString() }))], previous, rules: [ipx001] });
}

/**
 * An evaluation of clusters whose latest snapshots were taken at the minutes given (what sendAlerts reads
 * of it), with these findings about them.
 */
function evaluationOf(minutes: number, takenAt: Record<string, number>, findings: Finding[]): FleetEvaluation {
  const at = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();
  return {
    schemaVersion: 1, scanId: `scan-${minutes}`, generatedAt: at(minutes), subnets: [], resolved: [], notes: [], findings,
    clusters: Object.entries(takenAt).map(([cluster, m]) => ({ cluster, status: "ok", mode: "vnetblock", nodes: 1, nncs: 1, requestedIPs: 0, assignedIPs: 0, takenAt: at(m) })),
  };
}

/** A Teams destination on the receiver, its alert state in Azurite, and a send at each evaluation's own time. */
function teamsAt(tablePrefix: string) {
  const state = TableAlertState.fromConnectionString(storage, { tablePrefix });
  const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
  const send = (e: FleetEvaluation) => sendAlerts(e, settings, state, { delivery: FAST, now: new Date(e.generatedAt) });
  return { state, settings, send };
}

let rx: Receiver;
beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(async () => {
  await rx?.close();
});

describe("alert delivery", () => {
  it("announces once, escalates once, resolves once, and stays quiet in between", async () => {
    const { state, settings, send } = teamsAt(`al${process.pid}a`);

    const e1 = fleetAt(210);
    expect((await send(e1))[0]).toMatchObject({ announced: 1, resolved: 0, errors: [] });
    expect(rx.posts).toHaveLength(1);
    expect(JSON.stringify(rx.posts[0]!.body)).toMatch(/1 new.*IPX001/s);

    const e2 = fleetAt(210, e1, 30);
    expect((await send(e2))[0]).toMatchObject({ announced: 0, resolved: 0 });
    expect(rx.posts).toHaveLength(1);

    const e3 = fleetAt(245, e2, 60);
    await send(e3);
    expect(rx.posts).toHaveLength(2);
    expect(JSON.stringify(rx.posts[1]!.body)).toMatch(/1 escalated.*was warning/s);
    await send(fleetAt(245, e3, 90));
    expect(rx.posts).toHaveLength(2);

    // Gone once is not resolved yet (a flapping finding would be resolved and announced anew each scan).
    const e5 = fleetAt(null, e3, 120);
    expect((await send(e5))[0]).toMatchObject({ announced: 0, resolved: 0 });
    expect(rx.posts).toHaveLength(2);
    const e6 = fleetAt(null, e5, 150);
    expect((await send(e6))[0]).toMatchObject({ announced: 0, resolved: 1 });
    expect(rx.posts).toHaveLength(3);
    expect(JSON.stringify(rx.posts[2]!.body)).toContain("1 finding resolved");
    await send(fleetAt(null, e6, 180));
    expect(rx.posts).toHaveLength(3);
  });

  it("announces a de-escalation: 'de-escalated' where the destination covers the new severity, a notice once where it does not, then nothing", async () => {
    const oncall = await startReceiver();
    try {
      const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}down` });
      const settings = { destinations: [destination("webhook", oncall.url, "critical", "oncall"), destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
      const send = (e: FleetEvaluation) => sendAlerts(e, settings, state, { delivery: FAST, now: new Date(e.generatedAt) });
      const before = rx.posts.length;
      const teams = () => rx.posts.slice(before).map((p) => JSON.stringify(p.body));
      // 245 of 251 addresses is critical, 210 warning.
      const scans: FleetEvaluation[] = [];
      const scan = async (used: number | null) => {
        scans.push(fleetAt(used, scans.at(-1), 30 * scans.length));
        return send(scans.at(-1)!);
      };
      await scan(245);
      expect(oncall.posts.map((p) => p.body.findings.map((x: { severity: string }) => x.severity))).toEqual([["critical"]]);
      // Oscillating at the line: a drop that does not hold two evaluations is not announced.
      await scan(210);
      await scan(245);
      expect(oncall.posts).toHaveLength(1);
      expect(teams()).toHaveLength(1);

      await scan(210);
      const [oc, tm] = await scan(210);
      expect(oc).toMatchObject({ announced: 0, resolved: 0, lowered: 1, pending: 0 });
      expect(tm).toMatchObject({ announced: 1, resolved: 0, lowered: 0, pending: 0 });
      expect(oncall.posts).toHaveLength(2);
      expect(oncall.posts[1]!.body).toMatchObject({ kind: "resolved", resolved: [{ reason: "below-min-severity", rule: "IPX001", severity: "critical", currentSeverity: "warning" }] });
      expect(teams()[1]).toMatch(/1 de-escalated.*de-escalated critical → warning/s);

      // Then nothing more for the critical-only channel: not while it stays, nor when it resolves.
      await scan(210);
      await scan(null);
      const [ocGone, tmGone] = await scan(null);
      expect(ocGone).toMatchObject({ announced: 0, resolved: 0, lowered: 0, errors: [] });
      expect(tmGone).toMatchObject({ resolved: 1 });
      expect(oncall.posts).toHaveLength(2);
      expect(teams()).toHaveLength(3);
      expect(teams()[2]).toMatch(/1 finding resolved.*was warning/s);
    } finally {
      await oncall.close();
    }
  });

  it("past a generic webhook's cap, leaves out the least severe resolutions, whatever their kind, and sends them next scan", async () => {
    const hook = await startReceiver();
    try {
      const dest = destination("webhook", hook.url, "warning", "capped");
      const state = new MemoryAlertState();
      const at = T0.toISOString();
      const finding = (id: string, severity: Finding["severity"]): Finding => ({ id, rule: "IPX001", severity, cluster: "aks-a", resource: `subnet/${id}`, message: "m", firstSeen: at, lastSeen: at });
      // WEBHOOK_MAX_ITEMS warnings gone (resolved now), and a critical fallen to info (below the destination's level now).
      const gone = Array.from({ length: WEBHOOK_MAX_ITEMS }, (_, i) => ({ ...announced(finding(`w${i}`, "warning"), at), missing: 1 }));
      await state.apply(dest.id, [...gone, { ...announced(finding("c", "critical"), at), lowerFor: 1 }], []);
      const e = { scanId: "s1", generatedAt: at, clusters: [{ cluster: "aks-a", status: "ok" }], findings: [finding("c", "info")] } as unknown as FleetEvaluation;
      const send = () => sendAlerts(e, { destinations: [dest], renotifyMs: 86_400_000 }, state, { delivery: FAST, now: T0 });

      expect((await send())[0]).toMatchObject({ resolved: WEBHOOK_MAX_ITEMS - 1, lowered: 1, pending: 0, errors: [] });
      const first = hook.posts[0]!.body as { resolved: Array<{ id: string; reason: string }>; omitted?: number };
      expect(first.resolved).toHaveLength(WEBHOOK_MAX_ITEMS);
      expect(first.resolved[0]).toMatchObject({ id: "c", reason: "below-min-severity" });
      expect(first.omitted).toBe(1);
      // The one left out was not recorded as told: it is resolved on the next scan, and nothing else is sent again.
      const left = gone.map((g) => g.findingId).find((id) => !first.resolved.some((r) => r.id === id));
      expect((await state.load(dest.id)).get(left!)).toMatchObject({ missing: 1 });
      expect((await send())[0]).toMatchObject({ resolved: 1, lowered: 0 });
      expect(hook.posts[1]!.body).toMatchObject({ resolved: [{ id: left, reason: "resolved" }] });
      expect(hook.posts[1]!.body.omitted).toBeUndefined();
      expect([...(await state.load(dest.id)).keys()]).toEqual(["c"]);
    } finally {
      await hook.close();
    }
  });

  it("names a resolved finding as its announcement did: the generic webhook's fields, the Teams card's clusters of a shared subnet", async () => {
    const generic = await startReceiver();
    try {
      const prefix = `al${process.pid}shared`;
      const state = TableAlertState.fromConnectionString(storage, { tablePrefix: prefix });
      const settings = { destinations: [destination("webhook", generic.url, "warning"), destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
      const before = rx.posts.length;
      // One /24 shared by clusters a and b, 202 of 251 held (80 %): one IPX001 warning about both.
      const on = (name: string, first: string, held: number, now: Date) => view(snapshot(name, { nodes: [node(`${name}1`)], nncs: [dynNnc(`${name}1`, { first, held })], takenAt: now.toISOString() }));
      let e: FleetEvaluation | undefined;
      const scan = async (a: number, b: number, minutes: number) => {
        const now = new Date(T0.getTime() + minutes * 60_000);
        e = evaluate({ scanId: `20261128T0${minutes}00000Z-abcd`, now, views: [on("a", "10.1.0.4", a, now), on("b", "10.1.0.130", b, now)], previous: e, rules: [ipx001] });
        return sendAlerts(e, settings, state, { delivery: FAST, now: new Date(e.generatedAt) });
      };
      await scan(120, 80, 10);
      // A row written before rows kept clusters and firstSeen (the generic destination's): it still loads and resolves.
      const id = settings.destinations[0]!.id;
      await tableClients(storage)(`${prefix}alerts`).upsertEntity({ partitionKey: id, rowKey: "NNC001-old", severity: "critical", announcedAt: T0.toISOString(), rule: "NNC001", cluster: "a", resource: "node/a1", message: "old" });
      await scan(10, 10, 20);
      await scan(10, 10, 30);

      const announcedEntry = generic.posts[0]!.body.findings[0];
      const [oldEntry, resolvedEntry] = generic.posts[1]!.body.resolved; // the most severe first
      expect(announcedEntry).toMatchObject({ rule: "IPX001", cluster: "a", clusters: ["a", "b"] });
      const { reason: _r, ...identity } = announcedEntry;
      expect(resolvedEntry).toEqual({ ...identity, reason: "resolved", findingId: identity.id, announcedAt: expect.any(String) });
      expect(oldEntry).toEqual({ reason: "resolved", id: "NNC001-old", findingId: "NNC001-old", rule: "NNC001", severity: "critical", cluster: "a", resource: "node/a1", message: "old", announcedAt: T0.toISOString() });

      const titles = (body: unknown) => JSON.stringify(body).match(/"text":"[^"]*","weight":"Bolder","wrap":true/g);
      const [announcement, resolution] = rx.posts.slice(before).map((p) => p.body);
      expect(titles(announcement)).toEqual(['"text":"a, b","weight":"Bolder","wrap":true']);
      expect(titles(resolution)).toEqual(['"text":"a, b","weight":"Bolder","wrap":true']);
    } finally {
      await generic.close();
    }
  });

  it("does not resolve and announce again a finding that is gone from one scan and back in the next", async () => {
    const { state, settings, send } = teamsAt(`al${process.pid}flap`);
    const before = rx.posts.length;
    const e1 = fleetAt(210);
    await send(e1);
    const e2 = fleetAt(null, e1, 30);
    await send(e2);
    await send(fleetAt(210, e2, 60));
    expect(rx.posts.length - before).toBe(1);
  });

  it("clears a finding's absence when it is back, even if its escalation cannot be delivered: one more absence does not resolve it", async () => {
    const { send } = teamsAt(`al${process.pid}back`);
    const before = rx.posts.length;
    const e1 = fleetAt(210);
    await send(e1);
    const e2 = fleetAt(null, e1, 30);
    await send(e2);
    rx.script.push(...Array.from({ length: FAST.attempts }, () => ({ status: 500 })));
    const e3 = fleetAt(245, e2, 60);
    expect((await send(e3))[0]).toMatchObject({ announced: 0, pending: 1 });
    const e4 = fleetAt(null, e3, 90);
    expect((await send(e4))[0]).toMatchObject({ announced: 0, resolved: 0, pending: 0 });
    expect((await send(fleetAt(null, e4, 120)))[0]).toMatchObject({ resolved: 1 });
    expect(rx.posts.length - before).toBe(2);
  });

  it("counts an absence once per scan of the finding's cluster: two scan jobs sharing a store do not resolve a flap and page it anew", async () => {
    const { send } = teamsAt(`al${process.pid}jobs`);
    const before = rx.posts.length;
    // Job A scans aks-dr, job B the rest; each evaluates the whole latest view.
    const down: Finding = { id: "SCN001-aks-dr", rule: "SCN001", severity: "critical", cluster: "aks-dr", resource: "cluster/aks-dr", message: "unreachable", firstSeen: T0.toISOString(), lastSeen: T0.toISOString() };
    await send(evaluationOf(0, { "aks-dr": 0, "aks-prod": 0 }, [down]));
    await send(evaluationOf(5, { "aks-dr": 0, "aks-prod": 5 }, [down]));
    // aks-dr answers for one scan: job A sees it gone once, job B's evaluation reads that snapshot again.
    expect((await send(evaluationOf(10, { "aks-dr": 10, "aks-prod": 5 }, [])))[0]).toMatchObject({ announced: 0, resolved: 0 });
    expect((await send(evaluationOf(15, { "aks-dr": 10, "aks-prod": 15 }, [])))[0]).toMatchObject({ announced: 0, resolved: 0 });
    // Back on aks-dr's next scan: still open, not news.
    expect((await send(evaluationOf(20, { "aks-dr": 20, "aks-prod": 15 }, [down])))[0]).toMatchObject({ announced: 0, resolved: 0 });
    expect(rx.posts.length - before).toBe(1);
    // Gone from two scans of aks-dr: resolved once.
    await send(evaluationOf(30, { "aks-dr": 30, "aks-prod": 25 }, []));
    await send(evaluationOf(35, { "aks-dr": 30, "aks-prod": 35 }, []));
    expect((await send(evaluationOf(40, { "aks-dr": 40, "aks-prod": 35 }, [])))[0]).toMatchObject({ announced: 0, resolved: 1 });
    expect(rx.posts.length - before).toBe(2);
  });

  it("drops the findings of a cluster removed from the audit without a resolved notice", async () => {
    const { state, settings, send } = teamsAt(`al${process.pid}f`);
    const before = rx.posts.length;
    const e1 = fleetAt(210);
    expect((await send(e1))[0]).toMatchObject({ announced: 1, resolved: 0 });
    // `fleet-audit forget aks-a`: the next evaluation has no such cluster.
    const forgotten = evaluate({ scanId: "20261128T043000000Z-abcd", now: new Date(T0.getTime() + 30 * 60_000), views: [], previous: e1, rules: [ipx001] });
    expect((await send(forgotten))[0]).toMatchObject({ announced: 0, resolved: 0, errors: [] });
    expect(rx.posts).toHaveLength(before + 1);
    expect((await state.load(settings.destinations[0]!.id)).size).toBe(0);
  });

  it("honours Retry-After on 429 and delivers once", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}b` });
    const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
    const before = rx.posts.length;
    rx.script.push({ status: 429, retryAfter: 1 });
    const t0 = Date.now();
    const [o] = await sendAlerts(fleetAt(240), settings, state, { delivery: FAST });
    expect(o).toMatchObject({ announced: expect.any(Number), pending: 0 });
    expect(o!.announced).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(rx.posts.length - before).toBe(1);
  });

  it("loses nothing while the receiver is down, and says why without the URL", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}c` });
    const down = await startReceiver();
    const url = down.url;
    const port = Number(new URL(url).port);
    await down.close();
    const settings = { destinations: [destination("teams", url, "warning")], renotifyMs: 86_400_000 };
    const e1 = fleetAt(240);
    const [o1] = await sendAlerts(e1, settings, state, { delivery: FAST });
    expect(o1).toMatchObject({ announced: 0, pending: 1, configError: false });
    expect(o1!.errors.join(" ")).toMatch(/ECONNREFUSED.*kept for the next scan/);
    expect(o1!.errors.join(" ")).not.toContain("sig=");

    const back = await startReceiver(port);
    try {
      const [o2] = await sendAlerts(fleetAt(240, e1, 30), settings, state, { delivery: FAST });
      expect(o2).toMatchObject({ pending: 0 });
      expect(o2!.announced).toBeGreaterThan(0);
      expect(back.posts).toHaveLength(1);
      expect(JSON.stringify(back.posts[0]!.body)).toContain("IPX001");
    } finally {
      await back.close();
    }
  });

  it("gives a scan's alerts one deadline: a receiver that never answers keeps its message for the next scan, the others are sent", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}deadline` });
    const silent = await startReceiver();
    try {
      silent.script.push(...Array.from({ length: 4 }, () => ({ hang: true as const })));
      const settings = { destinations: [destination("teams", silent.url, "warning", "silent"), destination("webhook", rx.url, "warning")], renotifyMs: 86_400_000 };
      const before = rx.posts.length;
      const e1 = fleetAt(240);
      // The default policy: four attempts of 30 s each, were it not for the deadline.
      const [o1, o2] = await sendAlerts(e1, settings, state, { deadlineMs: 300 });
      expect(o1).toMatchObject({ announced: 0, pending: 1, configError: false, errors: [expect.stringMatching(/^teams "silent" \(127\.0\.0\.1:\d+, #\w+\): not delivered by the alerts' deadline \(last: no answer\); kept for the next scan$/)] });
      expect(o2).toMatchObject({ announced: 1, pending: 0, errors: [] });
      expect(rx.posts.length - before).toBe(1);

      silent.script.length = 0; // answers again
      const [again] = await sendAlerts(fleetAt(240, e1, 30), settings, state, { deadlineMs: 10_000 });
      expect(again).toMatchObject({ announced: 1, pending: 0 });
      expect(silent.posts).toHaveLength(1);
    } finally {
      await silent.close();
    }
  });

  it("sends one card when two rounds evaluate at once (one lease per destination), and takes over a dead holder's lease", async () => {
    const prefix = `al${process.pid}i`;
    const [a, b] = [TableAlertState.fromConnectionString(storage, { tablePrefix: prefix }), TableAlertState.fromConnectionString(storage, { tablePrefix: prefix })];
    const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
    rx.posts.length = 0;
    const [oa, ob] = await Promise.all([sendAlerts(fleetAt(240), settings, a, { delivery: FAST }), sendAlerts(fleetAt(240), settings, b, { delivery: FAST })]);
    expect(rx.posts).toHaveLength(1);
    expect(Math.min(oa![0]!.announced, ob![0]!.announced)).toBe(0);
    expect(Math.max(oa![0]!.announced, ob![0]!.announced)).toBeGreaterThan(0);

    // A holder that died left its lease: once expired, the next scan takes it over.
    const table = tableClients(storage)(`${prefix}alerts`);
    const id = settings.destinations[0]!.id;
    await table.createEntity({ partitionKey: id, rowKey: "!lease", holder: "dead", expiresAt: Date.now() - 1000 });
    const [later] = await sendAlerts(fleetAt(250, undefined, 60), settings, a, { delivery: FAST });
    expect(later).toMatchObject({ pending: 0, errors: [] });
    // One that is alive makes a scan give up after its wait, saying so, with nothing lost.
    await table.upsertEntity({ partitionKey: id, rowKey: "!lease", holder: "alive", expiresAt: Date.now() + 60_000 }, "Replace");
    const impatient = TableAlertState.fromConnectionString(storage, { tablePrefix: prefix, lease: { ttlMs: 60_000, waitMs: 300, pollMs: 50 } });
    const [blocked] = await sendAlerts(fleetAt(240), settings, impatient, { delivery: FAST });
    expect(blocked).toMatchObject({ announced: 0, pending: 1 });
    expect(blocked!.errors[0]).toMatch(/another process has been sending this destination's alerts/);
    expect((await a.load(id)).has("!lease")).toBe(false);
  });

  it("waits for another holder's lease no longer than the alerts' deadline", async () => {
    const prefix = `al${process.pid}wait`;
    const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
    const before = rx.posts.length;
    // A holder that died mid-send (an instance recycled): its lease has a minute to run.
    const table = tableClients(storage)(`${prefix}alerts`);
    await table.createTable();
    await table.createEntity({ partitionKey: settings.destinations[0]!.id, rowKey: "!lease", holder: "dead", expiresAt: Date.now() + 60_000 });
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: prefix, lease: { ttlMs: 60_000, waitMs: 20_000, pollMs: 50 } });
    const t0 = Date.now();
    const [o] = await sendAlerts(fleetAt(240), settings, state, { delivery: FAST, deadlineMs: 300 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(o).toMatchObject({ announced: 0, pending: 1, errors: [expect.stringMatching(/another process was still sending this destination's alerts at the alerts' deadline \(kept for the next scan\); nothing sent this time$/)] });
    expect(rx.posts.length - before).toBe(0);
  });

  it("renews its lease while it sends: a scan that starts meanwhile waits, however long the retries take, and posts nothing twice", async () => {
    const prefix = `al${process.pid}renew`;
    // The TTL scaled down from 5 minutes; the card's retries (two Retry-After: 1) outlast it.
    const lease = { ttlMs: 600, waitMs: 20_000, pollMs: 50 };
    const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
    const before = rx.posts.length;
    rx.script.push({ status: 503, retryAfter: 1 }, { status: 503, retryAfter: 1 });
    const policy = { ...FAST, attempts: 4, maxDelayMs: 60_000 };
    const e = fleetAt(240);
    const first = sendAlerts(e, settings, TableAlertState.fromConnectionString(storage, { tablePrefix: prefix, lease }), { delivery: policy });
    await vi.waitUntil(() => rx.script.length < 2); // it holds the lease and has tried once
    const second = await sendAlerts(e, settings, TableAlertState.fromConnectionString(storage, { tablePrefix: prefix, lease }), { delivery: policy });
    expect((await first)[0]).toMatchObject({ announced: 1, pending: 0 });
    expect(second[0]).toMatchObject({ announced: 0, pending: 0, errors: [] });
    expect(rx.posts.length - before).toBe(1);
  });

  it("stops sending once its lease is lost, and keeps the message for the next scan", async () => {
    const prefix = `al${process.pid}lost`;
    const settings = { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 };
    const before = rx.posts.length;
    rx.script.push({ status: 503, retryAfter: 2 });
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: prefix, lease: { ttlMs: 600, waitMs: 20_000, pollMs: 50 } });
    const sending = sendAlerts(fleetAt(240), settings, state, { delivery: { ...FAST, maxDelayMs: 60_000 } });
    // Another process takes the lease over while this one waits out the Retry-After.
    await vi.waitUntil(() => rx.script.length === 0);
    await tableClients(storage)(`${prefix}alerts`).upsertEntity({ partitionKey: settings.destinations[0]!.id, rowKey: "!lease", holder: "other", expiresAt: Date.now() + 60_000 }, "Replace");
    const [o] = await sending;
    expect(o).toMatchObject({ announced: 0, pending: 1, errors: [expect.stringMatching(/lease could not be renewed \(another process took it over\); stopped sending, the rest is kept for the next scan$/)] });
    expect(rx.posts.length - before).toBe(0);
  });

  it("takes a generic webhook's 200 as delivered whatever its body holds; only a Teams body saying throttled is retried", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}f` });
    rx.posts.length = 0;
    rx.script.push({ status: 200, body: '{"ok":true,"id":"req-4291"}' });
    const [generic] = await sendAlerts(fleetAt(240), { destinations: [destination("webhook", rx.url, "warning")], renotifyMs: 86_400_000 }, state, { delivery: FAST });
    expect(generic).toMatchObject({ pending: 0, configError: false });
    expect(generic!.announced).toBeGreaterThan(0);
    expect(rx.posts).toHaveLength(1);

    rx.posts.length = 0;
    rx.script.push({ status: 200, body: "Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0" });
    const fresh = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}h` });
    const [teams] = await sendAlerts(fleetAt(240), { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 86_400_000 }, fresh, { delivery: FAST });
    expect(teams).toMatchObject({ pending: 0 });
    expect(rx.posts).toHaveLength(2); // the throttled answer, then the retry that got through
  });

  it("does not retry a URL fetch refuses (credentials in it), and says so without the URL", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}g` });
    const url = rx.url.replace("http://", "http://user:PASSW0RD@");
    const [o] = await sendAlerts(fleetAt(240), { destinations: [destination("webhook", url, "warning")], renotifyMs: 1 }, state, { delivery: FAST });
    expect(o).toMatchObject({ configError: true, announced: 0, pending: 1 });
    expect(o!.errors[0]).toMatch(/the URL cannot be posted to \(credentials in it/);
    expect(o!.errors.join(" ")).not.toMatch(/PASSW0RD|SECRETSIG/);
  });

  it("treats a 404 as a configuration error, naming the destination but not its URL", async () => {
    const state = TableAlertState.fromConnectionString(storage, { tablePrefix: `al${process.pid}d` });
    rx.script.push({ status: 404 });
    const [o] = await sendAlerts(fleetAt(240), { destinations: [destination("teams", rx.url, "warning")], renotifyMs: 1 }, state, { delivery: FAST });
    expect(o).toMatchObject({ configError: true, announced: 0 });
    expect(o!.errors[0]).toMatch(/teams \(127\.0\.0\.1:\d+, #[0-9a-f]{6}\) answered HTTP 404/);
    expect(o!.errors[0]).not.toContain("SECRETSIG");
  });

  it("resolves destinations from flags, env and the policy's alerts section", async () => {
    const s = await alertSettings({
      teams: [rx.url],
      webhooks: ["https://hooks.example.com/x"],
      config: { destinations: [{ type: "teams", minSeverity: "critical", urlFromEnv: "OPS_HOOK", name: "ops" }] },
      env: { OPS_HOOK: "https://prod-1.westeurope.logic.azure.com/workflows/1?sig=abc" },
    });
    expect(s.destinations.map((d) => [d.kind, d.minSeverity])).toEqual([["teams", "warning"], ["webhook", "warning"], ["teams", "critical"]]);
    expect(s.destinations[2]!.label).toBe(`teams "ops" (prod-1.westeurope.logic.azure.com, #${s.destinations[2]!.id.slice(0, 6)})`);
    await expect(alertSettings({ teams: ["http://example.com/hook"] })).rejects.toThrow(/must be an https URL/);
    await expect(alertSettings({ teams: [rx.url], webhooks: [rx.url] })).rejects.toThrow(/the same URL is given as a teams and a webhook destination/);
    // Twice with two severities (a flag or the environment, and the policy): one would be silently lost.
    const twice = alertSettings({ teams: [rx.url], minSeverity: "warning", config: AlertsConfigSchema.parse({ destinations: [{ type: "teams", name: "oncall", url: rx.url, minSeverity: "critical" }] }) });
    await expect(twice).rejects.toThrow(/^teams "oncall" \(127\.0\.0\.1:\d+, #\w+\): the same URL is given twice, announcing from warning and from critical; give it once/);
    await expect(twice).rejects.not.toThrow(/SECRETSIG/);
    expect((await alertSettings({ teams: [rx.url], config: AlertsConfigSchema.parse({ destinations: [{ type: "teams", url: rx.url }] }) })).destinations).toHaveLength(1);
    const ref = "@Microsoft.KeyVault(VaultName=kv-fleet-x;SecretName=teams-webhook)";
    await expect(alertSettings({ env: { FLEET_AUDIT_TEAMS_WEBHOOK: ref } })).rejects.toThrow(/^teams webhook is an unresolved Key Vault reference: the app's identity cannot read the secret yet/);
    expect((await alertSettings({ teams: [rx.url, rx.url] })).destinations).toHaveLength(1);
    await expect(alertSettings({ teams: [rx.url], env: { FLEET_AUDIT_PUBLIC_URL: "not a url at all" } })).rejects.toThrow(/public URL .* must be an http\(s\) URL/);
    await expect(alertSettings({ teams: [rx.url], env: { FLEET_AUDIT_PUBLIC_URL: "javascript:alert(1)" } })).rejects.toThrow(/must be an http\(s\) URL/);
  });
});

describe("fleet-audit scan --teams-webhook", () => {
  let sim: Simulator;
  let kubeconfig: string;
  beforeAll(async () => {
    sim = await startSimulator([{ name: "blk", mode: "vnetblock", nodes: 3, problems: [{ kind: "missingNnc", node: 2 }] }]);
    kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "alerts-cli-")));
  });
  afterAll(async () => {
    await sim?.close();
  });

  it("posts one card for the first scan, nothing for an identical second, and never prints the URL", async () => {
    const env = { FLEET_AUDIT_TABLE_PREFIX: `alcli${process.pid}`, FLEET_AUDIT_TEAMS_WEBHOOK: rx.url };
    const before = rx.posts.length;
    const r1 = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage], { env });
    expect(r1.code, r1.stderr).toBe(0);
    expect(rx.posts.length - before).toBe(1);
    expect(r1.stderr).toMatch(/alerts: teams \(127\.0\.0\.1:\d+, #\w+\): \d+ announced/);
    const r2 = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage], { env });
    expect(r2.stderr).toMatch(/nothing new to announce/);
    expect(rx.posts.length - before).toBe(1);
    for (const r of [r1, r2]) expect(r.stdout + r.stderr).not.toContain("SECRETSIG");
  });

  it("gives a scan's alerts --alert-deadline in all: a receiver that never answers does not hold the scan", async () => {
    const env = { FLEET_AUDIT_TABLE_PREFIX: `alcld${process.pid}`, FLEET_AUDIT_TEAMS_WEBHOOK: rx.url };
    rx.script.push(...Array.from({ length: 4 }, () => ({ hang: true as const })));
    const t0 = Date.now();
    const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--alert-deadline", "1"], { env });
    rx.script.length = 0;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/not delivered by the alerts' deadline \(last: no answer\); kept for the next scan/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("exits 1 when a scan's alerts cannot be delivered, and delivers them on the next scan", async () => {
    const env = { FLEET_AUDIT_TABLE_PREFIX: `alclf${process.pid}`, FLEET_AUDIT_TEAMS_WEBHOOK: rx.url };
    const before = rx.posts.length;
    rx.script.push(...Array.from({ length: 4 }, () => ({ status: 503, retryAfter: 0 })));
    const r1 = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage], { env });
    expect(r1.code, r1.stderr).toBe(1);
    expect(r1.stderr).toMatch(/HTTP 503 after 4 attempts; kept for the next scan/);
    expect(r1.stderr).toMatch(/alerts were not delivered to 1 destination/);
    expect(rx.posts.length).toBe(before);
    // --fail-on's 3 is what a pipeline gates on: it wins over the delivery failure.
    rx.script.push(...Array.from({ length: 4 }, () => ({ status: 503, retryAfter: 0 })));
    const r2 = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage, "--fail-on", "info"], { env });
    expect(r2.code, r2.stderr).toBe(3);
    const r3 = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", storage], { env });
    expect(r3.code, r3.stderr).toBe(0);
    expect(rx.posts.length - before).toBe(1);
    for (const r of [r1, r2, r3]) expect(r.stdout + r.stderr).not.toContain("SECRETSIG");
  });
});
