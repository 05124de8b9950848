// Named fleets for `fleet-audit sim`, `fleet-audit demo`, tests and benchmarks.
import { formatCidr, ipToInt, type PodSubnet } from "./ipv4.js";
import { Rng } from "./rng.js";
import type { SimClusterSpec, SimMode } from "./types.js";

export type ScenarioName = "mixed" | "static-block" | "demo";
export const SCENARIOS: readonly ScenarioName[] = ["mixed", "static-block", "demo"];

export interface FleetOptions {
  /** Number of clusters (ignored by `demo`). Default 6. */
  clusters?: number;
  /** Nodes per cluster (ignored by `demo`). Default 5. */
  nodes?: number;
  /** Default `mixed`. */
  scenario?: ScenarioName;
  /** Same seed (and epoch) → same fleet. Default "fleet". */
  seed?: string | number;
  /** Clusters are created 30-50 days before this. Default now. */
  epoch?: Date | number;
}

/** The pod subnet of the seed cluster (seed/nnc-vmss000000.json). */
export const SEED_POD_SUBNET: PodSubnet = {
  name: "podsubnet",
  cidr: "10.40.0.0/13",
  vnet: "vnet",
  resourceGroup: "rg",
  subscription: "efec8e52-e1ad-4ae1-8598-f243e56e2b08",
};

const DAY_MS = 86_400_000;
const K8S_VERSIONS = ["v1.30.6", "v1.31.2", "v1.29.9"];
const MODE_TAG: Record<SimMode, string> = { vnetblock: "blk", dynamic: "dyn", overlay: "ovl", kubenet: "knet" };

function pad(n: number): string {
  return String(n).padStart(3, "0");
}

/** The g-th /13 starting at 10.40.0.0 (10.40, 10.48, ... 10.232). */
function slash13(g: number): string {
  const second = 40 + 8 * g;
  if (second > 232) throw new Error("scenario needs more static-block /13 subnets than 10.40.0.0-10.239.255.255 holds");
  return formatCidr(ipToInt(`10.${second}.0.0`), 13);
}

function mixed(n: number, nodes: number, rng: Rng): SimClusterSpec[] {
  const modes: SimMode[] = ["vnetblock", "dynamic", "overlay"];
  const netSub = rng.uuid();
  const specs: SimClusterSpec[] = [];
  let blk = 0, dyn = 0;
  for (let i = 0; i < n; i++) {
    const mode = modes[i % 3] as SimMode;
    const spec: SimClusterSpec = {
      name: `aks-${MODE_TAG[mode]}-${pad(i + 1)}`,
      mode,
      nodes,
      kubernetesVersion: K8S_VERSIONS[i % K8S_VERSIONS.length] as string,
    };
    if (mode === "vnetblock") {
      // Pairs of static-block clusters share one /13, like production pod subnets do.
      const g = Math.floor(blk++ / 2);
      spec.podSubnet = { name: "podsubnet", cidr: slash13(g), vnet: `vnet-shared-${g + 1}`, resourceGroup: "rg-net", subscription: netSub };
    } else if (mode === "dynamic") {
      const k = dyn++;
      spec.podSubnet = { name: `pods-${pad(i + 1)}`, cidr: `10.${128 + (k % 100)}.0.0/16`, vnet: `vnet-dyn-${pad(i + 1)}`, resourceGroup: "rg-net", subscription: netSub };
      spec.requestedIPs = Array.from({ length: nodes }, () => (rng.next() < 0.2 ? 32 : 16));
    } else {
      spec.podCidr = "10.244.0.0/16";
    }
    specs.push(spec);
  }
  return specs;
}

function staticBlock(n: number, nodes: number): SimClusterSpec[] {
  // 16 /28 blocks per node; a /13 has 32768 blocks, two of which hold Azure's reserved addresses.
  const perSubnet = Math.max(1, Math.floor(32766 / Math.max(1, nodes * 16)));
  if (nodes * 16 > 32766) throw new Error(`static-block: ${nodes} nodes do not fit one /13 pod subnet`);
  const specs: SimClusterSpec[] = [];
  for (let i = 0; i < n; i++) {
    const g = Math.floor(i / perSubnet);
    const podSubnet = g === 0 ? SEED_POD_SUBNET : { ...SEED_POD_SUBNET, cidr: slash13(g), vnet: `vnet-${g + 1}`, resourceGroup: `rg-${g + 1}` };
    specs.push({ name: `aks-blk-${pad(i + 1)}`, mode: "vnetblock", nodes, podSubnet, maxPods: 250 });
  }
  return specs;
}

