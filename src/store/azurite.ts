// Azurite as a child process: its programmatic classes are internal, so we run its CLI entry point.
// The child must never outlive us: explicit stop, process exit and signals kill it, and an IPC
// channel makes the child shut itself down when the parent dies without a chance to clean up.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { onSignal } from "../signal-hooks.js";

/** Azurite's well-known public development account (documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteOptions {
  /** Persist under this directory; omitted = in memory. */
  location?: string;
  /** How long to wait for the listening messages (default 20 s). */
  startTimeoutMs?: number;
  /** Fixed ports (default: any free port), e.g. to restart on the endpoints clients already hold. */
  ports?: { blob?: number; queue?: number; table?: number };
  /**
   * Serve HTTPS with this certificate and key (PEM files) and accept Entra ID bearer tokens (Azurite's
   * `--oauth basic`: format, issuer, audience and expiry are checked, not the signature). For tests of
   * identity-based storage, as infra/ deploys it.
   */
  identity?: { certFile: string; keyFile: string };
  /** Told when Azurite exits without being stopped (killed, crashed): every later store call fails. */
  onUnexpectedExit?: (how: string) => void;
}

export interface AzuriteInstance {
  connectionString: string;
  tableEndpoint: string;
  queueEndpoint: string;
  blobEndpoint: string;
  pid: number;
  /** Stops Azurite gracefully (it saves persistent data on SIGTERM), then forcibly. Idempotent. */
  stop(): Promise<void>;
}

// Runs in the child, before Azurite's own code. Azurite closes its servers and saves its DB on
// SIGTERM/SIGINT but would then be kept alive by the IPC channel, so we drop the channel too, with a
// forced exit as a fallback. The channel closing (parent gone, even by SIGKILL) triggers the same path.
// argv[1] is Azurite's entry point, so its argument parser sees the usual [node, script, ...flags].
const WRAPPER = `
// With the parent gone, writing to its pipes fails (EPIPE); that must not crash Azurite before it saves.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});
const bye = () => {
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on("SIGTERM", bye);
process.on("SIGINT", bye);
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
require(process.argv[1]);
`;

const live = new Set<ChildProcess>();
let hooksInstalled = false;

// SIGTERM, not SIGKILL: the child saves persistent data and exits on its own even after we are gone.
function stopAll(): void {
  for (const c of live) {
    try {
      c.kill("SIGTERM");
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", stopAll);
  // Another listener handles the signal (the CLI's serve, worker, demo): it shuts down cleanly and
  // stops Azurite itself, still needing the store meanwhile; the exit hook is the last resort.
  onSignal((handledElsewhere) => {
    if (!handledElsewhere) stopAll();
  });
}

function endpoint(port: number, protocol = "http"): string {
  return `${protocol}://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
}

export function azuriteConnectionString(tablePort: number, queuePort: number, blobPort?: number, protocol = "http"): string {
  return (
    `DefaultEndpointsProtocol=${protocol};AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    (blobPort !== undefined ? `BlobEndpoint=${endpoint(blobPort, protocol)};` : "") +
    `QueueEndpoint=${endpoint(queuePort, protocol)};TableEndpoint=${endpoint(tablePort, protocol)};`
  );
}

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteInstance> {
  const bin = createRequire(import.meta.url).resolve("azurite/dist/src/azurite.js");
  const args = ["--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose"];
  for (const svc of ["blob", "queue", "table"] as const) args.push(`--${svc}Host`, "127.0.0.1", `--${svc}Port`, String(options.ports?.[svc] ?? 0));
  if (options.location !== undefined) {
    mkdirSync(options.location, { recursive: true });
    args.push("--location", options.location);
  } else {
    args.push("--inMemoryPersistence");
  }
  if (options.identity) args.push("--oauth", "basic", "--cert", options.identity.certFile, "--key", options.identity.keyFile);
  const protocol = options.identity ? "https" : "http";

  installHooks();
  const child = spawn(process.execPath, ["-e", WRAPPER, bin, ...args], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    // Own process group: a terminal's Ctrl-C reaches us, and we decide when the child stops.
    detached: true,
    windowsHide: true,
  });
  live.add(child);

  let out = "";
  let err = "";
  const ports: Partial<Record<"Blob" | "Queue" | "Table", number>> = {};
  const timeoutMs = options.startTimeoutMs ?? 20_000;

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${timeoutMs} ms${tail(err)}`)),
        timeoutMs,
      );
      const done = (e?: Error): void => {
        clearTimeout(timer);
        child.stdout!.removeListener("data", onOut);
        child.removeListener("exit", onExit);
        child.removeListener("error", onError);
        if (e) reject(e);
        else resolve();
      };
      const onOut = (b: Buffer): void => {
        out += b.toString("utf8");
        for (const m of out.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at https?:\/\/[^:\s]+:(\d+)/g)) {
          ports[m[1] as "Blob" | "Queue" | "Table"] = Number(m[2]);
        }
        if (ports.Table !== undefined && ports.Queue !== undefined && ports.Blob !== undefined) done();
      };
      const onExit = (code: number | null, signal: string | null): void =>
        done(new Error(`Azurite exited before listening (${signal ?? `code ${code}`})${tail(err || out)}`));
      const onError = (e: Error): void => done(new Error(`Azurite could not be started: ${e.message}`));
      child.stdout!.on("data", onOut);
      child.stderr!.on("data", (b: Buffer) => {
        err = (err + b.toString("utf8")).slice(-4000);
      });
      child.on("exit", onExit);
      child.on("error", onError);
    });
  } catch (e) {
    live.delete(child);
    child.kill("SIGKILL");
    throw e;
  }

  // Keep draining output so a chatty child never blocks on a full pipe, and let our process exit
  // without waiting for the child (the exit hook kills it).
  out = "";
  child.stdout!.on("data", () => {});
  child.unref();
  for (const s of [child.stdout, child.stderr] as const) (s as unknown as { unref?: () => void }).unref?.();
  (child.channel as unknown as { unref?: () => void } | undefined)?.unref?.();

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  exited.then(() => live.delete(child));

  let stopping: Promise<void> | undefined;
  child.once("exit", (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.(signal ? `killed by ${signal}` : `exit code ${code}`);
  });
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(t);
      }
      live.delete(child);
    })();
    return stopping;
  };

  return {
    connectionString: azuriteConnectionString(ports.Table!, ports.Queue!, ports.Blob!, protocol),
    tableEndpoint: endpoint(ports.Table!, protocol),
    queueEndpoint: endpoint(ports.Queue!, protocol),
    blobEndpoint: endpoint(ports.Blob!, protocol),
    pid: child.pid!,
    stop,
  };
}

function tail(s: string): string {
  const t = s.trim().split("\n").slice(-5).join(" | ").slice(-800);
  return t ? `: ${t}` : "";
}
