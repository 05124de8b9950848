// NodeNetworkConfig (acn.azure.com/v1alpha) as the API returns it → the snapshot's Nnc.
import type { NetworkContainer, Nnc, ScalerSettings } from "../../model/snapshot.js";
import { arr, FieldReader, intern, type Json, obj, pickLabels, str, time } from "./fields.js";

const NNC_LABEL = /^kubernetes\.azure\.com\/podnetwork-|^(managed|owner)$/;

/** Returns undefined only for an item that is not an object with a name: nothing to key it by. */
export function normalizeNnc(raw: Json): Nnc | undefined {
  const o = obj(raw);
  const meta = obj(o?.metadata);
  const name = str(meta?.name);
  if (!o || !meta || !name) return undefined;
  const r = new FieldReader(`NNC ${name}`);
  const spec = obj(o.spec) ?? {};
  const status = obj(o.status) ?? {};

  const owners = arr(meta.ownerReferences) ?? [];
  const ownerRaw = owners.map(obj).find((x) => x?.controller === true) ?? obj(owners[0]);
  const nnc: Nnc = {
    name: intern(name),
    namespace: intern(str(meta.namespace)) ?? "kube-system",
    uid: str(meta.uid) ?? "",
    labels: pickLabels(meta.labels, (k) => NNC_LABEL.test(k)),
    requestedIPCount: r.int(spec.requestedIPCount, "spec.requestedIPCount"),
    ipsNotInUse: arr(spec.ipsNotInUse)?.length ?? 0,
    assignedIPCount: r.int(status.assignedIPCount, "status.assignedIPCount"),
    networkContainers: [],
  };
  const created = time(meta.creationTimestamp);
  if (created) nnc.createdAt = created;
  const deleting = time(meta.deletionTimestamp);
  if (deleting) nnc.deletionTimestamp = deleting;
  if (ownerRaw) {
    nnc.owner = { kind: intern(str(ownerRaw.kind)) ?? "", name: intern(str(ownerRaw.name)) ?? "", uid: str(ownerRaw.uid) ?? "" };
  }
  const az = r.optInt(spec.availabilityZone, "spec.availabilityZone");
  if (az !== undefined) nnc.availabilityZone = az;
  const st = r.str(status.status, "status.status");
  if (st) nnc.status = intern(st);
  const scaler = normalizeScaler(status.scaler, r);
  if (scaler) nnc.scaler = scaler;

  const ncs = status.networkContainers;
  if (ncs !== undefined && ncs !== null && !Array.isArray(ncs)) r.problem("status.networkContainers is not a list");
  for (const [i, ncRaw] of (arr(ncs) ?? []).entries()) {
    const nc = normalizeNc(ncRaw, i, r);
    if (nc) nnc.networkContainers.push(nc);
  }
  if (r.problems.length > 0) nnc.problems = r.problems;
  return nnc;
}

function normalizeScaler(v: Json, r: FieldReader): ScalerSettings | undefined {
  const s = obj(v);
  if (!s) return undefined;
  const out: ScalerSettings = {
    batchSize: r.int(s.batchSize, "status.scaler.batchSize"),
    requestThresholdPercent: r.int(s.requestThresholdPercent, "status.scaler.requestThresholdPercent"),
    releaseThresholdPercent: r.int(s.releaseThresholdPercent, "status.scaler.releaseThresholdPercent"),
    maxIPCount: r.int(s.maxIPCount, "status.scaler.maxIPCount"),
  };
  // Static-block NNCs carry an all-zero scaler (seen in the CNS log of the seed); that means "none".
  return out.batchSize === 0 && out.maxIPCount === 0 ? undefined : out;
}

function normalizeNc(v: Json, i: number, r: FieldReader): NetworkContainer | undefined {
  const n = obj(v);
  const field = `status.networkContainers[${i}]`;
  if (!n) {
    r.problem(`${field} is not an object`);
    return undefined;
  }
  const nc: NetworkContainer = {
    id: r.str(n.id, `${field}.id`) ?? "",
    assignmentMode: intern(r.str(n.assignmentMode, `${field}.assignmentMode`)) ?? "dynamic",
    type: intern(r.str(n.type, `${field}.type`)) ?? "vnet",
    version: r.int(n.version, `${field}.version`),
    ipAssignments: [],
  };
  const strings: Array<[keyof NetworkContainer, string]> = [
    ["primaryIP", "primaryIP"],
    ["nodeIP", "nodeIP"],
    ["subnetName", "subnetName"],
    ["subnetAddressSpace", "subnetAddressSpace"],
    ["subscriptionID", "subcriptionID"],
    ["resourceGroupID", "resourceGroupID"],
    ["vnetID", "vnetID"],
    ["subnetID", "subnetID"],
    ["defaultGateway", "defaultGateway"],
    ["status", "status"],
  ];
  for (const [key, json] of strings) {
    const s = r.str(n[json] ?? (key === "subscriptionID" ? n.subscriptionID : undefined), `${field}.${json}`);
    // Everything but the NC's own addresses repeats on every NC of the subnet.
    if (s) (nc as unknown as Record<string, unknown>)[key] = key === "primaryIP" || key === "nodeIP" ? s : intern(s);
  }
  for (const [j, a] of (arr(n.ipAssignments) ?? []).entries()) {
    const ip = str(obj(a)?.ip);
    if (ip) nc.ipAssignments.push(ip);
    else r.problem(`${field}.ipAssignments[${j}] has no ip`);
  }
  return nc;
}
