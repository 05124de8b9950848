// Snapshots of a healthy CNS cluster (DaemonSet, one Ready pod per node, config) for CNS/DRF rule tests.
import type { ClusterSnapshot, CnsConfig, CnsPod, NetworkContainer } from "../../src/model/snapshot.js";
import { cnsCluster, nnc, node } from "../fixtures/builders.js";

export const IMAGE = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.25";
/** AKS may run another release on Windows nodes: not skew. */
export const WIN_IMAGE = "mcr.microsoft.com/containernetworking/azure-cns:v1.6.26";

export function cnsPod(node: string, over: Partial<CnsPod> = {}): CnsPod {
  return { name: `azure-cns-${node}`, node, phase: "Running", ready: true, restarts: 0, image: IMAGE, createdAt: "2026-11-01T00:05:00Z", startedAt: "2026-11-01T00:05:10Z", ...over };
}

export const CONFIG: CnsConfig = { ChannelMode: "CRD", EnableIPAMv2: true, EnableSubnetScarcity: false, InitializeFromCNI: false, ManageEndpointState: false };

export function nc(type: string, over: Partial<NetworkContainer> = {}): NetworkContainer {
  return { id: "nc-1", assignmentMode: type === "vnet" ? "dynamic" : "static", type, version: 0, ipAssignments: [], ...over };
}

/** A healthy cluster: nodes n1..nN, NNCs (NC type `type`), DaemonSet converged, Ready pods, config. */
export function healthy(cluster: string, nodes = 3, opts: { type?: string; image?: string; config?: CnsConfig } = {}): ClusterSnapshot {
  const names = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const s = cnsCluster(cluster, names);
  const type = opts.type ?? "vnetblock";
  for (const n of s.nncs) n.networkContainers = [nc(type)];
  for (const n of s.nodes) n.labels["kubernetes.azure.com/podnetwork-type"] = type;
  const image = opts.image ?? IMAGE;
  s.cns.daemonset!.images = [image];
  s.cns.pods = names.map((n) => cnsPod(n, { image }));
  s.cns.config = { ...(opts.config ?? CONFIG) };
  return s;
}

/** An azure-cns-win pod on Windows node `node`. */
export function winPod(nodeName: string, over: Partial<CnsPod> = {}): CnsPod {
  return cnsPod(nodeName, { name: `azure-cns-win-${nodeName}`, image: WIN_IMAGE, daemonset: "azure-cns-win", ...over });
}

/** Adds a healthy Windows pool to `s`: nodes w1..wN with NNCs, azure-cns-win converged, a Ready pod on each. */
export function withWindows(s: ClusterSnapshot, nodes = 2): ClusterSnapshot {
  const names = Array.from({ length: nodes }, (_, i) => `w${i + 1}`);
  s.nodes.push(...names.map((n) => node(n, { labels: { "kubernetes.io/os": "windows" } })));
  s.nncs.push(...names.map((n) => nnc(n, { networkContainers: [...(s.nncs[0]?.networkContainers ?? [])] })));
  s.cns.windowsDaemonset = { name: "azure-cns-win", desired: nodes, current: nodes, ready: nodes, updated: nodes, available: nodes, misscheduled: 0, images: [WIN_IMAGE] };
  s.cns.pods.push(...names.map((n) => winPod(n)));
  return s;
}

/** The same cluster an hour earlier. */
export function earlier(s: ClusterSnapshot, mutate: (p: ClusterSnapshot) => void = () => {}): ClusterSnapshot {
  const p = structuredClone(s);
  p.takenAt = new Date(Date.parse(s.takenAt) - 3_600_000).toISOString();
  p.scanId = "20261128T030000000Z-abcd";
  mutate(p);
  return p;
}
