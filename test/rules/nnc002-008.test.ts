// NNC002–NNC008: fixtures that trip each rule and near misses that must not.
import { describe, expect, it } from "vitest";
import { findingId } from "../../src/model/finding.js";
import type { ClusterSnapshot } from "../../src/model/snapshot.js";
import type { Rule } from "../../src/rules/rule.js";
import nnc002 from "../../src/rules/nnc/nnc002-orphaned-nnc.js";
import nnc003 from "../../src/rules/nnc/nnc003-allocation-pending.js";
import nnc004 from "../../src/rules/nnc/nnc004-nnc-in-error.js";
import nnc005 from "../../src/rules/nnc/nnc005-node-ip-mismatch.js";
import nnc006 from "../../src/rules/nnc/nnc006-duplicate-assignment.js";
import nnc007 from "../../src/rules/nnc/nnc007-stuck-deleting.js";
import nnc008 from "../../src/rules/nnc/nnc008-scaler-invariants.js";
import ipx005 from "../../src/rules/ipx/ipx005-overlay-node-capacity.js";
import { context, node, snapshot, T0, view } from "../fixtures/builders.js";
import { blockNnc, dynNnc, nodesFor, overlayNnc } from "./ipam-fixtures.js";

const run = (rule: Rule, snaps: ClusterSnapshot[], over: Parameters<typeof context>[1] = {}) => [...rule.check(context(snaps.map((s) => view(s)), over))];
const brief = (r: Array<{ severity: string; resource: string }>) => r.map((x) => `${x.severity} ${x.resource}`);

describe("NNC002 orphaned NNC", () => {
  it("warns for an NNC without a node and is critical when the owner UID is an earlier node's", () => {
    const nncs = [blockNnc("gone", "10.40.0.0"), blockNnc("reused", "10.40.1.0"), blockNnc("fine", "10.40.2.0")];
    const s = snapshot("a", { nncs, nodes: [node("reused", { uid: "new-uid" }), node("fine")] });
    const prev = { ...structuredClone(s), takenAt: "2026-11-28T03:45:00.000Z" };
    const r = [...nnc002.check(context([view(s, s, prev)]))];
    expect(brief(r)).toEqual(["warning nnc/gone", "critical nnc/reused"]);
    expect(r[0]!.message).toBe("NNC gone has no Node of that name (its owner, UID uid-gone, is gone), nor had it at 2026-11-28T03:45:00.000Z: its addresses stay held until it is deleted.");
    expect(r[1]!.message).toContain("owner UID uid-reused, live node UID new-uid");
  });

  it("gives a node that just went (between the list calls, or before the GC deletes its NNC) a scan before calling its NNC orphaned", () => {
    const nncs = [blockNnc("n1", "10.40.0.0"), blockNnc("n2", "10.40.1.0")];
    const s = snapshot("a", { nncs, nodes: nodesFor(nncs.slice(0, 1)) });
    const prev = { ...snapshot("a", { nncs, nodes: nodesFor(nncs) }), takenAt: "2026-11-28T03:45:00.000Z" };
    expect([...nnc002.check(context([view(s, s, prev)]))]).toEqual([]);
    // A cluster's first scan has nothing to wait for: the race lasts seconds, an orphan may be weeks old.
    const [first] = run(nnc002, [s]);
    expect(brief([first!])).toEqual(["warning nnc/n2"]);
    expect(first!.message).toBe("NNC n2 has no Node of that name (its owner, UID uid-n2, is gone): its addresses stay held until it is deleted.");
  });

  it("leaves NNCs being deleted to NNC007 and ignores NNCs without an owner reference", () => {
    const deleting = blockNnc("gone", "10.40.0.0", 16, { over: { deletionTimestamp: "2026-11-28T03:00:00Z" } });
    const ownerless = blockNnc("x", "10.40.1.0", 16, { over: { owner: undefined } });
    delete ownerless.owner;
    expect(run(nnc002, [snapshot("a", { nncs: [deleting, ownerless], nodes: [node("x", { uid: "other" })] })])).toEqual([]);
  });
});

