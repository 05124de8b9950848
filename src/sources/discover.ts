// Discovery in two steps, so a fleet can be fanned out over a queue: `discoverRefs` lists the fleet as
// plain, secret-free references (safe to put in a queue message), and `resolveTarget` turns one
// reference back into a ClusterTarget with credentials, in whichever process scans that cluster.
import type { ArmCluster } from "../model/snapshot.js";
import { UsageError } from "../errors.js";
import { defaultKubeconfigPaths, discoverFromKubeconfig } from "./kubeconfig.js";
import type { ClusterTarget } from "./target.js";

/** Where the fleet comes from. Several sources may be combined; names must stay unique. */
export interface DiscoverySettings {
  /** kubeconfig files; with no other source, the default kubeconfig is used. */
  kubeconfig?: string[];
  /** Only these contexts of the kubeconfig (empty = all). */
  contexts?: string[];
  /** A fleet file listing clusters (YAML/JSON). */
  fleetFile?: string;
  /** ARM: subscriptions to list AKS clusters in; "all" = every subscription the identity can read. */
  subscriptions?: string[] | "all";
  /** ARM endpoint (default https://management.azure.com); the simulator's in tests. */
  armEndpoint?: string;
  /** Extra CA (PEM file) to trust for ARM/Key Vault/identity endpoints (the simulator's). */
  armCaFile?: string;
  /** Use listClusterAdminCredentials instead of listClusterUserCredentials. */
  adminCredentials?: boolean;
}

/** A secret-free reference to one cluster: what a queue message carries. */
export type ClusterRef =
  | { kind: "kubeconfig"; name: string; context: string; files: string[] }
  | { kind: "fleet"; name: string; fleetFile: string }
  | { kind: "arm"; name: string; id: string; arm?: ArmCluster };

export async function discoverRefs(settings: DiscoverySettings): Promise<ClusterRef[]> {
  const refs: ClusterRef[] = [];
  const noOther = !settings.fleetFile && !settings.subscriptions;
  if (settings.kubeconfig?.length || settings.contexts?.length || noOther) {
    const files = settings.kubeconfig?.length ? settings.kubeconfig : defaultKubeconfigPaths();
    for (const t of discoverFromKubeconfig({ files, ...(settings.contexts ? { contexts: settings.contexts } : {}) })) {
      refs.push({ kind: "kubeconfig", name: t.name, context: t.source.context ?? t.name, files });
    }
  }
  if (settings.fleetFile) throw new UsageError("fleet files are not available in this build");
  if (settings.subscriptions) throw new UsageError("ARM discovery is not available in this build");
  return refs;
}

export async function resolveTarget(ref: ClusterRef, _settings: DiscoverySettings): Promise<ClusterTarget> {
  switch (ref.kind) {
    case "kubeconfig": {
      const [target] = discoverFromKubeconfig({ files: ref.files, contexts: [ref.context] });
      if (!target) throw new UsageError(`unknown context ${JSON.stringify(ref.context)}`);
      return target;
    }
    default:
      throw new UsageError(`cluster ${JSON.stringify(ref.name)}: ${ref.kind} clusters are not available in this build`);
  }
}

/** Discovery and resolution in one step, for a scan that runs in this process. */
export async function discoverFleet(settings: DiscoverySettings): Promise<ClusterTarget[]> {
  const refs = await discoverRefs(settings);
  return Promise.all(refs.map((r) => resolveTarget(r, settings)));
}
