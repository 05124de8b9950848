// Discovery in two steps, so a fleet can be fanned out over a queue: `discoverRefs` lists the fleet as
// plain, secret-free references (safe to put in a queue message), and `resolveTarget` turns one
// reference back into a ClusterTarget with credentials, in whichever process scans that cluster.
// Credentials are fetched lazily by the target (inside the collector), so one cluster whose
// credentials fail is that cluster's scan failure, never another cluster's.
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { clusterNameProblem } from "../model/cluster-name.js";
import type { ArmCluster } from "../model/snapshot.js";
import { UsageError } from "../errors.js";
import { armKubeConfig, fetchedContext, kubeConfigFor, parseKubeconfig } from "./azure/cluster-credentials.js";
import { azureContext } from "./azure/context.js";
import { readSecret, SecretReadError } from "./azure/key-vault.js";
import { armErrorText, armIdKey, DiscoveryError, type DiscoveryProblem, fleetNames, getManagedCluster, listManagedClusters, parseClusterId, subscriptionIds } from "./azure/managed-clusters.js";
import { type FleetEntry, type KubeconfigLoader, kubeconfigLoader, loadFleetFile } from "./fleet-file.js";
import { contextServer, danglingContext, defaultKubeconfigPaths, discoverFromKubeconfig, entryContext, loadKubeconfig, wantedContexts } from "./kubeconfig.js";
import { onePerServer } from "./same-server.js";
import { type DiscoverySettings, requireTokenPair } from "./settings.js";
import { type ClusterTarget, CredentialError, NotInSourceError } from "./target.js";

export { DiscoveryError, type DiscoveryProblem } from "./azure/managed-clusters.js";
export { type DiscoverySettings, discoverySettingsFromEnv, parseSubscriptions } from "./settings.js";

/** A secret-free reference to one cluster: what a queue message carries. */
export type ClusterRef =
  | { kind: "kubeconfig"; name: string; context: string; files: string[] }
  | { kind: "fleet"; name: string; fleetFile: string }
  | { kind: "arm"; name: string; id: string; arm?: ArmCluster };

export interface DiscoveryHooks {
  /** A source (a subscription) that could not be listed; the others' clusters are still returned. */
  onProblem?: (p: DiscoveryProblem) => void;
}

