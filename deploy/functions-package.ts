// What the Functions app's deployment package holds: the compiled app and its production dependencies,
// nothing else. The package is built on the deploying machine (azure.yaml: `remoteBuild: false`), so it
// must run as it is: the platform installs and compiles nothing.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fleetKubeconfigFiles, loadFleetFile } from "../src/sources/fleet-file.js";

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

/** An absolute path as a package path from the root; undefined outside the project (the package has only what is inside). */
function insideProject(root: string, resolved: string): string | undefined {
  const relative = path.relative(root, resolved);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join("/");
}

const isFile = (file: string): boolean => existsSync(file) && statSync(file).isFile();

/** A file an app setting names: inside the project, where the app will look for it from its root. */
function shippedFile(root: string, setting: string, file: string): string {
  const resolved = path.resolve(root, file);
  const relative = insideProject(root, resolved);
  if (path.isAbsolute(file) || relative === undefined) throw new Error(`${setting}: ${file} must be a path inside the project, from its root (the app looks for it there)`);
  if (!isFile(resolved)) throw new Error(`${setting}: file not found: ${resolved}`);
  return relative;
}

/**
 * The kubeconfig files the shipped fleet file names, as package paths: the app resolves them against the
 * fleet file and refuses the whole file if one is missing, so they keep their place beside it or staging
 * fails, naming every one missing. An absolute path would still name the build machine's file in Azure.
 */
function fleetKubeconfigs(root: string, fleetFile: string): string[] {
  const entries = fleetKubeconfigFiles(path.join(root, fleetFile));
  const absolute = entries.filter((e) => path.isAbsolute(e.named)).map((e) => e.named);
  if (absolute.length) throw new Error(`FLEET_AUDIT_FLEET_FILE: ${fleetFile} names kubeconfig files by absolute path, which the app in Azure cannot find; name them relative to the fleet file: ${absolute.join(", ")}`);
  const kubeconfigs = entries.map((e) => e.file);
  const outside = kubeconfigs.filter((f) => insideProject(root, f) === undefined);
  if (outside.length) throw new Error(`FLEET_AUDIT_FLEET_FILE: ${fleetFile} names kubeconfig files outside the project, which the package cannot hold: ${outside.join(", ")}`);
  const missing = kubeconfigs.filter((f) => !isFile(f));
  if (missing.length) throw new Error(`FLEET_AUDIT_FLEET_FILE: ${fleetFile} names kubeconfig files not found: ${missing.join(", ")}`);
  loadFleetFile(path.join(root, fleetFile)); // the rest of the app's checks (contexts, ids), failing here rather than in Azure
  return kubeconfigs.map((f) => insideProject(root, f)!);
}

/**
 * Files copied from the project into the package, as paths from the project root: host.json, the
 * compiled app, the files the shipped-file settings name and the kubeconfig files the fleet file names
 * (node_modules is installed there, not copied).
 */
export function packageFiles(root: string, env: NodeJS.ProcessEnv): string[] {
  const files = ["host.json", ...COMPILED.flatMap((dir) => jsFiles(root, dir))];
  for (const setting of SHIPPED_FILE_SETTINGS) {
    const file = env[setting]?.trim();
    if (!file) continue;
    const shipped = shippedFile(root, setting, file);
    files.push(shipped, ...(setting === "FLEET_AUDIT_FLEET_FILE" ? fleetKubeconfigs(root, shipped) : []));
  }
  return [...new Set(files)];
}
