// Which packages a real Node process loads: a module hook records every bare specifier it resolves.
// And which of our modules an entry point can load, read from the sources without running them.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** What only scanning needs: ~1.5 s of imports here that help, reports and the HTTP API never use. */
export const SCAN_ONLY = ["@kubernetes/client-node", "@azure/identity", "@azure/arm-containerservice", "@azure/arm-resources-subscriptions", "@azure/keyvault-secrets", "@azure/storage-queue"];

export interface LoadedRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Package names (`@scope/name` or `name`) resolved by any module of the process. */
  packages: Set<string>;
}

/** Runs `node ARGS...` with the hook; a non-zero exit is returned, not thrown. */
export async function packagesLoaded(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<LoadedRun> {
  const dir = mkdtempSync(path.join(tmpdir(), "imports-"));
  const log = path.join(dir, "resolved.txt");
  writeFileSync(
    path.join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (/^[@a-z]/.test(specifier) && !/^[a-z]+:/.test(specifier)) appendFileSync(${JSON.stringify(log)}, specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/") + "\\n");
  return next(specifier, context);
}`,
  );
  writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  writeFileSync(log, "");
  let r: { code: number; stdout: string; stderr: string };
  try {
    r = { code: 0, ...(await run(process.execPath, ["--import", path.join(dir, "register.mjs"), ...nodeArgs], { cwd: dir, env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60_000 })) };
  } catch (e) {
    r = e as { code: number; stdout: string; stderr: string };
  }
  return { code: r.code, stdout: r.stdout, stderr: r.stderr, packages: new Set(readFileSync(log, "utf8").split("\n").filter(Boolean)) };
}

/**
 * Every module of ours that `entry` imports, directly or not, statically or by `import()`: the sources
 * when `entry` is a .ts file, the built modules when it is a .js file. Absolute paths, `entry` first.
 */
export function moduleGraph(entry: string): string[] {
  const ext = path.extname(entry);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)\.js"/g)) {
      const next = path.resolve(path.dirname(file), `${m[1]}${ext}`);
      if (existsSync(next)) visit(next);
    }
  };
  visit(entry);
  return [...seen];
}
