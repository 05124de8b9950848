// Which cluster a reference reaches, canonically: a job's message must name the very cluster its round
// registered under that name, or a forged message could scan one cluster and settle another's row.
import path from "node:path";
import type { ClusterRef } from "../sources/discover.js";

/** Kind, name and what the reference reaches: absolute paths, ARM ids lower case (ARM ignores case). */
export function refIdentity(ref: ClusterRef): string {
  switch (ref.kind) {
    case "kubeconfig":
      return JSON.stringify([ref.kind, ref.name, ref.context, ref.files.map((f) => path.resolve(f))]);
    case "fleet":
      return JSON.stringify([ref.kind, ref.name, path.resolve(ref.fleetFile)]);
    case "arm":
      return JSON.stringify([ref.kind, ref.name, ref.id.toLowerCase()]);
  }
}
