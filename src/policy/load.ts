// Loads a policy file (YAML) and validates it at load: a bad file fails with one line naming the file
// and the path of the bad key (`policy.yaml: waivers[2].expires: not an ISO date`), never later.
import { AlertsConfigSchema } from "../alerts/config.js";
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { z } from "zod";
import { WATCHED_CNS_CONFIG_KEYS } from "../collect/normalize/workloads.js";
import { UsageError } from "../errors.js";
import { globsIntersect } from "../glob.js";
import { RULES } from "../rules/catalogue.js";
import { RULE_ID, type RuleMeta } from "../rules/rule.js";
import type { Policy } from "./policy.js";
import { severitySchema } from "./severity.js";

export class PolicyError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const VERSION = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;

const pattern = z.string().min(1, "must not be empty").max(1024, "is longer than 1024 characters");
const number = z.number({ error: "must be a number" }).finite("must be a finite number");
const thresholds = z.record(z.string(), z.record(z.string(), number, { error: "must map threshold names to numbers" }), { error: "must map rule IDs to thresholds" });
const severities = z.record(z.string(), severitySchema, { error: "must map rule IDs to severities" });
/** ISO date or time that names a real day (Date.parse rolls 2026-02-30 over to March). */
function isIsoDate(v: string): boolean {
  if (!ISO_DATE.test(v)) return false;
  const day = v.slice(0, 10);
  const t = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(day) && !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v));
}
const isoDate = z.string({ error: "not an ISO date" }).refine(isIsoDate, "not an ISO date (2026-12-31 or 2026-12-31T18:00:00Z)");
const version = z.string({ error: "must be a version string" }).regex(VERSION, "not a version like v1.6.25");

const waiver = z.strictObject(
  {
    cluster: pattern.optional(),
    rule: pattern.optional(),
    resource: pattern.optional(),
    reason: z.string({ error: "a reason is required" }).trim().min(1, "a reason is required"),
    expires: isoDate.optional(),
  },
  { error: "must be a mapping with cluster, rule, resource, reason, expires" },
);

const override = z.strictObject(
  {
    cluster: pattern.optional(),
    subscription: pattern.optional(),
    thresholds: thresholds.optional(),
    severity: severities.optional(),
  },
  { error: "must be a mapping with cluster, subscription, thresholds, severity" },
);

/** Every key a policy file may have (examples/policy.yaml shows each: a test walks this schema). */
export const PolicySchema = z.strictObject(
  {
    thresholds: thresholds.optional(),
    severity: severities.optional(),
    baseline: z
      .strictObject(
        {
          cnsVersion: version.optional(),
          minCnsVersion: version.optional(),
          cnsConfig: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: "must be a string, number or boolean" })).optional(),
        },
        { error: "must be a mapping with cnsVersion, minCnsVersion, cnsConfig" },
      )
      .optional(),
    waivers: z.array(waiver, { error: "must be a list of waivers" }).optional(),
    overrides: z.array(override, { error: "must be a list of overrides" }).optional(),
    alerts: AlertsConfigSchema.optional(),
  },
  { error: "must be a mapping with thresholds, severity, baseline, waivers, overrides, alerts" },
);

/** `["waivers", 2, "expires"]` → `waivers[2].expires` */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out;
}

interface Issue {
  path: PropertyKey[];
  message: string;
}

function zodMessage(i: z.core.$ZodIssue): string {
  if (i.code === "unrecognized_keys") return `unknown key${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => JSON.stringify(k)).join(", ")}`;
  return i.message;
}

/**
 * Rule IDs in any case, as `--rule` takes them: the rule keys of thresholds and severity (fleet-wide and
 * per override) and a waiver's rule become the catalogue's IDs, in place. An ID the catalogue lacks stays
 * as written for catalogueIssues to refuse; one rule named twice in one mapping (cns005 and CNS005) is refused.
 */
function canonicalRuleIds(p: Policy, rules: readonly RuleMeta[]): Issue[] {
  const ids = new Map(rules.map((r) => [r.id.toUpperCase(), r.id]));
  const canonical = (id: string) => ids.get(id.toUpperCase()) ?? id;
  const issues: Issue[] = [];
  const rekey = <T>(byRule: Record<string, T>, base: PropertyKey[]): Record<string, T> => {
    const out: Record<string, T> = {};
    const written = new Map<string, string>();
    for (const [k, v] of Object.entries(byRule)) {
      const id = canonical(k);
      if (written.has(id)) issues.push({ path: [...base, k], message: `names ${id} again (as ${written.get(id)} before)` });
      else written.set(id, k);
      out[id] = v;
    }
    return out;
  };
  const sections = (o: Pick<Policy, "thresholds" | "severity">, base: PropertyKey[]) => {
    if (o.thresholds) o.thresholds = rekey(o.thresholds, [...base, "thresholds"]);
    if (o.severity) o.severity = rekey(o.severity, [...base, "severity"]);
  };
  sections(p, []);
  p.overrides?.forEach((o, i) => sections(o, ["overrides", i]));
  // Catalogue IDs are upper case (RULE_ID), so a pattern in upper case matches them in any case.
  for (const w of p.waivers ?? []) if (w.rule !== undefined) w.rule = w.rule.includes("*") ? w.rule.toUpperCase() : canonical(w.rule);
  return issues;
}

