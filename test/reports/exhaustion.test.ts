// The exhaustion report (CONTRACT.md) from a real evaluation, in every text format: exact numbers,
// headroom "unknown" until ARM data is there, a forecast or "not enough history".
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { dashboardData } from "../../src/http/dashboard-data.js";
import { type EvaluationSummary, summarizeEvaluation } from "../../src/model/evaluation.js";
import type { ArmCluster } from "../../src/model/snapshot.js";
import { renderReport } from "../../src/reports/render.js";
import { exhaustionReport } from "../../src/reports/kinds/exhaustion.js";
import { reportRequest } from "../../src/reports/stored.js";
import { snapshot, T0, view } from "../fixtures/builders.js";
import { sameCidrFleet } from "../fixtures/same-cidr-fleet.js";
import { blockNnc, dynNnc, nodesFor, overlayNnc } from "../rules/ipam-fixtures.js";

const arm: ArmCluster = {
  id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/dyn",
  name: "dyn",
  subscriptionId: "s",
  resourceGroup: "rg",
  aad: false,
  pools: [{ name: "np1", count: 2, maxCount: 3, enableAutoScaling: true, maxPods: 30, maxSurge: "1", podSubnetID: "/subscriptions/sub-1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/pods" }],
};

function fleet() {
  const blk = [blockNnc("b1", "10.40.0.0"), blockNnc("b2", "10.40.1.0")];
  const dyn = [dynNnc("d1", { first: "10.1.0.4", held: 32, requested: 32 })];
  const ovl = [overlayNnc("o1", "10.244.0.0/24", "10.244.0.0/22")];
  const views = [
    view(snapshot("blk", { nncs: blk, nodes: nodesFor(blk) })),
    view(snapshot("dyn", { nncs: dyn, nodes: nodesFor(dyn), arm })),
    view(snapshot("ovl", { nncs: ovl, nodes: nodesFor(ovl) })),
  ];
  return evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views });
}

