// The dashboard's browser script, as text for an inline <script> (the page's CSP allows it by hash).
// It reads the JSON data block and builds every element with createElement/textContent, never
// innerHTML, so a cluster or subnet name is always text. Plain ES2020, no backticks (a TS template).
import { HIDDEN } from "../display-safe.js";
import { PERCENT_DOWN_SCRIPT } from "../percent.js";

export const DASHBOARD_SCRIPT = String.raw`(function () {
"use strict";
var dataEl = document.getElementById("fleet-data");
var D = dataEl ? JSON.parse(dataEl.textContent || "null") : null;
if (!D) return;
var Chart = window.Chart;
var SEV = { info: 0, warning: 1, critical: 2 };
var COLOUR = { critical: "#d92d20", warning: "#f79009", info: "#2e90fa", waived: "#98a2b3", ok: "#12b76a" };
var MAX_ROWS = 500;
// As displaySafe on the server: a bidi override or control in a name is shown as an escape, so one
// name cannot read as another. Only what is shown; values, links and filters keep the real name.
var HIDDEN = new RegExp(${JSON.stringify(HIDDEN.source)}, "gu");
function visible(s) {
  return String(s).replace(HIDDEN, function (c, emoji) {
    if (emoji) return emoji;
    var n = c.codePointAt(0), x = n.toString(16);
    return n <= 0xff ? "\\x" + x.padStart(2, "0") : n <= 0xffff ? "\\u" + x.padStart(4, "0") : "\\u{" + x + "}";
  });
}

function h(tag, props, kids) {
  var e = document.createElement(tag);
  if (props) Object.keys(props).forEach(function (k) {
    var v = props[k];
    if (v === undefined || v === null) return;
    if (k === "text") e.textContent = visible(v);
    else if (k === "title") e.setAttribute(k, visible(v));
    else if (k === "class") e.className = v;
    else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  });
  (kids || []).forEach(function (c) {
    if (c === undefined || c === null || c === false) return;
    e.appendChild(typeof c === "object" ? c : document.createTextNode(visible(c)));
  });
  return e;
}
function $(id) { return document.getElementById(id); }
function int(n) { return Number(n).toLocaleString("en-US"); }
// Rounded down, as the reports and finding messages show it: never at a threshold it did not reach.
${PERCENT_DOWN_SCRIPT}
function when(iso) { return iso ? String(iso).slice(0, 16).replace("T", " ") : ""; }
// "Full by", the same in the fleet table and a cluster's drill-down: a date, "already full" (its
// exhaustion time is the scan's, no date ahead), or the forecast's short phrase for why there is none.
// Already full is critical; a date is coloured only as IPX004 judged it (within its warning horizon).
function fullBy(s) {
  var text = s.alreadyFull ? "already full" : s.forecastExhaustionAt ? s.forecastExhaustionAt.slice(0, 10) : s.forecastSummary || "-";
  var cls = s.alreadyFull ? "critical nw" : s.forecastExhaustionAt ? (s.forecastSeverity || "") + " nw" : "muted";
  return h("td", { class: cls, title: s.forecastNote || null, text: text });
}
// IPX003 in the exhaustion report's words: short now fails the next upgrade's surge (SubnetIsFull).
var HEADROOM_CLASS = { "exceeds-now": "critical", "exceeds-at-max": "warning", unknown: "muted" };
function headroom(s) { return h("td", { class: HEADROOM_CLASS[s.headroom] || null, text: s.headroomText }); }
function clusterLink(name) { return h("a", { href: "#cluster=" + encodeURIComponent(name), class: "cl", text: name }); }
// A /13 shared by 100 clusters would make one cell thousands of pixels tall: the first few names, the
// rest behind "and N more".
var LINKS_SHOWN = 5;
function linkList(names, into) {
  names.slice(0, LINKS_SHOWN).forEach(function (c, i) { if (i) into.appendChild(document.createTextNode(", ")); into.appendChild(clusterLink(c)); });
  if (names.length <= LINKS_SHOWN) return into;
  var rest = h("details", { class: "more" }, [h("summary", { text: "and " + (names.length - LINKS_SHOWN) + " more" })]);
  names.slice(LINKS_SHOWN).forEach(function (c, i) { if (i) rest.appendChild(document.createTextNode(", ")); rest.appendChild(clusterLink(c)); });
  into.appendChild(rest);
  return into;
}
// Chart.js gives a y-axis label at most part of the chart's width and cuts the rest at the left edge.
function clip(s) { s = visible(s); return s.length > 44 ? s.slice(0, 43) + "…" : s; }
// Charts draw the first rows only (a canvas of 100 bars reads as noise); the page says so.
function capNote(boxId, shown, total, which) {
  if (shown >= total) return;
  var box = $(boxId);
  box.parentNode.insertBefore(h("p", { class: "muted", id: boxId.replace(/-box$/, "-note"), text: "The chart shows the first " + shown + " of " + total + " " + which + "; the table lists them all." }), box.nextSibling);
}
function bar(fraction, cls) {
  var inner = h("div", { class: "fill " + (cls || "") });
  inner.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + "%";
  return h("div", { class: "bar" }, [inner]);
}
// A subnet's severity from the server is already the worse of its utilisation band and its findings.
function subnetMark(s) { return s.severity === "critical" || s.severity === "warning" ? s.severity : ""; }
// A subnet's finding (IPX002 "reported full" at 94 %, a policy's own thresholds) outranks the plain bands.
function worse(a, b) { var rank = { "": 0, info: 0, warning: 1, critical: 2 }; return (rank[b || ""] || 0) > (rank[a] || 0) ? b : a; }
function utilCell(s) { return h("td", null, [bar(s.utilization, subnetMark(s)), h("span", { class: "util", text: pct(s.utilization) })]); }
// A table wider than its card (a phone) scrolls inside its own box, not the page.
function table(headers, rows, cls) {
  return h("div", { class: "scroll" }, [h("table", { class: cls || "" }, [
    h("thead", null, [h("tr", null, headers.map(function (t) { return h("th", { scope: "col", text: t }); }))]),
    h("tbody", null, rows)
  ])]);
}
function td(x, cls) { return h("td", { class: cls || null }, [x]); }
// A cell that may wrap between words but never inside one: a CIDR, a cluster name ("aks-prod-\n03").
function words(text, cls) {
  var cell = h("td", { class: cls || null }, []);
  String(text).split(" ").forEach(function (w, i) { if (i) cell.appendChild(document.createTextNode(" ")); cell.appendChild(h("span", { class: "nw", text: w })); });
  return cell;
}
function usedOf(s) { return words(int(s.used) + " / " + int(s.capacity), "r"); }
function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); return e; }
function byName(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
/** A chart colour Chart.js reads from the page's CSS at every update (a scriptable option). */
function themed(name) { return function () { return cssVar(name); }; }
// Writes each bar's note (its dataset's notes[i]: a grade, "critical") just past the bar's end, so
// what its colour says is there in words too (red and orange look alike to many).
var BAR_NOTES = {
  id: "barNotes",
  afterDatasetsDraw: function (chart) {
    var ctx = chart.ctx;
    ctx.save();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.fillStyle = cssVar("--fg");
    ctx.textBaseline = "middle";
    chart.data.datasets.forEach(function (ds, i) {
      if (!ds.notes || !chart.isDatasetVisible(i)) return;
      chart.getDatasetMeta(i).data.forEach(function (bar, j) {
        if (ds.data[j] !== null && ds.notes[j]) ctx.fillText(ds.notes[j], bar.x + 4, bar.y);
      });
    });
    ctx.restore();
  }
};
// Chart text and grid lines in the page's colours, light or dark as its CSS chose, and again when the
// system's theme changes while the page is open.
function themeCharts() {
  var text = cssVar("--muted"), line = cssVar("--line");
  Chart.defaults.color = text;
  Chart.defaults.borderColor = line;
  // A chart copies its scales' colours from the defaults when it is made: set them there too.
  Object.keys(Chart.instances).forEach(function (id) {
    var chart = Chart.instances[id], scales = chart.config.options.scales || {};
    Object.keys(scales).forEach(function (axis) {
      var s = scales[axis];
      [s.ticks, s.title].forEach(function (o) { if (o) o.color = text; });
      [s.grid, s.border].forEach(function (o) { if (o) o.color = line; });
    });
    chart.update();
  });
}
if (Chart) {
  Chart.register(BAR_NOTES);
  themeCharts();
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", themeCharts);
}

// ---- azure-cns health: which CNS pods are sick, at a glance ----
var MAX_SICK_CLUSTERS = 20;
function sevCell(text, sev, cls) { return h("td", { class: (cls || "") + (sev ? " " + sev : "") }, [text]); }
function plural(n, one) { return n + " " + one + (n === 1 ? "" : "s"); }
// One line per pod or node, coloured by its severity, then how many the data left out.
function attentionList(hh) {
  var lines = hh.attention.map(function (r) {
    var text = (r.pod ? r.pod + " on " + r.node : r.node) + ": " + r.status + (String(r.restarts) !== "0" ? ", " + r.restarts + " restarts" : "") + (r.reason ? " — " + r.reason : "");
    return h("div", { class: "sick-node " + r.severity, text: text });
  });
  var more = hh.attentionTotal - hh.attention.length;
  if (more > 0) lines.push(h("div", { class: "muted", text: "and " + more + " more (report health --cluster lists every node)" }));
  return h("div", { class: "sick-list" }, lines);
}
function renderCnsHealth() {
  var box = $("cns-health"), s = D.cns;
  var named = new Map(D.clusters.map(function (c) { return [c.cluster, c]; }));
  var unread = D.clusters.length - s.clustersRead;
  var unreadText = unread ? " " + plural(unread, "cluster") + " without CNS data (not read, not CNS or stopped): see the ranking." : "";
  if (!s.sick.length) {
    var converged = s.daemonSets === 1 ? "The CNS DaemonSet" : "All " + plural(s.daemonSets, "CNS DaemonSet");
    var all = s.clustersRead ? converged + " converged, no sick pods, in " + plural(s.clustersRead, "cluster") + "." : "No cluster's azure-cns has been read.";
    box.appendChild(h("p", { id: "cns-summary", class: s.clustersRead ? "ok" : "muted", text: all + unreadText }));
    return;
  }
  var shown = s.sick.slice(0, MAX_SICK_CLUSTERS).map(function (n) { return named.get(n); });
  box.appendChild(h("p", { id: "cns-summary", text: s.sick.length + " of " + plural(s.clustersRead, "cluster") + " with a CNS problem, worst first." + unreadText }));
  // The pods and nodes go in a row of their own under the counts: on a phone they stay in view.
  var rows = [];
  shown.forEach(function (c) {
    var hh = c.health, sv = hh.severities;
    var name = h("td", null, [clusterLink(c.cluster), c.dataFrom ? h("div", { class: "muted", text: "data from " + when(c.dataFrom) + " UTC" }) : null]);
    rows.push(h("tr", { class: "counts", "data-cluster": c.cluster, "data-severity": hh.severity }, [
      name, sevCell(hh.ready, worse(sv.daemonset || "", sv.windowsDaemonset), "nw"), sevCell(hh.pods.notReady, sv.notReady, "r"), sevCell(hh.pods.crashLooping, sv.crashLooping, "r"),
      sevCell(hh.pods.restarts, sv.restarts, "r"), sevCell(hh.nodes.withoutCnsPod, sv.withoutCnsPod, "r"), sevCell(hh.nodes.withoutNnc, sv.withoutNnc, "r")
    ]));
    rows.push(h("tr", { class: "sick-pods", "data-cluster": c.cluster }, [h("td", { colspan: 7 }, [attentionList(hh)])]));
  });
  box.appendChild(table(["Cluster", "DS ready", "Not ready", "Crash-looping", "Restarts", "No CNS pod", "No NNC"], rows, "cns-sick"));
  if (s.sick.length > shown.length) box.appendChild(h("p", { class: "muted", text: "and " + (s.sick.length - shown.length) + " more clusters with a CNS problem (report health lists them all)." }));
}

// ---- clusters ranked by score ----
function scoreClass(s) { return s >= 90 ? "ok" : s >= 60 ? "warning" : "critical"; }
// Not graded (score null): no rule could judge the cluster; N/A as in report compliance, no bar.
var UNGRADED = "not graded: no rule could judge this cluster (no data read, not CNS or stopped)";
function gradeCell(c) { return c.score === null ? h("td", { class: "grade nw muted", title: UNGRADED, text: "N/A" }) : td(c.grade, "grade nw " + scoreClass(c.score)); }
function scoreCell(c) {
  if (c.score === null) return h("td", { class: "nw muted", title: UNGRADED }, [h("span", { class: "score", text: "-" })]);
  return h("td", { class: "nw" }, [h("span", { class: "score", text: c.score }), bar(c.score / 100, scoreClass(c.score))]);
}
function renderRanking() {
  var rows = D.clusters.map(function (c, i) {
    return h("tr", { "data-cluster": c.cluster }, [
      td(i + 1, "r"), td(clusterLink(c.cluster)), gradeCell(c), scoreCell(c),
      h("td", { class: "nw" + (c.scanFailed ? " critical" : ""), title: c.reason || null, text: c.status }),
      td(c.counts.critical, "r" + (c.counts.critical ? " critical" : "")), td(c.counts.warning, "r" + (c.counts.warning ? " warning" : "")), td(c.counts.info, "r")
    ]);
  });
  $("ranking").appendChild(rankingFilter(rows));
  $("ranking").appendChild(table(["#", "Cluster", "Grade", "Score", "Status", "Crit.", "Warn.", "Info"], rows));
  function from(how) { return D.clusters.filter(function (c) { return c.scoreFrom === how; }).length; }
  // Evaluations stored before the compliance section score from findings; the page says which it used.
  var src = [];
  if (from("compliance")) src.push("compliance score (rules passed, weighted by severity)");
  if (from("findings")) src.push("score from findings: 100 − 25 per critical, 10 per warning, 2 per info");
  var ungraded = from(null);
  if (ungraded) src.push(ungraded + " cluster(s) not graded (N/A): no rule could judge them");
  $("score-source").textContent = "Clusters the scan could not read first, then lowest score first, then those not graded" + (src.length ? "; " + src.join("; ") : "") + ".";
  if (!Chart || D.clusters.length === 0) return;
  var shown = D.clusters.slice(0, 30);
  capNote("chart-scores-box", shown.length, D.clusters.length, "clusters, in the table's order");
  $("chart-scores-box").style.height = Math.max(160, 26 * shown.length + 70) + "px";
  new Chart($("chart-scores"), {
    type: "bar",
    // A cluster not graded keeps its place in the order but has no bar: its label says why.
    data: { labels: shown.map(function (c) { return clip(c.cluster) + (c.score === null ? " (N/A)" : ""); }), datasets: [{ label: "Score", data: shown.map(function (c) { return c.score; }), backgroundColor: shown.map(function (c) { return c.score === null ? COLOUR.waived : COLOUR[scoreClass(c.score)]; }), notes: shown.map(function (c) { return c.score === null ? "" : c.grade; }) }] },
    options: { indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false, layout: { padding: { right: 24 } }, plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100, title: { display: true, text: "Score (0–100, higher is better; N/A: not graded)" } }, y: { ticks: { autoSkip: false } } } }
  });
}

// Narrows the ranking to clusters whose name (as shown) contains the text; rows keep their rank.
function rankingFilter(rows) {
  var input = h("input", { id: "ranking-filter", type: "search", placeholder: "cluster name" });
  var count = h("span", { class: "muted", id: "ranking-count" });
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase(), n = 0;
    D.clusters.forEach(function (c, i) { var hit = !q || visible(c.cluster).toLowerCase().indexOf(q) >= 0; rows[i].hidden = !hit; if (hit) n++; });
    count.textContent = q ? n + " of " + D.clusters.length + " clusters" : "";
  });
  return h("form", { class: "filter", onsubmit: function (e) { e.preventDefault(); } }, [h("label", null, ["Filter ", input]), count]);
}

// ---- pod subnets ----
// The server labels every subnet of the page at once, telling apart those of the same CIDR and name.
function renderSubnets() {
  var rows = D.subnets.map(function (s) {
    var names = linkList(s.clusters, h("td", null, []));
    if (s.shared) names.appendChild(h("span", { class: "badge shared", text: "shared by " + s.clusters.length }));
    return h("tr", { "data-subnet": s.key, class: s.shared ? "shared-row" : null }, [
      words(s.label), td(s.mode, "nw"), names,
      usedOf(s),
      utilCell(s),
      fullBy(s),
      headroom(s)
    ]);
  });
  $("subnets").appendChild(table(["Subnet", "Mode", "Clusters", "Used / capacity", "Utilisation", "Full by", "Headroom"], rows));
  if (!Chart || D.subnets.length === 0) return;
  var shown = D.subnets.slice(0, 40);
  capNote("chart-subnets-box", shown.length, D.subnets.length, "pod subnets, fullest first");
  $("chart-subnets-box").style.height = Math.max(160, shown.reduce(function (a, s) { return a + (s.shared ? 40 : 26); }, 70)) + "px";
  // A bar is coloured as its table row (a finding outranks the bands), whoever shares the subnet: a
  // shared /13 at 97 % is the most dangerous bar of all. Shared is an outline, never a fill colour.
  var marks = shown.map(subnetMark);
  var fills = marks.map(function (m) { return m === "critical" || m === "warning" ? COLOUR[m] : COLOUR.info; });
  // The page's text colour: dark on a light page, light on a dark one, read again when the theme switches.
  var SHARED_OUTLINE = { colour: themed("--fg"), width: 3 };
  var legend = [
    { mark: "critical", text: "critical: ≥ 95 % or a critical finding", fillStyle: COLOUR.critical, strokeStyle: COLOUR.critical, lineWidth: 0 },
    { mark: "warning", text: "warning: ≥ 80 % or a warning finding", fillStyle: COLOUR.warning, strokeStyle: COLOUR.warning, lineWidth: 0 },
    { mark: "ok", text: "below 80 %", fillStyle: COLOUR.info, strokeStyle: COLOUR.info, lineWidth: 0 },
    { mark: "shared", text: "outlined: shared by several clusters", fillStyle: themed("--card"), strokeStyle: SHARED_OUTLINE.colour, lineWidth: SHARED_OUTLINE.width }
  ];
  // A legend swatch takes a colour, not a function: the themed ones are read each time it is built.
  function swatch(l) {
    function now(c) { return typeof c === "function" ? c() : c; }
    return Object.assign({ hidden: false, fontColor: cssVar("--muted") }, l, { fillStyle: now(l.fillStyle), strokeStyle: now(l.strokeStyle) });
  }
  new Chart($("chart-subnets"), {
    type: "bar",
    data: {
      // Chart.js draws an array label as lines: the subnet, then who shares it.
      labels: shown.map(function (s) { return s.shared ? [clip(s.label), clip(s.clusters.length > 2 ? "shared by " + s.clusters.length + " clusters" : "shared: " + s.clusters.join(", "))] : clip(s.label); }),
      datasets: [{
        label: "% of usable addresses held by NCs",
        data: shown.map(function (s) { return parseFloat(pct(s.utilization)); }),
        backgroundColor: fills,
        borderColor: function (c) { return shown[c.dataIndex].shared ? SHARED_OUTLINE.colour() : fills[c.dataIndex]; },
        borderWidth: shown.map(function (s) { return s.shared ? SHARED_OUTLINE.width : 0; }),
        borderSkipped: false,
        // The band in words at the bar's end, as the legend names it (red and orange look alike to many).
        notes: marks.map(function (m) { return m === "critical" || m === "warning" ? m : ""; })
      }]
    },
    options: {
      indexAxis: "y", animation: false, responsive: true, maintainAspectRatio: false, layout: { padding: { right: 56 } },
      // Fixed entries that say what a colour means; the default would take one from the first bar.
      plugins: { legend: { onClick: function () {}, labels: { generateLabels: function () { return legend.map(swatch); } } } },
      scales: { x: { min: 0, max: 100, title: { display: true, text: "% of usable addresses held by NCs" } }, y: { ticks: { autoSkip: false } } }
    }
  });
}

// ---- trends over the evaluation history ----
// Time to scale on a linear axis of epoch ms (Chart.js's time scale needs a date adapter the page does
// not carry): a step from this list keeps the ticks few and on round UTC times, labelled as finely as
// the step needs, so scans a minute or seconds apart never read the same.
var SECOND = 1000, MINUTE = 60 * SECOND, HOUR = 60 * MINUTE, DAY = 24 * HOUR;
var TIME_STEPS = [SECOND, 5 * SECOND, 15 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 364 * DAY];
function utc(ms, step) {
  var iso = new Date(ms).toISOString();
  return step < MINUTE ? iso.slice(0, 19).replace("T", " ") : step < DAY ? iso.slice(0, 16).replace("T", " ") : iso.slice(0, 10);
}
function timeAxis(times) {
  var lo = Math.min.apply(null, times), hi = Math.max.apply(null, times);
  if (hi === lo) { lo -= 30 * MINUTE; hi += 30 * MINUTE; }
  var step = TIME_STEPS.filter(function (s) { return (hi - lo) / s <= 6; })[0] || TIME_STEPS[TIME_STEPS.length - 1];
  return {
    type: "linear", min: Math.floor(lo / step) * step, max: Math.ceil(hi / step) * step,
    title: { display: true, text: "UTC" },
    ticks: { stepSize: step, maxRotation: 0, callback: function (v) { return utc(v, step); } }
  };
}
// Subnet lines in colours no severity, score or shared mark uses, so no line reads as a verdict.
var LINE_PALETTE = ["#17becf", "#e377c2", "#8c564b", "#bcbd22", "#7f7f7f", "#005f73"];
function renderTrends() {
  var overlay = D.subnets.some(function (s) { return s.mode === "overlay"; });
  var noVnet = D.trend.every(function (p) { return !p.capacity; });
  $("trend-note").textContent = (D.trend.length < 2 ? "One evaluation so far: the lines grow with every scan." : D.trend.length + " evaluations, oldest first.") +
    (overlay && !noVnet ? " The total counts VNet pod subnets only: an overlay pod CIDR's addresses are its cluster's own." : "");
  if (!Chart) return;
  var times = D.trend.map(function (p) { return Date.parse(p.at); });
  // Each followed subnet as % of its usable addresses then: a 94 % /24 and a 0.4 % /13 on one scale.
  var lines = D.trendSubnets.map(function (s, i) {
    var c = LINE_PALETTE[i % LINE_PALETTE.length];
    var data = D.trend.map(function (p, j) {
      var used = p.subnets[s.key], cap = p.subnetCapacity[s.key];
      return { x: times[j], y: used === undefined || !cap ? null : 100 * used / cap, used: used, capacity: cap };
    });
    return { label: visible(s.label), data: data, yAxisID: "y", order: 0, borderColor: c, backgroundColor: c, borderWidth: 2 };
  });
  // The total of addresses, on an axis of its own and drawn beneath the subnet lines; left out where it
  // is just one plotted subnet (a scoped page of one pod subnet), which it would only hide, and where
  // there are no VNet pod subnets (overlay clusters only), where it would be a flat 0.
  // A point that only copies the data before (a null total) has nothing to compare.
  var onlyOne = D.trendSubnets.some(function (s) { return D.trend.every(function (p) { return p.used === null || (p.used === p.subnets[s.key] && p.capacity === p.subnetCapacity[s.key]); }); });
  var scales = { x: timeAxis(times), y: { min: 0, max: 100, title: { display: true, text: "% used" } } };
  if (!onlyOne && !noVnet) {
    lines.unshift({
      label: (D.scope === undefined ? "All VNet pod subnets" : "VNet pod subnets of these clusters") + " (addresses held, right axis)",
      data: D.trend.map(function (p, j) { return { x: times[j], y: p.used, used: p.used, capacity: p.capacity }; }),
      yAxisID: "addresses", order: 1, borderColor: themed("--fg"), backgroundColor: themed("--fg"), borderWidth: 2, borderDash: [6, 4]
    });
    scales.addresses = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "addresses held (total)" } };
  }
  var tooltip = { callbacks: { title: function (items) { return items.length ? utc(items[0].parsed.x, SECOND) + " UTC" : ""; } } };
  var usedTooltip = { callbacks: { title: tooltip.callbacks.title, label: function (item) {
    var r = item.raw;
    return item.dataset.label + ": " + (item.dataset.yAxisID === "y" ? pct(r.used / r.capacity) + " (" : "") + int(r.used) + " of " + int(r.capacity) + (item.dataset.yAxisID === "y" ? ")" : "");
  } } };
  var common = { animation: false, responsive: true, maintainAspectRatio: false, spanGaps: true, elements: { point: { radius: 3 } } };
  new Chart($("chart-trend-used"), { type: "line", data: { datasets: lines }, options: Object.assign({ scales: scales, plugins: { tooltip: usedTooltip } }, common) });
  // Each severity has its own point shape (in the legend too) and dash, not only its colour.
  var MARK = { critical: ["triangle", []], warning: ["rectRot", [6, 4]], info: ["circle", [2, 3]] };
  var sev = ["critical", "warning", "info"].map(function (s) {
    return { label: s, data: D.trend.map(function (p, j) { return { x: times[j], y: p.counts ? p.counts[s] : null }; }), borderColor: COLOUR[s], backgroundColor: COLOUR[s], pointStyle: MARK[s][0], borderDash: MARK[s][1], pointRadius: 4 };
  });
  // Findings come whole: no 0.5 ticks.
  new Chart($("chart-trend-findings"), { type: "line", data: { datasets: sev }, options: Object.assign({ scales: { x: timeAxis(times), y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { tooltip: tooltip, legend: { labels: { usePointStyle: true } } } }, common) });
}

// ---- findings with filters ----
function option(value, text) { var o = h("option", { text: text }); o.value = value; return o; }
function fillSelect(sel, values, allText) {
  sel.appendChild(option("", allText));
  values.forEach(function (v) { sel.appendChild(option(v, v)); });
}
function findingClusters(f) { return f.clusters && f.clusters.length ? f.clusters : [f.cluster]; }
function currentFilter() {
  return { severity: $("f-severity").value, cluster: $("f-cluster").value, rule: $("f-rule").value, text: $("f-text").value.trim().toLowerCase(), waived: $("f-waived").checked };
}
function matches(f, q) {
  if (q.severity && SEV[f.severity] < SEV[q.severity]) return false;
  if (q.cluster && findingClusters(f).indexOf(q.cluster) < 0) return false;
  if (q.rule && f.rule !== q.rule) return false;
  if (!q.waived && f.waived) return false;
  if (q.text && (f.message + " " + (f.waived || "") + " " + f.resource + " " + findingClusters(f).join(" ") + " " + f.rule).toLowerCase().indexOf(q.text) < 0) return false;
  return true;
}
// A cluster's drill-down leaves out the Clusters column: it would name that cluster on every row.
function findingRow(f, inCluster) {
  var names = inCluster ? null : linkList(findingClusters(f), h("td", null, []));
  return h("tr", { class: "sev-" + (f.waived ? "waived" : f.severity), "data-rule": f.rule, "data-severity": f.severity }, [
    h("td", { class: "sev nw", title: f.waived || null, text: f.severity + (f.waived ? " (waived)" : "") }), td(f.rule, "nw"), names, td(f.resource, "nw"),
    // Why it is waived and until when under its message, as the reports' WAIVER column says it.
    h("td", { class: "msg" }, [f.message, f.waived ? h("div", { class: "waiver", text: f.waived }) : null]), td(when(f.firstSeen), "muted nw")
  ]);
}
function renderFindings() {
  var q = currentFilter();
  var hits = D.findings.filter(function (f) { return matches(f, q); });
  var body = clear($("findings-body"));
  hits.slice(0, MAX_ROWS).forEach(function (f) { body.appendChild(findingRow(f, false)); });
  var text = "Showing " + Math.min(hits.length, MAX_ROWS) + " of " + hits.length + " matching finding" + (hits.length === 1 ? "" : "s") + " (" + D.findingsTotal + " in this scan";
  if (D.findingsTotal > D.findings.length) text += "; the page carries the first " + D.findings.length + ": fleet-audit report findings lists all";
  $("findings-count").textContent = text + ").";
}
function setupFindings() {
  fillSelect($("f-cluster"), D.clusters.map(function (c) { return c.cluster; }).sort(byName), "all clusters");
  // A rule found only past the page's cut stays choosable, saying it matches nothing here.
  var carried = {};
  D.findings.forEach(function (f) { carried[f.rule] = true; });
  $("f-rule").appendChild(option("", "all rules"));
  D.rules.forEach(function (r) { $("f-rule").appendChild(option(r, carried[r] ? r : r + " (not on this page)")); });
  ["f-severity", "f-cluster", "f-rule", "f-waived"].forEach(function (id) { $(id).addEventListener("change", renderFindings); });
  $("f-text").addEventListener("input", renderFindings);
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("f-reset").addEventListener("click", function () { $("filters").reset(); renderFindings(); });
  renderFindings();
}

// ---- per-cluster drill-down ----
/** Why a cluster no scan has read has no counts: not CNS and stopped clusters were reached, just not collected. */
function unread(status) {
  if (status === "not-cns") return "not collected: no NodeNetworkConfig API (not CNS)";
  if (status === "stopped") return "stopped in ARM: not scanned";
  return "unknown (no scan has read it)";
}
function fact(k, v) { return [h("dt", { text: k }), h("dd", null, [v])]; }
// Text parts, each coloured by its severity where it has one: "3/4 ready" red, "0 crash-looping" plain.
function parts(list, sep) {
  var out = [];
  list.forEach(function (p, i) { if (i) out.push(sep); out.push(h("span", { class: p[1] || null, text: p[0] })); });
  return h("span", null, out);
}
// The rules that fail as a table; the waived and not-applicable ones as a line each (an unread
// cluster has two dozen rules not applicable for one reason).
function renderCompliance(box, results) {
  var fail = results.filter(function (r) { return r.status === "fail"; });
  var waived = results.filter(function (r) { return r.status === "waived"; });
  var na = results.filter(function (r) { return r.status === "not-applicable"; });
  box.appendChild(h("h4", { text: "Compliance: rules that do not pass" }));
  if (fail.length) box.appendChild(table(["Rule", "Severity", "Findings"], fail.map(function (r) {
    return h("tr", { class: "sev-" + r.severity, "data-rule": r.rule }, [td(r.rule, "sev"), td(r.severity || ""), td(r.findings, "r")]);
  }), "compliance-fail"));
  else box.appendChild(h("p", { class: "ok", text: "No rule fails." }));
  if (waived.length) box.appendChild(h("p", { class: "muted", text: "Waived: " + waived.map(function (r) { return r.rule; }).join(", ") + "." }));
  if (!na.length) return;
  var reasons = [], rules = new Map();
  na.forEach(function (r) {
    var why = r.reason || "no reason given";
    if (!rules.has(why)) { rules.set(why, []); reasons.push(why); }
    rules.get(why).push(r.rule);
  });
  var text = reasons.length === 1 ? plural(na.length, "rule") + " not applicable: " + reasons[0] + "." : "Not applicable: " + reasons.map(function (why) { return why + " (" + rules.get(why).join(", ") + ")"; }).join("; ") + ".";
  box.appendChild(h("p", { class: "muted not-applicable", text: text }));
}
function renderCluster(name) {
  var box = clear($("cluster-detail"));
  var c = D.clusters.filter(function (x) { return x.cluster === name; })[0];
  if (!c) { $("cluster-select").value = ""; box.appendChild(h("p", { class: "muted", text: "Choose a cluster above, or click a cluster name anywhere on the page." })); return; }
  $("cluster-select").value = name;
  // Focusable from script only: navigation moves focus here, so the next Tab stays in the drill-down.
  box.appendChild(h("h3", { text: c.cluster, tabindex: "-1" }));
  // No scan has read the cluster: its counts are unknown, not 0; the status says why.
  var read = c.lastOkAt !== null;
  var notRead = unread(c.status);
  var facts = [
    fact("Status", c.status + (c.reason ? " — " + c.reason : "")), fact("Score", c.score === null ? "N/A (" + UNGRADED + ")" : c.score + " (" + c.grade + ", from " + c.scoreFrom + ")"),
    fact("IPAM mode", c.mode || "-"), fact("Nodes / NNCs", read ? c.nodes + " / " + c.nncs : notRead),
    fact("Requested / assigned IPs", read ? int(c.requestedIPs) + " / " + int(c.assignedIPs) : notRead), fact("Scanned", when(c.takenAt) + " UTC")
  ];
  if (c.dataFrom) facts.push(fact("Data from", when(c.dataFrom) + " UTC (the latest scan failed)"));
  if (c.health) {
    var ds = c.health.daemonset, sv = c.health.severities;
    facts.push(fact("azure-cns", parts([[c.health.version || "version unknown"], [ds ? "DaemonSet " + ds.ready + "/" + ds.desired + " ready, " + ds.updated + " updated" : "no DaemonSet", sv.daemonset]], "; ")));
    // Every AKS CNS cluster has azure-cns-win; it says something only where Windows nodes run it, or
    // need it and it is missing (CNS001's critical).
    var win = c.health.windowsDaemonset;
    var winNeeded = c.health.windowsNodesNeedingPod || 0;
    if (win && win.desired > 0) facts.push(fact("azure-cns-win", parts([["DaemonSet " + win.ready + "/" + win.desired + " ready, " + win.updated + " updated", sv.windowsDaemonset]])));
    else if (win === null && winNeeded > 0) facts.push(fact("azure-cns-win", parts([["no DaemonSet; " + winNeeded + " Windows node(s) with an NNC need it", sv.windowsDaemonset]])));
    var p = c.health.pods, n = c.health.nodes;
    facts.push(fact("CNS pods", parts([[p.ready + "/" + p.total + " ready", sv.notReady], [p.crashLooping + " crash-looping", sv.crashLooping], [p.restarts + " restarts", sv.restarts]], ", ")));
    facts.push(fact("Nodes without CNS pod / NNC", parts([[n.withoutCnsPod, sv.withoutCnsPod], [n.withoutNnc, sv.withoutNnc]], " / ")));
    if (c.health.attentionTotal) facts.push(fact("Needing attention", attentionList(c.health)));
  }
  if (c.drift) {
    var d = c.drift;
    facts.push(fact("Since previous scan", d.note ? d.note : "+" + d.nodesAdded + "/−" + d.nodesRemoved + " nodes, +" + int(d.addressesGained) + "/−" + int(d.addressesLost) + " addresses, " + d.newFindings + " new / " + d.resolvedFindings + " resolved findings" + (d.cnsChanged ? ", azure-cns changed" : "")));
  }
  box.appendChild(h("dl", { class: "facts" }, [].concat.apply([], facts)));
  c.notes.forEach(function (n) { box.appendChild(h("p", { class: "note", text: "Note: " + n })); });

  var subnets = D.subnets.filter(function (s) { return s.clusters.indexOf(name) >= 0; });
  box.appendChild(h("h4", { text: "Pod subnets (" + subnets.length + ")" }));
  if (subnets.length) box.appendChild(table(["Subnet", "Shared with", "Used / capacity", "Utilisation", "Full by", "Headroom"], subnets.map(function (s) {
    var others = s.clusters.filter(function (x) { return x !== name; });
    return h("tr", { "data-subnet": s.key }, [words(s.label), others.length ? linkList(others, h("td", null, [])) : td("-"), usedOf(s),
      utilCell(s), fullBy(s), headroom(s)]);
  })));

  var fs = D.findings.filter(function (f) { return findingClusters(f).indexOf(name) >= 0; });
  box.appendChild(h("h4", { text: "Findings (" + c.findingsTotal + ")" }));
  // Past the page's cut or the table's rows: say how many are left out and where to read them all.
  var shown = Math.min(fs.length, MAX_ROWS);
  if (shown < c.findingsTotal) box.appendChild(h("p", { class: "muted", text: "Showing " + shown + " of " + c.findingsTotal + " (fleet-audit report findings --cluster " + name + " lists all)." }));
  if (fs.length) box.appendChild(table(["Severity", "Rule", "Resource", "Message", "First seen"], fs.slice(0, MAX_ROWS).map(function (f) { return findingRow(f, true); }), "cluster-findings"));
  if (c.results && c.results.length) renderCompliance(box, c.results);
  box.appendChild(h("button", { type: "button", text: "Show only this cluster's findings", onclick: function () {
    $("f-cluster").value = name; renderFindings(); $("findings").scrollIntoView();
  } }));
}
function clusterFromHash() {
  var m = /^#cluster=(.*)$/.exec(location.hash);
  if (!m) return "";
  try { return decodeURIComponent(m[1]); } catch (e) { return ""; }
}
// The cluster to show: the address's, else the only one of a page scoped to one cluster.
function wantedCluster() { return clusterFromHash() || (D.clusters.length === 1 ? D.clusters[0].cluster : ""); }
// The drill-down sits below the findings table: bring it into view and, unless the user is choosing in
// the select, move focus to its heading.
function showCluster(focus) {
  var head = $("cluster-detail").querySelector("h3");
  if (!head) return;
  $("cluster").scrollIntoView();
  if (focus) head.focus({ preventScroll: true });
}
function setupCluster() {
  var sel = $("cluster-select");
  fillSelect(sel, D.clusters.map(function (c) { return c.cluster; }).sort(byName), "choose a cluster…");
  sel.addEventListener("change", function () { if (sel.value) location.hash = "cluster=" + encodeURIComponent(sel.value); });
  // Back to the page without a hash clears the drill-down (or shows the scoped page's one cluster).
  window.addEventListener("hashchange", function () { renderCluster(wantedCluster()); if (clusterFromHash()) showCluster(document.activeElement !== sel); });
  // A link to the cluster already open changes no hash: go to it all the same.
  document.addEventListener("click", function (e) {
    var a = e.target instanceof Element ? e.target.closest("a.cl") : null;
    if (a && a.hash === location.hash) { e.preventDefault(); showCluster(true); }
  });
  renderCluster(wantedCluster());
  if (clusterFromHash()) showCluster(false);
}

renderCnsHealth();
renderRanking();
renderSubnets();
renderTrends();
setupFindings();
setupCluster();
document.body.setAttribute("data-ready", "true");
})();
`;
