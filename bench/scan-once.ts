// One full scan (discover, collect, analyse, store in Table Storage) in its own process, so its peak
// RSS is the scan's alone. Prints one JSON line: {"seconds":…,"peakRssMB":…,"statuses":{…}}.
import { sizeHeapFor } from "../src/heap.js";
import { runScan } from "../src/scan.js";
import { discoverFromKubeconfig } from "../src/sources/kubeconfig.js";
import { TableSnapshotStore } from "../src/store/table-store.js";

const [kubeconfig, connectionString, tablePrefix] = process.argv.slice(2);
if (!kubeconfig || !connectionString || !tablePrefix) {
  process.stderr.write("usage: scan-once KUBECONFIG CONNECTION_STRING TABLE_PREFIX\n");
  process.exit(2);
}

const store = TableSnapshotStore.fromConnectionString(connectionString, { tablePrefix });
await store.init();
const t0 = performance.now();
const targets = discoverFromKubeconfig({ files: [kubeconfig] });
// As the scan command does: the measured scan is the product's.
sizeHeapFor(targets.length);
const result = await runScan(targets, store, { concurrency: 16 });
const seconds = (performance.now() - t0) / 1000;
const statuses: Record<string, number> = {};
for (const c of result.clusters) statuses[c.status] = (statuses[c.status] ?? 0) + 1;
await store.close();
process.stdout.write(
  `${JSON.stringify({ seconds, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), statuses, findings: result.evaluation.findings.length, storeFailures: result.storeFailures.length })}\n`,
);