describe("exhaustion report", () => {
  const e = fleet();

  it("has the CONTRACT.md JSON shape with exact used/capacity", () => {
    const doc = renderReport("exhaustion", e, {}, "json").doc as { subnets: Array<Record<string, unknown>>; clusters: Array<Record<string, unknown>> };
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    expect(json).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(Date.parse(json.generatedAt)).toBe(T0.getTime());
    const by = (cidr: string) => json.subnets.find((s: { cidr: string }) => s.cidr === cidr);
    for (const s of json.subnets) {
      for (const k of ["cidr", "mode", "clusters", "capacity", "used", "utilization", "forecastExhaustionAt"]) expect(s, k).toHaveProperty(k);
    }
    expect(by("10.40.0.0/13")).toMatchObject({ mode: "vnetblock", clusters: ["blk"], capacity: 524283, used: 512, utilization: 512 / 524283, forecastExhaustionAt: null, headroom: "unknown" });
    expect(by("10.40.0.0/13").headroomNote).toMatch(/^unknown: .*no ARM data/);
    expect(by("10.40.0.0/13").forecastNote).toMatch(/^not enough history/);
    // Dynamic, ARM known: 3 max + 1 surge nodes × 49 addresses = 196 of 251 fits.
    expect(by("10.1.0.0/24")).toMatchObject({ mode: "dynamic", capacity: 251, used: 33, headroom: "fits", projectedAtMax: 196 });
    expect(by("10.244.0.0/22")).toMatchObject({ mode: "overlay", capacity: 1024, used: 256, headroom: "unknown" });
    expect(json.clusters).toEqual([
      expect.objectContaining({ cluster: "blk", status: "ok", mode: "vnetblock", nodes: 2, nncs: 2, requestedIPs: 500, assignedIPs: 510 }),
      expect.objectContaining({ cluster: "dyn", status: "ok", mode: "dynamic", nodes: 1, nncs: 1, requestedIPs: 32, assignedIPs: 32 }),
      expect.objectContaining({ cluster: "ovl", status: "ok", mode: "overlay", nodes: 1, nncs: 1, requestedIPs: 0, assignedIPs: 256 }),
    ]);
  });

  it("says unknown headroom, never ok, in table, csv and md", () => {
    const table = renderReport("exhaustion", e, {}, "table").body;
    expect(table).toMatch(/SUBNET\s+MODE\s+CLUSTERS\s+USED\s+CAPACITY\s+UTIL\s+FULL BY\s+HEADROOM/);
    expect(table).toMatch(/10\.40\.0\.0\/13 \(podsubnet\)\s+vnetblock\s+blk\s+512\s+524283\s+0\.0%\s+not enough history\s+unknown \(no ARM pool data\)/);
    expect(table).toMatch(/10\.1\.0\.0\/24 \(pods\)\s+dynamic\s+dyn\s+33\s+251\s+13\.1%\s+not enough history\s+fits \(196 of 251 at max\)/);
    const csv = renderReport("exhaustion", e, {}, "csv").body;
    expect(csv.split("\r\n")[0]).toBe("subnet,mode,clusters,used,capacity,util,full_by,headroom");
    // CSV keeps numbers raw for spreadsheets.
    expect(csv).toContain(`10.40.0.0/13 (podsubnet),vnetblock,blk,512,524283,${512 / 524283},not enough history,unknown (no ARM pool data)`);
    const md = renderReport("exhaustion", e, {}, "md").body;
    expect(md).toContain("| 10.244.0.0/22 | overlay | ovl | 256 | 1024 | 25.0% | not enough history | unknown (no ARM pool data) |");
    expect(`${table}${csv}${md}`).not.toMatch(/\bok\b.*headroom|headroom.*\bok\b/i);
    // Text formats list the fullest subnet first; the JSON keeps the evaluation's order.
    const rows = csv.split("\r\n\r\n")[0]!.split("\r\n").slice(1).map((l) => l.split(",")[0]);
    expect(rows).toEqual(["10.244.0.0/22", "10.1.0.0/24 (pods)", "10.40.0.0/13 (podsubnet)"]);
    expect((renderReport("exhaustion", e, {}, "json").doc as { subnets: Array<{ key: string }> }).subnets.map((s) => s.key)).toEqual(e.subnets.map((s) => s.key));
  });

  it("shows utilisation rounded down, so no shown percent reaches a threshold the rules did not: 79.98 % is 79.9 %", () => {
    // /22 → 1019 usable: 815 held is 79.98 % (no finding), 968 is 94.995 % (a warning, not critical).
    const at = (held: number) => {
      const nncs = [dynNnc("n1", { first: "10.242.0.4", held: held - 1, cidr: "10.242.0.0/22" })];
      const ev = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views: [view(snapshot("a", { nncs, nodes: nodesFor(nncs) }))] });
      return /\| (\d+\.\d%) \|/.exec(renderReport("exhaustion", ev, {}, "md", { table: "subnets" }).body)?.[1];
    };
    expect([at(815), at(968), at(816)]).toEqual(["79.9%", "94.9%", "80.0%"]);
  });

  it("treats a stored evaluation without headroom as unknown", () => {
    const old = { ...e, subnets: e.subnets.map(({ headroom: _h, headroomNote: _n, projectedAtMax: _p, ...s }) => s) };
    const json = JSON.parse(renderReport("exhaustion", old, {}, "json").body);
    expect(json.subnets.every((s: { headroom: string }) => s.headroom === "unknown")).toBe(true);
    expect(renderReport("exhaustion", old, {}, "table").body).toContain("unknown (no ARM pool data)");
  });

  it("shows the counts of a cluster no scan has read as unknown, also from an evaluation stored before rows said so", () => {
    const LATER = new Date(T0.getTime() + 3_600_000);
    const blk = [blockNnc("b1", "10.40.0.0")];
    const good = snapshot("stale", { nncs: blk, nodes: nodesFor(blk) });
    const failed = (name: string) => snapshot(name, { takenAt: LATER.toISOString() }, "unreachable");
    const withDown = evaluate({ scanId: "20261128T050000000Z-abcd", now: LATER, views: [view(good, failed("stale")), view(failed("never"))] });
    const older = { ...withDown, clusters: withDown.clusters.map(({ lastOkAt: _l, ...c }) => c) };
    for (const ev of [withDown, older]) {
      const json = JSON.parse(renderReport("exhaustion", ev, {}, "json").body);
      // CONTRACT.md types the counts as numbers: 0 stays in JSON, and lastOkAt null says it is no count.
      expect(json.clusters).toEqual([
        expect.objectContaining({ cluster: "never", status: "unreachable", nodes: 0, nncs: 0, requestedIPs: 0, assignedIPs: 0, lastOkAt: null }),
        expect.objectContaining({ cluster: "stale", status: "unreachable", nodes: 1, nncs: 1, requestedIPs: 250, lastOkAt: T0.toISOString() }),
      ]);
      const csv = renderReport("exhaustion", ev, {}, "csv", { table: "clusters" }).body.split("\r\n");
      expect(csv).toContain("never,unreachable,-,-,-,-,-,");
      // The last good snapshot's counts, saying from when.
      expect(csv).toContain(`stale,unreachable,vnetblock,1,1,250,255,${T0.toISOString()}`);
      expect(renderReport("exhaustion", ev, {}, "table").body).toMatch(/never\s+unreachable\s+-\s+-\s+-\s+-\s+-/);
    }
  });

  it("filters subnets and clusters by cluster", () => {
    const json = JSON.parse(renderReport("exhaustion", e, { cluster: "dyn" }, "json").body);
    expect(json.subnets.map((s: { cidr: string }) => s.cidr)).toEqual(["10.1.0.0/24"]);
    expect(json.clusters.map((c: { cluster: string }) => c.cluster)).toEqual(["dyn"]);
  });
});