function demo(rng: Rng): SimClusterSpec[] {
  const sub = rng.uuid();
  const shared: PodSubnet = { name: "podsubnet", cidr: "10.40.0.0/13", vnet: "vnet-prod-weu", resourceGroup: "rg-net-prod-weu", subscription: sub };
  return [
    { name: "aks-prod-weu-blk-01", mode: "vnetblock", nodes: 6, podSubnet: shared },
    {
      name: "aks-prod-weu-blk-02",
      mode: "vnetblock",
      nodes: 4,
      podSubnet: shared,
      problems: [{ kind: "missingNnc", node: 3, nodeNotReady: true }],
    },
    {
      // A /24 pod subnet holds ~14 dynamic nodes: the last one cannot get its second batch.
      name: "aks-prod-neu-dyn-01",
      mode: "dynamic",
      nodes: 13,
      location: "northeurope",
      podSubnet: { name: "pods-neu", cidr: "10.241.0.0/24", vnet: "vnet-prod-neu", resourceGroup: "rg-net-prod-neu", subscription: sub },
      requestedIPs: [...Array.from({ length: 11 }, () => 16), 32, 32],
      problems: [{ kind: "pendingPods", node: 12, count: 3 }],
    },
    {
      name: "aks-stg-weu-dyn-02",
      mode: "dynamic",
      nodes: 5,
      podSubnet: { name: "pods-stg", cidr: "10.242.0.0/22", vnet: "vnet-stg-weu", resourceGroup: "rg-net-stg-weu", subscription: sub },
      problems: [{ kind: "crashLoopCns", node: 2, restarts: 9 }],
    },
    {
      name: "aks-prod-weu-ovl-01",
      mode: "overlay",
      nodes: 8,
      podCidr: "10.244.0.0/16",
      problems: [{ kind: "orphanNnc", node: 5 }],
    },
    { name: "aks-dev-weu-ovl-02", mode: "overlay", nodes: 3, podCidr: "192.168.0.0/16", kubernetesVersion: "v1.29.9", cnsImage: "mcr.microsoft.com/containernetworking/azure-cns:v1.6.24" },
    { name: "aks-legacy-kubenet", mode: "kubenet", nodes: 3, kubernetesVersion: "v1.29.9" },
    {
      name: "aks-dr-weu-blk-03",
      mode: "vnetblock",
      nodes: 3,
      podSubnet: { name: "podsubnet", cidr: "10.48.0.0/13", vnet: "vnet-dr-weu", resourceGroup: "rg-net-dr-weu", subscription: sub },
      faults: [{ kind: "refuse" }],
    },
  ];
}

/** Builds the cluster specs of a named scenario; deterministic for a given seed and epoch. */
export function buildFleet(opts: FleetOptions = {}): SimClusterSpec[] {
  const scenario = opts.scenario ?? "mixed";
  const n = opts.clusters ?? 6;
  const nodes = opts.nodes ?? 5;
  if (!Number.isInteger(n) || n < 0) throw new Error("clusters must be a non-negative integer");
  if (!Number.isInteger(nodes) || nodes < 0) throw new Error("nodes must be a non-negative integer");
  const seed = String(opts.seed ?? "fleet");
  const rng = new Rng(`${seed}/${scenario}`);
  let specs: SimClusterSpec[];
  switch (scenario) {
    case "mixed":
      specs = mixed(n, nodes, rng);
      break;
    case "static-block":
      specs = staticBlock(n, nodes);
      break;
    case "demo":
      specs = demo(rng);
      break;
    default:
      throw new Error(`unknown scenario ${String(scenario)} (known: ${SCENARIOS.join(", ")})`);
  }
  const epoch = opts.epoch === undefined ? Date.now() : new Date(opts.epoch).getTime();
  for (const s of specs) {
    s.seed = `${seed}/${s.name}`;
    s.createdAt = new Date(epoch - 30 * DAY_MS - rng.int(0, 20 * DAY_MS)).toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  return specs;
}
