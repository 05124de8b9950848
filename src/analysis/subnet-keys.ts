// Which pod subnet an NC draws from: its ARM identity, its CIDR, or (overlay) its cluster's pod CIDR,
// as the accounting key every IPX and NNC rule files its findings under.
import type { ClusterSnapshot, IpamMode, NetworkContainer } from "../model/snapshot.js";
import { type AddressRange, contains, parseAddress } from "./ranges.js";

export interface SubnetIdentity {
  subscription: string;
  resourceGroup: string;
  vnet: string;
  subnet: string;
}

/** NC type → IPAM mode; `vnet`, absent or unknown → dynamic (the CRD default is vnet). */
export function ncMode(nc: Pick<NetworkContainer, "type">): IpamMode {
  const t = (nc.type ?? "").toLowerCase();
  if (t === "vnetblock") return "vnetblock";
  if (t === "overlay") return "overlay";
  return "dynamic";
}

/** The subnet key for parts of an ARM subnet ID: the lowercased ID (ARM IDs are case-insensitive). */
export function subnetKey(id: SubnetIdentity): string {
  return `/subscriptions/${id.subscription}/resourcegroups/${id.resourceGroup}/providers/microsoft.network/virtualnetworks/${id.vnet}/subnets/${id.subnet}`.toLowerCase();
}

const ARM_SUBNET_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/virtualnetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i;

/** Parses `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}`. */
export function parseArmSubnetId(armId: string | undefined): SubnetIdentity | null {
  const m = armId === undefined ? null : ARM_SUBNET_ID.exec(armId.trim());
  if (!m) return null;
  return { subscription: m[1]!, resourceGroup: m[2]!, vnet: m[3]!, subnet: m[4]! };
}

/** The subnet key an agent pool's `podSubnetID` points at, or null when it is not a subnet ID. */
export function subnetKeyFromArmId(armId: string | undefined): string | null {
  const id = parseArmSubnetId(armId);
  return id ? subnetKey(id) : null;
}

// Real NCs hold names in these fields; take the last path segment should one ever hold an ID.
function namePart(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!v.includes("/")) return v.trim() === "" ? undefined : v.trim();
  const parts = v.split("/").filter((p) => p !== "");
  const last = parts[parts.length - 1];
  return last === undefined || last.trim() === "" ? undefined : last.trim();
}

/** Identity from the NC fields, when all four parts are there (CNS builds podnet_arm_id the same way). */
export function ncIdentity(nc: NetworkContainer): SubnetIdentity | null {
  const subscription = namePart(nc.subscriptionID);
  const resourceGroup = namePart(nc.resourceGroupID);
  const vnet = namePart(nc.vnetID);
  const subnet = namePart(nc.subnetID) ?? namePart(nc.subnetName);
  if (!subscription || !resourceGroup || !vnet || !subnet) return null;
  return { subscription, resourceGroup, vnet, subnet };
}

/**
 * The accounting key of the subnet an NC draws from (the `key` of its SubnetAccount), or null when
 * the NC names none. Rules use it to put NC-level facts (a status, a duplicate) on the right subnet.
 */
export function ncSubnetKey(cluster: string, nc: NetworkContainer, podCidrOf: (cidr: string) => string = (c) => c): string | null {
  const p = nc.subnetAddressSpace ? parseAddress(nc.subnetAddressSpace) : undefined;
  const canonical = p?.ok ? canonicalCidr(p.canonical) : undefined;
  const mode = ncMode(nc);
  return keyFor(cluster, mode, ncIdentity(nc) ?? undefined, mode === "overlay" && canonical ? podCidrOf(canonical) : canonical);
}

/**
 * The pod CIDR an overlay NC of this cluster is accounted under, by its canonical subnetAddressSpace:
 * the widest of the cluster's pod CIDRs (its overlay NCs' and ARM's) that contains it. An expansion
 * (/16 to /15, only ever to a superset) reaches the nodes one by one, and those not yet updated still
 * say the old CIDR: that is one pod CIDR, not two. ARM's counts before any NC says it. Without an
 * expansion an NC's own CIDR is the widest, so its key stays what it was.
 */
export function overlayPodCidrs(snap: Pick<ClusterSnapshot, "nncs" | "arm">): (cidr: string) => string {
  const texts = new Set([...(snap.arm?.podCidrs ?? []), ...(snap.arm?.podCidr ? [snap.arm.podCidr] : [])]);
  for (const nnc of snap.nncs) {
    for (const nc of nnc.networkContainers) if (ncMode(nc) === "overlay" && nc.subnetAddressSpace) texts.add(nc.subnetAddressSpace);
  }
  const ranges = new Map<string, AddressRange>();
  for (const text of texts) {
    const p = parseAddress(text);
    if (p.ok) ranges.set(canonicalCidr(p.canonical), p);
  }
  // Widest first: the first that contains a CIDR is the one it is accounted under (itself at the latest).
  const widestFirst = [...ranges].sort(([, a], [, b]) => b.end - b.start - (a.end - a.start));
  return (cidr) => {
    const own = ranges.get(cidr);
    return own ? widestFirst.find(([, r]) => contains(r, own))![0] : cidr;
  };
}

export function canonicalCidr(canonical: string): string {
  return canonical.includes("/") ? canonical : `${canonical}/32`;
}

const OVERLAY_KEY_PREFIX = "overlay:";

/** Whether an accounting key is an overlay pod CIDR (private addresses), not a VNet subnet's. */
export function isOverlayKey(key: string): boolean {
  return key.startsWith(OVERLAY_KEY_PREFIX);
}

/** The cluster and pod CIDR of an overlay key, else null (the CIDR follows the last colon: a context name may hold one). */
export function overlayKeyParts(key: string): { cluster: string; range: AddressRange } | null {
  const colon = key.lastIndexOf(":");
  if (!isOverlayKey(key) || colon < OVERLAY_KEY_PREFIX.length) return null;
  const p = parseAddress(key.slice(colon + 1));
  return p.ok ? { cluster: key.slice(OVERLAY_KEY_PREFIX.length, colon), range: { start: p.start, end: p.end } } : null;
}

/**
 * The key a stored subnet row is followed under now, given the `subnets` of now: its own, but an overlay
 * pod CIDR expanded since (a /16 its cluster now accounts inside a /15) goes on as the wider one, so the
 * forecast and the dashboard's trend line keep its history.
 */
export function followedKey(subnets: ReadonlyArray<{ key: string }>): (key: string) => string {
  const podCidrs = new Map<string, Array<{ key: string; range: AddressRange }>>();
  for (const s of subnets) {
    const o = overlayKeyParts(s.key);
    if (o) podCidrs.set(o.cluster, [...(podCidrs.get(o.cluster) ?? []), { key: s.key, range: o.range }]);
  }
  const followed = new Map<string, string>();
  return (key) => {
    let now = followed.get(key);
    if (now === undefined) {
      const o = overlayKeyParts(key);
      const wider = o ? podCidrs.get(o.cluster)?.find(({ range }) => contains(range, o.range)) : undefined;
      followed.set(key, (now = wider?.key ?? key));
    }
    return now;
  };
}

export function keyFor(cluster: string, mode: IpamMode, identity: SubnetIdentity | undefined, cidr: string | undefined): string | null {
  // An overlay pod CIDR is private to its cluster: 10.244.0.0/16 in two clusters is no conflict.
  if (mode === "overlay") return cidr ? `${OVERLAY_KEY_PREFIX}${cluster}:${cidr}` : null;
  if (identity) return subnetKey(identity);
  return cidr ? `cidr:${cidr}` : null;
}