describe("exhaustion report headroom agrees with IPX003", () => {
  const podSubnet = (name: string) => `/subscriptions/sub-1/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-1/subnets/${name}`;
  const armOf = (name: string, pool: ArmCluster["pools"][number]): ArmCluster => ({ ...arm, id: arm.id.replace(/dyn$/, name), name, pools: [pool] });
  // Static block on a /24, maxPods 15 (one /28 a node): 14 max + 1 surge nodes × 16 = 240 > the 224 of its 14 assignable /28s.
  const blk = [blockNnc("b1", "10.50.0.16", 1, { cidr: "10.50.0.0/24", subnet: "pods-small" }), blockNnc("b2", "10.50.0.32", 1, { cidr: "10.50.0.0/24", subnet: "pods-small" })];
  const blkArm = armOf("blk", { name: "np1", count: 2, maxCount: 14, enableAutoScaling: true, maxPods: 15, maxSurge: "1", podIPAllocationMode: "StaticBlock", podSubnetID: podSubnet("pods-small") });
  // Dynamic, maxPods 30 (49 a node): the nodes hold 230 of 251 now, a surge node may take 49 more.
  const dyn = [dynNnc("d1", { held: 229 })];
  const dynArm = armOf("dyn", { name: "np1", count: 5, maxCount: 6, enableAutoScaling: true, maxPods: 30, maxSurge: "1", podSubnetID: podSubnet("pods") });
  const e = evaluate({
    scanId: "20261128T040000000Z-abcd",
    now: T0,
    views: [view(snapshot("blk", { nncs: blk, nodes: nodesFor(blk), arm: blkArm })), view(snapshot("dyn", { nncs: dyn, nodes: nodesFor(dyn), arm: dynArm }))],
  });
  const ipx003 = (cluster: string) => e.findings.find((f) => f.rule === "IPX003" && f.cluster === cluster)!.message;
  const formats = () => ({
    table: renderReport("exhaustion", e, {}, "table").body,
    csv: renderReport("exhaustion", e, {}, "csv").body,
    md: renderReport("exhaustion", e, {}, "md").body,
  });

  it("judges a static-block subnet against its whole /28s, as IPX003 does", () => {
    const [, room, need] = /has (\d+) addresses in whole \/28 blocks, but at the autoscaler maxima plus surge \(15 nodes\) the pools can take up to (\d+) addresses/.exec(ipx003("blk"))!;
    expect([room, need]).toEqual(["224", "240"]);
    const cell = `short at max (${need} of ${room} in whole /28 blocks)`;
    const { table, csv, md } = formats();
    expect(table).toMatch(new RegExp(`10\\.50\\.0\\.0/24 \\(pods-small\\)\\s+vnetblock\\s+blk\\s+32\\s+251\\s+12\\.7%\\s+not enough history\\s+${cell.replace(/[()/]/g, "\\$&")}`));
    expect(csv).toContain(`,${cell}\r\n`);
    expect(md).toContain(`| ${cell} |`);
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    expect(json.subnets.find((s: { cidr: string }) => s.cidr === "10.50.0.0/24")).toMatchObject({ capacity: 251, room: 224, projectedAtMax: 240, headroom: "exceeds-at-max" });
  });

  it("shows the need of the current nodes plus surge when short now, the figure IPX003 calls critical", () => {
    const [, capacity, now] = /has (\d+) usable addresses, but the current nodes plus an upgrade surge \(6 nodes\) need up to (\d+) addresses/.exec(ipx003("dyn"))!;
    expect(e.findings.find((f) => f.rule === "IPX003" && f.cluster === "dyn")!.severity).toBe("critical");
    const cell = `short now (${now} of ${capacity} with current nodes + surge; 343 at max)`;
    expect(cell).toBe("short now (279 of 251 with current nodes + surge; 343 at max)");
    const { table, csv, md } = formats();
    expect(table).toContain(cell);
    expect(csv).toContain(`,${cell}\r\n`);
    expect(md).toContain(`| ${cell} |`);
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    expect(json.subnets.find((s: { cidr: string }) => s.cidr === "10.1.0.0/24")).toMatchObject({ room: 251, projectedNow: 279, projectedAtMax: 343, headroom: "exceeds-now" });
  });

  it("gives the dashboard the HEADROOM cell of every subnet, word for word, and its verdict", () => {
    const md = renderReport("exhaustion", e, {}, "md").body.split("\n").filter((l) => /^\| 10\./.test(l));
    const cells = new Map(md.map((l) => l.slice(2, -2).split(" | ")).map((c) => [c[0], c[c.length - 1]]));
    const shown = dashboardData(e, []).subnets;
    expect(shown.map((s) => s.headroom).sort()).toEqual(["exceeds-at-max", "exceeds-now"]);
    for (const s of shown) expect(s.headroomText, s.label).toBe(cells.get(s.label));
  });

  it("on a shared subnet, says when only all clusters upgrading at once is short, as IPX003 warns", () => {
    // Two clusters, 6 static-block nodes each (one /28 a node), maxSurge 2: 192 + 32 fits the 224 of 14 /28s; 192 + 64 does not.
    const sharedArm = (name: string) => armOf(name, { name: "np1", count: 6, maxPods: 15, maxSurge: "2", podIPAllocationMode: "StaticBlock", podSubnetID: podSubnet("pods-shared") });
    const views = ["a", "b"].map((name, i) => {
      const nncs = [blockNnc(`${name}1`, `10.60.0.${16 * (i + 1)}`, 1, { cidr: "10.60.0.0/24", subnet: "pods-shared" })];
      return view(snapshot(name, { nncs, nodes: nodesFor(nncs), arm: sharedArm(name) }));
    });
    const shared = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views });
    expect(shared.findings.filter((f) => f.rule === "IPX003").map((f) => f.severity)).toEqual(["warning"]);
    const cell = "short if all 2 clusters upgrade at once (256 of 224 in whole /28 blocks; 256 at max); one at a time fits";
    expect(renderReport("exhaustion", shared, {}, "table").body).toContain(cell);
    expect(renderReport("exhaustion", shared, {}, "md").body).toContain(`| ${cell} |`);
    expect(dashboardData(shared, []).subnets.map((s) => s.headroomText)).toEqual([cell]);
    const json = JSON.parse(renderReport("exhaustion", shared, {}, "json").body);
    expect(json.subnets[0]).toMatchObject({ room: 224, projectedNow: 256, projectedNowOneUpgrade: 224, surgeClusters: 2, headroom: "exceeds-at-max" });
  });

  it("with maxSurge 0, says today's nodes alone are short, with no upgrade surge, in IPX003 and HEADROOM alike", () => {
    // ARM has 15 nodes of one /28 each, more than the 14 whole /28s; the pool upgrades in place.
    const inPlace = armOf("blk", { name: "np1", count: 15, maxPods: 15, maxSurge: "0", maxUnavailable: "1", podIPAllocationMode: "StaticBlock", podSubnetID: podSubnet("pods-small") });
    const short = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views: [view(snapshot("blk", { nncs: blk, nodes: nodesFor(blk), arm: inPlace }))] });
    const f = short.findings.find((x) => x.rule === "IPX003")!;
    expect(f.severity).toBe("critical");
    expect(f.message).toContain("but the current nodes (15 nodes) need up to 240 addresses. Nodes past that will not get their addresses");
    expect(renderReport("exhaustion", short, {}, "table").body).toContain("short now (240 of 224 in whole /28 blocks with current nodes; 240 at max)");
  });

  it("reads a stored evaluation from before room and projectedNow were kept", () => {
    const old = { ...e, subnets: e.subnets.map(({ room: _r, projectedNow: _n, projectedNowOneUpgrade: _o, surgeClusters: _c, ...s }) => s) };
    const table = renderReport("exhaustion", old, {}, "table").body;
    expect(table).toContain("short at max (240 of 224 in whole /28 blocks)");
    expect(table).toContain("short now (343 of 251 at max)");
  });
});

