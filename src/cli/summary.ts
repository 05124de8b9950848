// The human summary after a scan: how each cluster went, then the findings.
import { displaySafe } from "../display-safe.js";
import { colours as pc } from "../reports/formats/text.js";
import { countFindings } from "../model/evaluation.js";
import { renderReport } from "../reports/render.js";
import type { ScanResult } from "../scan.js";
import { type CliIO, useColor } from "./io.js";

/** `seconds`: the whole scan, discovery included (a subscription that hangs is time the scan took). */
export function printScanSummary(io: CliIO, r: ScanResult, seconds: number, discoverySeconds?: number): void {
  const color = useColor(io);
  const byStatus = new Map<string, number>();
  for (const c of r.clusters) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
  const statusText = [...byStatus].map(([s, n]) => `${n} ${s}`).join(", ");
  const lines = [`Scanned ${r.clusters.length} cluster${r.clusters.length === 1 ? "" : "s"} in ${seconds.toFixed(1)}s${discoverySeconds === undefined ? "" : ` (${discoverySeconds.toFixed(1)}s of it discovery)`} (scan ${r.scanId}): ${statusText || "none"}`];
  for (const f of r.storeFailures) lines.push(`  ${displaySafe(f.cluster)}: snapshot NOT stored: ${displaySafe(f.reason)}`);
  const c = countFindings(r.evaluation.findings);
  const counts = `${c.critical} critical, ${c.warning} warning, ${c.info} info${c.waived ? `, ${c.waived} waived` : ""}`;
  lines.push(`Findings: ${color && c.critical ? pc.red(counts) : counts}`, "");
  io.stdout.write(lines.join("\n") + "\n");
  const width = io.stdout.columns;
  io.stdout.write(renderReport("exhaustion", r.evaluation, {}, "table", { color, ...(width ? { width } : {}) }).body);
  // A table ends with one newline: a blank line sets the findings apart, as between the tables above.
  io.stdout.write("\n");
  io.stdout.write(renderReport("findings", r.evaluation, {}, "table", { color, ...(width ? { width } : {}) }).body);
  printScanNotes(io, r);
}

/** The evaluation's notes (per cluster, then fleet-wide: policy, accounting) on stderr, whatever the output format. */
export function printScanNotes(io: CliIO, r: ScanResult): void {
  for (const c of r.evaluation.clusters) for (const n of c.notes ?? []) io.stderr.write(`note: ${displaySafe(c.cluster)}: ${displaySafe(n)}\n`);
  for (const n of r.evaluation.notes) io.stderr.write(`note: ${displaySafe(n)}\n`);
}
