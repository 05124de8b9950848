import type { Command } from "commander";
import { Option } from "commander";
import { NotFoundError } from "../../errors.js";
import type { FleetEvaluation } from "../../model/evaluation.js";
import { type Severity, severityRank } from "../../model/finding.js";
import { REPORT_KINDS } from "../../reports/catalogue.js";
import { checkClusterFilter, matchesCluster, parseFilter, type ReportFilter } from "../../reports/filter.js";
import { withEveryNodeRow } from "../../reports/health-rows.js";
import { FORMATS, type Format, parseFormat, renderReport } from "../../reports/render.js";
import { type CliIO, useColor } from "../io.js";
import { ExitCode, storageOptions } from "../main.js";
import { severityArg } from "../options.js";
import { type StorageOpts, withStore } from "../store.js";

interface ReportOpts extends StorageOpts {
  format?: string;
  cluster?: string;
  severity?: string;
  rule?: string;
  since?: string;
  failOn?: Severity;
}

export function registerReport(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("report")
      .description("Print a report from the latest evaluation in the store.")
      .argument("<kind>", `report kind: ${[...REPORT_KINDS.keys()].join(", ")}`)
      .addOption(new Option("--format <format>", "output format (default: table on a terminal, json otherwise)").choices([...FORMATS]))
      .option("--cluster <name>", "only this cluster, or the clusters a pattern with * matches (aks-prod-*)")
      .option("--severity <severity>", "only findings at or above: info, warning, critical")
      .option("--rule <id>", "only this rule (e.g. IPX001)")
      .option("--since <time>", "only findings seen since an ISO time or a duration (24h, 7d)")
      .option("--fail-on <severity>", "exit 3 when an unwaived finding at or above this severity exists", severityArg),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit report findings --severity warning
  fleet-audit report exhaustion --format csv > exhaustion.csv
  fleet-audit report findings --cluster aks-prod-weu --format json --fail-on critical
  fleet-audit report exhaustion --cluster 'aks-prod-*'`,
    )
    .action(async (kind: string, opts: ReportOpts) => {
      const format: Format = opts.format ? parseFormat(opts.format) : io.stdout.isTTY ? "table" : "json";
      if (!REPORT_KINDS.has(kind)) throw new NotFoundError(`unknown report ${JSON.stringify(kind)}; known: ${[...REPORT_KINDS.keys()].join(", ")}`);
      const filter = parseFilter({ cluster: opts.cluster, severity: opts.severity, rule: opts.rule, since: opts.since });
      await withStore(opts, io, async (store) => {
        const evaluation = await store.getLatestEvaluation();
        if (!evaluation) throw new NotFoundError("no scan has been evaluated yet: run `fleet-audit scan` first");
        checkClusterFilter(filter, evaluation.clusters.map((c) => c.cluster));
        const r = renderReport(kind, await withEveryNodeRow(store, kind, evaluation, filter), filter, format, { color: useColor(io), ...(io.stdout.columns ? { width: io.stdout.columns } : {}) });
        io.stdout.write(r.body);
        if (opts.failOn && failsOn(evaluation, opts.failOn, filter)) throw new ExitCode(3);
      });
    });
}

/** True when an unwaived finding at or above `level` exists (in the clusters `filter` names, when it does). */
export function failsOn(e: FleetEvaluation, level: Severity, filter: ReportFilter = {}): boolean {
  return e.findings.some((f) => !f.waived && severityRank(f.severity) >= severityRank(level) && matchesCluster(filter, f.cluster, f.clusters));
}