export async function discoverRefs(settings: DiscoverySettings, hooks: DiscoveryHooks = {}): Promise<ClusterRef[]> {
  const found: ClusterRef[] = [];
  /** The API server of each kubeconfig context and fleet-file kubeconfig entry. */
  const servers = new Map<ClusterRef, string | undefined>();
  const noOther = !settings.fleetFile && !settings.subscriptions;
  if (settings.kubeconfig?.length || settings.contexts?.length || noOther) {
    // Absolute (KUBECONFIG may hold relative paths): a queued job is resolved wherever a worker runs.
    const files = (settings.kubeconfig?.length ? settings.kubeconfig : defaultKubeconfigPaths()).map((f) => path.resolve(f));
    const { base, names } = wantedContexts({ files, ...(settings.contexts ? { contexts: settings.contexts } : {}) });
    for (const name of names) {
      const ref: ClusterRef = { kind: "kubeconfig", name, context: name, files };
      found.push(ref);
      // A context that cannot be used fails on its own, saying why, rather than standing in for a good twin.
      if (!danglingContext(base, name)) servers.set(ref, contextServer(base, name));
    }
  }
  // Fleet-file entries by ARM resource id: a listed cluster that is one of them is scanned once, under the entry's name.
  const armEntries = new Map<string, string>();
  if (settings.fleetFile) {
    const load = kubeconfigLoader();
    for (const e of loadFleetFile(settings.fleetFile, { load })) {
      const ref: ClusterRef = { kind: "fleet", name: e.name, fleetFile: settings.fleetFile };
      found.push(ref);
      if (e.kind === "arm") armEntries.set(armIdKey(e.id), e.name);
      if (e.kind === "kubeconfig") {
        const kc = load(e.file);
        servers.set(ref, contextServer(kc, entryContext(kc, e.context)!));
      }
    }
  }
  // Contexts on one API server are one cluster, scanned once: a fleet-file entry's (named for it) before
  // a kubeconfig context's, then the name that sorts first (`aks-a` before its `aks-a-admin` twin). One
  // whose name cannot be used (left out below) stands in for no twin.
  const fromFleet = (r: ClusterRef): number => (r.kind === "fleet" ? 0 : 1);
  const { kept: refs, twins } = onePerServer(found, (r) => (clusterNameProblem(r.name) ? undefined : servers.get(r)), (a, b) => fromFleet(a) - fromFleet(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const duplicates: DiscoveryProblem[] = twins.map(({ server, kept, skipped }) => ({
    source: refSource(kept),
    message: `${skipped.map((r) => refLabel(r, kept)).join(", ")} ${skipped.length === 1 ? "is" : "are"} on the same API server as ${refLabel(kept, kept)} (${server}): scanned once, as ${kept.name}`,
  }));
  if (settings.subscriptions || armEntries.size > 0) requireTokenPair(settings);
  const tell = (p: DiscoveryProblem) => (hooks.onProblem ? hooks.onProblem(p) : process.emitWarning(`${p.source}: ${p.message}`, "FleetDiscoveryWarning"));
  const problems: DiscoveryProblem[] = [];
  let noneListed = false;
  if (settings.subscriptions) {
    const ctx = azureContext(settings);
    // Which subscriptions there are unknown (`all`, ARM down): a problem like a subscription's, so the
    // kubeconfig and fleet-file clusters are still scanned and every known ARM cluster fails as unlisted.
    const subscriptions = await subscriptionIds(ctx, settings.subscriptions).catch((e: unknown) => {
      if (!(e instanceof DiscoveryError)) throw e;
      problems.push(...e.problems);
      return [];
    });
    const listed = await listManagedClusters(ctx, subscriptions);
    problems.push(...listed.problems);
    noneListed = problems.length > 0 && listed.problems.length === subscriptions.length;
    // Named over the whole listing, so a listed cluster's name does not depend on what the fleet file holds.
    const names = fleetNames(listed.clusters);
    listed.clusters.forEach((arm, i) => {
      const entry = armEntries.get(armIdKey(arm.id));
      if (entry === undefined) refs.push({ kind: "arm", name: names[i]!, id: arm.id, arm });
      else duplicates.push({ source: `subscription ${arm.subscriptionId}`, message: `AKS cluster ${names[i]} is fleet file entry ${JSON.stringify(entry)} (same ARM id ${arm.id}): scanned once, as ${entry}` });
    });
  }
  // One subscription listed, even empty, is a scan: the unlisted ones' known clusters are recorded as failed (unlisted.ts).
  if (noneListed && refs.length === 0) throw new DiscoveryError(problems);
  [...problems, ...duplicates].forEach(tell);
  // A name the store, the queue or the HTTP routes could not take is left out here, saying so,
  // rather than scanned and then failing to be stored or looked up.
  const usable = refs.filter((r) => {
    const problem = clusterNameProblem(r.name);
    if (problem) tell({ source: refSource(r), message: `${problem}: not scanned` });
    return problem === undefined;
  });
  const seen = new Map<string, ClusterRef>();
  for (const r of usable) {
    const other = seen.get(r.name);
    if (other) throw new UsageError(`cluster name ${JSON.stringify(r.name)} comes from two sources (${other.kind} and ${r.kind}): names in a fleet must be unique`);
    seen.set(r.name, r);
  }
  return usable;
}

/** Where a reference came from, in words for a discovery note. */
function refSource(r: ClusterRef): string {
  return r.kind === "kubeconfig" ? `kubeconfig ${r.files.join(path.delimiter)}` : r.kind === "fleet" ? `fleet file ${r.fleetFile}` : `ARM ${r.id}`;
}

/** A kubeconfig context or fleet-file entry in words, naming its source where it is not `beside`'s. */
function refLabel(r: ClusterRef, beside: ClusterRef): string {
  const label = r.kind === "kubeconfig" ? `context ${JSON.stringify(r.context)}` : `fleet file entry ${JSON.stringify(r.name)}`;
  return refSource(r) === refSource(beside) ? label : `${label} of ${refSource(r)}`;
}

/** One kubeconfig context as scanned: kubelogin users get Entra tokens from the process's identity, as fleet-file entries do. */
function entraAware(settings: DiscoverySettings): (base: KubeConfig, context: string) => KubeConfig {
  return (base, context) => kubeConfigFor(base, context, () => azureContext(settings).credential);
}

function armTarget(name: string, source: ClusterTarget["source"], id: string, arm: ArmCluster | undefined, settings: DiscoverySettings, admin: boolean): ClusterTarget {
  const parsed = parseClusterId(id);
  if (!parsed) throw new UsageError(`cluster ${JSON.stringify(name)}: ${JSON.stringify(id)} is not an AKS resource id`);
  const ctx = azureContext(settings);
  const credentialSource = `${admin ? "listClusterAdminCredential" : "listClusterUserCredential"} from ARM`;
  return { name, source, ...(arm ? { arm } : {}), credentialSource, kubeConfig: () => armKubeConfig(ctx, parsed, admin) };
}

async function fleetTarget(entry: FleetEntry, settings: DiscoverySettings, load: KubeconfigLoader = (f) => loadKubeconfig([f])): Promise<ClusterTarget> {
  const source: ClusterTarget["source"] = { kind: "fleet" };
  const forContext = entraAware(settings);
  switch (entry.kind) {
    case "kubeconfig": {
      const base = load(entry.file);
      const context = entryContext(base, entry.context);
      // Checked when the fleet file was loaded; the kubeconfig may have changed since (a queued job).
      if (!context || !base.getContextObject(context)) throw new UsageError(`cluster ${JSON.stringify(entry.name)}: context ${JSON.stringify(context ?? "")} not found in ${entry.file}`);
      source.context = context;
      const server = contextServer(base, context);
      if (server) source.server = server;
      return { name: entry.name, source, kubeConfig: async () => forContext(base, context) };
    }
    case "keyVault": {
      if (entry.context) source.context = entry.context;
      return {
        name: entry.name,
        source,
        credentialSource: `reading the kubeconfig from Key Vault secret ${entry.secretUri}`,
        kubeConfig: async () => {
          let text: string;
          try {
            text = await readSecret(azureContext(settings), entry.secretUri);
          } catch (e) {
            if (!(e instanceof SecretReadError)) throw e;
            const status = e.statusCode === 401 || e.statusCode === 403 ? "unauthorized" : e.statusCode === undefined && !e.identity ? "unreachable" : "error";
            throw new CredentialError(status, `reading the kubeconfig: ${e.message}`);
          }
          const what = `the kubeconfig in Key Vault secret ${entry.secretUri}`;
          const base = parseKubeconfig(text, what);
          const context = entryContext(base, entry.context)!; // parseKubeconfig refuses one without contexts
          if (!base.getContextObject(context)) throw new CredentialError("error", `${what} has no context ${JSON.stringify(context)}`);
          return fetchedContext(base, context, what, () => azureContext(settings).credential);
        },
      };
    }
    case "arm": {
      const admin = entry.adminCredentials ?? settings.adminCredentials ?? false;
      const id = parseClusterId(entry.id)!;
      const ctx = azureContext(settings);
      // Read when the cluster is scanned, within its deadline: one hung ARM read delays no other cluster.
      const readArm = async (signal: AbortSignal): Promise<ArmCluster> => {
        try {
          return await getManagedCluster(ctx, id, signal);
        } catch (e) {
          const status = (e as { statusCode?: number }).statusCode;
          throw new CredentialError(status === 401 || status === 403 ? "unauthorized" : "error", `reading ${entry.id} from ARM: ${armErrorText(e)}`);
        }
      };
      return { ...armTarget(entry.name, { kind: "arm" }, entry.id, undefined, settings, admin), readArm };
    }
  }
}

export async function resolveTarget(ref: ClusterRef, settings: DiscoverySettings): Promise<ClusterTarget> {
  switch (ref.kind) {
    case "kubeconfig": {
      // By exact name: a context whose name holds a * is also a pattern that may match others.
      const target = discoverFromKubeconfig({ files: ref.files, contexts: [ref.context], kubeConfigFor: entraAware(settings) }).find((t) => (t.source.context ?? t.name) === ref.context);
      if (!target) throw new NotInSourceError(`unknown context ${JSON.stringify(ref.context)}`);
      return target;
    }
    case "fleet": {
      const entry = loadFleetFile(ref.fleetFile, { kubeconfigs: false }).find((e) => e.name === ref.name);
      if (!entry) throw new NotInSourceError(`fleet file ${ref.fleetFile} no longer lists cluster ${JSON.stringify(ref.name)}`);
      return fleetTarget(entry, settings);
    }
    case "arm":
      return { ...armTarget(ref.name, { kind: "arm" }, ref.id, ref.arm, settings, settings.adminCredentials ?? false), fromListing: true };
    default:
      throw new UsageError(`cluster ${JSON.stringify((ref as { name?: unknown }).name)}: unknown reference kind ${JSON.stringify((ref as { kind?: unknown }).kind)}`);
  }
}

/** Discovery and resolution in one step, for a scan that runs in this process. */
export async function discoverFleet(settings: DiscoverySettings, hooks: DiscoveryHooks = {}): Promise<ClusterTarget[]> {
  const refs = await discoverRefs(settings, hooks);
  // A kubeconfig is read once for all its contexts, not once per context.
  const byFiles = new Map<string, Map<string, ClusterTarget>>();
  for (const r of refs) {
    if (r.kind !== "kubeconfig") continue;
    const key = r.files.join("\n");
    if (byFiles.has(key)) continue;
    const contexts = refs.filter((o) => o.kind === "kubeconfig" && o.files.join("\n") === key).map((o) => (o as { context: string }).context);
    byFiles.set(key, new Map(discoverFromKubeconfig({ files: r.files, contexts, kubeConfigFor: entraAware(settings) }).map((t) => [t.source.context ?? t.name, t])));
  }
  // A fleet file, checked whole by discoverRefs, is read once more here, not once per entry.
  const fleetEntries = new Map<string, Map<string, FleetEntry>>();
  for (const r of refs) {
    if (r.kind === "fleet" && !fleetEntries.has(r.fleetFile)) fleetEntries.set(r.fleetFile, new Map(loadFleetFile(r.fleetFile, { kubeconfigs: false }).map((e) => [e.name, e])));
  }
  // Entries sharing a kubeconfig share one load of it.
  const load = kubeconfigLoader();
  return Promise.all(
    refs.map((r) => {
      if (r.kind === "kubeconfig") return byFiles.get(r.files.join("\n"))!.get(r.context)!;
      const entry = r.kind === "fleet" ? fleetEntries.get(r.fleetFile)!.get(r.name) : undefined;
      return entry ? fleetTarget(entry, settings, load) : resolveTarget(r, settings);
    }),
  );
}
