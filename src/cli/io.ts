// What a CLI command may touch of the outside world, so tests can run commands in-process.
export interface CliIO {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * Resolves when the user asks to stop (Ctrl-C, SIGTERM); long-running commands wait on it, then shut
   * down cleanly and exit 0. Commands that never read it keep Node's default: the signal ends them.
   */
  stopSignal: Promise<void>;
}

export function processIO(): CliIO {
  quietOnBrokenPipe(process.stdout);
  quietOnBrokenPipe(process.stderr);
  let stop: Promise<void> | undefined;
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    // Claimed on first read, so only a command that waits for it takes the signal from Node.
    get stopSignal() {
      return (stop ??= stopRequested());
    },
  };
}

/**
 * The stop request as an AbortSignal, claimed now: a command that takes it before it starts anything
 * stops cleanly on Ctrl-C at any stage (starting Azurite, scanning), not only once it serves.
 */
export function stopRequest(io: CliIO): AbortSignal {
  const stop = new AbortController();
  void io.stopSignal.then(() => stop.abort());
  return stop.signal;
}

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * The first SIGINT/SIGTERM asks for a clean stop. The listeners stay while the command shuts down: while
 * one listens, the embedded Azurite's own hooks leave it running for the command to stop (store/azurite.ts).
 * A second signal is the user insisting: the default action (dying of it) is restored and re-raised.
 */
function stopRequested(): Promise<void> {
  return new Promise<void>((resolve) => {
    let asked = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (!asked) {
        asked = true;
        resolve();
        return;
      }
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
      process.kill(process.pid, sig);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
  });
}

/**
 * A reader that goes away (`fleet-audit report findings | head`) is not our failure: the output stops
 * and the command finishes its work (a scan still stores what it collected) with its own exit code,
 * instead of dying on an unhandled EPIPE with a stack trace.
 */
function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
  });
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(io: CliIO, stream: "stdout" | "stderr" = "stdout"): boolean {
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== "0") return true;
  return io[stream].isTTY === true;
}

