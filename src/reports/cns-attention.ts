// What in a cluster's azure-cns needs a person's attention, and how badly. Shared by the health report
// and the dashboard, so both name the same pods and nodes and colour them alike.
import { UNSCHEDULED_NODE } from "../evaluate/sections/health.js";
import { type Severity, severityRank, worstSeverity } from "../model/finding.js";
import type { CnsClusterHealth, CnsDaemonSetHealth, CnsNodeHealth } from "../model/sections.js";
import { staleSince } from "./as-of.js";

/** A node row's severity by its status: CNS002's pod states and a node without its pod or NNC are critical. */
const NODE_SEVERITY: Record<string, Severity> = { crashloop: "critical", "init-crashloop": "critical", "init-failed": "critical", failing: "critical", missing: "critical", "no-nnc": "critical", pending: "critical", "not-ready": "critical", failed: "critical", restarted: "warning", "node-not-ready": "warning" };

export function nodeSeverity(r: CnsNodeHealth): Severity | undefined {
  return NODE_SEVERITY[r.status];
}

/** Each count's severity where it shows a problem; nothing for a cluster no scan has read. */
export interface CnsSeverities {
  /** azure-cns. */
  daemonset?: Severity;
  /** azure-cns-win. */
  windowsDaemonset?: Severity;
  notReady?: Severity;
  crashLooping?: Severity;
  restarts?: Severity;
  withoutCnsPod?: Severity;
  withoutNnc?: Severity;
}

/** Whether the row's counts are facts: read now, or from the last good snapshot. */
export function hasCnsData(c: CnsClusterHealth): boolean {
  return c.status === "ok" || staleSince(c) !== undefined;
}

/** azure-cns-win is missing yet Windows nodes with NNCs need it (CNS001's critical). */
const windowsMissing = (c: CnsClusterHealth): boolean => c.windowsDaemonset === null && (c.windowsNodesNeedingPod ?? 0) > 0;

/** "3/4" for azure-cns, with azure-cns-win's ", win 1/2" where it runs pods, or ", win none" where it is missing yet needed. */
export function daemonSetReady(c: CnsClusterHealth): string {
  const w = c.windowsDaemonset;
  const win = windowsMissing(c) ? ", win none" : w && w.desired > 0 ? `, win ${w.ready}/${w.desired}` : "";
  return (c.daemonset ? `${c.daemonset.ready}/${c.daemonset.desired}` : "none") + win;
}

/** Missing where its nodes need it, or short of Ready (critical, as CNS001); a rollout lagging (warning). */
function daemonSetSeverity(ds: CnsDaemonSetHealth | null | undefined, needed: boolean): Severity | undefined {
  if (ds === null) return needed ? "critical" : undefined;
  if (!ds) return undefined;
  return ds.ready < ds.desired ? "critical" : ds.updated < ds.desired ? "warning" : undefined;
}

const ifAny = (n: number, s: Severity): Severity | undefined => (n > 0 ? s : undefined);

export function cnsSeverities(c: CnsClusterHealth): CnsSeverities {
  if (!hasCnsData(c)) return {};
  const out: CnsSeverities = {
    daemonset: daemonSetSeverity(c.daemonset, c.mode !== null),
    windowsDaemonset: daemonSetSeverity(c.windowsDaemonset, windowsMissing(c)),
    notReady: ifAny(c.pods.notReady, "critical"),
    crashLooping: ifAny(c.pods.crashLooping, "critical"),
    // Restarts since the previous snapshot (CNS003); a lifetime total alone says little.
    restarts: c.nodeRows.some((r) => r.restartsDelta) ? "warning" : undefined,
    withoutCnsPod: ifAny(c.nodes.withoutCnsPod, "critical"),
    withoutNnc: ifAny(c.nodes.withoutNnc, "critical"),
  };
  for (const k of Object.keys(out) as Array<keyof CnsSeverities>) if (out[k] === undefined) delete out[k];
  return out;
}

/** The worst of the cluster's CNS problems, counts and node rows; undefined when its CNS is healthy or unknown. */
export function cnsSeverity(c: CnsClusterHealth): Severity | undefined {
  if (!hasCnsData(c)) return undefined;
  return worstSeverity([...Object.values(cnsSeverities(c)), ...c.nodeRows.map(nodeSeverity)]);
}

/** The node rows with a problem, worst first (the rows come sorted by status and node). */
export function nodesNeedingAttention(c: CnsClusterHealth): CnsNodeHealth[] {
  const rank = (r: CnsNodeHealth) => severityRank(nodeSeverity(r) ?? "info");
  return c.nodeRows.filter((r) => nodeSeverity(r) !== undefined).sort((a, b) => rank(b) - rank(a));
}

/** A node row's restarts: "9 (+2)" with those since the previous snapshot. */
export function nodeRestarts(r: CnsNodeHealth): string | number {
  return r.restartsDelta ? `${r.restarts} (+${r.restartsDelta})` : r.restarts;
}

/** Why the row needs attention: the pod's reason and last exit, the node's state, and a missing NNC. */
export function nodeReason(c: CnsClusterHealth, r: CnsNodeHealth): string {
  // A pod no node holds has no NNC to miss; a row whose status says "no-nnc" already says it.
  const noNnc = c.nodes.withoutNnc > 0 && !r.nnc && r.status !== "no-nnc" && r.node !== UNSCHEDULED_NODE;
  return [r.reason, r.lastTerminationReason && `last exit ${r.lastTerminationReason}`, !r.nodeReady && "node NotReady", r.pendingPods && `${r.pendingPods} pending pods`, noNnc && "no NNC"].filter(Boolean).join("; ");
}
