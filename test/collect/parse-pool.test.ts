// List pages parsed on the worker thread: the same snapshot data as parsing in place, errors that
// classify the same way, a dead worker that costs only its own pages, and the pool size setting.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectCluster } from "../../src/collect/collector.js";
import { classify } from "../../src/collect/errors.js";
import { parseListPage } from "../../src/collect/normalize/lists.js";
import { ParsePool, ParsePoolFailure, parseWorkerCount, sharedParsePool, WORKER_MIN_BYTES, workerFile } from "../../src/collect/parse-pool.js";
import { type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import { rawGet } from "../helpers/sim-kube.js";

let sim: Simulator;
let kubeconfig: string;
const bodies: Record<"nnc" | "node" | "cns-pod", Buffer> = {} as never;

beforeAll(async () => {
  sim = await startSimulator([{ name: "blk", mode: "vnetblock", nodes: 60 }]);
  kubeconfig = await sim.writeKubeconfig(mkdtempSync(path.join(tmpdir(), "parse-pool-")));
  const get = async (p: string) => Buffer.from((await rawGet(sim, "blk", p)).body, "utf8");
  bodies.nnc = await get("/apis/acn.azure.com/v1alpha/namespaces/kube-system/nodenetworkconfigs");
  bodies.node = await get("/api/v1/nodes");
  bodies["cns-pod"] = await get("/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dazure-cns");
});

afterAll(async () => {
  await sim?.close();
});

/** `npm test` builds first; the worker runs the built script. */
function builtWorker(): string {
  const file = workerFile();
  if (!file) throw new Error("dist/src/collect/parse-worker.js is missing: run `npm run build` first");
  return file;
}

describe("the parse pool", () => {
  it("gives the same normalised pages as parsing in place", async () => {
    const pool = new ParsePool(builtWorker(), 1);
    try {
      for (const kind of ["nnc", "node", "cns-pod"] as const) {
        const expected = parseListPage(bodies[kind], kind);
        expect(expected.items).toHaveLength(60);
        // The body moves to the worker: hand it a copy so the expectation's stays readable.
        expect(await pool.parse(Buffer.from(bodies[kind]), kind)).toEqual(expected);
      }
      expect(pool.stats).toEqual({ onWorker: 3, inPlace: 0 });
    } finally {
      await pool.close();
    }
  });

  it("inflates gzip pages on the worker, and a gzip stream cut short fails as cut short", async () => {
    const pool = new ParsePool(builtWorker(), 1);
    try {
      const gz = gzipSync(bodies["cns-pod"]);
      expect(await pool.parse(Buffer.from(gz), "cns-pod", true)).toEqual(parseListPage(bodies["cns-pod"], "cns-pod"));
      const cut = await pool.parse(Buffer.from(gz.subarray(0, gz.length >> 1)), "cns-pod", true).catch((e: unknown) => e);
      expect(cut).toMatchObject({ code: "ERR_STREAM_PREMATURE_CLOSE" });
      expect(classify(cut, "listing azure-cns pods").message).toMatch(/^listing azure-cns pods: the response was cut short/);
      expect(pool.stats.onWorker).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("rejects malformed JSON with a SyntaxError and keeps working", async () => {
    const pool = new ParsePool(builtWorker(), 1);
    try {
      const err = await pool.parse(Buffer.from('{"items": [{"metadata": '), "node").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyntaxError);
      expect((await pool.parse(Buffer.from(bodies.node), "node")).items).toHaveLength(60);
      expect(pool.failure).toBeUndefined();
    } finally {
      await pool.close();
    }
  });

  it("fails only the pages of a worker that dies, then parses in place", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parse-pool-dying-"));
    const dying = path.join(dir, "dying-worker.mjs");
    writeFileSync(dying, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", () => process.exit(7));\n');
    const pool = new ParsePool(dying, 1);
    try {
      const lost = await pool.parse(Buffer.from(bodies.node), "node").catch((e: unknown) => e);
      // Typed, so that the page is read again rather than failing its cluster.
      expect(lost).toBeInstanceOf(ParsePoolFailure);
      expect((lost as Error).message).toMatch(/parsing a list page: the parse worker exited \(code 7\)/);
      const page = await pool.parse(Buffer.from(bodies.node), "node");
      expect(page).toEqual(parseListPage(bodies.node, "node"));
      expect(pool.stats).toEqual({ onWorker: 0, inPlace: 1 });
    } finally {
      await pool.close();
    }
  });

  it("stops its other workers when one dies, so they never keep the process alive", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parse-pool-exit-"));
    // One worker dies on its page; the other never answers.
    const worker = path.join(dir, "odd-worker.mjs");
    writeFileSync(worker, 'import { parentPort } from "node:worker_threads";\nparentPort.on("message", (m) => { if (m.kind === "node") process.exit(7); });\n');
    const pool = pathToFileURL(builtWorker().replace(/parse-worker\.js$/, "parse-pool.js")).href;
    const script = `
      const { ParsePool } = await import(${JSON.stringify(pool)});
      const pool = new ParsePool(${JSON.stringify(worker)}, 2);
      const a = pool.parse(Buffer.from("{}"), "node").catch((e) => e.message);
      const b = pool.parse(Buffer.from("{}"), "nnc").catch((e) => e.message);
      console.log(JSON.stringify(await Promise.all([a, b])));`;
    writeFileSync(path.join(dir, "main.mjs"), script);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, "main.mjs")], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toEqual(["parsing a list page: the parse worker exited (code 7)", "parsing a list page: the parse worker exited (code 7)"]);
  });

  it("starts every worker when warmed, before any page, and idle workers keep no process alive", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "parse-pool-warm-"));
    const pool = pathToFileURL(builtWorker().replace(/parse-worker\.js$/, "parse-pool.js")).href;
    // Each process must end by itself: a referenced idle worker would hold it to the timeout. Warm
    // workers that never got a page (a fleet of small clusters), and workers that parsed one.
    const script = (parse: boolean) => `
      const { ParsePool } = await import(${JSON.stringify(pool)});
      const pool = new ParsePool(${JSON.stringify(builtWorker())}, 2);
      // Not awaited, as the collector does: waiting on an unreferenced worker would be waiting on nothing.
      void pool.warm();
      const started = pool.started;
      const page = ${parse} ? await pool.parse(Buffer.from('{"items":[{"metadata":{"name":"n1"}}]}'), "node") : { items: [] };
      console.log(JSON.stringify({ started, names: page.items.map((n) => n.name), stats: pool.stats }));`;
    for (const parse of [false, true]) {
      const file = path.join(dir, `main-${parse}.mjs`);
      writeFileSync(file, script(parse));
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 10_000 });
      expect(JSON.parse(stdout)).toEqual({ started: 2, names: parse ? ["n1"] : [], stats: { onWorker: parse ? 1 : 0, inPlace: 0 } });
    }
  });

  it("sizes itself from the cores, leaving one to the main thread, and names a bad setting", () => {
    expect(parseWorkerCount({}, 1)).toBe(0);
    expect(parseWorkerCount({}, 2)).toBe(1);
    expect(parseWorkerCount({}, 16)).toBe(2);
    expect(parseWorkerCount({ FLEET_AUDIT_PARSE_WORKERS: "0" }, 8)).toBe(0);
    expect(parseWorkerCount({ FLEET_AUDIT_PARSE_WORKERS: "3" }, 1)).toBe(3);
    expect(() => parseWorkerCount({ FLEET_AUDIT_PARSE_WORKERS: "lots" }, 2)).toThrow(/FLEET_AUDIT_PARSE_WORKERS must be a whole number from 0 to 16, not "lots"/);
  });

  it("parses a real cluster's big lists on the worker during a scan", async () => {
    const pool = sharedParsePool();
    if (parseWorkerCount() === 0) return expect(pool).toBeNull();
    expect(bodies["cns-pod"].length).toBeGreaterThan(WORKER_MIN_BYTES);
    const before = pool!.stats.onWorker;
    const [target] = discoverFromKubeconfig({ files: [kubeconfig] });
    const snap = await collectCluster(target!, { scanId: "20261129T090000000Z-test", cnsMetrics: 0 });
    expect(snap.status).toBe("ok");
    expect(snap.nodes).toHaveLength(60);
    expect(snap.nncs).toHaveLength(60);
    expect(snap.cns.pods).toHaveLength(60);
    expect(pool!.stats.onWorker).toBeGreaterThan(before);
  });
});
