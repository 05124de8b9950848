// A cluster target is what discovery hands to collection: a name and a way to get a KubeConfig.
import type { KubeConfig } from "@kubernetes/client-node";
import { UsageError } from "../errors.js";
import type { ArmCluster, SnapshotSource } from "../model/snapshot.js";

export interface ClusterTarget {
  /** The cluster's name in the fleet: unique, shown in every report. */
  name: string;
  source: SnapshotSource;
  /** Builds this cluster's own KubeConfig. Credentials live only in memory. */
  kubeConfig(): Promise<KubeConfig>;
  /** What ARM said about the cluster, when it was discovered there. */
  arm?: ArmCluster;
  /** Reads what ARM says about the cluster when it is scanned, until `signal` (its deadline) aborts it (a fleet file's armResourceId entry). */
  readArm?(signal: AbortSignal): Promise<ArmCluster>;
  /** Named by an ARM listing, not by the user: it may take the name its history has (keepKnownNames). */
  fromListing?: boolean;
  /** Notes discovery wants in the snapshot (e.g. TLS verification disabled). */
  notes?: string[];
  /** What `kubeConfig()` asks, for a reason that names the step (e.g. `listClusterUserCredential from ARM`). */
  credentialSource?: string;
}

/** Users whose Entra ID token this process gets (src/sources/azure/cluster-credentials.ts) are named so. */
export const ENTRA_USER_PREFIX = "aad-token:";

/**
 * A cluster its source does not have (any more): an unknown kubeconfig context, a fleet file that no
 * longer lists it. Bad usage when named on the command line; for a queued job, a cluster removed since.
 */
export class NotInSourceError extends UsageError {
  override name = "NotInSourceError";
}

/** Getting a cluster's credentials failed: the collector records `status` and the message as the scan's reason. */
export class CredentialError extends Error {
  constructor(
    readonly status: "unauthorized" | "unreachable" | "error",
    message: string,
  ) {
    super(message);
    this.name = "CredentialError";
  }
}
