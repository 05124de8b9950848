// `fleet-audit prune`: retention from the command line, against Azurite.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { newScanId } from "../../src/model/scan-id.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { runCli } from "../helpers/cli.js";
import { evaluation, snapshot } from "../store/fixtures.js";
import { uniquePrefix } from "../store/helpers.js";

const DAY = 86_400_000;
const storage = inject("azuriteConnectionString");

describe("fleet-audit prune", () => {
  it("deletes rounds older than --keep-days (--dry-run: lists them) and keeps each cluster's latest data and the newest evaluation", async () => {
    const prefix = uniquePrefix();
    const store = TableSnapshotStore.fromConnectionString(storage, { tablePrefix: prefix });
    await store.init();
    const round = (daysAgo: number) => newScanId(new Date(Date.now() - daysAgo * DAY));
    const old = await store.putSnapshot(snapshot("aks-a", round(40)));
    const before = await store.putSnapshot(snapshot("aks-a", round(35))); // the good one drift compares the latest with
    const recent = await store.putSnapshot(snapshot("aks-a", round(2)));
    const onlyOld = await store.putSnapshot(snapshot("aks-b", round(50))); // its latest: kept however old
    await store.putEvaluation(evaluation(round(40)));
    const newest = await store.putEvaluation(evaluation(round(2)));

    const dir = mkdtempSync(path.join(tmpdir(), "cli-prune-"));
    const prune = (...extra: string[]) => runCli(["prune", "--keep-days", "30", ...extra, "--storage", storage], { cwd: dir, env: { FLEET_AUDIT_TABLE_PREFIX: prefix } });
    // A dry run says what would go, per cluster, and the cut-off, as forget --dry-run does; nothing goes.
    const dry = await prune("--dry-run");
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^Would delete 1 snapshot\(s\) of "aks-a"\.\nWould delete 1 snapshot\(s\) and 1 evaluation\(s\) of scan rounds started before \d{4}-\d\d-\d\dT.* \(keeping 30 days\); nothing was deleted\.\n$/);
    expect(await store.listHistory("aks-a")).toEqual([recent, before, old]);
    expect(await store.listEvaluations()).toHaveLength(2);

    const r = await prune();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Deleted 1 snapshot\(s\) and 1 evaluation\(s\) of scan rounds started before \d{4}-\d\d-\d\dT.* \(kept 30 days\)\.\n$/);
    expect(await store.listHistory("aks-a")).toEqual([recent, before]);
    expect(await store.getSnapshot("aks-a", old.ref)).toBeUndefined();
    expect(await store.listHistory("aks-b")).toEqual([onlyOld]);
    expect((await store.listEvaluations()).map((e) => e.ref)).toEqual([newest.ref]);
  });

  it("refuses a retention shorter than the forecast needs, naming the option", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cli-prune-"));
    const r = await runCli(["prune", "--keep-days", "3", "--storage", storage], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--keep-days must be a whole number of days from 7 to 36500, not "3"');
  });
});
