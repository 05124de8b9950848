// ARM discovery: the subscriptions to look in, every managed cluster in them (the SDK follows nextLink
// and retries 429 honouring Retry-After), mapped to the model's ArmCluster. One subscription failing is
// a named problem and never hides another subscription's clusters.
import type { ManagedCluster } from "@azure/arm-containerservice";
import type { PipelineRequest } from "@azure/core-rest-pipeline";
import pLimit from "p-limit";
import type { ArmAgentPool, ArmCluster } from "../../model/snapshot.js";
import { UsageError } from "../../errors.js";
import { armErrorMessage, type AzureContext } from "./context.js";
import { identityErrorText } from "../../identity-error.js";

const CLUSTER_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)\/?$/i;

export interface ClusterId {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function parseClusterId(id: string): ClusterId | undefined {
  const m = CLUSTER_ID.exec(id.trim());
  return m ? { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! } : undefined;
}

/** ARM resource ids compare case-insensitively (ARM itself returns them in varying case). */
export function armIdKey(id: string): string {
  return id.trim().replace(/\/$/, "").toLowerCase();
}

/** A failure to list one source (a subscription), in words that name it. */
export interface DiscoveryProblem {
  /** e.g. `subscription 1234…` */
  source: string;
  message: string;
  /** The subscription that could not be listed, when that is the problem: its known clusters are not current. */
  subscription?: string;
  /** Which subscriptions there are could not be listed (`--subscription all`): the known clusters of every subscription are not current. */
  everySubscription?: true;
}

/** Discovery found nothing to scan because ARM could not be read (down, refusing us, TLS): exit 1, not bad usage. */
export class DiscoveryError extends Error {
  constructor(readonly problems: DiscoveryProblem[]) {
    super(problems.map((p) => `${p.source}: ${p.message}`).join("; "));
    this.name = "DiscoveryError";
  }
}

/**
 * ARM's error in one line: status, code and message (RestError keeps the code; details hold the body).
 * When the Azure identity had no token, ARM was never asked: that is said as Key Vault's and the clusters' failures say it.
 */
export function armErrorText(e: unknown): string {
  const identity = identityErrorText(e);
  if (identity) return identity;
  const r = e as { statusCode?: number; code?: string; message?: string; request?: PipelineRequest; details?: { error?: { code?: string; message?: string } } };
  const inner = r.details?.error;
  const code = inner?.code ?? r.code;
  const message = (inner?.message ?? armErrorMessage(r.request) ?? r.message ?? String(e)).split("\n", 1)[0]!;
  return [r.statusCode, code].filter((x) => x !== undefined && x !== "").join(" ") + (r.statusCode || code ? ": " : "") + message;
}

export function toArmCluster(mc: ManagedCluster): ArmCluster {
  const id = mc.id ?? "";
  const parsed = parseClusterId(id);
  const np = mc.networkProfile;
  const arm: ArmCluster = {
    id,
    name: mc.name ?? parsed?.name ?? id,
    subscriptionId: parsed?.subscriptionId ?? "",
    resourceGroup: parsed?.resourceGroup ?? "",
    aad: mc.aadProfile !== undefined && mc.aadProfile !== null,
    pools: (mc.agentPoolProfiles ?? []).map((p): ArmAgentPool => {
      const pool: ArmAgentPool = { name: p.name };
      const set = <K extends keyof ArmAgentPool>(k: K, v: ArmAgentPool[K] | null | undefined): void => {
        if (v !== undefined && v !== null) pool[k] = v;
      };
      set("count", p.count);
      set("minCount", p.minCount);
      set("maxCount", p.maxCount);
      set("enableAutoScaling", p.enableAutoScaling);
      set("maxPods", p.maxPods);
      set("vnetSubnetID", p.vnetSubnetID);
      set("podSubnetID", p.podSubnetID);
      set("podIPAllocationMode", p.podIPAllocationMode);
      set("maxSurge", p.upgradeSettings?.maxSurge);
      set("maxUnavailable", p.upgradeSettings?.maxUnavailable);
      set("osType", p.osType);
      set("mode", p.mode);
      return pool;
    }),
  };
  const opt = <K extends keyof ArmCluster>(k: K, v: ArmCluster[K] | null | undefined): void => {
    if (v !== undefined && v !== null) arm[k] = v;
  };
  opt("location", mc.location);
  opt("kubernetesVersion", mc.kubernetesVersion);
  opt("fqdn", mc.fqdn ?? mc.privateFqdn);
  opt("networkPlugin", np?.networkPlugin);
  opt("networkPluginMode", np?.networkPluginMode);
  opt("networkDataplane", np?.networkDataplane);
  opt("podCidr", np?.podCidr);
  if (np?.podCidrs?.length) arm.podCidrs = [...np.podCidrs];
  opt("serviceCidr", np?.serviceCidr);
  opt("powerState", mc.powerState?.code);
  if (mc.apiServerAccessProfile?.enablePrivateCluster) arm.privateCluster = true;
  return arm;
}

/** Subscription ids to list: the given ones, or every one the identity can read. */
export async function subscriptionIds(ctx: AzureContext, wanted: string[] | "all"): Promise<string[]> {
  if (wanted !== "all") return [...new Set(wanted.map((s) => s.trim().toLowerCase()))];
  const ids: string[] = [];
  const source = `ARM ${ctx.endpoint}`;
  try {
    for await (const s of ctx.subscriptions().subscriptions.list()) if (s.subscriptionId) ids.push(s.subscriptionId);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new DiscoveryError([{ source, message: `listing the subscriptions the identity can read: ${armErrorText(e)}`, everySubscription: true }]);
  }
  if (ids.length === 0) throw new DiscoveryError([{ source, message: "the identity can read no subscription: give it Reader (or AKS Cluster User) on the fleet's subscriptions", everySubscription: true }]);
  return ids;
}

/** Every managed cluster of the subscriptions; a subscription that fails is a problem, not an exception. */
export async function listManagedClusters(ctx: AzureContext, subscriptions: string[], concurrency = 8): Promise<{ clusters: ArmCluster[]; problems: DiscoveryProblem[] }> {
  const limit = pLimit(concurrency);
  const problems: DiscoveryProblem[] = [];
  const perSub = await Promise.all(
    subscriptions.map((sub) =>
      limit(async () => {
        const found: ArmCluster[] = [];
        try {
          for await (const mc of ctx.containerService(sub).managedClusters.list()) found.push(toArmCluster(mc));
          return found;
        } catch (e) {
          problems.push({ source: `subscription ${sub}`, message: `listing AKS clusters: ${armErrorText(e)}`, subscription: sub });
          return [];
        }
      }),
    ),
  );
  return { clusters: perSub.flat(), problems };
}

export async function getManagedCluster(ctx: AzureContext, id: ClusterId, abortSignal?: AbortSignal): Promise<ArmCluster> {
  return toArmCluster(await ctx.containerService(id.subscriptionId).managedClusters.get(id.resourceGroup, id.name, abortSignal ? { abortSignal } : {}));
}

/** Fleet names must be unique; ARM names are unique per resource group only, so repeats get their group. */
export function fleetNames(clusters: readonly ArmCluster[]): string[] {
  const count = (f: (c: ArmCluster) => string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const c of clusters) m.set(f(c), (m.get(f(c)) ?? 0) + 1);
    return m;
  };
  const byName = count((c) => c.name.toLowerCase());
  const byRg = count((c) => `${c.resourceGroup}/${c.name}`.toLowerCase());
  return clusters.map((c) => {
    if (byName.get(c.name.toLowerCase()) === 1) return c.name;
    if (byRg.get(`${c.resourceGroup}/${c.name}`.toLowerCase()) === 1) return `${c.resourceGroup}/${c.name}`;
    return `${c.subscriptionId}/${c.resourceGroup}/${c.name}`;
  });
}