/** Checks that need the rule catalogue: rule IDs exist, thresholds are ones the rule declares. */
function catalogueIssues(p: Policy, rules: readonly RuleMeta[]): Issue[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const issues: Issue[] = [];
  // `under`: the fleet-wide thresholds an override's sit on, for the order of a warning/critical pair.
  const checkThresholds = (t: Policy["thresholds"], base: PropertyKey[], under?: Policy["thresholds"]) => {
    for (const [id, keys] of Object.entries(t ?? {})) {
      const meta = byId.get(id);
      if (!meta) {
        issues.push({ path: [...base, id], message: unknownRule(id, rules) });
        continue;
      }
      const declared = Object.keys(meta.thresholds ?? {});
      for (const [k, v] of Object.entries(keys)) {
        if (!declared.includes(k)) {
          issues.push({ path: [...base, id, k], message: declared.length ? `${id} has no threshold "${k}" (it has: ${declared.join(", ")})` : `${id} has no thresholds` });
          continue;
        }
        const bad = valueIssue(k, v);
        if (bad) issues.push({ path: [...base, id, k], message: bad });
      }
      const order = orderIssue(meta, { ...meta.thresholds, ...under?.[id], ...keys });
      if (order) issues.push({ path: [...base, id], message: order });
    }
  };
  const checkSeverities = (s: Policy["severity"], base: PropertyKey[]) => {
    for (const id of Object.keys(s ?? {})) if (!byId.has(id)) issues.push({ path: [...base, id], message: unknownRule(id, rules) });
  };
  checkThresholds(p.thresholds, ["thresholds"]);
  checkSeverities(p.severity, ["severity"]);
  p.overrides?.forEach((o, i) => {
    if (o.cluster === undefined && o.subscription === undefined) issues.push({ path: ["overrides", i], message: "name a cluster or subscription pattern" });
    checkThresholds(o.thresholds, ["overrides", i, "thresholds"], p.thresholds);
    checkSeverities(o.severity, ["overrides", i, "severity"]);
  });
  issues.push(...stackedOrderIssues(p, byId));
  p.waivers?.forEach((w, i) => {
    // A waiver without any pattern would silence the whole fleet, and so would one whose patterns are
    // all `*` (or `**`): such a pattern counts as absent.
    const narrows = (p: string | undefined) => p !== undefined && !/^\*+$/.test(p);
    if (!narrows(w.cluster) && !narrows(w.rule) && !narrows(w.resource)) {
      issues.push({ path: ["waivers", i], message: `name at least one of cluster, rule, resource${[w.cluster, w.rule, w.resource].some((p) => p !== undefined) ? " (a pattern of only * matches everything)" : ""}` });
    }
    if (w.rule !== undefined && !w.rule.includes("*") && !byId.has(w.rule)) issues.push({ path: ["waivers", i, "rule"], message: unknownRule(w.rule, rules) });
  });
  for (const k of Object.keys(p.baseline?.cnsConfig ?? {})) {
    if (!(WATCHED_CNS_CONFIG_KEYS as readonly string[]).includes(k)) issues.push({ path: ["baseline", "cnsConfig", k], message: `not a watched cns_config.json key (watched: ${WATCHED_CNS_CONFIG_KEYS.join(", ")})` });
  }
  return issues;
}

/** Thresholds that divide or multiply time: 0 would make every cluster stale at once (SCN004). */
const POSITIVE = new Set(["scanIntervalMinutes", "intervals"]);

/** Bounds every threshold keeps: a percentage is 0–100; minutes, days and counts are not negative; a scan interval (and the count of them) is above 0. */
function valueIssue(key: string, v: number): string | undefined {
  if (key.endsWith("Percent")) return v >= 0 && v <= 100 ? undefined : "must be a percentage from 0 to 100";
  if (POSITIVE.has(key)) return v > 0 ? undefined : "must be greater than 0";
  return v >= 0 ? undefined : "must not be negative";
}

/**
 * A `warningX` / `criticalX` pair keeps the order of the rule's defaults (warningPercent 80 below
 * criticalPercent 95; warningDays 14 above criticalDays 3): inverted, the warning level never shows.
 * `effective`: defaults, then the fleet-wide values, then an override's.
 */
function orderIssue(meta: RuleMeta, effective: Record<string, number>): string | undefined {
  const defaults = meta.thresholds ?? {};
  for (const w of Object.keys(defaults).filter((k) => k.startsWith("warning"))) {
    const c = `critical${w.slice("warning".length)}`;
    if (defaults[c] === undefined || defaults[w] === defaults[c]) continue;
    const rising = defaults[w]! < defaults[c]!;
    const [wv, cv] = [effective[w]!, effective[c]!];
    if (rising ? wv > cv : wv < cv) return `${meta.id} ${w} (${wv}) must not be ${rising ? "above" : "below"} ${c} (${cv})`;
  }
  return undefined;
}

