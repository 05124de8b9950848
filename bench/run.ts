// `npm run bench`: our scan against what people do today (a sequential kubectl loop) and against the
// floor (plain parallel GETs of the same lists), on one simulated static-block fleet per size; then
// report latency over HTTP. One JSON object per line on stdout; progress on stderr.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { createSecureContext } from "node:tls";
import { gunzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { KubeConfig } from "@kubernetes/client-node";
import pLimit from "p-limit";
import { CNS_SELECTOR } from "../src/collect/collector.js";
import { serveApi } from "../src/http/server.js";
import { startAzurite } from "../src/store/azurite.js";
import { TableSnapshotStore } from "../src/store/table-store.js";
import { seedHistory } from "./history.js";

const exec = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, "../../bin/fleet-audit.js");
const SIZES: Array<[number, number]> = parseSizes(process.env.BENCH_SIZES ?? "10x50,25x100,50x250,100x250");
const KUBECTL = process.env.KUBECTL ?? "kubectl";

function parseSizes(s: string): Array<[number, number]> {
  return s.split(",").map((p) => {
    const [c, n] = p.split("x").map(Number);
    if (!c || n === undefined || Number.isNaN(n)) throw new Error(`BENCH_SIZES: bad size ${p} (want CLUSTERSxNODES)`);
    return [c, n];
  });
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

/** Runs the simulator in its own process so its memory is not counted as ours. */
async function startSim(clusters: number, nodes: number, dir: string): Promise<{ kubeconfig: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [BIN, "sim", "--scenario", "static-block", "--clusters", String(clusters), "--nodes", String(nodes), "--out", dir], { stdio: ["ignore", "pipe", "inherit"] });
  const kubeconfig = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /kubeconfig: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { kubeconfig, proc };
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  /** The cluster's CA; every floor run opens its own connections with it, as our scan must. */
  ca: Buffer;
}

/**
 * The four list calls of the kubectl loop, per context, as plain HTTPS requests. They ask for gzip, as
 * our client does (and as the apiserver answers any client that takes it): the same bytes cross the
 * wire for both, and the floor only drains them.
 */
function endpoints(kubeconfig: string): Endpoint[][] {
  const base = new KubeConfig();
  base.loadFromFile(kubeconfig);
  return base.getContexts().map((ctx) => {
    const cluster = base.getCluster(ctx.cluster)!;
    const user = base.getUser(ctx.user)!;
    const ca = Buffer.from(cluster.caData!, "base64");
    const headers = { authorization: `Bearer ${user.token}`, accept: "application/json", "accept-encoding": "gzip" };
    return [
      "/apis/acn.azure.com/v1alpha/namespaces/kube-system/nodenetworkconfigs?limit=500",
      "/api/v1/nodes?limit=500",
      `/api/v1/namespaces/kube-system/pods?labelSelector=${encodeURIComponent(CNS_SELECTOR)}&limit=500`,
      "/apis/apps/v1/namespaces/kube-system/daemonsets",
    ].map((p) => ({ url: cluster.server + p, headers, ca }));
  });
}

/**
 * The floor: every cluster's lists fetched in parallel with the others, bodies drained, nothing
 * decompressed, parsed or stored. One new connection per cluster on each run, its four GETs one after
 * another on it: reusing the warm-up's sockets would skip the TLS handshake our scan cannot skip, and
 * four sockets opened at once pay four full handshakes (no session to resume yet), which made the
 * floor about three times slower than this at 100 clusters — a floor that flattered us.
 */
