// Small builders for analysis tests. Addresses are made from numbers so fixtures of any size stay exact.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatAddress, parseAddress } from "../../src/analysis/ranges.js";
import type { ArmAgentPool, ArmCluster, ClusterSnapshot, NetworkContainer, Nnc } from "../../src/model/snapshot.js";
import { emptySnapshot } from "../../src/model/snapshot.js";

export const SUB = "efec8e52-e1ad-4ae1-8598-f243e56e2b08";

export function ip(text: string): number {
  const p = parseAddress(text);
  if (!p.ok) throw new Error(`fixture address ${text}: ${p.reason}`);
  return p.start;
}

/** `base` + offset as dotted quad, with an optional prefix. */
export function addr(base: string, offset: number, prefix?: number): string {
  const a = formatAddress(ip(base) + offset);
  return prefix === undefined ? a : `${a}/${prefix}`;
}

let ncSeq = 0;
export function nc(over: Partial<NetworkContainer> = {}): NetworkContainer {
  ncSeq++;
  return {
    id: `nc-${ncSeq.toString().padStart(6, "0")}`,
    assignmentMode: "dynamic",
    type: "vnet",
    version: 0,
    ipAssignments: [],
    ...over,
  };
}

/** NC fields naming a VNet subnet, as real NCs carry them (names, not IDs). */
export function vnetFields(subnet: string, cidr: string, vnet = "vnet", rg = "rg", sub = SUB): Partial<NetworkContainer> {
  return { subscriptionID: sub, resourceGroupID: rg, vnetID: vnet, subnetID: subnet, subnetName: subnet, subnetAddressSpace: cidr };
}

export function nnc(name: string, ncs: NetworkContainer[], over: Partial<Nnc> = {}): Nnc {
  return {
    name,
    namespace: "kube-system",
    uid: `uid-${name}`,
    labels: {},
    requestedIPCount: 0,
    ipsNotInUse: 0,
    assignedIPCount: 0,
    networkContainers: ncs,
    ...over,
  };
}

/** A cluster snapshot with one Node per NNC (same name), as on a healthy cluster. */
export function cluster(name: string, nncs: Nnc[], opts: { takenAt?: Date; arm?: ArmCluster; extraNodes?: string[]; missingNodes?: string[] } = {}): ClusterSnapshot {
  const s = emptySnapshot(name, "scan-1", { kind: "sim" }, opts.takenAt ?? new Date("2026-01-01T00:00:00Z"));
  s.nncs = nncs;
  const nodeNames = [...nncs.map((n) => n.name).filter((n) => !opts.missingNodes?.includes(n)), ...(opts.extraNodes ?? [])];
  s.nodes = nodeNames.map((n) => ({ name: n, uid: `uid-node-${n}`, ready: true, unschedulable: false, labels: {} }));
  if (opts.arm) s.arm = opts.arm;
  return s;
}

/** Static-block NNCs: node i takes `blocks` consecutive /28s starting at `base` + i × blocks × 16. */
export function blockNodes(clusterName: string, count: number, blocks: number, base: string, subnetCidr: string, subnetName = "podsubnet"): Nnc[] {
  const out: Nnc[] = [];
  for (let i = 0; i < count; i++) {
    const first = i * blocks * 16;
    const assignments: string[] = [];
    for (let b = 1; b < blocks; b++) assignments.push(addr(base, first + b * 16, 28));
    out.push(
      nnc(`${clusterName}-vmss${i.toString().padStart(6, "0")}`, [
        nc({ type: "vnetblock", assignmentMode: "static", primaryIP: addr(base, first, 28), ipAssignments: assignments, ...vnetFields(subnetName, subnetCidr) }),
      ]),
    );
  }
  return out;
}

/** Dynamic NNCs: node i holds a primary plus `secondaries` addresses, consecutive from `base`. */
export function dynamicNodes(clusterName: string, count: number, secondaries: number, base: string, subnetCidr: string, subnetName = "pods"): Nnc[] {
  const out: Nnc[] = [];
  for (let i = 0; i < count; i++) {
    const first = i * (secondaries + 1);
    const assignments: string[] = [];
    for (let k = 1; k <= secondaries; k++) assignments.push(addr(base, first + k));
    out.push(
      nnc(`${clusterName}-vmss${i.toString().padStart(6, "0")}`, [nc({ type: "vnet", primaryIP: addr(base, first), ipAssignments: assignments, ...vnetFields(subnetName, subnetCidr) })], {
        requestedIPCount: secondaries,
        assignedIPCount: secondaries,
      }),
    );
  }
  return out;
}

/** Overlay NNCs: node i holds the i-th /24 of the pod CIDR. */
export function overlayNodes(clusterName: string, count: number, podCidr: string): Nnc[] {
  const base = podCidr.split("/")[0]!;
  return Array.from({ length: count }, (_, i) =>
    nnc(`${clusterName}-vmss${i.toString().padStart(6, "0")}`, [
      nc({
        type: "overlay",
        assignmentMode: "static",
        primaryIP: addr(base, i * 256, 24),
        subnetAddressSpace: podCidr,
        subnetName: "routingdomain_00000000-0000-0000-0000-000000000000_overlaysubnet",
      }),
    ]),
  );
}

/** The real seed NNC (shared/seed), normalised the way the collector does. */
export function seedNnc(): Nnc {
  const path = fileURLToPath(new URL("../fixtures/shared/seed/nnc-vmss000000.json", import.meta.url));
  const raw = JSON.parse(readFileSync(path, "utf8")) as {
    metadata: { name: string; namespace: string; uid: string; labels: Record<string, string> };
    spec: { requestedIPCount: number };
    status: { assignedIPCount: number; networkContainers: Array<Record<string, unknown> & { ipAssignments?: Array<{ ip: string }> }> };
  };
  return nnc(
    raw.metadata.name,
    raw.status.networkContainers.map((c) => {
      const out: NetworkContainer = {
        id: String(c["id"]),
        assignmentMode: String(c["assignmentMode"]),
        type: String(c["type"]),
        version: Number(c["version"] ?? 0),
        ipAssignments: (c.ipAssignments ?? []).map((a) => a.ip),
      };
      const copy = (from: string, to: keyof NetworkContainer): void => {
        if (typeof c[from] === "string") (out as unknown as Record<string, unknown>)[to] = c[from];
      };
      copy("primaryIP", "primaryIP");
      copy("nodeIP", "nodeIP");
      copy("subnetName", "subnetName");
      copy("subnetAddressSpace", "subnetAddressSpace");
      copy("subcriptionID", "subscriptionID");
      copy("resourceGroupID", "resourceGroupID");
      copy("vnetID", "vnetID");
      copy("subnetID", "subnetID");
      copy("defaultGateway", "defaultGateway");
      return out;
    }),
    { requestedIPCount: raw.spec.requestedIPCount, assignedIPCount: raw.status.assignedIPCount, labels: raw.metadata.labels, uid: raw.metadata.uid },
  );
}

export function pool(over: Partial<ArmAgentPool> = {}): ArmAgentPool {
  return { name: "nodepool1", count: 3, maxPods: 30, osType: "Linux", mode: "System", ...over };
}

export function armCluster(name: string, pools: ArmAgentPool[], over: Partial<ArmCluster> = {}): ArmCluster {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    subscriptionId: SUB,
    resourceGroup: "rg",
    aad: true,
    networkPlugin: "azure",
    pools,
    ...over,
  };
}

export function podSubnetId(subnet: string, vnet = "vnet", rg = "rg", sub = SUB): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}`;
}
