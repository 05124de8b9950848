// The embedded Azurite's data directory (--data-dir), made when missing. A path that cannot hold it
// is bad input (exit 2), said in words naming the option and the path, not as a raw errno.
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors.js";

const WHY: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
};

/** Makes `root/azurite` (Azurite's files; the lock file goes in `root`) and returns it. */
export function embeddedDataDir(root: string): string {
  const location = join(root, "azurite");
  try {
    mkdirSync(location, { recursive: true });
    for (const dir of [root, location]) accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    const why = code === "ENOTDIR" || code === "EEXIST" ? notADirectory(root, location) : WHY[code];
    if (!why) throw e;
    throw new UsageError(`--data-dir ${root}: cannot keep the embedded store there: ${why}`);
  }
  return location;
}

function notADirectory(root: string, location: string): string {
  const isFile = (p: string): boolean => {
    try {
      return !statSync(p).isDirectory();
    } catch {
      return false; // missing, or below a file
    }
  };
  if (isFile(root)) return "it is a file, not a directory";
  if (isFile(location)) return `${location} is a file, not a directory`;
  return "a part of the path is a file, not a directory";
}
