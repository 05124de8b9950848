// `fleet-audit forget`: removes clusters the fleet no longer has (deleted, moved to another fleet) from
// the store and the latest evaluation, so reports stop listing them and SCN004 stops warning about their ever older data. Their
// announced findings leave the alert state too, so nothing is ever sent as resolved about them: nothing was fixed.
import type { Command } from "commander";
import { UsageError } from "../../errors.js";
import { clustersNotSeenFor, parseNotSeenDays } from "../../store/forget.js";
import type { LatestEntry, SnapshotStore } from "../../store/store.js";
import { describeCluster } from "../../store/summary.js";
import type { CliIO } from "../io.js";
import { storageOptions } from "../main.js";
import { alertStateOf, type StorageOpts, withStore } from "../store.js";

interface ForgetOpts extends StorageOpts {
  notSeenDays?: string;
  dryRun?: boolean;
}

/** The clusters to forget: named ones (each must be in the store), or those not scanned for `days`. */
async function choose(store: SnapshotStore, names: string[], opts: ForgetOpts, now: Date): Promise<Array<{ cluster: string; lastScan?: string }>> {
  if (names.length > 0 && opts.notSeenDays !== undefined) throw new UsageError("name clusters or give --not-seen-days, not both");
  if (names.length === 0 && opts.notSeenDays === undefined) throw new UsageError("name the clusters to forget, or give --not-seen-days N");
  if (opts.notSeenDays !== undefined) {
    const days = parseNotSeenDays(opts.notSeenDays, "--not-seen-days");
    return (await clustersNotSeenFor(store, days, now)).map((e) => ({ cluster: e.cluster, lastScan: e.latest.takenAt }));
  }
  const latest = await store.listLatest();
  const byName = new Map<string, LatestEntry>(latest.map((e) => [e.cluster, e]));
  const out: Array<{ cluster: string; lastScan?: string }> = [];
  // Every name is checked before anything is deleted: a typo must not leave half of a list done.
  for (const name of new Set(names)) {
    const e = byName.get(name);
    if (e) out.push({ cluster: name, lastScan: e.latest.takenAt });
    else if ((await store.listHistory(name, { limit: 1 })).length > 0) out.push({ cluster: name });
    else throw new UsageError(`no cluster named ${describeCluster(name)} in the store (never scanned, or forgotten already)`);
  }
  return out;
}

export function registerForget(program: Command, io: CliIO): void {
  storageOptions(
    program
      .command("forget")
      .description(
        "Remove clusters the fleet no longer has from the store: their latest-view entry and all their snapshots. They leave the latest evaluation too, so reports stop listing them at once, and their announced findings are dropped without a resolved notice. A later scan that reaches the cluster brings it back.",
      )
      .argument("[clusters...]", "cluster names exactly as reports show them")
      .option("--not-seen-days <days>", "instead of names: every cluster not scanned at all for this many days (removed from the kubeconfig, fleet file or subscription)")
      .option("--dry-run", "list what would be removed (and how many announced findings dropped), remove nothing"),
  )
    .addHelpText(
      "after",
      `
Examples:
  fleet-audit forget aks-old-weu aks-test-1
  fleet-audit forget --not-seen-days 14 --dry-run
  fleet-audit forget --not-seen-days 14 --storage "$FLEET_AUDIT_STORAGE"`,
    )
    .action(async (names: string[], opts: ForgetOpts) => {
      await withStore({ ...opts, writes: !opts.dryRun }, io, async (store, opened) => {
        const doomed = await choose(store, names, opts, new Date());
        if (doomed.length === 0) {
          io.stdout.write("No cluster to forget.\n");
          return;
        }
        let snapshots = 0;
        const alerts = await alertStateOf(opened);
        for (const { cluster, lastScan } of doomed) {
          const seen = lastScan ? ` (last scanned ${lastScan})` : "";
          if (opts.dryRun) {
            const announced = await alerts.wouldForgetCluster(cluster);
            io.stdout.write(`Would forget ${describeCluster(cluster)}${seen}${announced ? `: ${announced} announced finding(s) would be dropped without a resolved notice` : ""}.\n`);
            continue;
          }
          // Alert rows first: a failure after them leaves the cluster in the store, so re-running forget finishes the job.
          const announced = await alerts.forgetCluster(cluster);
          const r = await store.forgetCluster(cluster);
          snapshots += r?.snapshots ?? 0;
          const told = announced ? `, ${announced} announced finding(s) dropped without a resolved notice` : "";
          io.stdout.write(`Forgot ${describeCluster(cluster)}${seen}: ${r?.snapshots ?? 0} snapshot(s)${told}.\n`);
        }
        if (opts.dryRun) return;
        const { dropFromLatestEvaluation } = await import("../../evaluate/forget.js");
        const rewritten = await dropFromLatestEvaluation(store, new Set(doomed.map((d) => d.cluster)));
        io.stdout.write(`Removed ${doomed.length} cluster(s) and ${snapshots} snapshot(s)${rewritten ? "; the reports no longer list them" : ""}.\n`);
      });
    });
}
