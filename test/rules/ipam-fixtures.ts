// NNC fixtures per IPAM mode for IPX/NNC rule tests: real field shapes (DOMAIN.md §1), small numbers.
import type { NetworkContainer, Nnc, NodeInfo } from "../../src/model/snapshot.js";
import { nnc, node } from "../fixtures/builders.js";

const SUB = { subscriptionID: "sub-1", resourceGroupID: "rg-net", vnetID: "vnet-1" };

function ip(base: string, offset: number): string {
  const [a, b, c, d] = base.split(".").map(Number) as [number, number, number, number];
  const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d + offset;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface DynOptions {
  /** First address (the NC primary); the secondaries follow it. Default 10.1.0.4 */
  first?: string;
  /** Secondary IPs held (ipAssignments). Default 16. */
  held?: number;
  requested?: number;
  /** status.assignedIPCount; default = held. */
  assigned?: number;
  cidr?: string;
  subnet?: string;
  ncStatus?: string;
  nodeIP?: string;
  scaler?: Nnc["scaler"] | null;
  over?: Partial<Nnc>;
}

/** A dynamic-mode (Swift) NNC: one vnet NC, primary + `held` single IPs. */
export function dynNnc(name: string, o: DynOptions = {}): Nnc {
  const first = o.first ?? "10.1.0.4";
  const held = o.held ?? 16;
  const nc: NetworkContainer = {
    id: `nc-${name}`,
    assignmentMode: "dynamic",
    type: "vnet",
    version: 7,
    primaryIP: first,
    nodeIP: o.nodeIP ?? "10.240.0.4",
    subnetAddressSpace: o.cidr ?? "10.1.0.0/24",
    subnetName: o.subnet ?? "pods",
    subnetID: o.subnet ?? "pods",
    ...SUB,
    ipAssignments: Array.from({ length: held }, (_, i) => ip(first, i + 1)),
  };
  if (o.ncStatus) nc.status = o.ncStatus;
  const out = nnc(name, {
    requestedIPCount: o.requested ?? held,
    assignedIPCount: o.assigned ?? held,
    networkContainers: [nc],
    ...o.over,
  });
  if (o.scaler !== null) out.scaler = o.scaler ?? { batchSize: 16, requestThresholdPercent: 50, releaseThresholdPercent: 150, maxIPCount: 250 };
  return out;
}

/** A static-block NNC: primary /28 plus `blocks − 1` more /28s from `first` on, 250 requested / 255 assigned as in the seed. */
export function blockNnc(name: string, first: string, blocks = 16, o: { cidr?: string; subnet?: string; nodeIP?: string; extra?: string[]; over?: Partial<Nnc> } = {}): Nnc {
  const nc: NetworkContainer = {
    id: `nc-${name}`,
    assignmentMode: "static",
    type: "vnetblock",
    version: 0,
    primaryIP: `${first}/28`,
    nodeIP: o.nodeIP ?? "10.240.0.4",
    subnetAddressSpace: o.cidr ?? "10.40.0.0/13",
    subnetName: o.subnet ?? "podsubnet",
    subnetID: o.subnet ?? "podsubnet",
    ...SUB,
    ipAssignments: [...Array.from({ length: blocks - 1 }, (_, i) => `${ip(first, 16 * (i + 1))}/28`), ...(o.extra ?? [])],
  };
  return nnc(name, { requestedIPCount: 250, assignedIPCount: 16 * blocks - 1, networkContainers: [nc], ...o.over });
}

/** An overlay NNC holding the node's /24 of the pod CIDR (requested 0, assigned 256). */
export function overlayNnc(name: string, slash24: string, podCidr = "10.244.0.0/16", over: Partial<Nnc> = {}): Nnc {
  const nc: NetworkContainer = {
    id: `nc-${name}`,
    assignmentMode: "static",
    type: "overlay",
    version: 0,
    primaryIP: slash24,
    nodeIP: "10.240.0.4",
    subnetAddressSpace: podCidr,
    subnetName: "routingdomain_0000_overlaysubnet",
    subnetID: "routingdomain_0000_overlaysubnet",
    ipAssignments: [],
  };
  return nnc(name, { requestedIPCount: 0, assignedIPCount: 256, networkContainers: [nc], ...over });
}

/** Nodes matching the NNCs (same name, the owner UID the builders use, InternalIP 10.240.0.4). */
export function nodesFor(nncs: Nnc[], over: Partial<NodeInfo> = {}): NodeInfo[] {
  return nncs.map((n) => node(n.name, over));
}
