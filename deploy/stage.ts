// `npm run package:functions` (azd runs it before packaging: azure.yaml's prepackage hook) stages the
// Functions app's deployment package in .funcpack/: what deploy/functions-package.ts lists, package.json
// without scripts, dev or CLI-only dependencies, and node_modules installed for production from the lock
// file. The developer's own node_modules is left as it is.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PACKAGE_DIR, packageFiles, productionManifest } from "./functions-package.js";

export type RunNpm = (args: string[], cwd: string) => void;

/** The npm running this script (`npm run` sets npm_execpath), so Windows needs no shell to find npm.cmd. */
const runNpm: RunNpm = (args, cwd) => {
  const npm = process.env.npm_execpath;
  if (npm) execFileSync(process.execPath, [npm, ...args], { cwd, stdio: "inherit" });
  else execFileSync("npm", args, { cwd, stdio: "inherit", shell: process.platform === "win32" });
};

/** Stages the package from the built project at `root` into `out` (emptied first); returns `out`. */
export function stageFunctionsPackage(root: string, out: string, env: NodeJS.ProcessEnv = process.env, npm: RunNpm = runNpm): string {
  const files = packageFiles(root, env); // a bad setting fails before anything is removed
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The lock's exact versions, without dev dependencies and without build scripts; then the
  // production manifest, and prune drops what it no longer lists (the CLI-only dependencies).
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(path.join(root, f), path.join(out, f));
  npm(["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], out);
  const manifest = productionManifest(JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")));
  writeFileSync(path.join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  npm(["prune", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], out);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    copyFileSync(path.join(root, f), path.join(out, f));
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.cwd();
  try {
    stageFunctionsPackage(root, path.join(root, PACKAGE_DIR));
    console.log(`package:functions: staged ${PACKAGE_DIR}/ (azd zips it as it is: remoteBuild: false)`);
  } catch (e) {
    console.error(`package:functions: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