describe("NNC003 allocation pending (dynamic only)", () => {
  it("warns when requested exceeds assigned", () => {
    const n = dynNnc("n1", { held: 16, requested: 32 });
    const r = run(nnc003, [snapshot("a", { nncs: [n], nodes: [node("n1", { pendingPods: 3 })] })]);
    expect(r).toEqual([expect.objectContaining({ severity: "warning", resource: "nnc/n1", data: expect.objectContaining({ requested: 32, assigned: 16, pending: 16, pendingPods: 3, persisted: false }) })]);
    expect(r[0]!.message).toBe("NNC n1 requests 32 IPs but has 16 assigned: 16 pending. 3 pod(s) on the node are Pending.");
  });

  it("falls back to len(ipAssignments) when assignedIPCount is 0", () => {
    expect(run(nnc003, [snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 16, assigned: 0 })] })])).toEqual([]);
    const r = run(nnc003, [snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 32, assigned: 0 })] })]);
    expect(r[0]).toMatchObject({ data: expect.objectContaining({ assigned: 16, pending: 16 }), message: expect.stringContaining("(assignedIPCount is 0; counted its ipAssignments)") });
  });

  it("never fires for static block (250 requested / 255 assigned) or overlay (0 / 256), even when counts look odd", () => {
    const odd = blockNnc("b2", "10.40.1.0", 2, { over: { requestedIPCount: 250, assignedIPCount: 31 } });
    const s = snapshot("a", { nncs: [blockNnc("b1", "10.40.0.0"), odd, overlayNnc("o1", "10.244.0.0/24", "10.244.0.0/16", { requestedIPCount: 300, assignedIPCount: 0 })] });
    expect(run(nnc003, [s])).toEqual([]);
  });

  it("escalates to critical when the previous snapshot was pending too", () => {
    const before = snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 32 })], takenAt: "2026-11-28T03:00:00.000Z" });
    const now = snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 32 })] });
    const r = [...nnc003.check(context([view(now, now, before)]))];
    expect(r[0]).toMatchObject({ severity: "critical", data: expect.objectContaining({ persisted: true }), message: expect.stringContaining("already pending in the scan of 2026-11-28T03:00:00.000Z") });
    const converged = snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 16 })], takenAt: "2026-11-28T03:00:00.000Z" });
    expect([...nnc003.check(context([view(now, now, converged)]))][0]).toMatchObject({ severity: "warning" });
  });

  it("without a previous snapshot, escalates on a finding from an earlier scan's evaluation only", () => {
    const now = snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 32 })] });
    const id = findingId("NNC003", { cluster: "a", resource: "nnc/n1" });
    const prev = (lastSeen: string) => ({ previous: { findings: [{ id, rule: "NNC003", severity: "warning" as const, cluster: "a", resource: "nnc/n1", message: "", firstSeen: lastSeen, lastSeen }] } as never });
    expect(run(nnc003, [now], prev("2026-11-28T03:00:00.000Z"))[0]!.severity).toBe("critical");
    // The same snapshot evaluated again is not a second scan.
    expect(run(nnc003, [now], prev("2026-11-28T04:00:05.000Z"))[0]!.severity).toBe("warning");
  });

  it("gives a node and its NNC younger than graceMinutes (5) time for their first batch, as the policy sets it", () => {
    const ago = (s: number) => new Date(T0.getTime() - s * 1000).toISOString();
    const pending = (nncAge: number, nodeAge: number) =>
      snapshot("a", { nncs: [dynNnc("n1", { held: 0, requested: 16, assigned: 0, over: { createdAt: ago(nncAge) } })], nodes: [node("n1", { createdAt: ago(nodeAge), ready: false })] });
    // A node that joined 30 s ago: DNC-RC has not assigned its first batch yet.
    expect(run(nnc003, [pending(20, 30)])).toEqual([]);
    // Either being young is enough: a new NNC on a node that was there (recreated), a new node on an NNC left over.
    expect(run(nnc003, [pending(20, 3600)])).toEqual([]);
    expect(run(nnc003, [pending(3600, 20)])).toEqual([]);
    expect(brief(run(nnc003, [pending(6 * 60, 6 * 60)]))).toEqual(["warning nnc/n1"]);
    expect(brief(run(nnc003, [pending(20, 30)], { policy: { thresholds: { NNC003: { graceMinutes: 0 } } } }))).toEqual(["warning nnc/n1"]);
  });
});

describe("NNC004 NC or NNC in error", () => {
  it("warns for status.status Error and for NC error statuses", () => {
    const s = snapshot("a", { nncs: [dynNnc("e1", { over: { status: "Error" } }), dynNnc("e2", { first: "10.1.0.40", ncStatus: "NCUpdateUnauthorizedError" })] });
    const r = run(nnc004, [s]);
    expect(brief(r)).toEqual(["warning nnc/e1", "warning nnc/e2"]);
    expect(r[1]!.message).toBe("NNC e2 is in error: NC nc-e2 is NCUpdateUnauthorizedError. Its node's allocation is not being updated.");
  });

  it("stays quiet for Updated, NCUpdateSuccess and NCUpdateSubnetFullError (IPX002's)", () => {
    const s = snapshot("a", { nncs: [dynNnc("n1", { over: { status: "Updated" }, ncStatus: "NCUpdateSuccess" }), dynNnc("n2", { first: "10.1.0.40", ncStatus: "NCUpdateSubnetFullError" })] });
    expect(run(nnc004, [s])).toEqual([]);
  });
});

