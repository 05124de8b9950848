import type { Command } from "commander";
import { parseRetentionDays, retentionCutoff } from "../../store/retention.js";
import { describeCluster } from "../../store/summary.js";
import type { CliIO } from "../io.js";
import { storageOptions } from "../main.js";
import { type StorageOpts, withStore } from "../store.js";

interface PruneOpts extends StorageOpts {
  keepDays: string;
  dryRun?: boolean;
}

export function registerPrune(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("prune")
      .description("Delete history older than the retention: snapshots and evaluations of older scan rounds. Each cluster's latest and last good snapshot (and the good one before it, which drift compares with), and the newest evaluation, always stay.")
      .requiredOption("--keep-days <days>", "days of history to keep (at least 7: the exhaustion forecast fits the last week)")
      .option("--dry-run", "list what would be deleted (snapshots per cluster, evaluations), delete nothing"),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit prune --keep-days 90 --dry-run
  fleet-audit prune --keep-days 90
  fleet-audit prune --keep-days 30 --storage "$FLEET_AUDIT_STORAGE"`,
    )
    .action(async (opts: PruneOpts) => {
      const days = parseRetentionDays(opts.keepDays, "--keep-days");
      const before = retentionCutoff(days, new Date());
      await withStore({ ...opts, writes: !opts.dryRun }, io, async (store) => {
        const r = await store.pruneHistory(before, { dryRun: opts.dryRun === true });
        if (opts.dryRun) {
          for (const c of r.clusters) io.stdout.write(`Would delete ${c.snapshots} snapshot(s) of ${describeCluster(c.cluster)}.\n`);
          io.stdout.write(`Would delete ${r.snapshots} snapshot(s) and ${r.evaluations} evaluation(s) of scan rounds started before ${before.toISOString()} (keeping ${days} days); nothing was deleted.\n`);
          return;
        }
        io.stdout.write(`Deleted ${r.snapshots} snapshot(s) and ${r.evaluations} evaluation(s) of scan rounds started before ${before.toISOString()} (kept ${days} days).\n`);
      });
    });
}
