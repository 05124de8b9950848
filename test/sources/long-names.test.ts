// One limit on a cluster's name for every stage: a name discovery lets through is stored, queued and
// usable in every HTTP route; a longer one is left out at discovery with a note that names it, cut short.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { encodeJob, parseJob } from "../../src/fanout/messages.js";
import { route } from "../../src/http/api.js";
import { MAX_CLUSTER_NAME } from "../../src/model/cluster-name.js";
import { type DiscoveryProblem, discoverRefs } from "../../src/sources/discover.js";
import { MemorySnapshotStore } from "../../src/store/memory-store.js";
import { scanAt, snapshot } from "../store/fixtures.js";

const LONGEST = `longest-${"é".repeat(MAX_CLUSTER_NAME - 8)}`;
const TOO_LONG = `too-long-${"x".repeat(3000)}`;

function kubeconfig(names: string[]): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "long-names-")), "config");
  const yaml = [
    "apiVersion: v1",
    "kind: Config",
    // Each context its own API server: contexts on one are one cluster.
    "clusters:",
    ...names.map((_, i) => `- name: c${i}\n  cluster:\n    server: https://127.0.0.1:${6443 + i}`),
    "users:\n- name: u\n  user:\n    token: t",
    "contexts:",
    ...names.map((n, i) => `- name: ${JSON.stringify(n)}\n  context:\n    cluster: c${i}\n    user: u`),
  ].join("\n");
  writeFileSync(file, yaml);
  return file;
}

describe("a cluster name's length", () => {
  it("over the limit: left out at discovery, with a note naming it cut short", async () => {
    const problems: DiscoveryProblem[] = [];
    const refs = await discoverRefs({ kubeconfig: [kubeconfig(["aks-a", TOO_LONG, LONGEST])] }, { onProblem: (p) => problems.push(p) });
    expect(refs.map((r) => r.name)).toEqual(["aks-a", LONGEST]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.source).toMatch(/^kubeconfig /);
    expect(problems[0]!.message).toContain(`"${TOO_LONG.slice(0, 80)}…" (${TOO_LONG.length} chars)`);
    expect(problems[0]!.message).toMatch(new RegExp(`longer than ${MAX_CLUSTER_NAME} characters.*not scanned`));
    expect(problems[0]!.message.length).toBeLessThan(300);
  });

  it("at the limit: stored, queued and found by every HTTP route", async () => {
    const [ref] = await discoverRefs({ kubeconfig: [kubeconfig([LONGEST])] });
    const parsed = parseJob(encodeJob({ v: 1, round: scanAt(0), ref: ref! }));
    expect(parsed.ok && parsed.job.ref.name).toBe(LONGEST);

    const store = new MemorySnapshotStore();
    await store.putSnapshot(snapshot(LONGEST, scanAt(0)));
    const get = (p: string, query: Record<string, string> = {}) => route({ method: "GET", path: p, query: new URLSearchParams(query) }, { store });
    const history = await get(`/api/clusters/${encodeURIComponent(LONGEST)}/history`);
    expect(history.status, history.body.slice(0, 200)).toBe(200);
    expect(JSON.parse(history.body).cluster).toBe(LONGEST);
    const listed = await get("/api/clusters", { cluster: LONGEST });
    expect(listed.status, listed.body.slice(0, 200)).toBe(200);
    expect(JSON.parse(listed.body).clusters.map((c: { cluster: string }) => c.cluster)).toEqual([LONGEST]);
    // One character more is refused by the store as by the routes.
    await expect(store.putSnapshot(snapshot(`${LONGEST}x`, scanAt(0)))).rejects.toThrow(new RegExp(`longer than ${MAX_CLUSTER_NAME}`));
  });
});