describe("NNC005 NC nodeIP differs from the node", () => {
  it("is critical when an NC's nodeIP is not the node's InternalIP", () => {
    const r = run(nnc005, [snapshot("a", { nncs: [dynNnc("n1", { nodeIP: "10.240.0.9" })], nodes: [node("n1", { internalIP: "10.240.0.5" })] })]);
    expect(r).toEqual([expect.objectContaining({ severity: "critical", resource: "nnc/n1" })]);
    expect(r[0]!.message).toBe("NNC n1: NC nc-n1 says nodeIP 10.240.0.9 but node n1 has InternalIP 10.240.0.5: CNS there skips the NC, so new pods on the node get no IP.");
  });

  it("stays quiet when they match, when the node or its InternalIP is unknown, or the NC has no nodeIP", () => {
    const noIP = dynNnc("n3", { first: "10.1.0.80" });
    delete noIP.networkContainers[0]!.nodeIP;
    const s = snapshot("a", {
      nncs: [dynNnc("n1"), dynNnc("n2", { first: "10.1.0.40", nodeIP: "10.240.0.9" }), noIP, dynNnc("n4", { first: "10.1.0.120", nodeIP: "10.240.0.9" })],
      nodes: [node("n1"), node("n3", { internalIP: "10.240.0.7" }), node("n4", { internalIP: undefined })],
    });
    expect(run(nnc005, [s])).toEqual([]);
  });
});

describe("NNC006 duplicate assignment", () => {
  it("is critical for a block held by NNCs of two clusters sharing a subnet, naming both", () => {
    const a = snapshot("a", { nncs: [blockNnc("a1", "10.40.0.0")] });
    const b = snapshot("b", { nncs: [blockNnc("b1", "10.40.1.0", 16, { extra: ["10.40.0.160/28"] })] });
    const r = run(nnc006, [a, b]);
    expect(r).toEqual([expect.objectContaining({ severity: "critical", cluster: "a", clusters: ["a", "b"], resource: "nnc/a1", data: expect.objectContaining({ addresses: 16, scope: "cross-cluster", subnet: "10.40.0.0/13" }) })]);
    expect(r[0]!.message).toBe(
      "10.40.0.160/28 (16 addresses) on pod subnet 10.40.0.0/13 (podsubnet) is held by NNC a/a1 and b/b1 (a/a1 ipAssignments[9] and b/b1 ipAssignments[15]), across clusters a, b: two nodes may give the same IP to different pods.",
    );
  });

  it("reports a whole duplicated NNC once, and a block an NC lists twice", () => {
    const twin = blockNnc("n2", "10.40.0.0");
    const twice = blockNnc("n3", "10.40.8.0", 2, { extra: ["10.40.8.16/28"] });
    const r = run(nnc006, [snapshot("a", { nncs: [blockNnc("n1", "10.40.0.0"), twin, twice] })]);
    expect(r.map((x) => [x.resource, x.data?.addresses])).toEqual([["nnc/n1", 256], ["nnc/n3", 16]]);
    expect(r[0]!.clusters).toBeUndefined();
    expect(r[1]!.message).toContain("NNC a/n3 lists it more than once");
  });

  it("counts multi-million-address overlaps exactly on a /8, without expanding them", () => {
    const big = (name: string, primary: string) => {
      const n = blockNnc(name, "10.0.0.0", 1, { cidr: "10.0.0.0/8", subnet: "huge" });
      n.networkContainers[0]!.primaryIP = primary;
      return n;
    };
    // 10.16.0.0/12 (1,048,576) inside 10.0.0.0/10 (4,194,304): the whole /12 is held twice.
    const r = run(nnc006, [snapshot("a", { nncs: [big("n1", "10.0.0.0/10")] }), snapshot("b", { nncs: [big("n2", "10.16.0.0/12")] })]);
    expect(r).toEqual([expect.objectContaining({ clusters: ["a", "b"], data: expect.objectContaining({ addresses: 1_048_576, subnet: "10.0.0.0/8" }) })]);
    expect(r[0]!.message).toMatch(/^10\.16\.0\.0\/12 \(1048576 addresses\) on pod subnet 10\.0\.0\.0\/8 \(huge\)/);
  });

  it("finds a single duplicated address in dynamic mode and nothing in disjoint NNCs", () => {
    const r = run(nnc006, [snapshot("a", { nncs: [dynNnc("n1", { first: "10.1.0.4" }), dynNnc("n2", { first: "10.1.0.20" })] })]);
    expect(r).toEqual([expect.objectContaining({ message: expect.stringMatching(/^10\.1\.0\.20 \(1 address\)/) })]);
    expect(run(nnc006, [snapshot("a", { nncs: [dynNnc("n1", { first: "10.1.0.4" }), dynNnc("n2", { first: "10.1.0.21" })] })])).toEqual([]);
  });
});

