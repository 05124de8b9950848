import type { Command } from "commander";
import { NotFoundError } from "../../errors.js";
import type { FleetEvaluation } from "../../model/evaluation.js";
import { type Finding, type Severity, severityRank } from "../../model/finding.js";
import { REPORT_KINDS, tableNames } from "../../reports/catalogue.js";
import { matchesFinding, type ReportFilter } from "../../reports/filter.js";
import { displaySafe } from "../../display-safe.js";
import { FORMATS, type Format } from "../../reports/render.js";
import { renderStored, reportRequest } from "../../reports/stored.js";
import { type CliIO, useColor } from "../io.js";
import { ExitCode, storageOptions } from "../main.js";
import { choiceOption, severityArg } from "../options.js";
import { demoHistoryHint, type StorageOpts, withStore } from "../store.js";

interface ReportOpts extends StorageOpts {
  format?: Format;
  cluster?: string;
  severity?: string;
  rule?: string;
  since?: string;
  table?: string;
  failOn?: Severity;
}

export function registerReport(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("report")
      .description("Print a report from the latest evaluation in the store.")
      .argument("<kind>", `report kind: ${[...REPORT_KINDS.keys()].join(", ")}`)
      .addOption(choiceOption("--format <format>", "output format (default: table on a terminal, otherwise json, or csv with --table)", FORMATS))
      .option("--cluster <name>", "only this cluster, or the clusters a pattern with * matches (aks-prod-*)")
      .option("--severity <severity>", "only findings at or above: info, warning, critical")
      .option("--rule <id>", "only this rule (e.g. IPX001)")
      .option("--since <time>", "only findings seen since an ISO time or a duration (24h, 7d)")
      .option("--table <name>", "only this table of the report (csv, md, html, table): e.g. exhaustion's subnets or clusters, for a spreadsheet (piped, csv unless --format says otherwise)")
      .option("--fail-on <severity>", "exit 3 (and say why on stderr) when an unwaived finding at or above this severity passes the filters --cluster, --rule and --since (--severity only narrows what is printed)", severityArg),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit report findings --severity warning
  fleet-audit report exhaustion --format csv > exhaustion.csv
  fleet-audit report findings --cluster aks-prod-weu --format json --fail-on critical
  fleet-audit report exhaustion --cluster 'aks-prod-*'

Tables of each report (--table NAME picks one) and the filters it applies (any other is refused):
${[...REPORT_KINDS.values()].map((k) => `  ${k.name.padEnd(11)} tables ${tableNames(k).join(", ").padEnd(24)} ${k.filters.map((f) => `--${f}`).join(" ")}`).join("\n")}`,
    )
    .action(async (kind: string, opts: ReportOpts) => {
      // Piped, a report is JSON, but one --table picks from the text formats: CSV, for a spreadsheet.
      const format: Format = opts.format ?? (io.stdout.isTTY ? "table" : opts.table !== undefined ? "csv" : "json");
      const { filter } = reportRequest(kind, { cluster: opts.cluster, severity: opts.severity, rule: opts.rule, since: opts.since });
      await withStore(opts, io, async (store, opened) => {
        const evaluation = await store.getLatestEvaluation();
        if (!evaluation) throw new NotFoundError(`no scan has been evaluated yet: run \`fleet-audit scan\` first${demoHistoryHint(opts, opened, io, kind)}`);
        const r = await renderStored(store, evaluation, kind, filter, format, { color: useColor(io), ...(io.stdout.columns ? { width: io.stdout.columns } : {}), ...(opts.table !== undefined ? { table: opts.table } : {}) });
        io.stdout.write(r.body);
        failOn(io, evaluation, opts.failOn, filter);
      });
    });
}

/**
 * Unwaived findings at or above `level` that the report's cluster, rule and since filters let through:
 * what `--fail-on` fails on. `--severity` only narrows what is printed; the gate's level is `level`.
 */
export function failingFindings(e: FleetEvaluation, level: Severity, filter: ReportFilter = {}): Finding[] {
  const { severity: _printedOnly, ...gate } = filter;
  return e.findings.filter((f) => !f.waived && severityRank(f.severity) >= severityRank(level) && matchesFinding(gate, f));
}

/** Exit 3 with one line on stderr saying why, when `--fail-on` finds something. */
export function failOn(io: CliIO, e: FleetEvaluation, level: Severity | undefined, filter: ReportFilter = {}): void {
  if (!level) return;
  const failing = failingFindings(e, level, filter);
  if (failing.length === 0) return;
  const f = failing[0]!;
  io.stderr.write(`fleet-audit: --fail-on ${level}: ${failing.length} unwaived finding${failing.length === 1 ? "" : "s"} at or above ${level}, the first ${f.rule} (${f.severity}) in ${displaySafe(f.cluster)}\n`);
  throw new ExitCode(3);
}
