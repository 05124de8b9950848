// A report kind builds a JSON document from a stored evaluation and describes it as tables; every
// text format (table, csv, md, html) renders those tables, so a new kind gets every format at once.
import type { FleetEvaluation } from "../model/evaluation.js";
import { percentDown } from "../percent.js";
import type { ReportFilter } from "./filter.js";

export type Cell = string | number | boolean | null | undefined;

export interface Column {
  key: string;
  title: string;
  align?: "left" | "right";
  /** How a value shows in text formats (the JSON keeps the raw value). */
  format?: (v: Cell) => string;
  /** Only in CSV, where a script wants one fact a column, or only where people read (table, md, html). */
  only?: Audience;
}

export type Audience = "csv" | "people";

/** `sections` with the columns `audience` reads. */
export function forAudience(sections: TableSection[], audience: Audience): TableSection[] {
  return sections.map((s) => ({ ...s, columns: s.columns.filter((c) => (c.only ?? audience) === audience) }));
}

export interface TableSection {
  /** Stable, for picking one table (`--table`, `?table=`): the title may carry counts. */
  name: string;
  title: string;
  columns: Column[];
  rows: Array<Record<string, Cell>>;
  /** Severity of each row, for colour in terminals. */
  rowSeverity?: Array<string | undefined>;
  empty?: string;
}

export interface ReportKind<D = unknown> {
  name: string;
  title: string;
  /** The filters this report applies; any other is refused, never silently ignored. */
  filters: ReadonlyArray<keyof ReportFilter>;
  build(evaluation: FleetEvaluation, filter: ReportFilter): D;
  tables(doc: D): TableSection[];
}

/** A utilisation (a fraction) as percentDown shows it: never at a threshold it did not reach. */
export function pct(v: Cell): string {
  return typeof v === "number" ? percentDown(v) : "";
}
