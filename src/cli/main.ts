// `fleet-audit`: the command-line adapter over the core. Exit codes (CONTRACT.md): 0 done, 1 anything
// else, 2 bad usage or input, 3 a finding at or above --fail-on.
import { Command, CommanderError, Option } from "commander";
import { NotFoundError, UsageError } from "../errors.js";
import { type CliIO, processIO } from "./io.js";
import { registerDemo } from "./commands/demo.js";
import { registerForget } from "./commands/forget.js";
import { registerPrune } from "./commands/prune.js";
import { registerReport } from "./commands/report.js";
import { registerScan } from "./commands/scan.js";
import { registerServe } from "./commands/serve.js";
import { registerSim } from "./commands/sim.js";
import { registerWorker } from "./commands/worker.js";
import { DEFAULT_DATA_DIR } from "./store.js";

/** Thrown by a command to end with a specific exit code after printing what it had to. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function buildProgram(io: CliIO): Command {
  const program = new Command("fleet-audit")
    .description("Audit a fleet of AKS clusters running Azure CNI with CNS: pod-IP exhaustion, NodeNetworkConfig drift, azure-cns health.")
    .version(process.env.npm_package_version ?? "0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit demo                                   # simulated fleet, scan, dashboard on :7071
  fleet-audit scan --kubeconfig ~/.kube/config       # every context
  fleet-audit report exhaustion --format md
  fleet-audit serve --port 8080                      # then open /api/dashboard
  fleet-audit prune --keep-days 90                   # drop older history
  fleet-audit forget --not-seen-days 14              # drop clusters the fleet no longer has

Run fleet-audit COMMAND --help for a command's options and examples.`,
    );
  registerScan(program, io);
  registerReport(program, io);
  registerServe(program, io);
  registerSim(program, io);
  registerDemo(program, io);
  registerWorker(program, io);
  registerPrune(program, io);
  registerForget(program, io);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Storage options shared by scan, report, serve (CONTRACT.md). */
export function storageOptions(cmd: Command): Command {
  return (
    cmd
      .addOption(new Option("--storage <connection-string|url>", "Table Storage: a connection string (Azure or Azurite), or a Table endpoint URL (https://ACCOUNT.table.core.windows.net) reached with an Entra ID identity; default: embedded Azurite").env("FLEET_AUDIT_STORAGE"))
      .option("--data-dir <dir>", "where the embedded Azurite keeps its data (given, it wins over FLEET_AUDIT_STORAGE)", DEFAULT_DATA_DIR)
      .hook("preAction", (_, action) => {
        // Flags win over the environment: an explicit --data-dir means its embedded store, not FLEET_AUDIT_STORAGE's.
        if (action.getOptionValueSource("dataDir") === "cli" && action.getOptionValueSource("storage") !== "cli") {
          action.setOptionValue("storage", undefined);
          action.setOptionValue("embedded", true);
        }
        // Messages about the store name what gave its address: the flag, or the variable commander read.
        if (action.getOptionValueSource("storage") === "env") action.setOptionValue("storageFrom", "FLEET_AUDIT_STORAGE");
      })
  );
}

export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    return exitCodeFor(e, io);
  }
}

function exitCodeFor(e: unknown, io: CliIO): number {
  if (e instanceof ExitCode) return e.code;
  if (e instanceof CommanderError) {
    // Help asked for (--help, `help`, `help scan`) and --version end through exitOverride with exitCode 0;
    // help shown for want of a command (none given, `help bogus`) is bad usage like any other.
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof UsageError || e instanceof NotFoundError) {
    io.stderr.write(`fleet-audit: ${e.message}\n`);
    return 2;
  }
  io.stderr.write(`fleet-audit: ${(e as Error)?.message ?? String(e)}\n`);
  if (io.env.FLEET_AUDIT_DEBUG) io.stderr.write(`${(e as Error)?.stack ?? ""}\n`);
  return 1;
}
