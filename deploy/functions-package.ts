// What the Functions app's deployment package holds: the compiled app and its production dependencies,
// nothing else. The package is built on the deploying machine (azure.yaml: `remoteBuild: false`), so it
// must run as it is: the platform installs and compiles nothing.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

/** Where `npm run package:functions` stages the package: azure.yaml's `dist`, the folder azd zips. */
export const PACKAGE_DIR = ".funcpack";

/** Dependencies that only the CLI loads: the embedded store's Azurite (~150 MB with its own). */
export const CLI_ONLY_DEPENDENCIES = ["azurite"];

/** App settings that name a file shipped with the app, as a path from the app root. */
export const SHIPPED_FILE_SETTINGS = ["FLEET_AUDIT_POLICY", "FLEET_AUDIT_FLEET_FILE"];

/** The compiled app: its entry point (package.json `main`) and the core it imports. */
const COMPILED = ["dist/functions", "dist/src"];

export interface PackageManifest {
  main?: string;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * The package's package.json: no scripts (were a remote build forced on it, there is nothing to
 * compile), no dev or CLI-only dependencies.
 */
export function productionManifest(pkg: PackageManifest): PackageManifest {
  const { scripts: _scripts, devDependencies: _dev, bin: _bin, ...rest } = pkg;
  const dependencies = Object.fromEntries(Object.entries(pkg.dependencies ?? {}).filter(([name]) => !CLI_ONLY_DEPENDENCIES.includes(name)));
  return { ...rest, dependencies };
}

function jsFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".js"))
    .map((f) => path.posix.join(dir, f.split(path.sep).join("/")))
    .sort();
}

/** A file an app setting names: inside the project, where the app will look for it from its root. */
function shippedFile(root: string, setting: string, file: string): string {
  const resolved = path.resolve(root, file);
  const relative = path.relative(root, resolved);
  if (path.isAbsolute(file) || relative.startsWith("..")) throw new Error(`${setting}: ${file} must be a path inside the project, from its root (the app looks for it there)`);
  if (!existsSync(resolved) || !statSync(resolved).isFile()) throw new Error(`${setting}: file not found: ${resolved}`);
  return relative.split(path.sep).join("/");
}

/**
 * Files copied from the project into the package, as paths from the project root: host.json, the
 * compiled app, and the files the shipped-file settings name (node_modules is installed there, not copied).
 */
export function packageFiles(root: string, env: NodeJS.ProcessEnv): string[] {
  const files = ["host.json", ...COMPILED.flatMap((dir) => jsFiles(root, dir))];
  for (const setting of SHIPPED_FILE_SETTINGS) {
    const file = env[setting]?.trim();
    if (file) files.push(shippedFile(root, setting, file));
  }
  return files;
}
