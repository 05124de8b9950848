// ARM clusters keep the names their history has: one named apart by its resource group (a namesake was
// listed in another subscription) keeps that name when the namesake is missing from a listing, instead
// of its history going on under the bare name.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ArmCluster, emptySnapshot } from "../../src/model/snapshot.js";
import { runScan } from "../../src/scan.js";
import { discoverFleet } from "../../src/sources/discover.js";
import { keepKnownNames } from "../../src/sources/known-names.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import type { LatestEntry } from "../../src/store/store.js";
import { SUB_A, SUB_B, type AzureFixture, withSimAzure } from "./env.js";

/** Every item here comes from an ARM listing. */
const listed = () => true;
const arm = (name: string, resourceGroup: string, subscriptionId = SUB_A): ArmCluster => ({ id: `${subscriptionId}/${resourceGroup}/${name}`, name, resourceGroup, subscriptionId, aad: false, pools: [] });

describe("keepKnownNames", () => {
  it("takes over the qualified name the store knows, only when exactly one listed cluster could have it", () => {
    const known = ["rg-1/web", "api", `${SUB_B}/rg-1/db`].map((cluster) => ({ cluster, latest: {} }) as LatestEntry);
    const items = [
      { name: "web", arm: arm("web", "rg-1") },
      { name: "api", arm: arm("api", "rg-2") },
      { name: "db", arm: arm("db", "rg-1", SUB_B) },
      { name: "plain" },
    ];
    expect(keepKnownNames(items, known, listed).map((i) => i.name)).toEqual(["rg-1/web", "api", `${SUB_B}/rg-1/db`, "plain"]);
    // Two listed clusters in rg-1 of two subscriptions could both be "rg-1/web": neither takes it.
    const twins = [
      { name: `${SUB_A}/rg-1/web`, arm: arm("web", "rg-1") },
      { name: `${SUB_B}/rg-1/web`, arm: arm("web", "rg-1", SUB_B) },
    ];
    expect(keepKnownNames(twins, known, listed).map((i) => i.name)).toEqual(twins.map((t) => t.name));
  });

  it("never renames what no listing named: a fleet file's entry keeps its name, ARM data and all", () => {
    const web = arm("web", "rg-1");
    const known = [{ cluster: "web", latest: { armId: web.id } }] as LatestEntry[];
    const items = [{ name: "prod-web", arm: web, entry: true }];
    expect(keepKnownNames(items, known, (i) => !i.entry).map((i) => i.name)).toEqual(["prod-web"]);
  });

  it("gives a cluster the store knows by its ARM id its name back when a namesake appears; the newcomer keeps the qualified name", () => {
    const web = arm("web", "rg-1");
    // Stored under the bare name, with its id written differently cased (ARM ids are case-insensitive).
    const known = [{ cluster: "web", latest: { armId: web.id.toUpperCase() } }, { cluster: "api", latest: {} }] as LatestEntry[];
    const items = [
      { name: "rg-1/web", arm: web },
      { name: "rg-9/web", arm: arm("web", "rg-9", SUB_B) },
      { name: "api", arm: arm("api", "rg-2") },
    ];
    expect(keepKnownNames(items, known, listed).map((i) => i.name)).toEqual(["web", "rg-9/web", "api"]);
    // Only the last good snapshot knows the id (the latest scan failed before ARM data): the same.
    const failedSince = [{ cluster: "web", latest: {}, lastOk: { armId: web.id } }, { cluster: "api", latest: {} }] as LatestEntry[];
    expect(keepKnownNames(items, failedSince, listed).map((i) => i.name)).toEqual(["web", "rg-9/web", "api"]);
    // Without the id (a history from before the store kept it) the bare name is not given to either.
    expect(keepKnownNames(items, [{ cluster: "web", latest: {} } as LatestEntry], listed).map((i) => i.name)).toEqual(["rg-1/web", "rg-9/web", "api"]);
  });
});

describe("keepKnownNames, when a listing names a cluster after another's history", () => {
  const a = arm("web", "rg-1");
  const b = arm("web", "rg-9", SUB_B);
  it("keeps each cluster on its own history when the namesake that had the bare name is missing from a listing", () => {
    // B has had "web" and A "rg-1/web"; B's subscription failed, so the listing names A bare.
    const known = [{ cluster: "web", latest: { armId: b.id } }, { cluster: "rg-1/web", latest: { armId: a.id } }] as LatestEntry[];
    expect(keepKnownNames([{ name: "web", arm: a }], known, listed).map((i) => i.name)).toEqual(["rg-1/web"]);
  });
  it("names a new cluster apart rather than continuing a deleted namesake's history", () => {
    const known = [{ cluster: "web", latest: { armId: b.id } }] as LatestEntry[];
    expect(keepKnownNames([{ name: "web", arm: a }], known, listed).map((i) => i.name)).toEqual(["rg-1/web"]);
    // The same cluster (same id, in any case) keeps it.
    expect(keepKnownNames([{ name: "web", arm: b }], [{ cluster: "web", latest: { armId: b.id.toUpperCase() } }] as LatestEntry[], listed).map((i) => i.name)).toEqual(["web"]);
  });
});

describe("a scan of ARM clusters", () => {
  let fx: AzureFixture;
  beforeAll(async () => {
    fx = await withSimAzure({ subscriptions: [{ id: SUB_A }], clusters: [{ name: "aks-web", mode: "vnetblock", nodes: 1 }] });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("stores a cluster under the qualified name its history has, though this listing alone would name it bare", async () => {
    const [t] = await discoverFleet({ ...fx.settings, subscriptions: [SUB_A] });
    expect(t!.name).toBe("aks-web");
    const store = new MemorySnapshotStore();
    const before = `${t!.arm!.resourceGroup}/aks-web`;
    await store.putSnapshotWithLatest(emptySnapshot(before, "20261201T000000000Z-abcd", { kind: "arm" }, new Date("2026-12-01T00:00:00Z")));
    const result = await runScan([t!], store, { requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 });
    expect(result.clusters.map((c) => [c.cluster, c.status])).toEqual([[before, "ok"]]);
    expect((await store.listLatest()).map((e) => e.cluster)).toEqual([before]);
  });

  it("stores a fleet file's armResourceId entry under the entry's name, though the store knows the cluster by its listed name", async () => {
    const store = new MemorySnapshotStore();
    const opts = { requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 };
    await runScan(await discoverFleet({ ...fx.settings, subscriptions: [SUB_A] }), store, opts);
    const fleet = path.join(fx.dir, "fleet.yaml");
    writeFileSync(fleet, `clusters:\n  - name: prod-web\n    armResourceId: ${fx.az.managedCluster("aks-web").id}\n`);
    // As the Functions round names it: the entry's name is the user's, not a listing's.
    const result = await runScan(await discoverFleet({ ...fx.settings, fleetFile: fleet }), store, opts);
    expect(result.clusters.map((c) => [c.cluster, c.status])).toEqual([["prod-web", "ok"]]);
  });
});