describe("exhaustion report FULL BY", () => {
  // Every /24 of an overlay /22 is held, seen once: full needs no history, and there is no date ahead.
  const ovl = [0, 1, 2, 3].map((i) => overlayNnc(`o${i}`, `10.250.${i}.0/24`, "10.250.0.0/22"));
  const e = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views: [view(snapshot("ovl", { nncs: ovl, nodes: nodesFor(ovl) }))] });

  it("says already full for a subnet at 100 %, never the scan time as a date", () => {
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    // The JSON keeps the scan time: the subnet ran out (null would read as no exhaustion expected).
    expect(json.subnets[0]).toMatchObject({ cidr: "10.250.0.0/22", used: 1024, capacity: 1024, forecastExhaustionAt: T0.toISOString(), forecastNote: "already full" });
    const table = renderReport("exhaustion", e, {}, "table").body;
    expect(table).toMatch(/10\.250\.0\.0\/22\s+overlay\s+ovl\s+1024\s+1024\s+100\.0%\s+already full\s+unknown/);
    expect(renderReport("exhaustion", e, {}, "csv").body).toContain("10.250.0.0/22,overlay,ovl,1024,1024,1,already full,unknown (no ARM pool data)");
    expect(renderReport("exhaustion", e, {}, "md").body).toContain("| 10.250.0.0/22 | overlay | ovl | 1024 | 1024 | 100.0% | already full | unknown (no ARM pool data) |");
    for (const f of ["table", "csv", "md"] as const) {
      const row = renderReport("exhaustion", e, {}, f).body.split(/\r?\n/).find((l) => l.includes("10.250.0.0/22"));
      expect(row, f).not.toContain(T0.toISOString().slice(0, 10));
    }
  });
});

