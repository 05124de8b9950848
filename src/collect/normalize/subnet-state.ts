// ClusterSubnetState (acn.azure.com/v1alpha1) as the API returns it → the snapshot's ClusterSubnetState.
import type { ClusterSubnetState } from "../../model/snapshot.js";
import { type Json, obj, str } from "./fields.js";

/** Undefined for an item without a name; `problem` says what was unusable. */
export function normalizeSubnetState(raw: Json): { state?: ClusterSubnetState; problem?: string } {
  const o = obj(raw);
  const meta = obj(o?.metadata);
  const name = str(meta?.name);
  if (!o || !meta || !name) return { problem: "an item of the ClusterSubnetState list has no metadata.name and was skipped" };
  const status = obj(o.status) ?? {};
  const state: ClusterSubnetState = { name, namespace: str(meta.namespace) ?? "kube-system", exhausted: status.exhausted === true };
  const ts = status.timestamp;
  if (typeof ts === "string" && ts !== "") state.timestamp = ts;
  else if (typeof ts === "number" && Number.isFinite(ts)) state.timestamp = String(ts);
  // "true" as a string is what a hand-edited object might hold: count it, but say so.
  if (status.exhausted !== undefined && typeof status.exhausted !== "boolean") {
    state.exhausted = status.exhausted === "true";
    return { state, problem: `ClusterSubnetState ${name}: status.exhausted is ${JSON.stringify(status.exhausted)?.slice(0, 40)}, not a boolean` };
  }
  return { state };
}
