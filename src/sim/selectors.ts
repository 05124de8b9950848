// Label and field selectors with the apiserver's grammar (k8s.io/apimachinery labels/fields).

export class SelectorError extends Error {}

export type LabelOp = "=" | "!=" | "exists" | "!exists" | "in" | "notin";
export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}

const KEY = String.raw`[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const RE_EXISTS = new RegExp(`^(${KEY})$`);
const RE_NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const RE_EQ = new RegExp(`^(${KEY})\\s*(==|!=|=)\\s*(${VALUE})$`);
const RE_SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`);
const RE_VALUE = new RegExp(`^${VALUE}$`);

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim());
}

export function parseLabelSelector(s: string | null | undefined): LabelRequirement[] {
  if (!s || s.trim() === "") return [];
  return splitTerms(s).map((term) => {
    let m = RE_NOT_EXISTS.exec(term);
    if (m) return { key: m[1]!, op: "!exists", values: [] };
    m = RE_SET.exec(term);
    if (m) {
      const values = m[3]!.split(",").map((v) => v.trim());
      if (values.some((v) => !RE_VALUE.test(v))) throw new SelectorError(`unable to parse requirement: invalid label value in "${term}"`);
      return { key: m[1]!, op: m[2] as "in" | "notin", values };
    }
    m = RE_EQ.exec(term);
    if (m) return { key: m[1]!, op: m[2] === "!=" ? "!=" : "=", values: [m[3]!] };
    m = RE_EXISTS.exec(term);
    if (m) return { key: m[1]!, op: "exists", values: [] };
    throw new SelectorError(`unable to parse requirement: <nil>: Invalid value: "${term}": found '${term[0] ?? ""}', expected: identifier`);
  });
}

export function matchesLabels(reqs: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const v = labels?.[r.key];
    switch (r.op) {
      case "exists":
        if (v === undefined) return false;
        break;
      case "!exists":
        if (v !== undefined) return false;
        break;
      case "=":
        if (v !== r.values[0]) return false;
        break;
      case "!=":
        if (v === r.values[0]) return false;
        break;
      case "in":
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (v !== undefined && r.values.includes(v)) return false;
        break;
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

export function parseFieldSelector(s: string | null | undefined): FieldRequirement[] {
  if (!s || s.trim() === "") return [];
  return s.split(",").map((term) => {
    const m = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${term}'; can't understand '${term}'`);
    return { field: m[1]!, op: m[2] === "!=" ? "!=" : "=", value: m[3]! };
  });
}

/** `get` returns the field's value as the apiserver would compare it, or throws for unsupported fields. */
export function matchesFields(
  reqs: readonly FieldRequirement[],
  get: (field: string) => string | undefined,
): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? "";
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}
