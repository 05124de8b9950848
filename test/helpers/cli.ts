// Runs the CLI in-process with captured output.
import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/io.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; tty?: boolean; columns?: number; stop?: Promise<void> } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false, ...(opts.columns ? { columns: opts.columns } : {}) },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.tty ?? false },
    env: { ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    stopSignal: opts.stop ?? Promise.resolve(),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