describe("exhaustion report FULL BY where CNS reports the subnet full", () => {
  // A dynamic cluster growing one address a day, then a new node whose NC DNC-RC cannot fill: 0 of its 32,
  // NCUpdateSubnetFullError, with 13 addresses free by the count. IPX002 is critical; the forecast alone
  // would date it 13 days ahead.
  const HOUR = 3_600_000;
  const at = (hoursAgo: number) => new Date(T0.getTime() - hoursAgo * HOUR);
  const nodes = (d2Held: number, full: boolean) => {
    const nncs = [dynNnc("d1", { first: "10.1.0.4", held: 127 }), dynNnc("d2", { first: "10.1.0.132", held: d2Held })];
    if (full) nncs.push(dynNnc("d3", { first: "10.1.0.241", held: 0, requested: 32, ncStatus: "NCUpdateSubnetFullError" }));
    return nncs;
  };
  const scanAt = (hoursAgo: number, d2Held: number, full = false, history: EvaluationSummary[] = []) => {
    const nncs = nodes(d2Held, full);
    return evaluate({ scanId: `s${hoursAgo}`, now: at(hoursAgo), views: [view(snapshot("dyn", { takenAt: at(hoursAgo).toISOString(), nncs, nodes: nodesFor(nncs) }))], history });
  };
  const history = [summarizeEvaluation(scanAt(24, 107), "r24"), summarizeEvaluation(scanAt(48, 106), "r48")];
  const e = scanAt(0, 108, true, history);

  it("says already full in every format and on the dashboard, never a date ahead", () => {
    expect(e.findings.filter((f) => f.rule === "IPX002").map((f) => f.severity)).toEqual(["critical"]);
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    expect(json.subnets[0]).toMatchObject({ cidr: "10.1.0.0/24", used: 238, capacity: 251, forecastExhaustionAt: T0.toISOString() });
    expect(json.subnets[0].forecastNote).toMatch(/^already full: CNS reports it full \(1 NC\(s\) in NCUpdateSubnetFullError\), 13 address\(es\) free/);
    for (const f of ["table", "csv", "md"] as const) {
      const row = renderReport("exhaustion", e, {}, f).body.split(/\r?\n/).find((l) => l.includes("10.1.0.0/24"))!;
      expect(row, f).toMatch(/[\s,|]already full[\s,|]/);
      expect(row, f).not.toMatch(/\d{4}-\d\d-\d\d/);
    }
    expect(dashboardData(e, []).subnets[0]).toMatchObject({ alreadyFull: true });
  });
});

