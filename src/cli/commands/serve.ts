import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import type { ApiDeps } from "../../http/api.js";
import { type RunningServer, serveApi } from "../../http/server.js";
import { type CliIO, stopRequest } from "../io.js";
import { storageOptions } from "../main.js";
import { intArg } from "../options.js";
import { type StorageOpts, withStore } from "../store.js";

interface ServeOpts extends StorageOpts {
  port: number;
  host: string;
}

export function registerServe(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("serve")
      .description("Serve the HTTP API and dashboard from the store until stopped.")
      .option("--port <n>", "port", intArg("--port", 0, 65535), 7071)
      .option("--host <address>", "address to listen on", "127.0.0.1"),
  )
    .addHelpText("after", "\nExamples:\n  fleet-audit serve --port 8080\n  curl 'http://127.0.0.1:8080/api/reports/findings?severity=critical'")
    .action(async (opts: ServeOpts) => {
      const stop = stopRequest(io);
      let opened = false;
      try {
        // The stop request ends the store's requests too: Ctrl-C while it opens need not wait out its timeout.
        await withStore(
          opts,
          io,
          async (store) => {
            opened = true;
            if (stop.aborted) return; // asked to stop while the store opened: it closes, nothing served
            const server = await listen({ store }, { port: opts.port, host: opts.host, log: (l) => io.stderr.write(`${l}\n`) }, "`--port`");
            io.stdout.write(`Serving ${server.url}/api/dashboard (reports under ${server.url}/api/reports/KIND); Ctrl-C to stop\n`);
            await io.stopSignal;
            await server.close();
          },
          stop,
        );
      } catch (e) {
        // Opening failed because it was asked to stop: that is the stop, not a failure.
        if (opened || !stop.aborted) throw e;
      }
    });
}

/** serveApi, a port another process holds being bad input (exit 2) that says `how` to choose another, not Node's "listen EADDRINUSE". */
export async function listen(deps: ApiDeps, opts: Parameters<typeof serveApi>[1], how: string): Promise<RunningServer> {
  try {
    return await serveApi(deps, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EADDRINUSE") throw new UsageError(`port ${opts.port} is in use: choose another with ${how}`);
    throw e;
  }
}
