// The dashboard in a real headless browser (Debian's chromium through playwright-core), served by
// serveApi from a store two real scans filled. Skips, saying why, when chromium is not installed.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { renderDashboard } from "../../src/http/dashboard.js";
import { DASHBOARD_LIMITS, dashboardData } from "../../src/http/dashboard-data.js";
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import type { ReportFilter } from "../../src/reports/filter.js";
import { type RunningServer, serveApi } from "../../src/http/server.js";
import { snapshot, T0, view } from "../fixtures/builders.js";
import { sameCidrFleet } from "../fixtures/same-cidr-fleet.js";
import { healthy, withWindows } from "../rules/cns-fixtures.js";
import { FORMULA_NAME, PLAIN, REFUSED, type ScannedFleet, SCRIPT_NAME, scannedFleet, XSS_NAME } from "./fleet.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = path.resolve("test-artifacts");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`dashboard browser test SKIPPED: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run installs it)`);

let fleet: ScannedFleet;
let server: RunningServer;
let context: BrowserContext;
let profile: string;
let page: Page;
/** What the page did that it must not: dialogs (alert), errors, CSP violations, requests elsewhere. */
const incidents = { dialogs: [] as string[], errors: [] as string[], requests: [] as string[] };

async function ready(p: Page): Promise<void> {
  await p.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
}

/** The dashboard of an evaluation built in the test, from a file (as a saved copy opens), to `use`. */
async function withPageOf(e: FleetEvaluation, use: (p: Page) => Promise<void>, scope: ReportFilter = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "dashboard-built-"));
  const file = path.join(dir, "dashboard.html");
  writeFileSync(file, renderDashboard(e, [], scope).html);
  const p = await context.newPage();
  try {
    await p.goto(pathToFileURL(file).href);
    await ready(p);
    await use(p);
  } finally {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of `cluster`'s drill-down, opened by its #cluster= address. */
async function detailText(p: Page, cluster: string): Promise<string> {
  await p.evaluate((c) => (location.hash = `#cluster=${encodeURIComponent(c)}`), cluster);
  await expect.poll(() => p.locator("#cluster-detail h3").textContent()).toBe(cluster);
  return (await p.locator("#cluster-detail").textContent()) ?? "";
}

/** A column of the pod-subnet tables, by subnet key: text and class, in the fleet table and in `cluster`'s drill-down. */
async function subnetColumn(p: Page, cluster: string, column: string): Promise<{ table: Record<string, { text: string; class: string }>; detail: Record<string, { text: string; class: string }> }> {
  await p.evaluate((c) => (location.hash = `#cluster=${encodeURIComponent(c)}`), cluster);
  await expect.poll(() => p.locator("#cluster-detail h3").textContent()).toBe(cluster);
  const cells = (sel: string) =>
    p.locator(sel).evaluateAll(
      (trs, title) =>
        Object.fromEntries(
          trs.map((tr) => {
            const at = [...tr.closest("table")!.querySelectorAll("thead th")].findIndex((th) => th.textContent === title);
            const td = tr.children[at]!;
            return [tr.getAttribute("data-subnet"), { text: td.textContent ?? "", class: td.className }];
          }),
        ),
      column,
    );
  return { table: await cells("#subnets tbody tr"), detail: await cells("#cluster-detail tr[data-subnet]") };
}

/** "Full by" of each pod subnet, by key, in the fleet table and in `cluster`'s drill-down. */
async function fullByCells(p: Page, cluster: string): Promise<{ table: Record<string, string>; detail: Record<string, string> }> {
  const { table, detail } = await subnetColumn(p, cluster, "Full by");
  const text = (cells: Record<string, { text: string }>) => Object.fromEntries(Object.entries(cells).map(([k, c]) => [k, c.text]));
  return { table: text(table), detail: text(detail) };
}

/** How the page is laid out at its viewport: page width, lines of CIDR and name cells, lines of each finding message. */
async function layoutOf(p: Page) {
  return p.evaluate(() => {
    // A text's line boxes: one client rect top per line.
    const lines = (e: Element) => {
      const r = document.createRange();
      r.selectNodeContents(e);
      return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
    };
    return {
      viewport: document.documentElement.clientWidth,
      pageWidth: document.documentElement.scrollWidth,
      headerWidth: document.querySelector("header")!.getBoundingClientRect().width,
      cidrLines: [...document.querySelectorAll("#subnets tbody tr > td:first-child > :first-child")].map((cidr) => [cidr.textContent, lines(cidr)]),
      nameLines: [...document.querySelectorAll("a.cl")].map((a) => [a.textContent, lines(a)]),
      messages: [...document.querySelectorAll("#findings-body tr > td:nth-child(5)")].map((td) => ({ chars: td.textContent!.length, lines: lines(td), width: Math.round(td.getBoundingClientRect().width), text: td.textContent })),
      findingsTable: { width: document.getElementById("findings-table")!.getBoundingClientRect().width, card: document.getElementById("findings")!.clientWidth },
    };
  });
}

/** Each bar of a bar chart: its label, note, and whether text of the page's --fg colour is drawn just past its end. */
async function barNotes(p: Page, id: string) {
  return p.evaluate((id) => {
    type Bar = { x: number; y: number };
    const chart = (window as unknown as { Chart: { getChart(id: string): { canvas: HTMLCanvasElement; currentDevicePixelRatio: number; data: { labels: unknown[]; datasets: Array<{ data: Array<number | null>; notes?: string[] }> }; getDatasetMeta(i: number): { data: Bar[] } } } }).Chart.getChart(id)!;
    const fg = getComputedStyle(document.documentElement).getPropertyValue("--fg").trim();
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(fg.slice(i, i + 2), 16));
    const dpr = chart.currentDevicePixelRatio;
    // Read from a copy: repeated readbacks of the page's own canvas would warn on its console.
    const copy = document.createElement("canvas");
    [copy.width, copy.height] = [chart.canvas.width, chart.canvas.height];
    const pixels = copy.getContext("2d", { willReadFrequently: true })!;
    pixels.drawImage(chart.canvas, 0, 0);
    const bars: Array<{ label: unknown; note: string; drawn: boolean }> = [];
    chart.data.datasets.forEach((ds, i) =>
      chart.getDatasetMeta(i).data.forEach((bar, j) => {
        if (ds.data[j] === null) return;
        const px = pixels.getImageData(Math.round((bar.x + 2) * dpr), Math.round((bar.y - 6) * dpr), Math.round(30 * dpr), Math.round(12 * dpr)).data;
        let near = 0;
        for (let k = 0; k < px.length; k += 4) if (px[k + 3]! > 200 && Math.abs(px[k]! - r!) + Math.abs(px[k + 1]! - g!) + Math.abs(px[k + 2]! - b!) < 60) near++;
        bars.push({ label: chart.data.labels[j], note: ds.notes?.[j] ?? "", drawn: near > 3 });
      }),
    );
    return bars;
  }, id);
}