describe("exhaustion report FULL BY without a date", () => {
  // 85 held, then 3 nodes joined (136) and usage stayed flat for 14 hours: the note tells the step, FULL BY
  // says why there is no date in a phrase of its own, not the note cut at its first parenthesis.
  const HOUR = 3_600_000;
  const at = (hoursAgo: number) => new Date(T0.getTime() - hoursAgo * HOUR);
  const scanAt = (hoursAgo: number, held: number, history: EvaluationSummary[] = []) => {
    const nncs = [dynNnc("d1", { held })];
    return evaluate({ scanId: `s${hoursAgo}`, now: at(hoursAgo), views: [view(snapshot("dyn", { takenAt: at(hoursAgo).toISOString(), nncs, nodes: nodesFor(nncs) }))], history });
  };
  const history = [16, 14, 12, 10, 8, 6, 4, 2].map((h) => summarizeEvaluation(scanAt(h, h === 16 ? 84 : 135), `r${h}`));
  const e = scanAt(0, 135, history);

  it("shows the forecast's short phrase in table, CSV, Markdown and the dashboard, the full note in JSON", () => {
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body).subnets[0];
    expect(json.forecastNote).toMatch(/^usage flat or shrinking over 14 hour\(s\) since a step from 85 to 136 at /);
    expect(json.forecastSummary).toBe("usage flat or shrinking");
    const csv = renderReport("exhaustion", e, {}, "csv").body.split("\r\n");
    const fullBy = csv[0]!.split(",").indexOf("full_by");
    expect(csv[1]!.split(",")[fullBy]).toBe(json.forecastSummary);
    expect(renderReport("exhaustion", e, {}, "table").body).toMatch(/%\s+usage flat or shrinking\s+unknown/);
    expect(renderReport("exhaustion", e, {}, "md").body).toContain("| usage flat or shrinking |");
    expect(dashboardData(e, []).subnets[0]).toMatchObject({ forecastSummary: json.forecastSummary, forecastNote: json.forecastNote });
  });

  it("words an evaluation stored before the short phrase was kept the same way", () => {
    const old = { ...e, subnets: e.subnets.map(({ forecastSummary: _s, ...s }) => s) };
    expect(renderReport("exhaustion", old, {}, "csv").body).toContain(",usage flat or shrinking,");
    expect(dashboardData(old, []).subnets[0]).toMatchObject({ forecastSummary: "usage flat or shrinking" });
  });
});

