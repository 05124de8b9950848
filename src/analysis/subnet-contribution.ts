// One cluster's part of the pod-subnet accounting, taken from its snapshot as soon as the cluster is
// judged. A fleet evaluation keeps this instead of the snapshot until the fleet rules run: each NC's
// subnet and names, and every address field parsed into typed arrays (~14 bytes a field, where the
// snapshot held an NC object and a block string). Merging contributions is accounting.ts's job.
import type { ClusterSnapshot, IpamMode, NetworkContainer } from "../model/snapshot.js";
import { type AddressRange, formatAddress, hostBitsSet, newScratch, type ParsedAddress, parseAddress, parseRangeInto } from "./ranges.js";
import { canonicalCidr, keyFor, ncIdentity, ncMode, overlayPodCidrs, type SubnetIdentity } from "./subnet-keys.js";
import type { AccountingProblem } from "./subnets.js";

/** How an address field parsed (`ContributedFields.status`); 0 is a usable address or block. */
/** A CIDR with bits set below its prefix: held as the masked block. */
export const FIELD_HOST_BITS = 1;
export const FIELD_MALFORMED = 2;
export const FIELD_IPV6 = 3;
/** `prefix` of a bare address (no `/n` written). */
const BARE = 255;

/** A subnetAddressSpace as written and parsed. */
export interface ContributedCidr {
  text: string;
  canonical: string;
  range: AddressRange;
}

/** One NC that names a subnet, without its address fields (those are in `ContributedFields`). */
export interface ContributedNc {
  nnc: string;
  /** NC id */
  nc: string;
  mode: IpamMode;
  /** Accounting key of its subnet. */
  key: string;
  identity?: SubnetIdentity;
  /** Its usable subnetAddressSpace, as written and parsed. */
  cidr?: ContributedCidr;
  /** Overlay: the wider pod CIDR of its cluster that contains `cidr` (an expansion it has not seen yet), which it is accounted under. */
  podCidr?: ContributedCidr;
  /** The NC type as written, when it is not one CNS knows (counted as dynamic). */
  unknownType?: string;
  /** subnetName, else subnetID: what the subnet is called. */
  name?: string;
  /** The NNC belongs to a Node of the snapshot (one NNC per node, same name). */
  onNode: boolean;
  hasPrimary: boolean;
  /** Its address fields are `fields[first, first + count)`: primaryIP first when present, then ipAssignments. */
  first: number;
  count: number;
}

/** Every address field of the contributed NCs, one slot each. */
export interface ContributedFields {
  /** 0, or FIELD_HOST_BITS, FIELD_MALFORMED, FIELD_IPV6. */
  status: Uint8Array;
  start: Uint32Array;
  end: Uint32Array;
  /** -1 for primaryIP, else the ipAssignments index. */
  index: Int32Array;
  /** Written prefix length, or 255 for a bare address. */
  prefix: Uint8Array;
  /** The value of slots whose text cannot be rebuilt from the range (malformed, IPv6, host bits set). */
  text: Map<number, unknown>;
}

export interface SubnetContribution {
  cluster: string;
  takenAt: string;
  ncs: ContributedNc[];
  fields: ContributedFields;
  /** Problems of NCs that name no usable subnet (they are not in `ncs`). */
  problems: AccountingProblem[];
}

/** The value of field slot `i` as the NNC wrote it. */
export function fieldValue(f: ContributedFields, i: number): unknown {
  if (f.text.has(i)) return f.text.get(i);
  const address = formatAddress(f.start[i]!);
  return f.prefix[i] === BARE ? address : `${address}/${f.prefix[i]}`;
}

/** `primaryIP` or `ipAssignments[i]` */
export function fieldName(index: number): string {
  return index < 0 ? "primaryIP" : `ipAssignments[${index}]`;
}

/** An NC whose `fields` address fields cannot be put on any subnet. */
export function noSubnet(where: { cluster: string; nnc: string; nc: string }, why: string, fields: number): AccountingProblem {
  return { ...where, kind: "no-subnet", message: `NC ${where.nc} on NNC ${where.nnc} (${where.cluster}): ${why}; its ${fields} address field(s) are not accounted` };
}

function knownType(nc: NetworkContainer): boolean {
  const t = (nc.type ?? "").toLowerCase();
  return t === "" || t === "vnet" || t === "vnetblock" || t === "overlay";
}

