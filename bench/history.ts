// Synthetic history for the report benchmark: clusters × rounds of snapshots and evaluations, built
// from the simulator's generated objects through the collector's normalisers.
import pLimit from "p-limit";
import { normalizeNnc } from "../src/collect/normalize/nnc.js";
import { normalizeCnsPod, normalizeNode } from "../src/collect/normalize/workloads.js";
import { evaluate } from "../src/evaluate/evaluate.js";
import type { FleetEvaluation } from "../src/model/evaluation.js";
import { newScanId } from "../src/model/scan-id.js";
import { type ClusterSnapshot, emptySnapshot, summarize } from "../src/model/snapshot.js";
import type { ClusterView } from "../src/rules/context.js";
import { buildFleet, generateCluster, SubnetPools } from "../src/sim/index.js";
import type { SnapshotStore } from "../src/store/store.js";

function snapshotsOf(clusters: number, nodes: number): ClusterSnapshot[] {
  const pools = new SubnetPools();
  return buildFleet({ scenario: "static-block", clusters, nodes, seed: "bench" }).map((spec) => {
    const st = generateCluster(spec, { pools });
    const s = emptySnapshot(spec.name, "x", { kind: "sim" });
    s.nncs = st.nncs.list().map((o) => normalizeNnc(o)!);
    s.nodes = st.nodes.list().map((o) => normalizeNode(o as never)!);
    s.cns.pods = st.pods.list().map((o) => normalizeCnsPod(o as never)!).filter(Boolean);
    return s;
  });
}

export async function seedHistory(store: SnapshotStore, opts: { clusters: number; nodes: number; snapshots: number }): Promise<void> {
  const base = snapshotsOf(opts.clusters, opts.nodes);
  const limit = pLimit(8);
  const start = Date.now() - opts.snapshots * 3_600_000;
  let previous: FleetEvaluation | undefined;
  for (let r = 0; r < opts.snapshots; r++) {
    const at = new Date(start + r * 3_600_000);
    const scanId = newScanId(at);
    const round = base.map((s) => ({ ...s, scanId, takenAt: at.toISOString() }));
    await Promise.all(round.map((s) => limit(() => store.putSnapshot(s))));
    const views: ClusterView[] = round.map((s) => ({ name: s.cluster, latest: summarize(s, scanId), snapshot: s }));
    const e = evaluate({ scanId, now: at, views, previous });
    await store.putEvaluation(e);
    previous = e;
  }
}
