// One behaviour, two backends: every SnapshotStore implementation runs this suite.
import { isDeepStrictEqual } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { countFindingClusters } from "../../src/model/evaluation.js";
import type { SnapshotStore } from "../../src/store/store.js";
import { evaluation, scanAt, snapshot, timeOf } from "./fixtures.js";

export interface StoreUnderTest {
  store: SnapshotStore;
  cleanup?: () => Promise<void>;
}

export const AWKWARD_NAMES: readonly string[] = [
  "aks/prod/westeurope",
  "aks\\prod",
  "aks#1",
  "aks?1",
  "it's",
  "<script>",
  "100%",
  "100%25",
  'say "hi"',
  "tab\there",
  "new\nline\r\n",
  "nel\u0085x",
  "del\u007fx",
  "nul\u0000x",
  "кластер-日本語-😀",
  "a\ud800b", // lone surrogate: not valid UTF-8, must still not collide
  "x".repeat(600),
  "x".repeat(599) + "y",
  "x".repeat(300) + "/" + "x".repeat(300),
  "x".repeat(300) + "\\" + "x".repeat(300),
  "é".repeat(600),
  "%-" + "0".repeat(64),
  " leading and trailing ",
];

export function storeConformance(name: string, factory: () => Promise<StoreUnderTest>): void {
  describe(`SnapshotStore conformance: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: SnapshotStore;
    beforeEach(async () => {
      sut = await factory();
      store = sut.store;
      await store.init();
      await store.init(); // idempotent
    });
    afterEach(async () => {
      await store.close();
      await sut.cleanup?.();
    });

    it("round-trips a small snapshot and returns its summary", async () => {
      const s = snapshot("aks-a", scanAt(0), { nodes: 3 });
      const summary = await store.putSnapshot(s);
      expect(summary).toMatchObject({ cluster: "aks-a", scanId: s.scanId, nodes: 3, nncs: 3, cnsPods: 3, requestedIPs: 750, assignedIPs: 765, status: "ok" });
      expect(await store.getSnapshot("aks-a", summary.ref)).toEqual(s);
      expect(await store.getSnapshot("aks-a", s.scanId)).toEqual(s); // a bare scan id works as a ref
      expect(await store.listHistory("aks-a")).toEqual([summary]);
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: summary, lastOk: summary });
    });

    it("round-trips a 5,000-node snapshot (many chunks)", async () => {
      const s = snapshot("aks-big", scanAt(0), { nodes: 5000 });
      const summary = await store.putSnapshot(s);
      expect(summary.nodes).toBe(5000);
      const back = await store.getSnapshot("aks-big", summary.ref);
      // isDeepStrictEqual is far quicker on 9 MB of objects; toEqual only to show a difference.
      if (!isDeepStrictEqual(back, s)) expect(back).toEqual(s);
    });

    it("keeps a cluster's ARM id in its summaries, so a name can follow the cluster", async () => {
      const s = snapshot("aks-arm", scanAt(0));
      s.arm = { id: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-arm", name: "aks-arm", subscriptionId: "00000000-0000-0000-0000-000000000001", resourceGroup: "rg", aad: false, pools: [] };
      const summary = await store.putSnapshotWithLatest(s);
      expect(summary.summary.armId).toBe(s.arm.id);
      expect((await store.listLatest()).find((e) => e.cluster === "aks-arm")?.latest.armId).toBe(s.arm.id);
      expect((await store.listHistory("aks-arm"))[0]?.armId).toBe(s.arm.id);
    });

    it("keeps documents apart from the caller's objects", async () => {
      const s = snapshot("aks-a", scanAt(0));
      const summary = await store.putSnapshot(s);
      s.nodes.pop();
      const back = (await store.getSnapshot("aks-a", summary.ref))!;
      expect(back.nodes).toHaveLength(2);
      back.nodes.pop();
      expect((await store.getSnapshot("aks-a", summary.ref))!.nodes).toHaveLength(2);
    });

    it("overwrites on a retry of the same (cluster, scanId)", async () => {
      const id = scanAt(5);
      await store.putSnapshot(snapshot("aks-a", id, { status: "unreachable", reason: "dial tcp: i/o timeout", nodes: 0 }));
      const second = snapshot("aks-a", id, { nodes: 4 });
      const summary = await store.putSnapshot(second);
      const history = await store.listHistory("aks-a");
      expect(history).toHaveLength(1);
      expect(history[0]).toEqual(summary);
      expect(history[0]!.reason).toBeUndefined();
      expect(await store.getSnapshot("aks-a", summary.ref)).toEqual(second);
      expect((await store.getLatest("aks-a"))!.latest).toEqual(summary);
    });

    it("writes a placeholder only where its round has no snapshot, and lets the real one replace it", async () => {
      const ok1 = await store.putSnapshot(snapshot("aks-a", scanAt(10)));
      // Absent: written, and the latest view moves to it like any failed snapshot.
      const missed = snapshot("aks-a", scanAt(20), { status: "error", reason: "no result by the deadline", nodes: 0 });
      const placed = await store.putSnapshotIfAbsent(missed);
      expect(placed).toMatchObject({ scanId: missed.scanId, status: "error" });
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: placed, lastOk: ok1 });
      // The job's real result arrives later: it replaces the placeholder.
      const real = snapshot("aks-a", missed.scanId, { nodes: 4 });
      const realSum = await store.putSnapshot(real);
      expect(await store.getSnapshot("aks-a", missed.scanId)).toEqual(real);
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: realSum, lastOk: realSum, previousOk: ok1 });
      // A placeholder for a round that has its result changes nothing: not the document, not the view.
      expect(await store.putSnapshotIfAbsent(snapshot("aks-a", missed.scanId, { status: "error", reason: "late sweep", nodes: 0 }))).toBeUndefined();
      expect(await store.getSnapshot("aks-a", missed.scanId)).toEqual(real);
      expect(await store.listHistory("aks-a")).toEqual([realSum, ok1]);
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: realSum, lastOk: realSum, previousOk: ok1 });
      // The same for a big placeholder (many rows in the Table store).
      expect(await store.putSnapshotIfAbsent(snapshot("aks-a", missed.scanId, { status: "error", nodes: 400 }))).toBeUndefined();
      expect(await store.getSnapshot("aks-a", missed.scanId)).toEqual(real);
    });

    it("prunes rounds older than a date, never what the latest view or the newest evaluation points at", async () => {
      const ok0 = await store.putSnapshot(snapshot("aks-a", scanAt(0)));
      const ok10 = await store.putSnapshot(snapshot("aks-a", scanAt(10)));
      const bad20 = await store.putSnapshot(snapshot("aks-a", scanAt(20), { status: "error", nodes: 0 }));
      const bad30 = await store.putSnapshot(snapshot("aks-a", scanAt(30), { status: "error", nodes: 0 }));
      const onlyB = await store.putSnapshot(snapshot("aks-b", scanAt(5)));
      const e0 = await store.putEvaluation(evaluation(scanAt(0)));
      await store.putEvaluation(evaluation(scanAt(10)));
      const e20 = await store.putEvaluation(evaluation(scanAt(20)));

      // Nothing is older than the first round.
      expect(await store.pruneHistory(timeOf(0))).toEqual({ snapshots: 0, evaluations: 0, clusters: [] });
      // A dry run counts what would go, per cluster, and deletes nothing.
      const planned = { snapshots: 1, evaluations: 2, clusters: [{ cluster: "aks-a", snapshots: 1 }] };
      expect(await store.pruneHistory(timeOf(25), { dryRun: true })).toEqual(planned);
      expect(await store.listHistory("aks-a")).toEqual([bad30, bad20, ok10, ok0]);
      expect(await store.listEvaluations()).toHaveLength(3);
      expect(await store.pruneHistory(timeOf(25))).toEqual(planned);
      // aks-a keeps its latest (30), its last ok (10) and the ok one before (0, which drift compares
      // 10 with); aks-b its only, latest snapshot.
      expect(await store.listHistory("aks-a")).toEqual([bad30, ok10, ok0]);
      expect(await store.getSnapshot("aks-a", bad20.ref)).toBeUndefined();
      expect((await store.getSnapshot("aks-a", ok10.ref))?.scanId).toBe(ok10.scanId);
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: bad30, lastOk: ok10, previousOk: ok0 });
      expect(await store.listHistory("aks-b")).toEqual([onlyB]);
      // The newest evaluation stays even when it is older than the date.
      expect((await store.listEvaluations()).map((e) => e.ref)).toEqual([e20.ref]);
      expect(await store.getEvaluation(e0.ref)).toBeUndefined();
      expect((await store.getLatestEvaluation())?.scanId).toBe(e20.scanId);
      // Again: nothing left to do.
      expect(await store.pruneHistory(timeOf(25))).toEqual({ snapshots: 0, evaluations: 0, clusters: [] });
      expect(await store.pruneHistory(new Date(0))).toEqual({ snapshots: 0, evaluations: 0, clusters: [] });
    });

    it("forgets a cluster: its latest entry and every snapshot, and no other cluster's", async () => {
      await store.putSnapshot(snapshot("aks-a", scanAt(0)));
      const a10 = await store.putSnapshot(snapshot("aks-a", scanAt(10), { status: "error", nodes: 0 }));
      const b = await store.putSnapshot(snapshot("aks-b", scanAt(5)));
      const e = await store.putEvaluation(evaluation(scanAt(10)));
      expect(await store.forgetCluster("aks-a")).toEqual({ snapshots: 2 });
      expect(await store.getLatest("aks-a")).toBeUndefined();
      expect(await store.listHistory("aks-a")).toEqual([]);
      expect(await store.getSnapshot("aks-a", a10.ref)).toBeUndefined();
      expect((await store.listLatest()).map((x) => x.cluster)).toEqual(["aks-b"]);
      expect(await store.listHistory("aks-b")).toEqual([b]);
      expect((await store.listEvaluations()).map((x) => x.ref)).toEqual([e.ref]);
      // Nothing left of it: a second call says so, and a new snapshot brings the cluster back.
      expect(await store.forgetCluster("aks-a")).toBeUndefined();
      const back = await store.putSnapshot(snapshot("aks-a", scanAt(20)));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: back, lastOk: back });
    });

    it("forgets clusters by their exact awkward names only", async () => {
      const names = ["aks#1", "aks?1", "кластер-日本語-😀", "x".repeat(600), "x".repeat(599) + "y"];
      for (const n of names) await store.putSnapshot(snapshot(n, scanAt(1)));
      expect(await store.forgetCluster("x".repeat(600))).toEqual({ snapshots: 1 });
      expect(await store.forgetCluster("aks?1")).toEqual({ snapshots: 1 });
      expect(await store.forgetCluster("aks")).toBeUndefined();
      expect((await store.listLatest()).map((x) => x.cluster).sort()).toEqual(["aks#1", "кластер-日本語-😀", "x".repeat(599) + "y"].sort());
      await expect(store.forgetCluster("")).rejects.toThrow(/cluster name/);
    });

    it("lists history newest first, with since and limit, per cluster", async () => {
      const minutes = [30, 0, 20, 40, 10];
      const ids = new Map<number, string>();
      for (const m of minutes) {
        ids.set(m, scanAt(m));
        await store.putSnapshot(snapshot("aks-a", ids.get(m)!));
      }
      await store.putSnapshot(snapshot("aks-b", scanAt(50)));
      const all = await store.listHistory("aks-a");
      expect(all.map((s) => s.scanId)).toEqual([40, 30, 20, 10, 0].map((m) => ids.get(m)));
      expect((await store.listHistory("aks-a", { limit: 2 })).map((s) => s.scanId)).toEqual([ids.get(40), ids.get(30)]);
      // since is inclusive, on the scan round's start time
      expect((await store.listHistory("aks-a", { since: timeOf(20) })).map((s) => s.scanId)).toEqual([40, 30, 20].map((m) => ids.get(m)));
      expect((await store.listHistory("aks-a", { since: new Date(timeOf(20).getTime() + 1) })).map((s) => s.scanId)).toEqual([ids.get(40), ids.get(30)]);
      expect((await store.listHistory("aks-a", { since: timeOf(10), limit: 1 })).map((s) => s.scanId)).toEqual([ids.get(40)]);
      expect(await store.listHistory("aks-a", { since: timeOf(41) })).toEqual([]);
      expect(await store.listHistory("aks-a", { since: new Date(0) })).toHaveLength(5);
      expect(await store.listHistory("aks-a", { limit: 0 })).toEqual([]);
      expect(await store.listHistory("nope")).toEqual([]);
      await expect(store.listHistory("aks-a", { limit: -1 })).rejects.toThrow(/limit/);
      await expect(store.listHistory("aks-a", { since: new Date(Number.NaN) })).rejects.toThrow(/since/);
    });

    it("says what each write did to the latest view: the entry it replaced and the one it wrote", async () => {
      const first = await store.putSnapshotWithLatest(snapshot("aks-a", scanAt(10)));
      expect(first).toEqual({ summary: first.summary, after: { cluster: "aks-a", latest: first.summary, lastOk: first.summary } });
      const second = await store.putSnapshotWithLatest(snapshot("aks-a", scanAt(20)));
      expect(second.before).toEqual(first.after);
      expect(second.after).toEqual({ cluster: "aks-a", latest: second.summary, lastOk: second.summary, previousOk: first.summary });
      const failed = await store.putSnapshotWithLatest(snapshot("aks-a", scanAt(30), { status: "unreachable", reason: "timeout", nodes: 0 }));
      expect(failed.before).toEqual(second.after);
      expect(failed.after).toEqual({ cluster: "aks-a", latest: failed.summary, lastOk: second.summary, previousOk: first.summary });
      // An older round that lands late leaves the latest where it was, and says so.
      const late = await store.putSnapshotWithLatest(snapshot("aks-a", scanAt(25)));
      expect(late.before).toEqual(failed.after);
      expect(late.after).toEqual({ cluster: "aks-a", latest: failed.summary, lastOk: late.summary, previousOk: second.summary });
      expect(await store.getLatest("aks-a")).toEqual(late.after);
    });

    it("moves the latest view only forward and keeps the last good snapshot", async () => {
      const ok1 = await store.putSnapshot(snapshot("aks-a", scanAt(10)));
      const bad2 = await store.putSnapshot(snapshot("aks-a", scanAt(20), { status: "unauthorized", reason: "401 Unauthorized", nodes: 0 }));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: bad2, lastOk: ok1 });

      // A late, older result moves nothing forward...
      await store.putSnapshot(snapshot("aks-a", scanAt(5)));
      await store.putSnapshot(snapshot("aks-a", scanAt(15), { status: "error", nodes: 0 }));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: bad2, lastOk: ok1 });
      // ...but an older ok newer than lastOk still becomes lastOk.
      const ok12 = await store.putSnapshot(snapshot("aks-a", scanAt(12)));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: bad2, lastOk: ok12, previousOk: ok1 });
      // An ok round landing late between the two becomes the one before lastOk; older ones do not.
      const ok11 = await store.putSnapshot(snapshot("aks-a", scanAt(11)));
      await store.putSnapshot(snapshot("aks-a", scanAt(6)));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: bad2, lastOk: ok12, previousOk: ok11 });

      const ok3 = await store.putSnapshot(snapshot("aks-a", scanAt(30), { nodes: 5 }));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: ok3, lastOk: ok3, previousOk: ok12 });

      // A retry that turns the newest ok round into a failure: lastOk falls back to the one before.
      const retried = await store.putSnapshot(snapshot("aks-a", ok3.scanId, { status: "error", reason: "boom", nodes: 0 }));
      expect(await store.getLatest("aks-a")).toEqual({ cluster: "aks-a", latest: retried, lastOk: ok12 });

      // A cluster that never had a good scan has no lastOk.
      const never = await store.putSnapshot(snapshot("aks-b", scanAt(1), { status: "unreachable", nodes: 0 }));
      expect(await store.getLatest("aks-b")).toEqual({ cluster: "aks-b", latest: never });
      expect((await store.listLatest()).map((e) => e.cluster)).toEqual(["aks-a", "aks-b"]);
      expect(await store.getLatest("aks-c")).toBeUndefined();
    });

    it("stores and lists awkward cluster names by their exact names, without collisions", async () => {
      const ids = new Map<string, string>();
      for (const [i, name] of AWKWARD_NAMES.entries()) {
        const s = snapshot(name, scanAt(i));
        ids.set(name, s.scanId);
        const summary = await store.putSnapshot(s);
        expect(summary.cluster).toBe(name);
      }
      for (const name of AWKWARD_NAMES) {
        const history = await store.listHistory(name);
        expect(history.map((h) => [h.cluster, h.scanId]), JSON.stringify(name)).toEqual([[name, ids.get(name)]]);
        const back = await store.getSnapshot(name, history[0]!.ref);
        expect(back?.cluster).toBe(name);
        expect((await store.getLatest(name))?.latest.scanId).toBe(ids.get(name));
      }
      const latest = await store.listLatest();
      expect(latest.map((e) => e.cluster).sort()).toEqual([...AWKWARD_NAMES].sort());
      for (const e of latest) expect(e.latest.scanId).toBe(ids.get(e.cluster));
    });

    it("rejects what it cannot key: bad scan ids, empty cluster names", async () => {
      await expect(store.putSnapshot(snapshot("aks-a", "scan-1"))).rejects.toThrow(/not a scan id/);
      await expect(store.putSnapshot(snapshot("", scanAt(0)))).rejects.toThrow(/cluster name/);
      await expect(store.putEvaluation(evaluation("../../etc"))).rejects.toThrow(/not a scan id/);
      expect(await store.listLatest()).toEqual([]);
    });

    it("answers unknown or garbage refs with undefined", async () => {
      const summary = await store.putSnapshot(snapshot("aks-a", scanAt(0)));
      expect(await store.getSnapshot("aks-b", summary.ref)).toBeUndefined();
      expect(await store.getSnapshot("aks-a", scanAt(1))).toBeUndefined();
      for (const ref of ["", "x", "../../x", "' or 1 eq 1 or '", "~" + summary.ref, summary.ref + "x", "9".repeat(600)]) {
        expect(await store.getSnapshot("aks-a", ref), ref).toBeUndefined();
        expect(await store.getEvaluation(ref), ref).toBeUndefined();
      }
    });

    it("thins listed evaluations past the newest few to one per spacing, before it reads their subnets", async () => {
      // Every 5 minutes for an hour and a half, newest first when listed.
      const minutes = Array.from({ length: 19 }, (_, i) => 5 * i);
      for (const m of minutes) await store.putEvaluation({ ...evaluation(scanAt(m)), generatedAt: timeOf(m).toISOString() });
      const listed = await store.listEvaluations({ thin: { keepNewest: 3, spacingMs: 15 * 60_000 } });
      // 90, 85, 80 kept whole; then 65, 50, 35, 20, 5 (each at least 15 min before the last kept).
      expect(listed.map((e) => Date.parse(e.generatedAt) - timeOf(0).getTime()).map((ms) => ms / 60_000)).toEqual([90, 85, 80, 65, 50, 35, 20, 5]);
      expect(listed.every((e) => e.subnets.length === 1)).toBe(true);
      expect(await store.listEvaluations({ thin: { keepNewest: 3, spacingMs: 15 * 60_000 }, since: timeOf(60) })).toHaveLength(4);
    });

    it("puts, gets and lists evaluations", async () => {
      expect(await store.getLatestEvaluation()).toBeUndefined();
      expect(await store.listEvaluations()).toEqual([]);
      const e1 = evaluation(scanAt(10));
      const e3 = evaluation(scanAt(30), ["a", "b", "c"]);
      const e2 = evaluation(scanAt(20));
      const s1 = await store.putEvaluation(e1);
      const s3 = await store.putEvaluation(e3);
      const s2 = await store.putEvaluation(e2);
      expect(s3).toMatchObject({ scanId: e3.scanId, clusters: 3, counts: { critical: 1, warning: 0, info: 0, waived: 1 } });
      // Dated by when its newest data were read, which the listing gives back.
      const dataAt = e3.clusters.map((c) => c.takenAt).sort().at(-1);
      expect(s3.subnets).toEqual([{ key: e3.subnets[0]!.key, cidr: "10.40.0.0/13", used: 1024, capacity: 524283, dataAt }]);
      expect(await store.listEvaluations()).toEqual([s3, s2, s1]);
      expect(await store.listEvaluations({ limit: 1 })).toEqual([s3]);
      expect(await store.listEvaluations({ since: timeOf(20) })).toEqual([s3, s2]);
      expect(await store.getEvaluation(s2.ref)).toEqual(e2);
      expect(await store.getEvaluation(e1.scanId)).toEqual(e1);
      expect(await store.getLatestEvaluation()).toEqual(e3);

      // A retry of the same round overwrites.
      const again = { ...e3, findings: [] };
      const s3b = await store.putEvaluation(again);
      expect(s3b.ref).toBe(s3.ref);
      expect(await store.listEvaluations()).toHaveLength(3);
      expect(await store.getLatestEvaluation()).toEqual(again);
    });

    it("lists, when asked, which clusters each finding of an evaluation was about, counting a slice of the fleet each finding once", async () => {
      const e = evaluation(scanAt(40), ["a", "b", "c"]);
      e.findings.push({ ...e.findings[0]!, id: "NNC006-x", cluster: "b", clusters: ["b", "c"] }, { ...e.findings[0]!, id: "CNS002-x", rule: "CNS002", cluster: "c" });
      const s = await store.putEvaluation(e);
      const [plain] = await store.listEvaluations({ limit: 1 });
      expect(plain).toEqual(s);
      expect(plain).not.toHaveProperty("findingClusters");
      const [withFc] = await store.listEvaluations({ limit: 1, findingClusters: true });
      expect({ ...withFc, findingClusters: undefined }).toEqual({ ...s, findingClusters: undefined });
      const count = (pattern: (c: string) => boolean) => countFindingClusters(withFc!.findingClusters!, pattern);
      expect(count(() => true)).toEqual(s.counts);
      expect(count((c) => c === "a")).toEqual({ critical: 1, warning: 0, info: 0, waived: 1 });
      expect(count((c) => c === "b" || c === "c")).toEqual({ critical: 2, warning: 0, info: 0, waived: 0 }); // NNC006-x once
      expect(count((c) => c === "z")).toEqual({ critical: 0, warning: 0, info: 0, waived: 0 });
    });

    it("answers ping", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