/** A cluster's NCs and address fields, parsed once; nothing of the snapshot is referenced afterwards but strings. */
export function contributeSubnets(snap: ClusterSnapshot): SubnetContribution {
  const problems: AccountingProblem[] = [];
  const ncs: ContributedNc[] = [];
  const nodeNames = new Set(snap.nodes.map((n) => n.name));
  // Every NC of a subnet repeats its CIDR and identity: parse each distinct text once, share the result.
  const cidrs = new Map<string, ContributedCidr | Extract<ParsedAddress, { ok: false }>>();
  const parseCidr = (text: string): ContributedCidr | Extract<ParsedAddress, { ok: false }> => {
    let parsed = cidrs.get(text);
    if (parsed === undefined) {
      const p = parseAddress(text);
      parsed = p.ok ? { text, canonical: canonicalCidr(p.canonical), range: { start: p.start, end: p.end } } : p;
      cidrs.set(text, parsed);
    }
    return parsed;
  };
  const podCidrOf = overlayPodCidrs(snap);
  const subnets = new Map<string, { key: string; identity: SubnetIdentity | undefined }>();
  const kept: NetworkContainer[] = [];
  let slots = 0;

  for (const nnc of snap.nncs) {
    for (const nc of nnc.networkContainers) {
      const where = { cluster: snap.cluster, nnc: nnc.name, nc: nc.id };
      const mode = ncMode(nc);
      let cidr: ContributedNc["cidr"];
      if (nc.subnetAddressSpace !== undefined && nc.subnetAddressSpace !== "") {
        const parsed = parseCidr(nc.subnetAddressSpace);
        if ("ok" in parsed) {
          // Dual stack gives each node a second NC for IPv6 (ACN's IPv6 overlay NC): by design not
          // accounted (IPv4 pod space is what runs out), so neither malformed nor a subnet-less NC.
          const ipv6 = parsed.kind === "ipv6";
          problems.push({
            ...where,
            kind: ipv6 ? "ipv6-skipped" : "malformed-subnet",
            field: "subnetAddressSpace",
            value: nc.subnetAddressSpace,
            message: `NC ${nc.id} on NNC ${nnc.name} (${snap.cluster}): subnetAddressSpace ${JSON.stringify(nc.subnetAddressSpace)} ${ipv6 ? "is IPv6: the NC is not accounted" : `is not usable (${parsed.reason})`}`,
          });
          if (ipv6) continue;
        } else cidr = parsed;
      }
      const hasPrimary = nc.primaryIP !== undefined && nc.primaryIP !== "";
      const count = (hasPrimary ? 1 : 0) + nc.ipAssignments.length;
      let identity = mode === "overlay" ? undefined : (ncIdentity(nc) ?? undefined);
      const podCidr = mode === "overlay" && cidr ? podCidrOf(cidr.canonical) : undefined;
      let key = keyFor(snap.cluster, mode, identity, podCidr ?? cidr?.canonical);
      if (key === null) {
        const why = mode === "overlay" ? "an overlay NC without a usable subnetAddressSpace (the pod CIDR)" : "neither subscription/resource group/VNet/subnet nor a usable subnetAddressSpace";
        problems.push(noSubnet(where, why, count));
        continue;
      }
      // Each NC builds its key and identity afresh: keep one copy of each per subnet.
      const seen = subnets.get(key);
      if (seen) [key, identity] = [seen.key, identity && seen.identity];
      else subnets.set(key, { key, identity });
      const entry: ContributedNc = { nnc: nnc.name, nc: nc.id, mode, key, onNode: nodeNames.has(nnc.name), hasPrimary, first: slots, count };
      if (identity) entry.identity = identity;
      if (cidr) entry.cidr = cidr;
      const wider = podCidr !== undefined && podCidr !== cidr?.canonical ? parseCidr(podCidr) : undefined;
      if (wider && !("ok" in wider)) entry.podCidr = wider;
      if (!knownType(nc)) entry.unknownType = nc.type;
      const name = nc.subnetName ?? nc.subnetID;
      if (name !== undefined && name !== "") entry.name = name;
      ncs.push(entry);
      kept.push(nc);
      slots += count;
    }
  }

  const fields: ContributedFields = {
    status: new Uint8Array(slots),
    start: new Uint32Array(slots),
    end: new Uint32Array(slots),
    index: new Int32Array(slots),
    prefix: new Uint8Array(slots),
    text: new Map(),
  };
  const scratch = newScratch();
  const parse = (slot: number, index: number, value: unknown): void => {
    fields.index[slot] = index;
    const status = parseRangeInto(value, scratch);
    if (status !== "ok") {
      fields.status[slot] = status === "ipv6" ? FIELD_IPV6 : FIELD_MALFORMED;
      fields.text.set(slot, value);
      return;
    }
    fields.start[slot] = scratch.start;
    fields.end[slot] = scratch.end;
    fields.prefix[slot] = scratch.prefixPresent ? scratch.prefix : BARE;
    // The strict parse leaves one way to write a range, so only host bits need the text kept.
    if (scratch.prefixPresent && hostBitsSet(value as string, scratch)) {
      fields.status[slot] = FIELD_HOST_BITS;
      fields.text.set(slot, value);
    }
  };
  ncs.forEach((entry, i) => {
    const nc = kept[i]!;
    let slot = entry.first;
    if (entry.hasPrimary) parse(slot++, -1, nc.primaryIP);
    for (let fi = 0; fi < nc.ipAssignments.length; fi++) parse(slot++, fi, nc.ipAssignments[fi]);
  });
  return { cluster: snap.cluster, takenAt: snap.takenAt, ncs, fields, problems };
}
