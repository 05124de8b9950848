// `npm run --silent bench | jq` (CONTRACT.md: one JSON object per line): nothing but the bench's JSON
// lines may reach stdout, checked here without running the bench.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const read = (f: string): string => readFileSync(new URL(f, root), "utf8");

describe("npm run bench", () => {
  it("builds without a nested `npm run`, whose banner would go to stdout before the JSON", () => {
    const script: string = JSON.parse(read("package.json")).scripts.bench;
    expect(script).not.toMatch(/\bnpm\b/);
    expect(script).toBe("tsc -p tsconfig.json && node dist/bench/run.js");
  });

  it("writes to stdout only through its one-JSON-line emitter; progress and child output go to stderr", () => {
    const run = read("bench/run.ts");
    expect(run.match(/process\.stdout\.write/g)).toHaveLength(1);
    expect(run).toContain("const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\\n`);");
    expect(run).not.toMatch(/console\.(log|info)\(|stdio: "inherit"|stdio: \[[^\]]*, "inherit", [^\]]*\]/);
    expect(read("bench/history.ts")).not.toMatch(/process\.stdout|console\.(log|info)\(/);
  });
});