describe("NNC007 NNC stuck deleting", () => {
  it("warns after 30 minutes of deletionTimestamp, not before", () => {
    const at = (min: number) => blockNnc(`d${min}`, "10.40.0.0", 16, { over: { deletionTimestamp: new Date(T0.getTime() - min * 60_000).toISOString() } });
    const r = run(nnc007, [snapshot("a", { nncs: [at(45), at(29)] })]);
    expect(brief(r)).toEqual(["warning nnc/d45"]);
    expect(r[0]!.message).toBe("NNC d45 has been deleting for 45 minutes (since 2026-11-28T03:15:00.000Z): its finalizer is not being removed and its addresses stay held.");
  });
});

describe("per-cluster thresholds", () => {
  it("apply to the cluster they name (NNC007) and to a subnet only that cluster uses (IPX005)", () => {
    const at = (min: number) => blockNnc("d", "10.40.0.0", 16, { over: { deletionTimestamp: new Date(T0.getTime() - min * 60_000).toISOString() } });
    const policy = { overrides: [{ cluster: "dev-*", thresholds: { NNC007: { stuckMinutes: 10 }, IPX005: { warningPercent: 50 } } }] };
    expect(brief(run(nnc007, [snapshot("dev-1", { nncs: [at(15)] }), snapshot("prod-1", { nncs: [at(15)] })], { policy }))).toEqual(["warning nnc/d"]);
    expect(run(nnc007, [snapshot("dev-1", { nncs: [at(15)] })], { policy })[0]!.cluster).toBe("dev-1");
    const two = [0, 1].map((i) => overlayNnc(`n${i}`, `10.244.${i}.0/24`, "10.244.0.0/22"));
    expect(run(ipx005, [snapshot("dev-1", { nncs: two }), snapshot("prod-1", { nncs: two })], { policy }).map((r) => r.cluster)).toEqual(["dev-1"]);
  });
});

describe("NNC008 scaler invariants (dynamic)", () => {
  it("notes a request off the batch below the cap, or above maxIPCount", () => {
    const s = snapshot("a", { nncs: [dynNnc("n1", { held: 16, requested: 24 }), dynNnc("n2", { first: "10.1.0.40", held: 16, requested: 260, cidr: "10.1.0.0/16" })] });
    const r = run(nnc008, [s]);
    expect(brief(r)).toEqual(["info nnc/n1", "info nnc/n2"]);
    expect(r[0]!.message).toBe("NNC n1 requests 24 IPs, not a multiple of the batch size 16 (below the cap 250): the scaler on that node is not behaving as CNS's scaler would.");
    expect(r[1]!.message).toContain("above the scaler's maxIPCount 250");
  });

  it("judges by batch 1 under subnet scarcity (EnableSubnetScarcity and a ClusterSubnetState exhausted)", () => {
    const s = snapshot("a", { nncs: [dynNnc("n1", { held: 21, requested: 21 })] });
    s.cns.config = { EnableSubnetScarcity: true };
    s.subnetStates = [{ name: "pods", namespace: "kube-system", exhausted: true }];
    expect(run(nnc008, [s])).toEqual([]);
    s.subnetStates[0]!.exhausted = false;
    expect(brief(run(nnc008, [s]))).toEqual(["info nnc/n1"]);
    s.subnetStates[0]!.exhausted = true;
    s.cns.config = { EnableSubnetScarcity: false };
    expect(brief(run(nnc008, [s]))).toEqual(["info nnc/n1"]);
  });

  it("accepts the cap itself, batch multiples, and static-block NNCs", () => {
    const capped = dynNnc("n1", { held: 16, requested: 250, cidr: "10.1.0.0/16" });
    expect(run(nnc008, [snapshot("a", { nncs: [capped, dynNnc("n2", { first: "10.1.0.40", requested: 32, held: 32 }), blockNnc("b", "10.40.0.0")] })])).toEqual([]);
  });
});
