// examples/policy.yaml "shows every key" (README): each key the policy schema accepts is in it, set or
// commented out, so the example cannot fall behind the schema again; commented out, it is still valid
// (test/policy/load.test.ts loads it as it is).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { z } from "zod";
import { parsePolicy, PolicySchema } from "../../src/policy/load.js";

const FILE = new URL("../../examples/policy.yaml", import.meta.url).pathname;

/** Every key path the schema accepts (`alerts.destinations[].urlFromEnv`); a record's keys (rule IDs) are free, so not listed. */
function schemaPaths(schema: z.ZodType, at = ""): string[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) return schemaPaths(schema.unwrap() as z.ZodType, at);
  if (schema instanceof z.ZodArray) return schemaPaths(schema.element as z.ZodType, `${at}[]`);
  if (schema instanceof z.ZodObject) return Object.entries(schema.shape).flatMap(([k, v]) => [`${at}${at ? "." : ""}${k}`, ...schemaPaths(v as z.ZodType, `${at}${at ? "." : ""}${k}`)]);
  return [];
}

/** Every key path a parsed YAML document has, in the same notation. */
function documentPaths(v: unknown, at = ""): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => documentPaths(x, `${at}[]`));
  if (v === null || typeof v !== "object") return [];
  return Object.entries(v).flatMap(([k, x]) => [`${at}${at ? "." : ""}${k}`, ...documentPaths(x, `${at}${at ? "." : ""}${k}`)]);
}

/** The file with its commented-out keys (`# key: …`, `#   - key: …`) taken in: "# " removed, prose comments left. */
function uncommented(text: string): string {
  return text.replace(/^(\s*)# (?=\s*(?:- )?[A-Za-z][\w-]*:(?: |$))/gm, "$1");
}

describe("examples/policy.yaml", () => {
  const text = readFileSync(FILE, "utf8");

  it("shows every key the policy schema accepts, set or commented out", () => {
    const shown = new Set(documentPaths(YAML.parse(uncommented(text))));
    const keys = schemaPaths(PolicySchema);
    // The walk reaches the nested sections, or this test would pass on a schema it cannot read.
    expect(keys).toEqual(expect.arrayContaining(["overrides[].subscription", "alerts.renotifyHours", "alerts.destinations[].urlFromKeyVault", "waivers[].expires"]));
    expect(keys.filter((k) => !shown.has(k))).toEqual([]);
  });

  it("is still a valid policy with its commented-out keys taken in", () => {
    expect(() => parsePolicy(uncommented(text), "examples/policy.yaml (uncommented)")).not.toThrow();
  });
});
