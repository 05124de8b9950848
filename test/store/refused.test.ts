// A store that refuses our credentials (a wrong or rotated account key, an identity without the role to
// write) is no outage: it will not take the snapshots later either. It is said at once and by name:
// where the store is, the status and code it answered (Azurite and Azure answer XML for these), and
// what to check; never the key.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { runScan } from "../../src/scan.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import type { ClusterTarget } from "../../src/sources/target.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import type { SnapshotStore } from "../../src/store/store.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";
import { azurite, rejection } from "./helpers.js";

/** Not Azurite's key: Azurite answers 403 AuthorizationFailure in XML. */
const WRONG_KEY = Buffer.from("not the account key of devstoreaccount1, rotated").toString("base64");
const wrongKey = () => azurite().replace(/AccountKey=[^;]*/, `AccountKey=${WRONG_KEY}`);
const host = () => /TableEndpoint=http:\/\/([^/;]+)/.exec(azurite())![1]!;

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let targets: ClusterTarget[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "store-refused-"));
  sim = await startSimulator([
    { name: "aks-a", mode: "vnetblock", nodes: 1 },
    { name: "aks-b", mode: "dynamic", nodes: 1 },
  ]);
  kubeconfig = await sim.writeKubeconfig(dir);
  targets = discoverFromKubeconfig({ files: [kubeconfig] });
});

afterAll(async () => {
  await sim?.close();
});

describe("a store that refuses our credentials", () => {
  it("reads the status, code and message from the store's XML error body", async () => {
    const e = await rejection<StoreError>(TableSnapshotStore.fromConnectionString(wrongKey()).ping());
    expect(e.message).toBe('Table store: cannot ping in table "latest": 403 AuthorizationFailure (Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.)');
    expect(e.code).toBe("AuthorizationFailure");
    expect(e.refused).toBe(true);
  });

  it("fails scan before collecting, naming the store and what to check, never the key", async () => {
    const started = Date.now();
    const r = await runCli(["scan", "--kubeconfig", kubeconfig, "--storage", wrongKey()], { cwd: dir });
    expect(r.stderr).toBe(`fleet-audit: the store at ${host()} (given by --storage) refused our credentials (403 AuthorizationFailure): check the account key (or SAS) of the connection string\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("fails report the same way, at its first read", async () => {
    const r = await runCli(["report", "findings", "--storage", wrongKey()], { cwd: dir });
    expect(r.stderr).toBe(`fleet-audit: the store at ${host()} (given by --storage) refused our credentials (403 AuthorizationFailure): check the account key (or SAS) of the connection string\n`);
    expect(r.stderr).not.toContain(WRONG_KEY.slice(0, 12));
    expect(r.code).toBe(1);
  });

  it("refusing mid-scan is no outage: the scan ends at once, not after its store deadline", async () => {
    const inner = new MemorySnapshotStore();
    const refused = (what: string) => new StoreError(`Table store: cannot ${what} in table "snapshots": 403 AuthorizationPermissionMismatch (This request is not authorized to perform this operation using this permission.)`, "snapshots", undefined, 403, "AuthorizationPermissionMismatch");
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === "putSnapshotWithLatest" || prop === "ping") return async () => Promise.reject(refused(String(prop)));
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as SnapshotStore;
    const started = Date.now();
    const e = await rejection<StoreError>(runScan(targets, store, { cnsMetrics: 0, storeDeadlineMs: 20_000 }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(e.message).toBe(
      'the in-memory store refused our credentials during the scan: the snapshots of 2 clusters were not stored (Table store: cannot ping in table "snapshots": 403 AuthorizationPermissionMismatch (This request is not authorized to perform this operation using this permission.))',
    );
  }, 30_000);
});