describe.skipIf(!hasChromium)("dashboard in headless chromium", () => {
  beforeAll(async () => {
    fleet = await scannedFleet();
    server = await serveApi({ store: fleet.store }, { port: 0 });
    profile = mkdtempSync(path.join(tmpdir(), "chromium-profile-"));
    // A fresh --user-data-dir: playwright takes it as the persistent context's directory.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("dialog", (d) => {
      incidents.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("pageerror", (e) => incidents.errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") incidents.errors.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on("request", (r) => incidents.requests.push(r.url()));
    await page.goto(`${server.url}/api/dashboard`);
    await ready(page);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.close();
    await fleet?.close();
  });

  it("renders the fleet, ranked by score, with every hostile name as text", async () => {
    await expect(page.locator("h1").textContent()).resolves.toBe("AKS fleet audit");
    const ranked = await page.locator("#ranking tbody tr").evaluateAll((rows) => rows.map((r) => [r.children[1]!.textContent, Number(r.children[3]!.textContent), r.children[4]!.textContent, r.children[4]!.classList.contains("critical")]));
    expect(ranked.map((r) => r[0]).sort()).toEqual([PLAIN, XSS_NAME, SCRIPT_NAME, FORMULA_NAME, REFUSED].sort());
    // The cluster the scan could not read first, then the rest lowest score first.
    expect(ranked[0]![0]).toBe(REFUSED);
    expect(ranked[0]![2]).not.toBe("ok");
    // Only the status of a scan that failed is painted red.
    expect(ranked.map((r) => r[3])).toEqual(ranked.map((_, i) => i === 0));
    const scores = ranked.slice(1).map((r) => r[1] as number);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    expect(scores[0]).toBeLessThan(100);
    // The never-read cluster has no compliance score: N/A as report compliance says, and the caption says so.
    expect(ranked[0]![1]).toBeNaN();
    expect(await page.locator("#score-source").textContent()).toContain("compliance score (rules passed, weighted by severity); 1 cluster(s) not graded (N/A)");
    // The names are text nodes: no element was made from them, nothing ran.
    const dom = await page.evaluate(() => ({ imgs: document.querySelectorAll("img").length, scripts: document.scripts.length, text: document.body.innerText }));
    expect(dom.imgs).toBe(0);
    expect(dom.scripts).toBe(3); // Chart.js, the page script, the JSON data block
    expect(dom.text).toContain(XSS_NAME);
    expect(dom.text).toContain(SCRIPT_NAME);
    expect(dom.text).toContain(FORMULA_NAME);
    expect(incidents.dialogs).toEqual([]);
  });

  it("lists the clusters whose azure-cns is sick above the long tables, counts coloured, pods and nodes named", async () => {
    // Right after the header's counts, before the ranking.
    expect(await page.evaluate(() => document.querySelector("main")!.firstElementChild!.id)).toBe("cns-health");
    const rows = await page.locator("#cns-health tbody tr.counts").evaluateAll((trs) =>
      trs.map((tr) => ({ cluster: tr.getAttribute("data-cluster"), crash: tr.children[3]!.className, nnc: tr.children[6]!.className, pods: [...tr.nextElementSibling!.querySelectorAll(".sick-node")].map((l) => [l.textContent, l.className]) })),
    );
    // The crash-looping pod and the node without an NNC; the healthy clusters and the unread one are not listed.
    expect(rows.map((r) => r.cluster).sort()).toEqual([XSS_NAME, FORMULA_NAME].sort());
    const crash = rows.find((r) => r.cluster === XSS_NAME)!;
    expect(crash.crash).toContain("critical");
    expect(crash.pods.some(([text, cls]) => /^azure-cns-\S+ on \S+: crashloop.*CrashLoopBackOff/.test(text!) && cls!.includes("critical"))).toBe(true);
    expect(rows.find((r) => r.cluster === FORMULA_NAME)!.nnc).toContain("critical");
    expect(await page.locator("#cns-summary").textContent()).toMatch(/^2 of 4 clusters with a CNS problem/);
  });

  it("ends the score caption with a sentence on an empty fleet", async () => {
    await withPageOf(evaluate({ scanId: "s", now: T0, views: [] }), async (p) => {
      const caption = (await p.locator("#score-source").textContent()) ?? "";
      expect(caption).toMatch(/^Clusters the scan could not read first, .*not graded\.$/);
      expect(caption).not.toMatch(/;\s*\./);
    });
  });

  it("says every CNS DaemonSet converged when none is sick, and bounds the list for a large sick fleet", async () => {
    await withPageOf(evaluate({ scanId: "s", now: T0, views: [view(withWindows(healthy("win"), 2)), view(healthy("linux"))] }), async (p) => {
      expect(await p.locator("#cns-summary").textContent()).toBe("All 3 CNS DaemonSets converged, no sick pods, in 2 clusters.");
      expect(await p.locator("#cns-summary").getAttribute("class")).toBe("ok");
      expect(await p.locator("#cns-health table").count()).toBe(0);
    });
    // One DaemonSet in one cluster: singular, not "All 1 CNS DaemonSet".
    await withPageOf(evaluate({ scanId: "s", now: T0, views: [view(healthy("linux"))] }), async (p) => {
      expect(await p.locator("#cns-summary").textContent()).toBe("The CNS DaemonSet converged, no sick pods, in 1 cluster.");
    });
    const sick = Array.from({ length: 23 }, (_, i) => {
      const s = healthy(`sick-${String(i).padStart(2, "0")}`, 8);
      s.cns.pods = s.cns.pods.map((x) => ({ ...x, ready: false }));
      return view(s);
    });
    await withPageOf(evaluate({ scanId: "s", now: T0, views: sick }), async (p) => {
      expect(await p.locator("#cns-health tbody tr.counts").count()).toBe(20);
      expect(await p.locator("#cns-health").textContent()).toContain("and 3 more clusters with a CNS problem");
      const first = p.locator("#cns-health tbody tr.sick-pods").first();
      expect(await first.locator(".sick-node").count()).toBe(5);
      expect(await first.textContent()).toContain("and 3 more");
    });
  });

  it("shows subnet utilisation with the shared subnet marked as shared", async () => {
    const rows = await page.locator("#subnets tbody tr").evaluateAll((trs) => trs.map((tr) => ({ text: tr.textContent ?? "", shared: tr.classList.contains("shared-row") })));
    const shared = rows.filter((r) => r.shared);
    expect(shared).toHaveLength(1);
    expect(shared[0]!.text).toContain("10.40.0.0/13");
    expect(shared[0]!.text).toContain(XSS_NAME);
    expect(shared[0]!.text).toContain(PLAIN);
    expect(shared[0]!.text).toContain("shared by 2");
    // Forecast column, read by its header (Headroom follows it): a date or why there is none.
    const fullBy = await page.locator("#subnets tbody tr").evaluateAll((trs) =>
      trs.map((tr) => {
        const at = [...tr.closest("table")!.querySelectorAll("thead th")].findIndex((th) => th.textContent === "Full by");
        return tr.children[at]?.textContent ?? "";
      }),
    );
    expect(fullBy).toHaveLength(rows.length);
    for (const cell of fullBy) expect(cell).toMatch(/^(\d{4}-\d{2}-\d{2}|not enough history|-)$/);
  });

  it("colours every subnet bar as its table row (utilisation or finding, shared or not), marks shared by an outline, and keys the legend by meaning", async () => {
    const e = sameCidrFleet();
    // A /13 shared by two clusters at 97 %, and a /24 of one cluster at 94.4 % that CNS reports full (IPX002, critical).
    const blk = e.subnets.find((s) => s.clusters[0] === "blk")!;
    Object.assign(blk, { clusters: ["blk", "ovl-a"], used: Math.round(blk.capacity * 0.97), utilization: 0.97 });
    const dyn = e.subnets.find((s) => s.clusters[0] === "dyn-a")!;
    Object.assign(dyn, { used: 237, utilization: 237 / dyn.capacity });
    e.findings.push({ id: "x", rule: "IPX002", severity: "critical", cluster: "dyn-a", resource: `subnet/${dyn.cidr}`, message: "reported full", firstSeen: e.generatedAt, lastSeen: e.generatedAt });
    await withPageOf(e, async (p) => {
      const shown = await p.evaluate(() => {
        type Drawn = { backgroundColor: string; borderColor: string; borderWidth: number };
        const chart = (window as unknown as { Chart: { getChart(id: string): { data: { labels: Array<string | string[]>; datasets: unknown[] }; getDatasetMeta(i: number): { data: Array<{ options: Drawn }> }; legend: { legendItems: Array<{ text: string; fillStyle: string; strokeStyle: string; lineWidth: number; mark: string }> } } } }).Chart.getChart("chart-subnets")!;
        // Each bar as drawn: its options resolved, scriptable ones included.
        const drawn = chart.getDatasetMeta(0).data.map((b) => b.options);
        const bars = Object.fromEntries(chart.data.labels.map((l, i) => [Array.isArray(l) ? l[0] : l, { fill: drawn[i]!.backgroundColor, border: drawn[i]!.borderColor, width: drawn[i]!.borderWidth }]));
        const rows = [...document.querySelectorAll("#subnets tbody tr")].map((tr) => ({
          label: tr.children[0]!.textContent!,
          shared: tr.classList.contains("shared-row"),
          mark: ["critical", "warning"].find((c) => tr.querySelector(".fill")!.classList.contains(c)) ?? "ok",
        }));
        return { bars, rows, legend: chart.legend.legendItems, datasets: chart.data.datasets.length };
      });
      const legend = Object.fromEntries(shown.legend.map((l) => [l.mark, l]));
      expect(Object.keys(legend).sort()).toEqual(["critical", "ok", "shared", "warning"]);
      expect(new Set([legend.critical!.fillStyle, legend.warning!.fillStyle, legend.ok!.fillStyle]).size).toBe(3);
      expect(shown.datasets).toBe(1);
      for (const r of shown.rows) {
        const bar = shown.bars[r.label]!;
        expect(bar.fill, r.label).toBe(legend[r.mark]!.fillStyle);
        expect(bar.width, r.label).toBe(r.shared ? legend.shared!.lineWidth : 0);
        if (r.shared) expect(bar.border, r.label).toBe(legend.shared!.strokeStyle);
      }
      // The two that are about to run out are red: the shared /13 and the /24 CNS reports full.
      expect(shown.rows.filter((r) => r.mark === "critical").map((r) => [r.label, r.shared])).toEqual([
        ["10.40.0.0/13 (podsubnet)", true],
        ["10.1.0.0/24 (pods, vnet-a)", false],
      ]);
    });
  });

  it("draws every chart (canvas pixels, not just elements)", async () => {
    const painted = await page.evaluate(() =>
      ["chart-scores", "chart-subnets", "chart-trend-used", "chart-trend-findings"].map((id) => {
        const c = document.getElementById(id) as HTMLCanvasElement;
        const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return { id, width: c.width, height: c.height, painted: n, chart: Boolean((window as unknown as { Chart: { getChart(c: HTMLCanvasElement): unknown } }).Chart.getChart(c)) };
      }),
    );
    for (const c of painted) {
      expect(c.chart, c.id).toBe(true);
      expect(c.width * c.height, c.id).toBeGreaterThan(10_000);
      expect(c.painted, c.id).toBeGreaterThan(1_000);
    }
    // The trend covers both scans.
    const points = await page.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ data: unknown[] }> } } } }).Chart.getChart("chart-trend-used")!.data.datasets[0]!.data.length);
    expect(points).toBe(2);
  });

  it("plots each subnet's trend as % of its usable addresses against time, in colours no severity uses, with whole findings", async () => {
    type Scale = { type: string; min: number; max: number; options: { title: { text: string } }; ticks: Array<{ value: number; label: string }> };
    type Line = { label: string; borderColor: string; yAxisID?: string; data: Array<{ x: number; y: number | null }> };
    const shown = await page.evaluate(() => {
      const get = (id: string) => (window as unknown as { Chart: { getChart(id: string): { data: { datasets: unknown[] }; scales: Record<string, unknown>; legend: { legendItems: Array<{ fillStyle: string }> } } } }).Chart.getChart(id)!;
      const used = get("chart-trend-used");
      const findings = get("chart-trend-findings");
      return {
        data: JSON.parse(document.getElementById("fleet-data")!.textContent!),
        lines: used.data.datasets,
        scales: used.scales,
        findings: { lines: findings.data.datasets, scales: findings.scales },
        severityColours: [...findings.data.datasets.map((d) => (d as { borderColor: string }).borderColor), ...get("chart-subnets").legend.legendItems.map((l) => l.fillStyle)],
      };
    });
    const lines = shown.lines as Line[];
    const scales = shown.scales as Record<string, Scale>;
    const trend = shown.data.trend as Array<{ at: string; subnets: Record<string, number>; subnetCapacity: Record<string, number> }>;
    const followed = shown.data.trendSubnets as Array<{ key: string; label: string }>;
    expect(followed.length).toBeGreaterThan(1);
    for (const s of followed) {
      const line = lines.find((l) => l.label === s.label)!;
      expect(line.yAxisID ?? "y", s.label).toBe("y");
      expect(line.data.map((pt) => pt.x)).toEqual(trend.map((p) => Date.parse(p.at)));
      expect(line.data.map((pt) => pt.y)).toEqual(trend.map((p) => (p.subnets[s.key] === undefined ? null : (100 * p.subnets[s.key]!) / p.subnetCapacity[s.key]!)));
      expect(shown.severityColours, s.label).not.toContain(line.borderColor);
    }
    expect(new Set(followed.map((s) => lines.find((l) => l.label === s.label)!.borderColor)).size).toBe(followed.length);
    expect([scales.y!.min, scales.y!.max, scales.y!.options.title.text]).toEqual([0, 100, "% used"]);
    // The total is addresses on an axis of its own, and says it leaves out overlay pod CIDRs.
    const total = lines.find((l) => !followed.some((s) => s.label === l.label))!;
    expect(total.label).toMatch(/VNet/);
    expect(total.yAxisID).not.toBe("y");
    // Time runs to scale: the two scans seconds apart have tick labels that tell them apart, and no two ticks read the same.
    for (const sc of [scales.x!, (shown.findings.scales as Record<string, Scale>).x!]) {
      expect(sc.type).toBe("linear");
      expect(sc.min).toBeLessThanOrEqual(Date.parse(trend[0]!.at));
      expect(sc.max).toBeGreaterThanOrEqual(Date.parse(trend[trend.length - 1]!.at));
      const labels = sc.ticks.map((t) => t.label);
      expect(new Set(labels).size).toBe(labels.length);
    }
    const y = (shown.findings.scales as Record<string, Scale>).y!;
    expect(y.ticks.length).toBeGreaterThan(1);
    expect(y.ticks.every((t) => Number.isInteger(t.value))).toBe(true);
  });

  it("filters the findings table by severity, cluster, rule and text", async () => {
    const rows = () => page.locator("#findings-body tr").evaluateAll((trs) => trs.map((tr) => ({ sev: tr.getAttribute("data-severity"), rule: tr.getAttribute("data-rule"), clusters: tr.children[2]!.textContent ?? "", text: tr.textContent ?? "" })));
    const all = await rows();
    expect(all.length).toBeGreaterThan(3);
    expect(await page.locator("#findings-count").textContent()).toContain(`of ${all.length} matching`);

    await page.selectOption("#f-severity", "critical");
    const crit = await rows();
    expect(crit.length).toBeGreaterThan(0);
    expect(crit.length).toBeLessThan(all.length);
    expect(crit.every((r) => r.sev === "critical")).toBe(true);

    await page.selectOption("#f-severity", "");
    await page.selectOption("#f-cluster", XSS_NAME);
    const mine = await rows();
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.clusters.includes(XSS_NAME))).toBe(true);

    await page.selectOption("#f-cluster", "");
    await page.selectOption("#f-rule", "SCN001");
    expect((await rows()).map((r) => [r.rule, r.clusters])).toEqual([["SCN001", REFUSED]]);

    await page.selectOption("#f-rule", "");
    await page.fill("#f-text", "crashloopbackoff");
    const text = await rows();
    expect(text).toHaveLength(1);
    expect(text[0]!.text).toContain("CrashLoopBackOff");

    await page.click("#f-reset");
    expect(await rows()).toHaveLength(all.length);
  });

  it("shows why a finding is waived and until when, as the reports do, the reason as text", async () => {
    const s = healthy("sick", 2);
    s.cns.pods = s.cns.pods.map((x) => ({ ...x, ready: false }));
    const e = evaluate({ scanId: "s", now: T0, views: [view(s)] });
    const [waived, plain] = e.findings;
    waived!.waived = { reason: "<img src=x onerror=alert(1)> rollout", expires: "2027-01-31" };
    await withPageOf(e, async (p) => {
      const note = "waived: <img src=x onerror=alert(1)> rollout, until 2027-01-31";
      const row = (id: string) => p.locator(`#findings-body tr[data-rule="${id}"]`).first();
      expect(await row(waived!.rule).textContent()).toContain(note);
      expect(await row(waived!.rule).locator("td.sev").getAttribute("title")).toBe(note);
      expect(await row(waived!.rule).locator("img").count()).toBe(0);
      if (plain && plain.rule !== waived!.rule) expect(await row(plain.rule).textContent()).not.toContain("waived");
      // The cluster's drill-down shows it too.
      expect(await detailText(p, "sick")).toContain(note);
    });
  });

  it("drills down into a cluster from its name, hostile or not", async () => {
    await page.locator("#ranking tbody a.cl", { hasText: XSS_NAME }).click();
    await expect.poll(() => page.locator("#cluster-detail h3").textContent()).toBe(XSS_NAME);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#cluster=${XSS_NAME}`);
    const detail = (await page.locator("#cluster-detail").textContent()) ?? "";
    expect(detail).toContain("vnetblock");
    expect(detail).toContain("CrashLoopBackOff");
    expect(detail).toMatch(/Shared with.*aks-prod-weu-01/s);
    expect(await page.locator("#cluster-select").inputValue()).toBe(XSS_NAME);
    // From the select too; then narrow the findings table to it.
    await page.selectOption("#cluster-select", REFUSED);
    await expect.poll(() => page.locator("#cluster-detail h3").textContent()).toBe(REFUSED);
    expect(await page.locator("#cluster-detail").textContent()).toContain("unreachable");
    // No scan has read it: its counts are unknown, not 0, and it has no CNS counts of zeros.
    expect(await page.locator("#cluster-detail").textContent()).toMatch(/Nodes \/ NNCsunknown \(no scan has read it\)/);
    expect(await page.locator("#cluster-detail").textContent()).not.toContain("CNS pods");
    await page.locator("#cluster-detail button").click();
    expect(await page.locator("#f-cluster").inputValue()).toBe(REFUSED);
    // azure-cns-win is listed where Windows nodes run it, not in a Linux-only cluster.
    await page.selectOption("#cluster-select", SCRIPT_NAME);
    await expect.poll(() => page.locator("#cluster-detail h3").textContent()).toBe(SCRIPT_NAME);
    expect(await page.locator("#cluster-detail").textContent()).toMatch(/azure-cns-winDaemonSet 2\/2 ready, 2 updated/);
    // Its overlay pod CIDR's "Full by" is the fleet table's (not a bare "-" beside "not enough history").
    const overlay = await fullByCells(page, SCRIPT_NAME);
    expect(Object.keys(overlay.detail)).toHaveLength(1);
    for (const [key, text] of Object.entries(overlay.detail)) expect(text).toBe(overlay.table[key]);
    expect(Object.values(overlay.detail)).toEqual(["not enough history"]);
    await page.selectOption("#cluster-select", PLAIN);
    await expect.poll(() => page.locator("#cluster-detail h3").textContent()).toBe(PLAIN);
    expect(await page.locator("#cluster-detail").textContent()).not.toContain("azure-cns-win");
    expect(await page.locator("#findings-body tr").count()).toBe(1);
    expect(incidents.dialogs).toEqual([]);
  });

  it("drills down with the CNS facts coloured, the sick pods and nodes named, failing rules only and no Clusters column", async () => {
    const facts = async (cluster: string) => {
      await detailText(page, cluster);
      return page.locator("#cluster-detail dl.facts dd").evaluateAll((dds) => Object.fromEntries(dds.map((dd) => [dd.previousElementSibling!.textContent, [...dd.querySelectorAll(".critical")].map((e) => e.textContent)])));
    };
    const crash = await facts(XSS_NAME);
    expect(crash["CNS pods"]).toEqual([expect.stringMatching(/^\d+\/\d+ ready$/), "1 crash-looping"]);
    expect(crash["azure-cns"]).toEqual([expect.stringMatching(/^DaemonSet \d+\/\d+ ready/)]);
    expect(crash["Needing attention"]).toEqual([expect.stringMatching(/^azure-cns-\S+ on \S+: crashloop.*CrashLoopBackOff/)]);
    // The findings table names no cluster: the drill-down is about one.
    expect(await page.locator("#cluster-detail table.cluster-findings th").allTextContents()).toEqual(["Severity", "Rule", "Resource", "Message", "First seen"]);
    // The node without an NNC: its count red, the node named.
    const noNnc = await facts(FORMULA_NAME);
    expect(noNnc["Nodes without CNS pod / NNC"]).toEqual(["1"]);
    expect(noNnc["Needing attention"]!.join(" ")).toMatch(/no-nnc|no NNC/);
    // A healthy cluster: nothing red, no one named.
    const plain = await facts(PLAIN);
    expect(Object.values(plain).flat()).toEqual([]);
    expect(plain).not.toHaveProperty("Needing attention");

    // An unread cluster: its one failing rule in the table, the rest one line with their shared reason.
    await detailText(page, REFUSED);
    expect(await page.locator("#cluster-detail table.compliance-fail tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-rule")))).toEqual(["SCN001"]);
    const results = await page.evaluate((c) => (JSON.parse(document.getElementById("fleet-data")!.textContent!) as { clusters: Array<{ cluster: string; results: Array<{ status: string }> }> }).clusters.find((x) => x.cluster === c)!.results, REFUSED);
    const na = results.filter((r) => r.status === "not-applicable").length;
    expect(na).toBeGreaterThan(10);
    expect(await page.locator("#cluster-detail p.not-applicable").textContent()).toBe(`${na} rules not applicable: no good snapshot.`);
    // Different reasons: each with the rules it covers.
    await detailText(page, PLAIN);
    expect(await page.locator("#cluster-detail p.not-applicable").textContent()).toMatch(/^Not applicable: .+ \([A-Z]{3}\d{3}(, [A-Z]{3}\d{3})*\); /);
  });

  it("renders a page scoped by ?cluster= with only those clusters and their subnet lines", async () => {
    const scopedPage = await context.newPage();
    const errors: string[] = [];
    scopedPage.on("pageerror", (e) => errors.push(e.message));
    scopedPage.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    try {
      await scopedPage.goto(`${server.url}/api/dashboard?cluster=${encodeURIComponent("aks-*")}`);
      await ready(scopedPage);
      const shown = await scopedPage.evaluate(() => ({
        title: document.querySelector("h1")!.textContent,
        ranked: [...document.querySelectorAll("#ranking tbody tr")].map((r) => r.children[1]!.textContent),
        lines: (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ label: string }> } } } }).Chart.getChart("chart-trend-used")!.data.datasets.map((d) => d.label),
        subnets: [...document.querySelectorAll("#subnets tbody tr")].map((r) => r.children[0]!.textContent),
      }));
      expect(shown.title).toBe("AKS fleet audit: clusters matching aks-*");
      expect(shown.ranked.sort()).toEqual([PLAIN, REFUSED].sort());
      // Their one VNet pod subnet is the whole total: its line is shown, not hidden under a total of itself.
      expect(shown.subnets).toHaveLength(1);
      expect(shown.lines).toEqual(shown.subnets);
      expect(errors).toEqual([]);
    } finally {
      await scopedPage.close();
    }
  });

  it("draws no VNet total on a page of overlay clusters only: it would be a flat 0", async () => {
    await withPageOf(
      sameCidrFleet(),
      async (p) => {
        const lines = await p.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ label: string }> } } } }).Chart.getChart("chart-trend-used")!.data.datasets.map((d) => d.label));
        const subnets = await p.locator("#subnets tbody tr > td:first-child").allTextContents();
        expect(subnets.length).toBeGreaterThan(1);
        expect([...lines].sort()).toEqual([...subnets].sort());
      },
      { cluster: "ovl-*" },
    );
  });

  it("tells apart subnets of the same CIDR and name by VNet or overlay cluster, in the table, the chart and the trend legend", async () => {
    await withPageOf(sameCidrFleet(), async (labelled) => {
      const shown = await labelled.evaluate(() => {
        const chart = (id: string) => (window as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[]; datasets: Array<{ label: string }> } } } }).Chart.getChart(id)!.data;
        return {
          table: [...document.querySelectorAll("#subnets tbody tr")].map((r) => r.children[0]!.textContent),
          bars: chart("chart-subnets").labels,
          legend: chart("chart-trend-used").datasets.slice(1).map((d) => d.label),
        };
      });
      const labels = ["10.1.0.0/24 (pods, vnet-a)", "10.1.0.0/24 (pods, vnet-b)", "10.244.0.0/16 (overlay of ovl-a)", "10.244.0.0/16 (overlay of ovl-b)", "10.40.0.0/13 (podsubnet)"];
      expect([...shown.table].sort()).toEqual(labels);
      expect([...shown.bars].sort()).toEqual(labels);
      expect([...shown.legend].sort()).toEqual(labels);
      // The drill-down names them as the table does.
      await labelled.evaluate(() => (location.hash = "#cluster=dyn-b"));
      await expect.poll(() => labelled.locator("#cluster-detail h3").textContent()).toBe("dyn-b");
      expect(await labelled.locator("#cluster-detail tr[data-subnet] td").first().textContent()).toBe("10.1.0.0/24 (pods, vnet-b)");
    });
  });

  it("says azure-cns-win has no DaemonSet where Windows nodes with NNCs need it, as CNS001 does", async () => {
    const gone = withWindows(healthy("gone"), 2);
    gone.cns.windowsDaemonset = null;
    gone.cns.pods = gone.cns.pods.filter((p) => p.daemonset !== "azure-cns-win");
    const linux = healthy("linux");
    linux.cns.windowsDaemonset = null;
    await withPageOf(evaluate({ scanId: "s", now: T0, views: [view(gone), view(linux)] }), async (p) => {
      const detail = (cluster: string) => detailText(p, cluster);
      expect(await detail("gone")).toMatch(/azure-cns-winno DaemonSet; 2 Windows node\(s\) with an NNC need it/);
      expect(await detail("linux")).not.toContain("azure-cns-win");
    });
  });

  it("shows a bidi override in a cluster name as an escape, in the ranking, the drill-down and the chart, while its link keeps the real name", async () => {
    const tricky = "aks-\u202Eduorp\u202C-weu";
    await withPageOf(evaluate({ scanId: "s", now: T0, views: [view(healthy(tricky)), view(healthy("aks-plain-🚀"))] }), async (p) => {
      const ranked = await p.locator("#ranking tbody a.cl").evaluateAll((as) => as.map((a) => [a.textContent, decodeURIComponent(a.getAttribute("href")!.slice("#cluster=".length))]));
      expect(ranked).toContainEqual(["aks-\\u202eduorp\\u202c-weu", tricky]);
      expect(ranked).toContainEqual(["aks-plain-🚀", "aks-plain-🚀"]);
      await p.evaluate((c) => (location.hash = `#cluster=${encodeURIComponent(c)}`), tricky);
      await expect.poll(() => p.locator("#cluster-detail h3").textContent()).toBe("aks-\\u202eduorp\\u202c-weu");
      const text = await p.evaluate(() => document.body.innerText);
      expect(text.split("\n").filter((l) => /[\u202a-\u202e\u2066-\u2069]/.test(l))).toEqual([]);
    });
  });

  it("says why a cluster no scan has read has no counts, by its status: not CNS, stopped, or a failed scan", async () => {
    const views = [view(healthy("ok")), ...(["not-cns", "stopped", "unreachable"] as const).map((st) => view(snapshot(st, {}, st)))];
    await withPageOf(evaluate({ scanId: "s", now: T0, views }), async (p) => {
      const detail = (cluster: string) => detailText(p, cluster);
      expect(await detail("not-cns")).toMatch(/Nodes \/ NNCsnot collected: no NodeNetworkConfig API \(not CNS\)/);
      expect(await detail("stopped")).toMatch(/Nodes \/ NNCsstopped in ARM: not scanned/);
      expect(await detail("unreachable")).toMatch(/Nodes \/ NNCsunknown \(no scan has read it\)/);
      expect(await detail("ok")).toMatch(/Nodes \/ NNCs3 \/ 3/);
    });
  });

  it("shows a cluster no rule could judge as N/A, muted and without a bar, as report compliance does: unreadable first, then graded, then not graded", async () => {
    const views = [view(healthy("ok")), ...(["not-cns", "stopped", "unreachable"] as const).map((st) => view(snapshot(st, {}, st)))];
    await withPageOf(evaluate({ scanId: "s", now: T0, views }), async (p) => {
      const rows = await p.locator("#ranking tbody tr").evaluateAll((trs) =>
        trs.map((tr) => ({ cluster: tr.getAttribute("data-cluster"), grade: tr.children[2]!.textContent, muted: tr.children[2]!.classList.contains("muted"), score: tr.children[3]!.textContent, bars: tr.children[3]!.querySelectorAll(".bar").length })),
      );
      expect(rows.map((r) => r.cluster)).toEqual(["unreachable", "ok", "not-cns", "stopped"]);
      for (const r of rows) expect([r.cluster, r.grade === "N/A", r.muted, r.score === "-", r.bars]).toEqual(r.cluster === "ok" ? ["ok", false, false, false, 1] : [r.cluster, true, true, true, 0]);
      const chart = await p.evaluate(() => {
        const c = (window as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ data: Array<number | null> }> }; options: { scales: { x: { title: { display: boolean; text: string } } } } } } }).Chart.getChart("chart-scores")!;
        return { labels: c.data.labels, data: c.data.datasets[0]!.data, x: c.options.scales.x.title };
      });
      expect(chart.labels).toEqual(["unreachable (N/A)", "ok", "not-cns (N/A)", "stopped (N/A)"]);
      expect(chart.data.map((v) => v === null)).toEqual([true, false, true, true]);
      expect(chart.x).toMatchObject({ display: true, text: expect.stringMatching(/^Score/) });
      expect(await p.locator("#score-source").textContent()).toMatch(/then those not graded; compliance score .*; 3 cluster\(s\) not graded \(N\/A\)/);
      expect(await detailText(p, "not-cns")).toMatch(/ScoreN\/A \(not graded/);
    });
  });

  it("keeps a big fleet usable: says when a chart is capped, collapses a long shared-by list, filters the ranking by name", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `aks-blk-${String(i + 1).padStart(3, "0")}`);
    const e = evaluate({ scanId: "s", now: T0, views: names.map((n) => view(healthy(n, 1))) });
    const one = (i: number) => ({ key: `k${i}`, cidr: `10.${100 + i}.0.0/24`, mode: "dynamic" as const, clusters: [names[i % names.length]!], capacity: 251, used: 100 + i, utilization: (100 + i) / 251, forecastExhaustionAt: null });
    e.subnets = [{ key: "shared", cidr: "10.40.0.0/13", name: "podsubnet", mode: "vnetblock", clusters: names, capacity: 524283, used: 400_000, utilization: 400_000 / 524283, forecastExhaustionAt: null }, ...Array.from({ length: 45 }, (_, i) => one(i))];
    await withPageOf(e, async (p) => {
      expect(await p.locator("#chart-scores-note").textContent()).toMatch(/first 30 of 40 clusters/);
      expect(await p.locator("#chart-subnets-note").textContent()).toMatch(/first 40 of 46 pod subnets/);
      // The shared /13: five names, the rest behind "and 35 more", every one a link once opened.
      const cell = p.locator('#subnets tr[data-subnet="shared"] td').nth(2);
      expect(await cell.locator("a.cl:visible").count()).toBe(5);
      expect(await cell.locator("summary").textContent()).toBe("and 35 more");
      expect((await cell.boundingBox())!.height).toBeLessThan(250);
      await cell.locator("summary").click();
      expect(await cell.locator("a.cl:visible").count()).toBe(40);
      // Its chart label fits beside the chart instead of listing 40 names.
      const label = await p.evaluate(() => (window as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[] } } } }).Chart.getChart("chart-subnets")!.data.labels[0]);
      expect(label).toEqual(["10.40.0.0/13 (podsubnet)", "shared by 40 clusters"]);
      // The ranking narrows to the names that contain the text, keeping each row's rank.
      await p.fill("#ranking-filter", "BLK-01");
      const shown = await p.locator("#ranking tbody tr:visible").evaluateAll((trs) => trs.map((tr) => [tr.children[0]!.textContent, tr.getAttribute("data-cluster")]));
      expect(shown.map((r) => r[1])).toEqual(names.filter((n) => n.includes("blk-01")));
      expect(shown.map((r) => r[0])).not.toEqual(shown.map((_, i) => String(i + 1)));
      expect(await p.locator("#ranking-count").textContent()).toBe(`${shown.length} of 40 clusters`);
      await p.fill("#ranking-filter", "");
      expect(await p.locator("#ranking tbody tr:visible").count()).toBe(40);
    });
  });

  it("says when the page carries only the first findings: the scan's total, a cluster's own total in its drill-down, and rules found only past the cut", async () => {
    const e = evaluate({ scanId: "s", now: T0, views: ["a", "b"].map((n) => view(healthy(n, 1))) });
    const at = T0.toISOString();
    const f = (cluster: string, i: number, rule: string, severity: "critical" | "warning") => ({ id: `${rule}-${cluster}-${i}`, rule, severity, cluster, resource: `nnc/n${i}`, message: `m${i}`, firstSeen: at, lastSeen: at });
    // Most severe first, as stored: b's six warnings fall past the page's cut.
    const carried = DASHBOARD_LIMITS.findings;
    e.findings = [...Array.from({ length: carried }, (_, i) => f("a", i, "CNS002", "critical")), ...Array.from({ length: 6 }, (_, i) => f("b", i, "NNC002", "warning"))];
    await withPageOf(e, async (p) => {
      expect(await p.locator("#findings-count").textContent()).toMatch(new RegExp(`\\(${carried + 6} in this scan; the page carries the first ${carried}`));
      expect(await p.locator("#f-rule option").allTextContents()).toContain("NNC002 (not on this page)");
      const detail = await detailText(p, "b");
      expect(detail).toContain("Findings (6)");
      expect(detail).toContain("Showing 0 of 6 (fleet-audit report findings --cluster b lists all).");
      expect(await detailText(p, "a")).toContain(`Showing 500 of ${carried} (fleet-audit report findings --cluster a lists all).`);
    });
  });

  it("shows utilisation rounded down, as the reports do: 94.995 % is 94.9 %, below the critical band it is not in", async () => {
    const e = evaluate({ scanId: "s", now: T0, views: [view(healthy("a", 1))] });
    e.subnets = [{ key: "k", cidr: "10.242.0.0/22", mode: "dynamic", clusters: ["a"], capacity: 1019, used: 968, utilization: 968 / 1019, forecastExhaustionAt: null }];
    await withPageOf(e, async (p) => {
      expect(await p.locator('#subnets tr[data-subnet="k"] .util').textContent()).toBe("94.9%");
    });
  });

  it("takes keyboard and Back navigation to the drill-down: focus on its heading, the open cluster again, an empty hash clears it", async () => {
    const views = ["aks-a", "aks-b", "aks-c"].map((n) => view(healthy(n)));
    await withPageOf(evaluate({ scanId: "s", now: T0, views }), async (p) => {
      const focused = () => p.evaluate(() => ({ tag: document.activeElement!.tagName, text: document.activeElement!.textContent, inDrillDown: Boolean(document.activeElement!.closest("#cluster")) }));
      const inView = () => p.locator("#cluster-detail h3").evaluate((e) => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; });
      expect(await p.locator("#cluster").evaluate((e) => e.getBoundingClientRect().top > innerHeight)).toBe(true);
      // Enter on a ranking link: the drill-down opens, in view, and holds the focus; Tab stays in it.
      await p.locator("#ranking tbody a.cl", { hasText: "aks-b" }).focus();
      await p.keyboard.press("Enter");
      await expect.poll(() => p.locator("#cluster-detail h3").textContent()).toBe("aks-b");
      await expect.poll(focused).toEqual({ tag: "H3", text: "aks-b", inDrillDown: true });
      expect(await inView()).toBe(true);
      await p.keyboard.press("Tab");
      expect((await focused()).inDrillDown).toBe(true);
      // The cluster already open, clicked again from the top of the page: there again.
      await p.evaluate(() => scrollTo(0, 0));
      expect(await inView()).toBe(false);
      await p.locator("#ranking tbody a.cl", { hasText: "aks-b" }).click();
      await expect.poll(inView).toBe(true);
      expect(await focused()).toMatchObject({ tag: "H3", text: "aks-b" });
      // Back to the address without a hash: no cluster open, the select says so.
      await p.evaluate(() => history.back());
      await expect.poll(() => p.locator("#cluster-detail h3").count()).toBe(0);
      expect(await p.locator("#cluster-select").inputValue()).toBe("");
      expect(await p.locator("#cluster-detail").textContent()).toContain("Choose a cluster");
    });
  });

  it("opens the drill-down of the one cluster a scoped page shows", async () => {
    const views = ["aks-a", "aks-b"].map((n) => view(healthy(n)));
    await withPageOf(evaluate({ scanId: "s", now: T0, views }), async (p) => {
      expect(await p.locator("#cluster-detail h3").allTextContents()).toEqual(["aks-b"]);
      expect(await p.locator("#cluster-select").inputValue()).toBe("aks-b");
    }, { cluster: "aks-b" });
  });

  it("says Full by in a cluster's drill-down as the fleet table does: not enough history, already full, a date", async () => {
    const e = sameCidrFleet();
    const full = e.subnets.find((s) => s.clusters[0] === "ovl-b")!;
    Object.assign(full, { used: full.capacity, utilization: 1, forecastExhaustionAt: e.generatedAt, forecastNote: "already full" });
    Object.assign(e.subnets.find((s) => s.clusters[0] === "blk")!, { forecastExhaustionAt: "2026-12-24T10:00:00.000Z" });
    delete e.subnets.find((s) => s.clusters[0] === "blk")!.forecastNote;
    await withPageOf(e, async (p) => {
      const expected = { "ovl-a": "not enough history", "ovl-b": "already full", blk: "2026-12-24" };
      for (const [cluster, text] of Object.entries(expected)) {
        const { table, detail } = await fullByCells(p, cluster);
        const key = e.subnets.find((s) => s.clusters[0] === cluster)!.key;
        expect(detail, cluster).toEqual({ [key]: text });
        expect(table[key], cluster).toBe(text);
      }
    });
  });

  it("shows each subnet's headroom in the CLI's words, short now red and short at max orange; already full red, a date orange only within IPX004's horizon", async () => {
    const e = sameCidrFleet();
    const of = (cluster: string) => e.subnets.find((s) => s.clusters[0] === cluster)!;
    Object.assign(of("dyn-a"), { headroom: "exceeds-now", room: 251, projectedNow: 279, projectedAtMax: 343, forecastExhaustionAt: e.generatedAt, forecastNote: "already full" });
    Object.assign(of("dyn-b"), { headroom: "exceeds-at-max", room: 251, projectedNow: 200, projectedAtMax: 300, forecastExhaustionAt: "2026-12-01T10:00:00.000Z", forecastNote: undefined });
    Object.assign(of("blk"), { headroom: "fits", room: 524283, projectedAtMax: 4096, forecastExhaustionAt: "2027-06-01T10:00:00.000Z", forecastNote: undefined });
    // IPX004 warns about dyn-b's date (within its 14 days); blk's is months away: no finding, no colour.
    e.findings.push({ id: "f", rule: "IPX004", severity: "warning", cluster: "dyn-b", resource: `subnet/${of("dyn-b").cidr}`, message: "full soon", firstSeen: e.generatedAt, lastSeen: e.generatedAt });
    const words = new Map(dashboardData(e, []).subnets.map((s) => [s.key, s.headroomText]));
    await withPageOf(e, async (p) => {
      const colour = (c: { class: string }) => ["critical", "warning"].find((x) => c.class.split(" ").includes(x)) ?? "none";
      const expected = { "dyn-a": ["critical", "critical"], "dyn-b": ["warning", "warning"], blk: ["none", "none"], "ovl-a": ["none", "none"] };
      for (const [cluster, [headroom, fullBy]] of Object.entries(expected)) {
        const key = of(cluster).key;
        const h = await subnetColumn(p, cluster, "Headroom");
        const f = await subnetColumn(p, cluster, "Full by");
        expect(h.table[key]!.text, cluster).toBe(words.get(key));
        expect(h.detail[key], cluster).toEqual(h.table[key]);
        expect(colour(h.table[key]!), cluster).toBe(headroom);
        expect(colour(f.table[key]!), cluster).toBe(fullBy);
        expect(f.detail[key], cluster).toEqual(f.table[key]);
      }
      expect((await subnetColumn(p, "ovl-a", "Headroom")).table[of("ovl-a").key]!.text).toBe("unknown (no ARM pool data)");
    });
  });

  it("works offline from a saved copy, under the page's own CSP", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "dashboard-file-"));
    const file = path.join(dir, "dashboard.html");
    writeFileSync(file, await (await fetch(`${server.url}/api/dashboard`)).text());
    const offline = await context.newPage();
    const errors: string[] = [];
    offline.on("pageerror", (e) => errors.push(e.message));
    offline.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await context.setOffline(true);
    try {
      await offline.goto(pathToFileURL(file).href);
      await ready(offline);
      const painted = await offline.evaluate(() => {
        const c = document.getElementById("chart-scores") as HTMLCanvasElement;
        const { data } = c.getContext("2d")!.getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
        return n;
      });
      expect(painted).toBeGreaterThan(1_000);
      expect(errors).toEqual([]);
    } finally {
      await context.setOffline(false);
      await offline.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers a cluster pattern that matches nothing with a page saying so and a link to the whole fleet", async () => {
    const lost = await context.newPage();
    const errors: string[] = [];
    lost.on("pageerror", (e) => errors.push(e.message));
    // Chromium logs the page's own 404 as a failed load; anything else would be the page's fault.
    lost.on("console", (m) => m.type() === "error" && !/status of 404/.test(m.text()) && errors.push(m.text()));
    try {
      const r = await lost.goto(`${server.url}/api/dashboard?cluster=nomatch`);
      expect(r!.status()).toBe(404);
      expect(await lost.locator("h2").textContent()).toBe("No cluster matches nomatch");
      await lost.locator("#whole-fleet").click();
      await ready(lost);
      expect(new URL(lost.url()).search).toBe("");
      expect(await lost.locator("#ranking tbody tr").count()).toBeGreaterThan(1);
      expect(errors).toEqual([]);
    } finally {
      await lost.close();
    }
  });

  it("fits a 390 px phone and a desktop: no sideways page scroll, wide tables scroll in their card, CIDRs and names on one line", async () => {
    const phone = await context.newPage();
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      await phone.goto(`${server.url}/api/dashboard`);
      await ready(phone);
      for (const shown of [await layoutOf(phone), await layoutOf(page)]) {
        expect(shown.pageWidth, `page width at ${shown.viewport}`).toBeLessThanOrEqual(shown.viewport);
        expect(shown.headerWidth).toBe(shown.viewport);
        expect(shown.cidrLines.length).toBeGreaterThan(0);
        for (const [cidr, n] of shown.cidrLines) expect(n, `${cidr} at ${shown.viewport}`).toBe(1);
        for (const [name, n] of shown.nameLines) expect(n, `${name} at ${shown.viewport}`).toBe(1);
        // A message wraps at words in a column wide enough to read: 30 characters a line or more.
        for (const m of shown.messages) expect(m.lines, `${JSON.stringify(m)} at ${shown.viewport}`).toBeLessThanOrEqual(Math.ceil(m.chars / 30));
      }
      // On the phone the findings table is wider than its card and scrolls there, not the page.
      const onPhone = await layoutOf(phone);
      expect(onPhone.findingsTable.width).toBeGreaterThan(onPhone.findingsTable.card);
    } finally {
      await phone.close();
    }
  });

  it("says severity in more than colour: grades and bands written at the bars, a shape and a dash a severity", async () => {
    // Each score bar carries its cluster's grade, as the ranking table has it.
    const grades = await page.locator("#ranking tbody tr").evaluateAll((trs) => Object.fromEntries(trs.map((tr) => [tr.children[1]!.textContent, tr.children[2]!.textContent])));
    const scores = await barNotes(page, "chart-scores");
    expect(scores.length).toBeGreaterThan(1);
    for (const bar of scores) expect(bar, String(bar.label)).toEqual({ label: bar.label, note: grades[bar.label as string], drawn: true });
    const trend = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ label: string; pointStyle: string; borderDash: number[] }> }; options: { plugins: { legend: { labels: { usePointStyle: boolean } } } } } } }).Chart.getChart("chart-trend-findings")!;
      return { marks: chart.data.datasets.map((d) => `${d.pointStyle} ${JSON.stringify(d.borderDash)}`), legendShapes: chart.options.plugins.legend.labels.usePointStyle };
    });
    expect(new Set(trend.marks).size).toBe(3);
    expect(trend.legendShapes).toBe(true);
    // A subnet bar in a severity band says so in words, as the table's bar says it in colour.
    const e = sameCidrFleet();
    Object.assign(e.subnets.find((s) => s.clusters[0] === "blk")!, { utilization: 0.97 });
    await withPageOf(e, async (p) => {
      const band = await p.locator("#subnets tbody tr").evaluateAll((trs) => Object.fromEntries(trs.map((tr) => [tr.children[0]!.textContent, ["critical", "warning"].find((c) => tr.querySelector(`.fill.${c}`)) ?? ""])));
      const bars = await barNotes(p, "chart-subnets");
      expect(new Set(bars.map((b) => b.note))).toEqual(new Set(["critical", "warning", ""]));
      for (const bar of bars) expect(bar, String(bar.label)).toEqual({ label: bar.label, note: band[String(bar.label)], drawn: bar.note !== "" });
    });
  });

  it("follows a dark system theme, as the linked html reports do, charts included, and switches with it", async () => {
    const dark = await context.newPage();
    try {
      await dark.emulateMedia({ colorScheme: "dark" });
      await dark.goto(`${server.url}/api/dashboard`);
      await ready(dark);
      type Charts = { Chart: { getChart(id: string): { options: { scales: { x: { ticks: { color: string }; grid: { color: string } } }; plugins: { legend: { labels: { color: string } } } }; legend: { legendItems: Array<{ fontColor: string; mark?: string; fillStyle: string; strokeStyle: string }> }; data: { datasets: Array<{ borderWidth: number[] }> }; getDatasetMeta(i: number): { data: Array<{ options: { borderColor: string } }> } } } };
      const theme = () =>
        dark.evaluate(() => {
          const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
          const chart = (id: string) => (window as unknown as Charts).Chart.getChart(id)!.options;
          const legendText = (id: string) => [...new Set((window as unknown as Charts).Chart.getChart(id)!.legend.legendItems.map((i) => i.fontColor))];
          const card = getComputedStyle(document.querySelector(".card")!);
          // The shared subnets' outlines as drawn, and the legend's swatch for them.
          const subnets = (window as unknown as Charts).Chart.getChart("chart-subnets")!;
          const outlines = subnets.getDatasetMeta(0).data.filter((_, i) => subnets.data.datasets[0]!.borderWidth[i]! > 0).map((b) => b.options.borderColor);
          const swatch = subnets.legend.legendItems.find((i) => i.mark === "shared")!;
          return {
            page: { text: getComputedStyle(document.body).color, card: card.backgroundColor },
            css: { muted: css("--muted"), line: css("--line"), fg: css("--fg"), card: css("--card") },
            shared: { outlines: [...new Set(outlines)], swatch: { fill: swatch.fillStyle, stroke: swatch.strokeStyle } },
            charts: ["chart-scores", "chart-subnets", "chart-trend-findings"].map((id) => ({ ticks: chart(id).scales.x.ticks.color, grid: chart(id).scales.x.grid.color, legend: chart(id).plugins.legend.labels.color })),
            // The legends' text as drawn, the subnet chart's own entries included.
            legendText: ["chart-subnets", "chart-trend-used", "chart-trend-findings"].flatMap(legendText),
          };
        });
      const light = (rgb: string) => rgb.match(/\d+/g)!.slice(0, 3).reduce((a, v) => a + Number(v), 0) / 3 > 127;
      const inDark = await theme();
      expect(light(inDark.page.text)).toBe(true);
      expect(light(inDark.page.card)).toBe(false);
      for (const c of inDark.charts) expect(c).toEqual({ ticks: inDark.css.muted, grid: inDark.css.line, legend: inDark.css.muted });
      expect(new Set(inDark.legendText)).toEqual(new Set([inDark.css.muted]));
      expect(inDark.shared).toEqual({ outlines: [inDark.css.fg], swatch: { fill: inDark.css.card, stroke: inDark.css.fg } });
      // A report link opens in the same theme: the same text colour.
      const report = await context.newPage();
      try {
        await report.emulateMedia({ colorScheme: "dark" });
        await report.goto(`${server.url}/api/reports/findings?format=html`);
        expect(await report.evaluate(() => getComputedStyle(document.body).color)).toBe(inDark.page.text);
      } finally {
        await report.close();
      }
      // The system switches to light with the page open: the page and its charts follow.
      await dark.emulateMedia({ colorScheme: "light" });
      await expect.poll(async () => (await theme()).charts[0]!.ticks).not.toBe(inDark.css.muted);
      const inLight = await theme();
      expect(light(inLight.page.card)).toBe(true);
      for (const c of inLight.charts) expect(c).toEqual({ ticks: inLight.css.muted, grid: inLight.css.line, legend: inLight.css.muted });
      expect(new Set(inLight.legendText)).toEqual(new Set([inLight.css.muted]));
      // The shared subnets' outline and its swatch switch too: never dark on dark or a white block.
      expect(inLight.shared).toEqual({ outlines: [inLight.css.fg], swatch: { fill: inLight.css.card, stroke: inLight.css.fg } });
    } finally {
      await dark.close();
    }
  });

  it("ran without errors or CSP violations and fetched nothing but itself; screenshot saved", async () => {
    await page.goto(`${server.url}/api/dashboard`);
    await ready(page);
    const violations = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let n = 0;
          document.addEventListener("securitypolicyviolation", () => n++);
          // Anything the CSP blocks is reported as the page runs; give it a tick.
          setTimeout(() => resolve(n), 200);
        }),
    );
    expect(violations).toBe(0);
    expect(incidents.errors).toEqual([]);
    const origin = new URL(server.url).origin;
    expect(incidents.requests.filter((u) => !u.startsWith(`${origin}/api/dashboard`))).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, "dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
  });
});