async function floor(clusters: Endpoint[][], read: "drain" | "parse" = "drain"): Promise<number> {
  const limit = pLimit(64);
  const agents: https.Agent[] = [];
  const t0 = performance.now();
  try {
    await Promise.all(
      clusters.flatMap((eps) => {
        const agent = new https.Agent({ keepAlive: true, maxSockets: 1, secureContext: createSecureContext({ ca: eps[0]!.ca }) });
        agents.push(agent);
        return eps.map((e) =>
          limit(
            () =>
              new Promise<void>((resolve, reject) => {
                const req = https.get(e.url, { headers: e.headers, agent }, (res) => {
                  const chunks: Buffer[] = [];
                  res.on("data", (c: Buffer) => read === "parse" && chunks.push(c));
                  res.on("end", () => {
                    if (res.statusCode !== 200) return reject(new Error(`${e.url}: HTTP ${res.statusCode}`));
                    if (read === "parse") {
                      const body = Buffer.concat(chunks);
                      JSON.parse((res.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString("utf8"));
                    }
                    resolve();
                  });
                });
                req.on("error", reject);
              }),
          ),
        );
      }),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    for (const a of agents) a.destroy();
  }
}

async function kubectlLoop(kubeconfig: string, home: string): Promise<number> {
  const base = new KubeConfig();
  base.loadFromFile(kubeconfig);
  const env = { ...process.env, HOME: home, KUBECACHEDIR: path.join(home, "cache") };
  const t0 = performance.now();
  for (const ctx of base.getContexts()) {
    const k = ["--kubeconfig", kubeconfig, "--context", ctx.name];
    await exec(KUBECTL, [...k, "get", "nnc", "-n", "kube-system", "-o", "json"], { env, maxBuffer: 1 << 30 });
    await exec(KUBECTL, [...k, "get", "nodes", "-o", "json"], { env, maxBuffer: 1 << 30 });
    await exec(KUBECTL, [...k, "get", "pods", "-n", "kube-system", "-l", CNS_SELECTOR, "-o", "json"], { env, maxBuffer: 1 << 30 });
    await exec(KUBECTL, [...k, "get", "ds", "-n", "kube-system", "-o", "json"], { env, maxBuffer: 1 << 30 });
  }
  return (performance.now() - t0) / 1000;
}

async function scanOnce(kubeconfig: string, cs: string, prefix: string): Promise<{ seconds: number; peakRssMB: number; statuses: Record<string, number>; storeFailures: number }> {
  const { stdout } = await exec(process.execPath, [path.join(here, "scan-once.js"), kubeconfig, cs, prefix], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

async function benchScan(azuriteCs: string): Promise<void> {
  const haveKubectl = await exec(KUBECTL, ["version", "--client"]).then(() => true, () => false);
  for (const [clusters, nodes] of SIZES) {
    const dir = mkdtempSync(path.join(tmpdir(), "bench-"));
    const { kubeconfig, proc } = await startSim(clusters, nodes, dir);
    try {
      const eps = endpoints(kubeconfig);
      log(`scan ${clusters}x${nodes}: warming the simulator's page cache`);
      await floor(eps);
      const s = await scanOnce(kubeconfig, azuriteCs, `b${clusters}x${nodes}`);
      if (s.statuses.ok !== clusters || s.storeFailures > 0) throw new Error(`scan ${clusters}x${nodes} was not clean: ${JSON.stringify(s)}`);
      // A scheduled scan's steady state: every cluster has a previous snapshot to compare with.
      const again = await scanOnce(kubeconfig, azuriteCs, `b${clusters}x${nodes}`);
      if (again.statuses.ok !== clusters || again.storeFailures > 0) throw new Error(`repeat scan ${clusters}x${nodes} was not clean: ${JSON.stringify(again)}`);
      // The floor is cheap: the median of three runs steadies it on a busy machine.
      const f = median([await floor(eps), await floor(eps), await floor(eps)]);
      // What any scan that reads the objects pays at least: the floor plus inflating and JSON.parse of
      // every body, on one thread.
      const p = median([await floor(eps, "parse"), await floor(eps, "parse"), await floor(eps, "parse")]);
      log(`scan ${clusters}x${nodes}: ours ${s.seconds.toFixed(2)}s, floor ${f.toFixed(2)}s; kubectl loop next`);
      const k = haveKubectl ? await kubectlLoop(kubeconfig, dir) : null;
      emit({
        bench: "scan",
        clusters,
        nodesPerCluster: nodes,
        seconds: round(s.seconds),
        kubectlSeconds: k === null ? null : round(k),
        floorSeconds: round(f),
        parseFloorSeconds: round(p),
        peakRssMB: s.peakRssMB,
        kubectlRatio: k === null ? null : round(k / s.seconds),
        floorRatio: round(s.seconds / f),
        parseFloorRatio: round(s.seconds / p),
        repeatSeconds: round(again.seconds),
        repeatPeakRssMB: again.peakRssMB,
      });
    } finally {
      proc.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

async function benchReport(azuriteCs: string): Promise<void> {
  const clusters = 100;
  const snapshots = 30;
  const store = TableSnapshotStore.fromConnectionString(azuriteCs, { tablePrefix: "breport" });
  await store.init();
  log(`report: writing ${clusters} clusters × ${snapshots} snapshots of history`);
  await seedHistory(store, { clusters, nodes: 250, snapshots });
  const server = await serveApi({ store }, { port: 0 });
  try {
    // The first request reads and parses the newest evaluation; later ones reuse it until a newer one.
    const t0 = performance.now();
    const first = await fetch(server.url + "/api/reports/findings?format=json");
    await first.text();
    const coldMs = performance.now() - t0;
    const samples: number[] = [];
    for (let i = 0; i < 60; i++) {
      for (const p of ["/api/reports/findings?format=json", "/api/reports/exhaustion?format=json"]) {
        const t0 = performance.now();
        const r = await fetch(server.url + p);
        await r.text();
        if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
        samples.push(performance.now() - t0);
      }
    }
    samples.sort((a, b) => a - b);
    const q = (p: number) => round(samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!);
    emit({ bench: "report", clusters, snapshots, p50Ms: q(0.5), p95Ms: q(0.95), firstMs: round(coldMs) });
  } finally {
    await server.close();
    await store.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const azurite = await startAzurite();
try {
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "scan") await benchScan(azurite.connectionString);
  if (!process.env.BENCH_ONLY || process.env.BENCH_ONLY === "report") await benchReport(azurite.connectionString);
} finally {
  await azurite.stop();
}
// Keep-alive agents of the floor would hold the loop open.
process.exit(0);