/**
 * Two overrides that can apply to one cluster (their patterns overlap) stack: a cluster may take its
 * warning level from one and its critical level from the other, as the evaluation applies them (the
 * last matching override that sets a key wins). Every such pair keeps the order orderIssue keeps.
 */
function stackedOrderIssues(p: Policy, byId: ReadonlyMap<string, RuleMeta>): Issue[] {
  const overrides = p.overrides ?? [];
  const issues: Issue[] = [];
  const overlap = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || globsIntersect(a, b);
  const together = (i: number, j: number) => overlap(overrides[i]!.cluster, overrides[j]!.cluster) && overlap(overrides[i]!.subscription, overrides[j]!.subscription);
  // `k` applies wherever `i` and `j` both do (the same or wider patterns).
  const covers = (k: number, i: number, j: number) =>
    (["cluster", "subscription"] as const).every((d) => {
      const pk = overrides[k]![d];
      return pk === undefined || pk === "*" || pk === overrides[i]![d] || pk === overrides[j]![d];
    });
  const rules = new Set(overrides.flatMap((o) => Object.keys(o.thresholds ?? {})));
  for (const id of rules) {
    const meta = byId.get(id);
    const defaults = meta?.thresholds ?? {};
    const value = (i: number, key: string) => overrides[i]!.thresholds?.[id]?.[key];
    // The key set by override `i` is in force wherever `i` and `j` apply unless a later override covering both sets it too.
    const shadowed = (i: number, key: string, j: number) => overrides.some((_, k) => k > i && value(k, key) !== undefined && (k === j || covers(k, i, j)));
    for (const w of Object.keys(defaults).filter((k) => k.startsWith("warning"))) {
      const c = `critical${w.slice("warning".length)}`;
      if (defaults[c] === undefined || defaults[w] === defaults[c]) continue;
      const rising = defaults[w]! < defaults[c]!;
      overrides.forEach((_, i) => {
        overrides.forEach((_, j) => {
          const [wv, cv] = [value(i, w), value(j, c)];
          if (i === j || wv === undefined || cv === undefined || !together(i, j) || shadowed(i, w, j) || shadowed(j, c, i)) return;
          if (rising ? wv > cv : wv < cv) {
            issues.push({
              path: ["overrides", Math.max(i, j), "thresholds", id],
              message: `${id} ${w} (${wv}, overrides[${i}]) must not be ${rising ? "above" : "below"} ${c} (${cv}, overrides[${j}]): both overrides can apply to one cluster`,
            });
          }
        });
      });
    }
  }
  return issues;
}

function unknownRule(id: string, rules: readonly RuleMeta[]): string {
  return RULE_ID.test(id.toUpperCase()) ? `unknown rule ${id} (the catalogue has ${rules.map((r) => r.id).join(", ")})` : `not a rule ID such as CNS002`;
}

/** Parses and validates policy text; `name` is how errors name the file. */
export function parsePolicy(text: string, name = "policy", rules: readonly RuleMeta[] = RULES.map((r) => r.meta)): Policy {
  let raw: unknown;
  try {
    // merge: `<<: *defaults` (YAML 1.1 merge keys), which policy files use to share a block of thresholds.
    // No warnings: Node prints them on stderr with an excerpt of the file; the schema judges the values.
    raw = YAML.parse(text, { prettyErrors: true, uniqueKeys: true, maxAliasCount: 50, merge: true, logLevel: "error" });
  } catch (e) {
    throw new PolicyError(`${name}: not valid YAML: ${(e as Error).message.split("\n", 1)[0]!.replace(/:$/, "")}`);
  }
  if (raw === null || raw === undefined) raw = {};
  const parsed = PolicySchema.safeParse(raw);
  const issues: Issue[] = parsed.success ? [...canonicalRuleIds(parsed.data as Policy, rules), ...catalogueIssues(parsed.data as Policy, rules)] : parsed.error.issues.map((i) => ({ path: i.path, message: zodMessage(i) }));
  if (issues.length > 0) {
    const shown = issues.slice(0, 3).map((i) => `${formatPath(i.path) || "(top level)"}: ${i.message}`);
    const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
    throw new PolicyError(`${name}: ${shown.join("; ")}${more}`);
  }
  const policy = parsed.data as Policy;
  policy.source = name;
  return policy;
}

/** Reads and validates a policy file; `name` (default: the path) is how messages name it. */
export function loadPolicy(file: string, name = file): Policy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PolicyError(code === "ENOENT" ? `policy file not found: ${name}` : `cannot read policy file ${name}: ${(e as Error).message}`);
  }
  return parsePolicy(text, name);
}
