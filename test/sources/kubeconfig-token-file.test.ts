// A kubeconfig user's token-file is read only for a context that uses it, each time that context's
// KubeConfig is built: one user's missing file fails only the clusters using it (never the whole
// file's load, nor --context for another context), and a rotated token (a projected service-account
// token) is picked up. Against the simulator, Azurite as the store.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import YAML from "yaml";
import { collectCluster } from "../../src/collect/collector.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFleet, resolveTarget } from "../../src/sources/discover.js";
import { runCli } from "../helpers/cli.js";
import { eachContext } from "../helpers/each-context.js";

interface Doc {
  clusters: Array<{ name: string }>;
  users: Array<{ name: string; user: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

let sim: Simulator;
let dir: string;
let kubeconfig: string;
const missing = "/nonexistent/ci/token";
const storage = inject("azuriteConnectionString");
const env = { FLEET_AUDIT_TABLE_PREFIX: `tokenfile${process.pid}` };
const scanOpts = { scanId: "20261201T000000000Z-tokenfile", requestTimeoutMs: 5000, clusterDeadlineMs: 20_000 };

beforeAll(async () => {
  sim = await startSimulator([{ name: "aks-good", mode: "vnetblock", nodes: 1 }]);
  dir = mkdtempSync(path.join(tmpdir(), "token-file-"));
  const doc = YAML.parse(sim.kubeconfig()) as Doc;
  const cluster = doc.clusters[0]!.name;
  doc.users.push({ name: "ci-bot", user: { "token-file": missing } });
  doc.contexts.push({ name: "other-ci", context: { cluster, user: "ci-bot" } });
  doc.users.push({ name: "projected", user: { "token-file": "token" } });
  doc.contexts.push({ name: "by-file", context: { cluster, user: "projected" } });
  writeFileSync(path.join(dir, "token"), `${sim.cluster("aks-good").token}\n`);
  kubeconfig = path.join(dir, "config");
  writeFileSync(kubeconfig, YAML.stringify(doc));
});

afterAll(async () => {
  await sim?.close();
});

describe("a kubeconfig user's token-file", () => {
  it("that is missing fails only the contexts using it, naming the context and the file", async () => {
    const targets = await eachContext(kubeconfig);
    const snaps = await Promise.all(targets.map((t) => collectCluster(t, scanOpts)));
    expect(snaps.map((s) => [s.cluster, s.status, s.reason])).toEqual([
      ["aks-good", "ok", undefined],
      ["other-ci", "error", `context "other-ci" user "ci-bot": cannot read token-file ${missing} (ENOENT)`],
      ["by-file", "ok", undefined],
    ]);
  });

  it("that is missing does not stop --context for another context, nor a queued job for one", async () => {
    const one = await runCli(["scan", "--kubeconfig", kubeconfig, "--context", "aks-good", "--storage", storage, "--cluster-deadline", "20"], { env });
    expect([one.code, one.stderr]).toEqual([0, "[1/1] aks-good: ok\n"]);
    const target = await resolveTarget({ kind: "kubeconfig", name: "by-file", context: "by-file", files: [kubeconfig] }, {});
    expect((await collectCluster(target, scanOpts)).status).toBe("ok");
  });

  it("is read again each time its context is built, so a rotated token is used", async () => {
    const target = (await discoverFleet({ kubeconfig: [kubeconfig], contexts: ["by-file"] }))[0]!;
    const good = readFileSync(path.join(dir, "token"), "utf8");
    writeFileSync(path.join(dir, "token"), "an-old-token-0000000000000000");
    try {
      expect((await collectCluster(target, scanOpts)).status).toBe("unauthorized");
    } finally {
      writeFileSync(path.join(dir, "token"), good);
    }
    expect((await collectCluster(target, scanOpts)).status).toBe("ok");
  });
});

describe("a kubeconfig user's tokenFile (kubectl's field; token-file is client-node's)", () => {
  /** A kubeconfig beside the token file with one context per user given, named as the user; their statuses. */
  async function statuses(users: Record<string, Record<string, unknown>>): Promise<string[][]> {
    const doc = YAML.parse(readFileSync(kubeconfig, "utf8")) as Doc;
    const cluster = doc.clusters[0]!.name;
    doc.users = Object.entries(users).map(([name, user]) => ({ name, user }));
    doc.contexts = Object.keys(users).map((name) => ({ name, context: { cluster, user: name } }));
    const file = path.join(dir, "tokenfile-config");
    writeFileSync(file, YAML.stringify(doc));
    const snaps = await Promise.all((await eachContext(file)).map((t) => collectCluster(t, scanOpts)));
    return snaps.map((s) => [s.cluster, s.status, s.reason ?? ""]);
  }

  it("is read, relative to the kubeconfig's directory, and its token wins over token as in client-go; token stays the fallback", async () => {
    const good = sim.cluster("aks-good").token;
    expect(
      await statuses({
        "by-tokenfile": { tokenFile: "token" },
        "file-over-token": { token: "a-stale-token-000000000000000000", tokenFile: "token" },
        "token-if-unreadable": { token: good, tokenFile: missing },
      }),
    ).toEqual([
      ["by-tokenfile", "ok", ""],
      ["file-over-token", "ok", ""],
      ["token-if-unreadable", "ok", ""],
    ]);
  });

  it("that is missing fails the context, naming the field and the file", async () => {
    expect(await statuses({ "no-file": { tokenFile: missing } })).toEqual([["no-file", "error", `context "no-file" user "no-file": cannot read tokenFile ${missing} (ENOENT)`]]);
  });
});
