// Every temporary file of a run (kubeconfigs, CA files, CLI working dirs, browser profiles, child
// processes' own temp files) goes under one directory that is removed when the run ends, so a test
// run leaves nothing behind in the machine's temp dir. Forks and spawned CLIs inherit TMPDIR.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), "fleet-audit-test-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
