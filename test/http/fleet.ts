// A small fleet with hostile cluster names, scanned twice for real (simulator over HTTPS, client-node,
// Azurite), so the HTTP and browser tests read what a user would: history, shared subnets, findings.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { runScan } from "../../src/scan.js";
import { mutate, SEED_POD_SUBNET, type SimClusterSpec, type Simulator, startSimulator } from "../../src/sim/index.js";
import { discoverFromKubeconfig } from "../../src/sources/kubeconfig.js";
import { TableSnapshotStore } from "../../src/store/table-store.js";
import { uniquePrefix } from "../store/helpers.js";

export const XSS_NAME = `<img src=x onerror=alert(1)>`;
export const SCRIPT_NAME = `</script><script>alert(2)</script>`;
export const FORMULA_NAME = `=HYPERLINK("http://evil.example","x")`;
export const PLAIN = "aks-prod-weu-01";
export const REFUSED = "aks-dr-refused";

export const SPECS: SimClusterSpec[] = [
  { name: PLAIN, mode: "vnetblock", nodes: 3, podSubnet: SEED_POD_SUBNET },
  // Shares PLAIN's pod subnet: the dashboard must show the subnet as shared, under a hostile name.
  { name: XSS_NAME, mode: "vnetblock", nodes: 2, podSubnet: SEED_POD_SUBNET, problems: [{ kind: "crashLoopCns", node: 0 }] },
  // With a (healthy) Windows pool: azure-cns-win runs pods there.
  { name: SCRIPT_NAME, mode: "overlay", nodes: 2, windows: { nodes: 2 } },
  { name: FORMULA_NAME, mode: "dynamic", nodes: 2, problems: [{ kind: "missingNnc", node: 1 }] },
  { name: REFUSED, mode: "vnetblock", nodes: 1, faults: [{ kind: "refuse" }] },
];

export interface ScannedFleet {
  sim: Simulator;
  store: TableSnapshotStore;
  scanIds: string[];
  close(): Promise<void>;
}

export async function scannedFleet(): Promise<ScannedFleet> {
  const sim = await startSimulator(SPECS);
  const dir = mkdtempSync(path.join(tmpdir(), "http-fleet-"));
  const store = TableSnapshotStore.fromConnectionString(inject("azuriteConnectionString"), { tablePrefix: uniquePrefix() });
  await store.init();
  const targets = discoverFromKubeconfig({ files: [await sim.writeKubeconfig(dir)] });
  const opts = { requestTimeoutMs: 3000, clusterDeadlineMs: 8000, retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 100 } };
  const first = await runScan(targets, store, opts);
  // The fleet grows between scans, so the trend lines have somewhere to go.
  mutate.addNode(sim.cluster(PLAIN).state);
  mutate.addNode(sim.cluster(XSS_NAME).state);
  const second = await runScan(targets, store, opts);
  return {
    sim,
    store,
    scanIds: [first.scanId, second.scanId],
    close: async () => {
      await store.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
