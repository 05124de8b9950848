// Turns a report document into the bytes of one format. Shared by the CLI and the HTTP handlers.
import { UsageError } from "../errors.js";
import type { FleetEvaluation } from "../model/evaluation.js";
import { reportKind } from "./catalogue.js";
import { describeFilter, type ReportFilter } from "./filter.js";
import { renderHtml } from "./formats/html.js";
import { renderCsv, renderMarkdown, renderTable } from "./formats/text.js";
import { toSarif } from "./formats/sarif.js";
import type { FindingsDocument } from "./kinds/findings.js";
import { forAudience, type Audience, type ReportKind, type TableSection } from "./report.js";
import { RULES } from "../rules/catalogue.js";

export const FORMATS = ["table", "json", "csv", "md", "html", "sarif"] as const;
export type Format = (typeof FORMATS)[number];

/** A format as a person types it, in any case (`JSON`), among `allowed` (HTTP serves no `table`). */
export function parseFormat(v: string, allowed: readonly Format[] = FORMATS): Format {
  const f = allowed.find((x) => x === v.toLowerCase());
  if (f) return f;
  throw new UsageError(`format must be one of ${allowed.join(", ")}, not ${JSON.stringify(v.slice(0, 40))}`);
}

export interface Rendered {
  contentType: string;
  body: string;
  /** The JSON document behind the text (for --fail-on and tests). */
  doc: unknown;
}

export interface RenderOptions {
  color?: boolean;
  width?: number;
  /** Only the table of this name (`--table`, `?table=`): one header row for a CSV import. */
  table?: string;
}

/** The report's tables, or the one `name` picks; an unknown name says which there are. */
function pick(kind: ReportKind<unknown>, doc: unknown, name: string | undefined): TableSection[] {
  const all = kind.tables(doc);
  if (name === undefined) return all;
  const one = all.filter((t) => t.name === name.toLowerCase()); // in any case, as the kind
  if (one.length === 0) throw new UsageError(`the ${kind.name} report has no table ${JSON.stringify(name.slice(0, 40))}; it has ${all.map((t) => t.name).join(", ")}`);
  return one;
}

export function renderReport(kindName: string, evaluation: FleetEvaluation, filter: ReportFilter, format: Format, opts: RenderOptions = {}): Rendered {
  const kind = reportKind(kindName);
  if (opts.table !== undefined && (format === "json" || format === "sarif")) throw new UsageError(`table picks one table of the text formats (table, csv, md, html), not of ${format}`);
  const doc = kind.build(evaluation, filter);
  const tables = (audience: Audience = "people"): TableSection[] => forAudience(pick(kind, doc, opts.table), audience);
  // A page read later, or forwarded, says what it leaves out.
  const filtered = describeFilter(filter);
  switch (format) {
    case "json":
      return { contentType: "application/json; charset=utf-8", body: `${JSON.stringify(doc, null, 2)}\n`, doc };
    case "table":
      return { contentType: "text/plain; charset=utf-8", body: renderTable(tables(), { color: opts.color ?? false, ...(opts.width ? { width: opts.width } : {}) }), doc };
    case "csv":
      return { contentType: "text/csv; charset=utf-8", body: renderCsv(tables("csv")), doc };
    case "md":
      return { contentType: "text/markdown; charset=utf-8", body: renderMarkdown(`${kind.title} — ${evaluation.generatedAt}${filtered ? ` (${filtered})` : ""}`, tables()), doc };
    case "html":
      return { contentType: "text/html; charset=utf-8", body: renderHtml(kind.title, `${evaluation.generatedAt} · scan ${evaluation.scanId}${filtered ? ` · only ${filtered}` : ""}`, tables()), doc };
    case "sarif": {
      if (kind.name !== "findings") throw new UsageError(`format sarif is only available for the findings report, not ${kind.name}`);
      const sarif = toSarif(doc as FindingsDocument, RULES.map((r) => r.meta), { toolVersion: process.env.npm_package_version ?? "0.1.0" });
      return { contentType: "application/sarif+json; charset=utf-8", body: `${JSON.stringify(sarif, null, 2)}\n`, doc };
    }
    default:
      throw new UsageError(`format ${format} is not available for the ${kind.name} report yet`);
  }
}