describe("exhaustion report labels subnets that would read the same", () => {
  const e = sameCidrFleet();

  it("adds the VNet, or the overlay cluster, only where CIDR and name repeat, in every format", () => {
    const table = renderReport("exhaustion", e, {}, "table").body;
    expect(table).toMatch(/10\.1\.0\.0\/24 \(pods, vnet-a\)\s+dynamic\s+dyn-a\s/);
    expect(table).toMatch(/10\.1\.0\.0\/24 \(pods, vnet-b\)\s+dynamic\s+dyn-b\s/);
    expect(table).toMatch(/10\.244\.0\.0\/16 \(overlay of ovl-a\)\s+overlay\s+ovl-a\s/);
    expect(table).toMatch(/10\.40\.0\.0\/13 \(podsubnet\)\s+vnetblock/);
    const csv = renderReport("exhaustion", e, {}, "csv").body;
    expect(csv).toContain(`"10.1.0.0/24 (pods, vnet-a)",dynamic,dyn-a,`);
    expect(csv).toContain("10.244.0.0/16 (overlay of ovl-b),overlay,ovl-b,");
    expect(renderReport("exhaustion", e, {}, "md").body).toContain("| 10.1.0.0/24 (pods, vnet-b) | dynamic | dyn-b |");
    // The JSON carries the label beside the CIDR; a report for one cluster has nothing to tell apart.
    const json = JSON.parse(renderReport("exhaustion", e, {}, "json").body);
    expect(json.subnets.map((s: { label: string }) => s.label).sort()).toEqual(["10.1.0.0/24 (pods, vnet-a)", "10.1.0.0/24 (pods, vnet-b)", "10.244.0.0/16 (overlay of ovl-a)", "10.244.0.0/16 (overlay of ovl-b)", "10.40.0.0/13 (podsubnet)"]);
    expect(JSON.parse(renderReport("exhaustion", e, { cluster: "dyn-a" }, "json").body).subnets.map((s: { label: string }) => s.label)).toEqual(["10.1.0.0/24 (pods)"]);
  });

  it("words the findings about them the same way", () => {
    const ipx001 = e.findings.filter((f) => f.rule === "IPX001").map((f) => [f.cluster, f.message.split(" is ")[0]]);
    expect(ipx001).toEqual(expect.arrayContaining([["dyn-a", "pod subnet 10.1.0.0/24 (pods, vnet-a)"], ["dyn-b", "pod subnet 10.1.0.0/24 (pods, vnet-b)"]]));
  });
});

