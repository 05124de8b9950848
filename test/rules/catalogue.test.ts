import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/rules/catalogue.js";

const RULES_MD = readFileSync(new URL("../fixtures/shared/RULES.md", import.meta.url), "utf8");

describe("rule catalogue", () => {
  it("has unique IDs that RULES.md defines", () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(RULES_MD).toContain(`| ${id} |`);
  });
  it("keeps one rule per file, named after its ID, in its family folder", () => {
    for (const r of RULES) {
      const dir = new URL(`../../src/rules/${r.meta.family.toLowerCase()}/`, import.meta.url);
      const files = readdirSync(dir).filter((f) => f.startsWith(r.meta.id.toLowerCase()));
      expect(files, r.meta.id).toHaveLength(1);
    }
  });
  it("gives every rule a title, description and remediation", () => {
    for (const r of RULES) {
      expect(r.meta.title.length, r.meta.id).toBeGreaterThan(3);
      expect(r.meta.description.length, r.meta.id).toBeGreaterThan(20);
      expect(r.meta.remediation.length, r.meta.id).toBeGreaterThan(20);
    }
  });
});
