import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { startAzurite } from "../../src/store/azurite.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  // An orphan that exited stays a zombie until init reaps it, which can take a while in containers.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

// A parent process of our own, so we can kill it the hard way: azurite.ts transpiled next to a
// node_modules link (it resolves Azurite from its own location).
const work = mkdtempSync(join(tmpdir(), "fleet-azurite-"));
symlinkSync(resolve("node_modules"), join(work, "node_modules"), "dir");
// The module and what it imports, laid out as in src/ so its relative imports resolve.
mkdirSync(join(work, "store"));
for (const [from, to] of [["src/store/azurite.ts", "store/azurite.js"], ["src/signal-hooks.ts", "signal-hooks.js"]] as const) {
  writeFileSync(
    join(work, to),
    ts.transpileModule(readFileSync(resolve(from), "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText,
  );
}
writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module" }));
writeFileSync(
  join(work, "parent.mjs"),
  `import { startAzurite } from "./store/azurite.js";
const a = await startAzurite();
console.log(JSON.stringify({ pid: a.pid }));
setInterval(() => {}, 1000);
`,
);
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function parentWithAzurite(): Promise<{ parent: ReturnType<typeof spawn>; pid: number }> {
  const parent = spawn(process.execPath, [join(work, "parent.mjs")], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  parent.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  parent.stderr!.resume();
  for (let i = 0; i < 200 && !out.includes("\n"); i++) await new Promise((r) => setTimeout(r, 50));
  const pid = (JSON.parse(out.split("\n")[0]!) as { pid: number }).pid;
  return { parent, pid };
}

describe("Azurite child process", () => {
  // SIGKILL is the hardest exit: no hook of ours runs, only the child's watch on the IPC channel.
  it("does not outlive a parent killed with SIGKILL", async () => {
    const { parent, pid } = await parentWithAzurite();
    expect(alive(pid)).toBe(true);
    parent.kill("SIGKILL");
    await once(parent, "exit");
    expect(await gone(pid, 8_000)).toBe(true);
  });

  it("names Azurite when it cannot start", async () => {
    await expect(startAzurite({ startTimeoutMs: 1 })).rejects.toThrow(/Azurite did not start within 1 ms/);
  });
});
