// The app root: the directory of the app's package.json, where a deployment puts the files shipped
// with it. Not the working directory: the host does not promise to start its Node.js worker there.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../src/errors.js";

let root: string | undefined;

/** The nearest directory above this module (dist/functions when built, functions/ under test) with a package.json; found once. */
function appRoot(): string {
  return (root ??= findAppRoot());
}

function findAppRoot(): string {
  const from = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

/** A path an app setting gives, relative to the app root (an absolute one stays as it is). */
export function appPath(file: string): string {
  return path.resolve(appRoot(), file);
}

/**
 * Reads a file an app setting names, relative to the app root; a bad one fails naming the setting
 * and the path it tried, as other settings do.
 */
export function readAppFile<T>(setting: string, file: string, read: (resolved: string) => T): T {
  const resolved = appPath(file);
  try {
    return read(resolved);
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`app setting ${setting}: ${e.message}`);
    throw e;
  }
}