describe("exhaustion report by severity", () => {
  // blk: nothing wrong. cap: a dynamic node at its cap (IPX006, a warning about the cluster) on a roomy
  // subnet. ovl: 7 of 8 overlay /24s (87.5 %, the warning band). down: a scan that could not read it.
  const blk = [blockNnc("b1", "10.40.0.0")];
  const cap = [dynNnc("c1", { first: "10.2.0.4", held: 16, requested: 16, cidr: "10.2.0.0/24", subnet: "cap-pods", scaler: { batchSize: 16, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount: 16 } })];
  const ovl = Array.from({ length: 7 }, (_, i) => overlayNnc(`o${i}`, `10.244.${i}.0/24`, "10.244.0.0/21"));
  const e = evaluate({
    scanId: "20261128T040000000Z-abcd",
    now: T0,
    views: [
      view(snapshot("blk", { nncs: blk, nodes: nodesFor(blk) })),
      view(snapshot("cap", { nncs: cap, nodes: nodesFor(cap) })),
      view(snapshot("ovl", { nncs: ovl, nodes: nodesFor(ovl) })),
      view(snapshot("down", {}, "unreachable")),
    ],
  });
  const rows = (severity?: "info" | "warning" | "critical") => {
    const doc = renderReport("exhaustion", e, severity ? { severity } : {}, "json").doc as { subnets: Array<{ cidr: string }>; clusters: Array<{ cluster: string }> };
    return { subnets: doc.subnets.map((s) => s.cidr).sort(), clusters: doc.clusters.map((c) => c.cluster).sort() };
  };

  it("keeps the subnets and clusters whose row or findings reach the severity, as findings are kept: at or above it", () => {
    expect(e.findings).toContainEqual(expect.objectContaining({ rule: "IPX006", cluster: "cap", severity: "warning" }));
    expect(rows()).toEqual({ subnets: ["10.2.0.0/24", "10.244.0.0/21", "10.40.0.0/13"], clusters: ["blk", "cap", "down", "ovl"] });
    // The warning band and IPX001's warning keep ovl's pod CIDR; IPX006 keeps cap, but not its roomy subnet.
    expect(rows("warning")).toEqual({ subnets: ["10.244.0.0/21"], clusters: ["cap", "down", "ovl"] });
    expect(rows("critical")).toEqual({ subnets: [], clusters: ["down"] });
    expect(renderReport("exhaustion", e, { severity: "critical" }, "csv", { table: "clusters" }).body.split("\r\n")[1]).toMatch(/^down,unreachable,/);
  });

  it("colours each row as the filter judges it and the dashboard colours its bar: 94 % used but under one batch free is critical", () => {
    // 14 of 251 addresses free, fewer than a 16-address batch: IPX001 critical within the warning band.
    const short = [dynNnc("d1", { first: "10.1.0.4", held: 237, requested: 237 })];
    const ev = evaluate({ scanId: "20261128T040000000Z-abcd", now: T0, views: [view(snapshot("dyn", { nncs: short, nodes: nodesFor(short) }))] });
    expect(ev.findings).toContainEqual(expect.objectContaining({ rule: "IPX001", severity: "critical" }));
    const [subnets, clusters] = exhaustionReport.tables(exhaustionReport.build(ev, {}));
    expect(subnets!.rowSeverity).toEqual(["critical"]);
    expect(dashboardData(ev, []).subnets.map((s) => s.severity)).toEqual(["critical"]);
    expect(exhaustionReport.build(ev, { severity: "critical" }).subnets).toHaveLength(1);
    // Its cluster is kept by that IPX finding, and coloured by it too.
    expect(clusters!.rowSeverity).toEqual(["critical"]);
    expect(exhaustionReport.build(ev, { severity: "critical" }).clusters).toHaveLength(1);
  });

  it("is a filter the report applies, over HTTP and the CLI alike", () => {
    expect(() => reportRequest("exhaustion", { severity: "warning" })).not.toThrow();
  });
});
