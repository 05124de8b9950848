// Snapshots and evaluations for store tests: small ones, and a 5,000-node cluster shaped like the
// seed output (static /28 blocks, one NC per NNC, one CNS pod per node).
import type { FleetEvaluation } from "../../src/model/evaluation.js";
import type { ClusterSnapshot, ScanStatus } from "../../src/model/snapshot.js";
import { newScanId } from "../../src/model/scan-id.js";

/** A scan id whose round started `minutes` after a fixed origin (distinct per call). */
export function scanAt(minutes: number): string {
  return newScanId(new Date(Date.UTC(2026, 10, 1, 0, 0, 0) + minutes * 60_000));
}

export function timeOf(minutes: number): Date {
  return new Date(Date.UTC(2026, 10, 1, 0, 0, 0) + minutes * 60_000);
}

// Deterministic pseudo-random hex, so uids do not compress unrealistically well.
function rng(seed: number): () => string {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0).toString(16).padStart(8, "0");
  };
}

const SUBNET =
  "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/podsubnet";

const big = new Map<number, ClusterSnapshot>();

export function snapshot(cluster: string, scanId: string, opts: { nodes?: number; status?: ScanStatus; reason?: string } = {}): ClusterSnapshot {
  const n = opts.nodes ?? 2;
  // Big ones are built once per file and cloned: building 5,000 nodes costs more than copying them.
  if (n >= 1000) {
    if (!big.has(n)) big.set(n, build("template", "template", n));
    const s = structuredClone(big.get(n)!);
    Object.assign(s, { cluster, scanId, status: opts.status ?? "ok" }, opts.reason !== undefined ? { reason: opts.reason } : {});
    return s;
  }
  return build(cluster, scanId, n, opts.status, opts.reason);
}

function build(cluster: string, scanId: string, n: number, status?: ScanStatus, reason?: string): ClusterSnapshot {
  const hex = rng(n * 7919 + cluster.length);
  const uid = (): string => `${hex()}-${hex().slice(0, 4)}-${hex().slice(0, 4)}-${hex().slice(0, 4)}-${hex()}${hex().slice(0, 4)}`;
  const s: ClusterSnapshot = {
    schemaVersion: 1,
    cluster,
    scanId,
    takenAt: new Date().toISOString(),
    durationMs: 1234,
    status: status ?? "ok",
    source: { kind: "kubeconfig", context: cluster, server: "https://aks-dns-1a2b3c.hcp.westeurope.azmk8s.io:443" },
    kubernetesVersion: "1.31.3",
    nodes: [],
    nncs: [],
    cns: {
      daemonset: { name: "azure-cns", desired: n, current: n, ready: n, updated: n, available: n, misscheduled: 0, images: ["mcr.microsoft.com/containernetworking/azure-cns:v1.6.21"] },
      pods: [],
      config: { ChannelMode: "CRD", EnableSubnetScarcity: false, InitializeFromCNI: true },
    },
    notes: [],
  };
  if (reason !== undefined) s.reason = reason;
  for (let i = 0; i < n; i++) {
    const name = `aks-np${(i % 3) + 1}-${String(10000000 + i)}-vmss${i.toString(36).padStart(6, "0")}`;
    const nodeUid = uid();
    const ip = `10.224.${(i >> 8) & 255}.${i & 255}`;
    s.nodes.push({
      name,
      uid: nodeUid,
      internalIP: ip,
      ready: i % 97 !== 0,
      unschedulable: false,
      createdAt: "2026-10-01T08:00:00Z",
      labels: {
        "kubernetes.io/os": "linux",
        "kubernetes.azure.com/agentpool": `np${(i % 3) + 1}`,
        "kubernetes.azure.com/podnetwork-type": "vnetblock",
        "topology.kubernetes.io/zone": `westeurope-${(i % 3) + 1}`,
      },
    });
    const base = 0x0a280000 + i * 256; // 10.40.0.0/13 carved into /24s per node
    const cidr = (off: number): string => `${base >>> 24}.${(base >> 16) & 255}.${(base >> 8) & 255}.${off}/28`;
    s.nncs.push({
      name,
      namespace: "kube-system",
      uid: uid(),
      createdAt: "2026-10-01T08:01:00Z",
      owner: { kind: "Node", name, uid: nodeUid },
      labels: { "managed": "true", "owner": name },
      requestedIPCount: 250,
      ipsNotInUse: 0,
      assignedIPCount: 255,
      status: "Updated",
      networkContainers: [
        {
          id: uid(),
          assignmentMode: "static",
          type: "vnetblock",
          primaryIP: cidr(0),
          nodeIP: ip,
          subnetName: "podsubnet",
          subnetAddressSpace: "10.40.0.0/13",
          subscriptionID: "00000000-1111-2222-3333-444444444444",
          resourceGroupID: "rg-net",
          vnetID: "vnet-hub",
          subnetID: SUBNET,
          defaultGateway: "10.40.0.1",
          status: "NCUpdateSuccess",
          version: 3,
          ipAssignments: Array.from({ length: 15 }, (_, k) => cidr((k + 1) * 16)),
        },
      ],
    });
    s.cns.pods.push({
      name: `azure-cns-${hex().slice(0, 5)}`,
      node: name,
      phase: "Running",
      ready: true,
      restarts: i % 11 === 0 ? 1 : 0,
      image: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.21",
      startedAt: "2026-10-01T08:02:00Z",
    });
  }
  return s;
}

export function evaluation(scanId: string, clusters: string[] = ["a", "b"]): FleetEvaluation {
  return {
    schemaVersion: 1,
    scanId,
    generatedAt: new Date().toISOString(),
    notes: [],
    clusters: clusters.map((c) => ({ cluster: c, status: "ok", mode: "vnetblock", nodes: 2, nncs: 2, requestedIPs: 500, assignedIPs: 510, takenAt: new Date().toISOString() })),
    subnets: [{ key: SUBNET, cidr: "10.40.0.0/13", mode: "vnetblock", clusters, capacity: 524283, used: 1024, utilization: 1024 / 524283, forecastExhaustionAt: null }],
    findings: [
      {
        id: "NNC006-0123456789abcdef0123",
        rule: "NNC006",
        severity: "critical",
        cluster: clusters[0]!,
        resource: "subnet/10.40.0.0/13",
        message: "10.40.0.16/28 is held by two NCs",
        firstSeen: "2026-11-01T00:00:00.000Z",
        lastSeen: "2026-11-01T00:00:00.000Z",
      },
      {
        id: "IPX001-0123456789abcdef0123",
        rule: "IPX001",
        severity: "warning",
        cluster: clusters[0]!,
        resource: "subnet/10.40.0.0/13",
        message: "81 % used",
        firstSeen: "2026-11-01T00:00:00.000Z",
        lastSeen: "2026-11-01T00:00:00.000Z",
        waived: { reason: "expansion planned", expires: "2027-01-01" },
      },
    ],
    resolved: [],
  };
}
