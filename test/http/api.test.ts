// The HTTP API over real HTTP (serveApi on node:http), reading a store that two real scans of a
// hostile-named fleet filled (simulator, client-node, Azurite).
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { StoreError } from "../../src/errors.js";
import { errorResponse, route } from "../../src/http/api.js";
import { type RunningServer, serveApi } from "../../src/http/server.js";
import { REPORT_KINDS } from "../../src/reports/catalogue.js";
import { FORMATS, renderReport } from "../../src/reports/render.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { uniquePrefix } from "../store/helpers.js";
import { FORMULA_NAME, PLAIN, REFUSED, type ScannedFleet, SCRIPT_NAME, scannedFleet, XSS_NAME } from "./fleet.js";

let fleet: ScannedFleet;
let server: RunningServer;

beforeAll(async () => {
  fleet = await scannedFleet();
  server = await serveApi({ store: fleet.store }, { port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await fleet?.close();
});

async function get(path: string, init?: RequestInit): Promise<{ status: number; type: string; headers: Headers; text: string; json: () => any }> {
  const r = await fetch(server.url + path, init);
  const text = await r.text();
  return { status: r.status, type: r.headers.get("content-type") ?? "", headers: r.headers, text, json: () => JSON.parse(text) };
}

const q = encodeURIComponent;

function expectError(r: { status: number; type: string; json: () => any }, status: number, message?: RegExp): void {
  expect(r.status).toBe(status);
  expect(r.type).toMatch(/^application\/json/);
  const body = r.json();
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  if (message) expect(body.error.message).toMatch(message);
}

const CONTENT_TYPES: Record<string, RegExp> = {
  json: /^application\/json; charset=utf-8$/,
  csv: /^text\/csv; charset=utf-8$/,
  md: /^text\/markdown; charset=utf-8$/,
  html: /^text\/html; charset=utf-8$/,
  sarif: /^application\/(sarif\+)?json/,
};

describe("GET /api/reports/{kind}", () => {
  const formats = FORMATS.filter((f) => f !== "table");
  for (const kind of [...REPORT_KINDS.keys()]) {
    for (const format of formats) {
      it(`${kind} as ${format}`, async () => {
        const r = await get(`/api/reports/${kind}?format=${format}`);
        // sarif exists for findings only (once render.ts has it); every other pair must render.
        if (format === "sarif" && r.status === 400) return expectError(r, 400, /sarif/);
        expect(r.status, r.text.slice(0, 300)).toBe(200);
        expect(r.type).toMatch(CONTENT_TYPES[format]!);
        expect(r.headers.get("x-content-type-options")).toBe("nosniff");
        expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
        expect(r.text.length).toBeGreaterThan(20);
        if (format === "html") {
          expect(r.text).toMatch(/^<!doctype html>/);
          expect(r.text).not.toMatch(/<script/i);
          expect(r.text).not.toContain(XSS_NAME);
          expect(r.text).not.toContain(SCRIPT_NAME);
        }
        if (format === "csv") {
          // No line may begin a cell with a formula trigger: the hostile name arrives neutralised.
          for (const line of r.text.split("\r\n")) for (const cell of line.split(",")) expect(cell).not.toMatch(/^"?[=+@]/);
          expect(r.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="fleet-audit-${kind}-[\\w.-]+\\.csv"$`));
        } else {
          expect(r.headers.get("content-disposition")).toBeNull();
        }
      });
    }
  }

  it("json is the same document the CLI prints (CONTRACT.md)", async () => {
    const evaluation = (await fleet.store.getLatestEvaluation())!;
    for (const kind of REPORT_KINDS.keys()) {
      const r = await get(`/api/reports/${kind}`);
      expect(r.status).toBe(200);
      expect(r.json()).toEqual(renderReport(kind, evaluation, {}, "json").doc);
    }
  });

  it("shows the hostile names escaped in html and neutralised in csv", async () => {
    const html = (await get("/api/reports/findings?format=html")).text;
    expect(html).toContain("&#60;img src=x onerror=alert(1)&#62;");
    const exHtml = (await get("/api/reports/exhaustion?format=html")).text;
    expect(exHtml).toContain("&#60;/script&#62;&#60;script&#62;alert(2)&#60;/script&#62;");
    const csv = (await get("/api/reports/findings?format=csv")).text;
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    const ex = (await get("/api/reports/exhaustion?format=csv")).text;
    expect(ex).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    const md = (await get("/api/reports/findings?format=md")).text;
    expect(md).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(md).not.toContain(XSS_NAME);
  });

  it("filters by cluster (hostile names included), severity, rule and since", async () => {
    const all = (await get("/api/reports/findings")).json().findings as Array<{ cluster: string; severity: string; rule: string; clusters?: string[] }>;
    expect(new Set(all.map((f) => f.cluster))).toEqual(new Set([XSS_NAME, FORMULA_NAME, REFUSED]));
    expect(all.some((f) => f.severity === "warning")).toBe(true);

    const xss = (await get(`/api/reports/findings?cluster=${q(XSS_NAME)}`)).json().findings as typeof all;
    expect(xss.length).toBeGreaterThan(0);
    expect(xss.every((f) => f.cluster === XSS_NAME || f.clusters?.includes(XSS_NAME))).toBe(true);

    const crit = (await get("/api/reports/findings?severity=critical")).json().findings as typeof all;
    expect(crit.length).toBeGreaterThan(0);
    expect(crit.length).toBeLessThan(all.length);
    expect(crit.every((f) => f.severity === "critical")).toBe(true);

    const scn = (await get("/api/reports/findings?rule=scn001")).json().findings as typeof all;
    expect(scn.map((f) => [f.rule, f.cluster])).toEqual([["SCN001", REFUSED]]);

    expect((await get("/api/reports/findings?since=1h")).json().findings).toHaveLength(all.length);
    expect((await get("/api/reports/findings?since=2999-01-01T00:00:00Z")).json().findings).toEqual([]);

    const ex = (await get(`/api/reports/exhaustion?cluster=${q(PLAIN)}`)).json();
    expect(ex.clusters.map((c: { cluster: string }) => c.cluster)).toEqual([PLAIN]);
    expect(ex.subnets).toHaveLength(1);
    expect(ex.subnets[0].clusters).toEqual([XSS_NAME, PLAIN].sort());

    const comp = (await get(`/api/reports/compliance?cluster=${q(SCRIPT_NAME)}&format=json`)).json();
    expect(comp.clusters.map((c: { cluster: string }) => c.cluster)).toEqual([SCRIPT_NAME]);

    // Every kind takes severity (CONTRACT.md): a cluster the scan could not read is a critical exhaustion row.
    const exCrit = (await get("/api/reports/exhaustion?severity=critical")).json();
    expect(exCrit.clusters.map((c: { cluster: string }) => c.cluster)).toContain(REFUSED);
    expect(exCrit.clusters.length).toBeLessThan((await get("/api/reports/exhaustion")).json().clusters.length);
    for (const kind of ["health", "compliance"]) expect((await get(`/api/reports/${kind}?severity=critical&format=csv`)).status, kind).toBe(200);
  });

  it("health for one cluster lists every node again (hostile names included); the fleet report only those needing attention", async () => {
    type Health = { clusters: Array<{ cluster: string; nodeRows: Array<{ node: string; status: string }>; nodeRowsOmitted?: number }> };
    const fleetWide = (await get("/api/reports/health")).json() as Health;
    const stored = (c: string) => fleetWide.clusters.find((x) => x.cluster === c)!;
    expect(stored(PLAIN)).toMatchObject({ nodeRows: [], nodeRowsOmitted: 4 });
    expect(stored(XSS_NAME).nodeRows.map((r) => r.status)).toEqual(["crashloop"]);
    expect(stored(XSS_NAME).nodeRowsOmitted).toBe(2);

    const plain = (await get(`/api/reports/health?cluster=${q(PLAIN)}`)).json() as Health;
    expect(plain.clusters.map((c) => [c.cluster, c.nodeRows.length, c.nodeRowsOmitted])).toEqual([[PLAIN, 4, 0]]);
    expect(new Set(plain.clusters[0]!.nodeRows.map((r) => r.node))).toEqual(new Set(fleet.sim.cluster(PLAIN).state.nodes.list().map((n) => n.metadata.name)));
    const xss = (await get(`/api/reports/health?cluster=${q(XSS_NAME)}`)).json() as Health;
    expect(xss.clusters[0]!.nodeRows.map((r) => r.status)).toEqual(["crashloop", "ok", "ok"]);
    expect(xss.clusters[0]!.nodeRows[0]).toEqual(stored(XSS_NAME).nodeRows[0]);
    const html = (await get(`/api/reports/health?cluster=${q(XSS_NAME)}&format=html`)).text;
    expect(html).not.toContain(XSS_NAME);
    for (const n of fleet.sim.cluster(XSS_NAME).state.nodes.list()) expect(html).toContain(n.metadata.name);
    // The cached evaluation the one-cluster report started from is unchanged.
    expect((await get("/api/reports/health")).json()).toEqual(fleetWide);
  });

  it("takes format and severity in any case, as the CLI does", async () => {
    const json = await get("/api/reports/findings?format=JSON&severity=Critical");
    expect(json.status, json.text).toBe(200);
    expect(json.type).toMatch(/^application\/json/);
    expect(json.json()).toEqual((await get("/api/reports/findings?format=json&severity=critical")).json());
    const csv = await get("/api/reports/exhaustion?format=Csv");
    expect(csv.status, csv.text).toBe(200);
    expect(csv.type).toMatch(/^text\/csv/);
  });

  it("rejects bad input with 400 and names the parameter", async () => {
    // The choices named are the ones HTTP serves: table is for terminals.
    expectError(await get("/api/reports/findings?format=xml"), 400, /^format must be one of json, csv, md, html, sarif, not "xml"$/);
    expectError(await get("/api/reports/findings?format=table"), 400, /^format must be one of json, csv, md, html, sarif, not "table"$/);
    expectError(await get("/api/reports/findings?severity=high"), 400, /severity must be one of/);
    expectError(await get("/api/reports/findings?rule=BOGUS"), 400, /rule must be a rule ID/);
    expectError(await get("/api/reports/findings?rule=IPX099"), 400, /^unknown rule IPX099; the catalogue has IPX001, /);
    expectError(await get("/api/reports/findings?since=yesterday"), 400, /since must be/);
    expectError(await get("/api/reports/findings?clusterr=x"), 400, /unknown query parameter "clusterr"/);
    expectError(await get("/api/reports/findings?severity=info&severity=critical"), 400, /more than once/);
    expectError(await get(`/api/reports/findings?cluster=${"a".repeat(2000)}`), 400, /at most 1024/);
    // A filter the report does not apply is refused, not ignored (the answer would look filtered).
    expectError(await get("/api/reports/exhaustion?rule=IPX001&format=csv"), 400, /the exhaustion report cannot be filtered by rule; it takes cluster, severity/);
    expectError(await get("/api/reports/health?since=1m"), 400, /cannot be filtered by since/);
    expectError(await get("/api/reports/compliance?since=1m"), 400, /it takes cluster, rule, severity/);
    expectError(await get("/api/reports/health?table=pods&format=csv"), 400, /the health report has no table "pods"; it has clusters, nodes/);
    expectError(await get("/api/reports/health?table=nodes"), 400, /table picks one table of the text formats/);
  });

  it("gives one table of a report with ?table= (a CSV with one header row)", async () => {
    const r = await get("/api/reports/exhaustion?format=csv&table=subnets");
    expect(r.status).toBe(200);
    expect(r.text.split("\r\n")[0]).toBe("subnet,mode,clusters,used,capacity,util,full_by,headroom");
    expect(r.text.trimEnd()).not.toContain("\r\n\r\n");
  });

  it("answers 404 in the error shape for an unknown kind or cluster", async () => {
    expectError(await get("/api/reports/nope"), 404, /unknown report "nope".*findings/);
    expectError(await get("/api/reports/nope?format=xml"), 404);
    expectError(await get("/api/reports/nope?foo=1"), 404, /unknown report/);
    expectError(await get(`/api/reports/findings?cluster=${q("aks-missing")}`), 404, /unknown cluster "aks-missing"/);
  });

  it("takes a cluster pattern with *: only the clusters it matches, and 404 when it matches none", async () => {
    const all = (await get("/api/reports/exhaustion?format=json")).json().clusters.map((c: { cluster: string }) => c.cluster);
    expect(all.length).toBeGreaterThan(2);
    const some = await get(`/api/reports/exhaustion?format=json&cluster=${q("aks-*")}`);
    expect(some.status).toBe(200);
    expect(some.json().clusters.map((c: { cluster: string }) => c.cluster).sort()).toEqual(all.filter((c: string) => c.startsWith("aks-")).sort());
    const findings = (await get(`/api/reports/findings?cluster=${q("*HYPERLINK*")}`)).json().findings;
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect([f.cluster, ...(f.clusters ?? [])]).toContain(FORMULA_NAME);
    expectError(await get(`/api/reports/findings?cluster=${q("zzz-*")}`), 404, /no cluster matches "zzz-\*"/);
  });

  it("returns nothing for filters that try to inject into a query", async () => {
    for (const v of ["x' or PartitionKey ne 'x", "' or ''='", "aks-prod-weu-01' or 1 eq 1 or 'a'='a", "aks-prod-weu-01*' or 'a'='a"]) {
      expectError(await get(`/api/reports/findings?cluster=${q(v)}`), 404);
    }
    expectError(await get(`/api/reports/findings?since=${q("2026-01-01' or RowKey ne '")}`), 400);
    expectError(await get(`/api/reports/findings?rule=${q("IPX001' or 1 eq 1")}`), 400);
  });

  it("lists the report kinds and formats", async () => {
    const r = (await get("/api/reports")).json();
    expect(r.reports.map((k: { name: string }) => k.name)).toEqual([...REPORT_KINDS.keys()]);
    expect(r.formats).toEqual(expect.arrayContaining(["json", "csv", "md", "html"]));
  });
});

describe("GET /api/clusters and history", () => {
  it("lists every cluster with its last scan status, hostile names exact", async () => {
    const r = await get("/api/clusters");
    expect(r.status).toBe(200);
    const clusters = r.json().clusters as Array<{ cluster: string; status: string; lastScanAt: string; lastOkAt: string | null; nodes: number }>;
    expect(clusters.map((c) => c.cluster).sort()).toEqual([PLAIN, XSS_NAME, SCRIPT_NAME, FORMULA_NAME, REFUSED].sort());
    // No scan has read it: lastOkAt null says so; its counts stay the numbers CONTRACT.md types (0), so a sum stays a number.
    expect(clusters.find((c) => c.cluster === REFUSED)).toMatchObject({ status: "unreachable", lastOkAt: null, nodes: 0, nncs: 0 });
    expect(Number.isNaN(clusters.reduce((sum, c) => sum + c.nodes, 0))).toBe(false);
    expect(clusters.find((c) => c.cluster === PLAIN)).toMatchObject({ status: "ok", nodes: 4 });
    expect(r.text).not.toMatch(/token|BEGIN CERTIFICATE|client-key/i);
  });

  it("lists only the clusters ?cluster= matches, and answers 404 when it matches none", async () => {
    const r = await get(`/api/clusters?cluster=${q("aks-*")}`);
    expect(r.status).toBe(200);
    expect(r.json().clusters.map((c: { cluster: string }) => c.cluster).sort()).toEqual([PLAIN, REFUSED].sort());
    expect((await get(`/api/clusters?cluster=${q(FORMULA_NAME)}`)).json().clusters.map((c: { cluster: string }) => c.cluster)).toEqual([FORMULA_NAME]);
    expectError(await get(`/api/clusters?cluster=${q("zzz-*")}`), 404, /no cluster matches "zzz-\*"/);
    expectError(await get(`/api/clusters?clusterr=x`), 400, /unknown query parameter/);
  });

  it("returns a cluster's history newest first, with since and limit", async () => {
    const r = await get(`/api/clusters/${q(XSS_NAME)}/history`);
    expect(r.status).toBe(200);
    const body = r.json();
    expect(body.cluster).toBe(XSS_NAME);
    expect(body.history.map((h: { scanId: string }) => h.scanId)).toEqual([...fleet.scanIds].reverse());
    expect(body.history.map((h: { nodes: number }) => h.nodes)).toEqual([3, 2]);
    expect(body.history[0]).not.toHaveProperty("ref");
    expect(body.history.map((h: { countsKnown: boolean }) => h.countsKnown)).toEqual([true, true]);
    // A scan that did not read its cluster keeps numeric counts (0) and says they count nothing.
    const refused = (await get(`/api/clusters/${q(REFUSED)}/history`)).json().history as Array<Record<string, unknown>>;
    expect(refused.length).toBeGreaterThan(0);
    for (const h of refused) expect(h).toMatchObject({ status: "unreachable", countsKnown: false, nodes: 0, nncs: 0, cnsPods: 0, requestedIPs: 0, assignedIPs: 0 });
    expect((await get(`/api/clusters/${q(XSS_NAME)}/history?limit=1`)).json().history).toHaveLength(1);
    expect((await get(`/api/clusters/${q(XSS_NAME)}/history?since=1h`)).json().history).toHaveLength(2);
    expect((await get(`/api/clusters/${q(XSS_NAME)}/history?since=2999-01-01`)).json().history).toEqual([]);
    // A name with a slash travels percent-encoded in one path segment.
    expect((await get(`/api/clusters/${q(SCRIPT_NAME)}/history`)).json().cluster).toBe(SCRIPT_NAME);
  });

  it("never hands out another cluster's history for an injected name", async () => {
    for (const v of ["x' or PartitionKey ne 'x", "' or ''='", `${PLAIN}' or 'a' eq 'a`, "*", "%"]) {
      expectError(await get(`/api/clusters/${q(v)}/history`), 404, /unknown cluster/);
    }
    expectError(await get(`/api/clusters/${q(PLAIN)}/history?since=${q("2026-01-01' or RowKey ne '")}`), 400, /since must be/);
  });

  it("rejects bad history input", async () => {
    expectError(await get(`/api/clusters/${q(PLAIN)}/history?limit=0`), 400, /limit/);
    expectError(await get(`/api/clusters/${q(PLAIN)}/history?limit=abc`), 400, /limit/);
    expectError(await get(`/api/clusters/${q(PLAIN)}/history?since=tomorrow`), 400, /since/);
    expectError(await get(`/api/clusters/${q(PLAIN)}/history?verbose=1`), 400, /unknown query parameter/);
    expectError(await get(`/api/clusters/${"a".repeat(1100)}/history`), 400, /1 to 1024/);
    expectError(await get("/api/clusters/%E0%A4%A/history"), 400, /percent-encoding/);
    expectError(await get(`/api/clusters/${q("aks-nope")}/history`), 404, /unknown cluster "aks-nope"/);
  });
});

describe("GET /api/health, routing and methods", () => {
  it("is ok when the store answers", async () => {
    const r = await get("/api/health");
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ status: "ok" });
  });

  it("is 503 with a reason when the store does not answer", async () => {
    const port = await closedPort();
    const cs = inject("azuriteConnectionString").replace(/(TableEndpoint=https?:\/\/[^:/]+:)\d+/, `$1${port}`);
    expect(cs).toContain(`:${port}/`);
    const dead = TableSnapshotStore.fromConnectionString(cs, { tablePrefix: uniquePrefix() });
    const r = await route({ method: "GET", path: "/api/health", query: new URLSearchParams() }, { store: dead });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ status: "unavailable", error: { code: "store_unavailable" } });
    expect(r.body).not.toMatch(/AccountKey|Eby8vdM02xNOcqF/);
  }, 60_000);

  it("is 503 naming the store on every data route when the store does not answer, with the cause in the log", async () => {
    const port = await closedPort();
    const cs = inject("azuriteConnectionString").replace(/(TableEndpoint=https?:\/\/[^:/]+:)\d+/, `$1${port}`);
    const dead = TableSnapshotStore.fromConnectionString(cs, { tablePrefix: uniquePrefix() });
    const log: string[] = [];
    for (const path of ["/api/reports/findings", "/api/dashboard", "/api/clusters", `/api/clusters/${q(PLAIN)}/history`]) {
      const r = await route({ method: "GET", path, query: new URLSearchParams() }, { store: dead, log: (l) => log.push(l) });
      expect(r.status, path).toBe(503);
      const body = JSON.parse(r.body);
      expect(body.error.code).toBe("store_unavailable");
      expect(body.error.message).toMatch(/Table store: cannot .* in table "/);
      expect(r.body).not.toMatch(/AccountKey|Eby8vdM02xNOcqF/);
    }
    expect(log).toHaveLength(4);
    expect(log[0]).toMatch(/^GET \/api\/reports\/findings → 503: Table store: cannot /);
    expect(log.join("\n")).not.toMatch(/AccountKey|Eby8vdM02xNOcqF/);
  }, 60_000);

  it("tells a damaged document (500 store_error) from a store that does not answer or refuses us (503)", () => {
    const corrupt = errorResponse(new StoreError('Table store: document X in table "t" is unreadable: bad gzip', "t", "c", undefined, undefined, { corrupt: true }));
    expect(corrupt.status).toBe(500);
    expect(JSON.parse(corrupt.body).error).toEqual({ code: "store_error", message: 'Table store: document X in table "t" is unreadable: bad gzip' });
    for (const status of [403, 429, 503]) expect(errorResponse(new StoreError("Table store: cannot x", "t", undefined, status)).status).toBe(503);
    expect(errorResponse(new StoreError("Table store: cannot x", "t", undefined, 400)).status).toBe(500);
    expect(errorResponse(new Error("secret detail")).body).not.toContain("secret detail");
  });

  it("answers unknown routes and methods in the error shape", async () => {
    expectError(await get("/api/nothing"), 404);
    expectError(await get("/nothing"), 404);
    expectError(await get("/api/clusters/x/y/z"), 404);
    const post = await get("/api/health", { method: "POST" });
    expectError(post, 405, /read-only/);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const del = await get("/api/reports/findings", { method: "DELETE" });
    expectError(del, 405);
    expect(del.headers.get("allow")).toBe("GET, HEAD");
    // What does not exist is a 404 whatever the method.
    expectError(await get("/api/nothing", { method: "POST" }), 404);
  });

  it("matches the route's literal segments in any case, as the Functions host does, and keeps values exact", async () => {
    expect((await get("/api/Health")).json()).toEqual({ status: "ok" });
    expect((await get("/API/reports")).status).toBe(200);
    expect((await get("/Api/Reports/findings?format=csv")).type).toMatch(/^text\/csv/);
    expect((await get(`/api/CLUSTERS/${q(PLAIN)}/History`)).json().cluster).toBe(PLAIN);
    const redirect = await fetch(`${server.url}/api/Dashboard/`, { redirect: "manual" });
    expect([redirect.status, redirect.headers.get("location")]).toEqual([308, "/api/Dashboard"]);
    // A cluster name is a value: another case is another cluster.
    expectError(await get(`/api/clusters/${q(PLAIN.toUpperCase())}/history`), 404, /unknown cluster/);
  });

  it("refuses an unknown query parameter on health too, naming it", async () => {
    expectError(await get("/api/health?x=1"), 400, /^unknown query parameter "x"$/);
    expect((await get("/api/health?code=key")).status).toBe(200);
  });

  it("redirects /api/dashboard/ to /api/dashboard, keeping the query, so the page's relative report links resolve", async () => {
    for (const method of ["GET", "HEAD"]) {
      const r = await fetch(`${server.url}/api/dashboard/?cluster=${q(PLAIN)}&code=k`, { method, redirect: "manual" });
      expect(r.status, method).toBe(308);
      expect(r.headers.get("location")).toBe(`/api/dashboard?cluster=${q(PLAIN)}&code=k`);
    }
    expect((await fetch(`${server.url}/api/dashboard//`, { redirect: "manual" })).headers.get("location")).toBe("/api/dashboard");
    // A path that starts with // must not become a redirect to another host.
    const doubled = await route({ method: "GET", path: "//api/dashboard/", query: new URLSearchParams() }, { store: fleet.store });
    expect(doubled.headers.location).toBe("/api/dashboard");
    const page = await get(`/api/dashboard/?cluster=${q(PLAIN)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('href="reports/findings?');
    expect(new URL("reports/findings", `${server.url}/api/dashboard`).pathname).toBe("/api/reports/findings");
  });

  it("answers HEAD with the headers and no body", async () => {
    const r = await fetch(`${server.url}/api/reports/findings?format=csv`, { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/text\/csv/);
    expect(await r.text()).toBe("");
  });

  it("says when nothing has been evaluated yet", async () => {
    const empty = TableSnapshotStore.fromConnectionString(inject("azuriteConnectionString"), { tablePrefix: uniquePrefix() });
    await empty.init();
    const r = await route({ method: "GET", path: "/api/reports/findings", query: new URLSearchParams() }, { store: empty });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.message).toMatch(/no scan has been evaluated yet/);
    const d = await route({ method: "GET", path: "/api/dashboard", query: new URLSearchParams() }, { store: empty });
    expect(d.status).toBe(200);
    expect(d.body).toContain("No scan has been evaluated yet");
    await empty.close();
  });
});

describe("GET /api/dashboard", () => {
  it("is one self-contained page under a strict CSP that allows exactly its inline scripts", async () => {
    const r = await get("/api/dashboard");
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/html/);
    const csp = r.headers.get("content-security-policy")!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    // Nothing is fetched from anywhere: no src/href to another origin, no stylesheet or script file.
    const markup = r.text.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");
    expect(/<script[^>]+src=|<link|<img|<iframe|https?:\/\//i.exec(markup)?.[0]).toBeUndefined();
    const { createHash } = await import("node:crypto");
    const scripts = [...r.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain("Chart.js v4");
    for (const s of scripts) expect(csp).toContain(`'sha256-${createHash("sha256").update(s).digest("base64")}'`);
    const style = /<style>([\s\S]*?)<\/style>/.exec(r.text)![1]!;
    expect(csp).toContain(`'sha256-${createHash("sha256").update(style).digest("base64")}'`);
  });

  it("embeds the data so that no name can close the script or become markup", async () => {
    const html = (await get("/api/dashboard")).text;
    expect(html).not.toContain(XSS_NAME);
    expect(html).not.toContain(SCRIPT_NAME);
    const data = /<script type="application\/json" id="fleet-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toMatch(/[<>]/);
    const parsed = JSON.parse(data);
    expect(parsed.clusters.map((c: { cluster: string }) => c.cluster)).toEqual(expect.arrayContaining([XSS_NAME, SCRIPT_NAME, FORMULA_NAME]));
    const shared = parsed.subnets.find((s: { cidr: string }) => s.cidr === "10.40.0.0/13");
    expect(shared).toMatchObject({ shared: true, clusters: [XSS_NAME, PLAIN].sort() });
    expect(parsed.trend).toHaveLength(2);
    expect(parsed.trend[1].used).toBeGreaterThan(parsed.trend[0].used);
  });

  it("links a reader without JavaScript to every report as html, each answering, in the scope of the page", async () => {
    // Azure Functions' function key (?code=) travels on, or each link would answer 401 there.
    const key = "Ab1/x+Y==";
    for (const [page, suffix] of [
      ["/api/dashboard", ""],
      [`/api/dashboard?cluster=${q("aks-*")}`, `&cluster=${q("aks-*")}`],
      [`/api/dashboard?cluster=${q("aks-*")}&code=${q(key)}`, `&cluster=${q("aks-*")}&${new URLSearchParams({ code: key })}`],
    ] as const) {
      const noscript = /<noscript>([\s\S]*?)<\/noscript>/.exec((await get(page)).text)![1]!;
      const hrefs = [...noscript.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;|&#38;/g, "&"));
      expect(hrefs).toEqual([...REPORT_KINDS.keys()].map((k) => `reports/${k}?format=html${suffix}`));
      for (const href of hrefs) {
        const r = await get(new URL(href, `http://x/api/dashboard`).pathname + new URL(href, "http://x/api/").search);
        expect(r.status, href).toBe(200);
        expect(r.type).toMatch(/^text\/html/);
      }
    }
  });
});

describe("GET /api/dashboard?cluster=", () => {
  const data = (html: string) => JSON.parse(/<script type="application\/json" id="fleet-data">([\s\S]*?)<\/script>/.exec(html)![1]!);

  it("gives a page for the clusters a pattern matches, with the scope in its title as text", async () => {
    const r = await get(`/api/dashboard?cluster=${q("aks-*")}`);
    expect(r.status).toBe(200);
    const d = data(r.text);
    expect(d.scope).toBe("aks-*");
    expect(d.clusters.map((c: { cluster: string }) => c.cluster).sort()).toEqual([PLAIN, REFUSED].sort());
    for (const f of d.findings) expect([f.cluster, ...(f.clusters ?? [])].some((c: string) => c.startsWith("aks-"))).toBe(true);
    expect(r.text).toContain('clusters matching <span id="scope">aks-*</span>');
    // The findings trend is the scope's too, from the stored summaries (both scans), not the fleet's.
    const whole = data((await get("/api/dashboard")).text);
    expect(d.trend).toHaveLength(2);
    expect(d.trend[1].counts).toEqual(d.counts);
    expect(d.trend[1].counts).not.toEqual(whole.trend[1].counts);
    expect(d.trend[0].counts).not.toBeNull();
  });

  it("escapes a hostile pattern that matches, and answers 404 for one that matches nothing", async () => {
    const r = await get(`/api/dashboard?cluster=${q("<img src=x*")}`);
    expect(r.status).toBe(200);
    expect(r.text).not.toContain("<img src=x*");
    expect(data(r.text).clusters.map((c: { cluster: string }) => c.cluster)).toEqual([XSS_NAME]);
    expectError(await get(`/api/dashboard?cluster=${q("zzz-*")}`), 404, /no cluster matches "zzz-\*"/);
    expectError(await get(`/api/dashboard?cluster=a&cluster=b`), 400, /more than once/);
  });

  it("answers a browser's pattern that matches nothing with a 404 page linking to the whole fleet, a script's with the JSON error", async () => {
    const browser = { headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" } };
    const r = await get(`/api/dashboard?cluster=${q("<b>zzz-*")}&code=${q("k&y")}`, browser);
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^text\/html/);
    expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'none'/);
    expect(r.text).not.toContain("<b>zzz");
    expect(r.text).toMatch(/No cluster matches <span id="scope">&#60;b&#62;zzz-\*<\/span>/);
    expect(r.text).toContain(`href="dashboard?code=k%26y"`);
    expect(r.text).not.toMatch(/<script/i);
    // A name that is not a pattern, from a browser too; without text/html in Accept, CONTRACT.md's shape.
    expect((await get(`/api/dashboard?cluster=nomatch`, browser)).text).toContain("No cluster matches");
    expectError(await get(`/api/dashboard?cluster=nomatch`, { headers: { accept: "application/json" } }), 404, /unknown cluster "nomatch"/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
