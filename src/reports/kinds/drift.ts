// `drift`: per cluster, what changed since its previous snapshot (nodes, NNCs, blocks/IPs, CNS images)
// and how findings moved (new, resolved, changed severity, newly waived or no longer waived).
import type { DriftCluster, DriftFinding } from "../../model/sections.js";
import { STALE_COLUMN, staleSince } from "../as-of.js";
import { matchesCluster, meetsSeverity, type ReportFilter } from "../filter.js";
import type { ReportKind, TableSection } from "../report.js";

export interface DriftDocument {
  generatedAt: string;
  scanId: string;
  clusters: DriftCluster[];
  note?: string;
}

const keep = (f: ReportFilter) => (x: DriftFinding) => meetsSeverity(f, x.severity) && (!f.rule || x.rule === f.rule);
const signed = (gained: number, lost: number): string => (gained || lost ? `+${gained} −${lost}` : "");
const short = (image: string | null): string => (image ? image.slice(image.lastIndexOf("/") + 1) : "none");

export const driftReport: ReportKind<DriftDocument> = {
  name: "drift",
  title: "Drift since the previous snapshot",
  filters: ["cluster", "severity", "rule"],
  build(e, f) {
    const section = e.sections?.drift;
    const doc: DriftDocument = { generatedAt: e.generatedAt, scanId: e.scanId, clusters: [] };
    if (!section) {
      doc.note = "this evaluation has no drift section (it predates it): run a scan";
      return doc;
    }
    const k = keep(f);
    doc.clusters = section.clusters
      .filter((c) => matchesCluster(f, c.cluster))
      .map((c) => ({
        ...c,
        findings: {
          new: c.findings.new.filter(k),
          resolved: c.findings.resolved.filter(k),
          changedSeverity: c.findings.changedSeverity.filter(k),
          waived: c.findings.waived.filter(k),
          unwaived: c.findings.unwaived.filter(k),
        },
      }));
    return doc;
  },
  tables(doc) {
    const summary: TableSection = {
      name: "clusters",
      title: "Drift by cluster",
      columns: [
        { key: "cluster", title: "CLUSTER" },
        { key: "from", title: "SINCE" },
        { key: "nodes", title: "NODES" },
        { key: "nncs", title: "NNCS" },
        { key: "addresses", title: "ADDRESSES" },
        { key: "cns", title: "CNS IMAGE" },
        { key: "findings", title: "FINDINGS NEW/RESOLVED/CHANGED" },
      ],
      rows: doc.clusters.map((c) => ({
        cluster: c.cluster,
        // The note when there is one: it also says when the latest scan did not read the cluster.
        from: c.note ?? c.from ?? "",
        nodes: signed(c.nodes.added.length, c.nodes.removed.length),
        nncs: signed(c.nncs.added.length, c.nncs.removed.length),
        addresses: signed(c.addresses.gained, c.addresses.lost),
        cns: c.cns.changed ? `${short(c.cns.imageBefore)} → ${short(c.cns.imageAfter)}${Object.keys(c.cns.podImagesAfter).length > 1 ? ` (pods: ${Object.entries(c.cns.podImagesAfter).map(([i, n]) => `${short(i)}×${n}`).join(", ")})` : ""}` : "",
        findings: `${c.findings.new.length}/${c.findings.resolved.length}/${c.findings.changedSeverity.length}`,
      })),
      empty: doc.note ?? "No clusters.",
    };
    const rows: Array<Record<string, string>> = [];
    const sev: Array<string | undefined> = [];
    const add = (cluster: string, change: string, what: string, severity?: string, staleDataFrom = "") => {
      rows.push({ cluster, change, what, staleDataFrom });
      sev.push(severity);
    };
    for (const c of doc.clusters) {
      // Changes in the data are as old as the data; findings moved in this evaluation.
      const data = (change: string, what: string) => add(c.cluster, change, what, undefined, staleSince(c) ?? "");
      for (const n of c.nodes.added) data("node added", n);
      for (const n of c.nodes.removed) data("node removed", n);
      for (const n of c.nncs.added) data("NNC added", n);
      for (const n of c.nncs.removed) data("NNC removed", n);
      for (const n of c.nncChanges) {
        if (n.gained.length) data("addresses gained", `${n.nnc}: ${n.gained.join(", ")}`);
        if (n.lost.length) data("addresses released", `${n.nnc}: ${n.lost.join(", ")}`);
      }
      if (c.cns.changed) data("CNS image", `${short(c.cns.imageBefore)} → ${short(c.cns.imageAfter)}`);
      const win = c.cns.windows;
      if (win?.changed) data("CNS image (azure-cns-win)", `${short(win.imageBefore)} → ${short(win.imageAfter)}`);
      for (const f of c.findings.new) add(c.cluster, "new finding", `${f.rule} ${f.resource}: ${f.message}`, f.severity);
      for (const f of c.findings.resolved) add(c.cluster, "resolved", `${f.rule} ${f.resource}`);
      for (const f of c.findings.changedSeverity) add(c.cluster, `${f.previousSeverity} → ${f.severity}`, `${f.rule} ${f.resource}`, f.severity);
      for (const f of c.findings.waived) add(c.cluster, "now waived", `${f.rule} ${f.resource}`, "waived");
      for (const f of c.findings.unwaived) add(c.cluster, "no longer waived", `${f.rule} ${f.resource}`, f.severity);
    }
    return [
      summary,
      { name: "changes", title: "Changes", columns: [{ key: "cluster", title: "CLUSTER" }, { key: "change", title: "CHANGE" }, { key: "what", title: "WHAT" }, STALE_COLUMN], rows, rowSeverity: sev, empty: "Nothing changed." },
    ];
  },
};
