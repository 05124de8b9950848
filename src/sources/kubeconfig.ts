// Discovery from a kubeconfig: one cluster per context (all of them unless some are named).
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { UsageError } from "../errors.js";
import { nameMatcher } from "../glob.js";
import { withoutCredentials } from "../url-credentials.js";
import { checkClientCertificate } from "./client-certificate.js";
import { checkClusterCa } from "./cluster-ca.js";
import { mergeFirstWins, readKubeconfigFile, withTokenFromFile } from "./kubeconfig-file.js";
import { type ClusterTarget, CredentialError, NotInSourceError } from "./target.js";

/** KUBECONFIG may list several files (merged, first wins), as kubectl does. */
export function defaultKubeconfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.KUBECONFIG?.split(path.delimiter).filter((p) => p.length > 0);
  if (fromEnv && fromEnv.length > 0) return fromEnv;
  return [path.join(env.HOME ?? homedir(), ".kube", "config")];
}

/** The file each context of a loaded kubeconfig came from (KUBECONFIG merges several). */
const contextFiles = new WeakMap<KubeConfig, Map<string, string>>();

export function loadKubeconfig(files: string[]): KubeConfig {
  const configs: KubeConfig[] = [];
  const fileOf = new Map<string, string>();
  const read: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      if (files.length === 1) throw new UsageError(`kubeconfig not found: ${file}`);
      continue;
    }
    read.push(file);
    const kc = readKubeconfigFile(file);
    if (!kc) continue;
    for (const ctx of kc.contexts) if (!fileOf.has(ctx.name)) fileOf.set(ctx.name, file);
    configs.push(kc);
  }
  if (read.length === 0) throw new UsageError(`kubeconfig not found: ${files.join(path.delimiter)}`);
  const merged = mergeFirstWins(configs);
  // Every caller needs a context: say why there is none here, naming the files read.
  if (merged.contexts.length === 0) throw new UsageError(`kubeconfig ${read.join(path.delimiter)} ${configs.length === 0 ? "is empty: it has" : "has"} no contexts`);
  contextFiles.set(merged, fileOf);
  return merged;
}

/**
 * Why a context cannot be used, naming its file (or `source`, for a kubeconfig from Key Vault or ARM):
 * it names a cluster or user no file defines (as `kubectl config delete-cluster` leaves behind).
 * Undefined when it can be used. Checked per context, so one stale context never stops the others.
 */
export function danglingContext(kc: KubeConfig, name: string, source?: string): string | undefined {
  const ctx = kc.getContextObject(name);
  if (!ctx) return undefined;
  const where = `${source ?? `kubeconfig ${contextFiles.get(kc)?.get(name) ?? "(in memory)"}`}: context ${JSON.stringify(name)}`;
  if (!kc.getCluster(ctx.cluster)) return `${where} names cluster ${JSON.stringify(ctx.cluster)}, which is not defined`;
  if (ctx.user && !kc.getUser(ctx.user)) return `${where} names user ${JSON.stringify(ctx.user)}, which is not defined`;
  return undefined;
}

/** A context's API server URL as it may be kept and shown (no credentials); undefined for a dangling context. */
export function contextServer(kc: KubeConfig, context: string): string | undefined {
  const ctx = kc.getContextObject(context);
  return ctx ? withoutCredentials(kc.getCluster(ctx.cluster)?.server) : undefined;
}

/** The context to use: the one named, else the kubeconfig's current or first one. */
export function entryContext(kc: KubeConfig, context: string | undefined): string | undefined {
  return context ?? (kc.getCurrentContext() || kc.getContexts()[0]?.name);
}

/**
 * A KubeConfig holding only one context, so no client can ever switch to another context's user; its
 * cluster's CA is checked (its broken certificates left out), its user's client certificate and key
 * checked and its token file read here, for this context only.
 */
export function singleContext(base: KubeConfig, contextName: string): KubeConfig {
  const ctx = base.getContextObject(contextName);
  if (!ctx) throw new UsageError(`unknown context ${JSON.stringify(contextName)}`);
  const listed = base.getCluster(ctx.cluster);
  const cluster = listed ? checkClusterCa(listed, contextName) : null;
  const found = base.getUser(ctx.user);
  if (found) checkClientCertificate(found, contextName);
  const user = found ? withTokenFromFile(found, contextName) : null;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: cluster ? [cluster] : [],
    users: user ? [user] : [],
    contexts: [ctx],
    currentContext: ctx.name,
  });
  return kc;
}

export interface KubeconfigDiscovery {
  files?: string[];
  /** Context names to scan; empty or absent = every context. */
  contexts?: string[];
  /** Builds one context's KubeConfig (discovery gives kubelogin users Entra tokens); default: the context as it is. */
  kubeConfigFor?: (base: KubeConfig, context: string) => KubeConfig;
}

/** The kubeconfig loaded and the names of the contexts to scan, each once, as named (a pattern's matches in the kubeconfig's order). */
export function wantedContexts(opts: Pick<KubeconfigDiscovery, "files" | "contexts"> = {}): { base: KubeConfig; names: string[] } {
  const files = opts.files && opts.files.length > 0 ? opts.files : defaultKubeconfigPaths();
  const base = loadKubeconfig(files);
  const known = base.getContexts().map((c) => c.name);
  // A name, or a pattern with * (aks-prod-*) for every context it matches, in the kubeconfig's order.
  const wanted = opts.contexts && opts.contexts.length > 0 ? opts.contexts.flatMap((c) => known.filter(nameMatcher(c))) : known;
  for (const name of opts.contexts ?? []) {
    if (!known.some(nameMatcher(name))) {
      const list = known.length > 10 ? `${known.slice(0, 10).join(", ")}, …` : known.join(", ");
      throw new NotInSourceError(`${name.includes("*") ? "no context matches" : "unknown context"} ${JSON.stringify(name)} in ${files.join(path.delimiter)} (known: ${list})`);
    }
  }
  return { base, names: [...new Set(wanted)] };
}

export function discoverFromKubeconfig(opts: KubeconfigDiscovery = {}): ClusterTarget[] {
  const { base, names } = wantedContexts(opts);
  return names.map((name) => {
    const server = contextServer(base, name);
    const dangling = danglingContext(base, name);
    return {
      name,
      source: { kind: "kubeconfig" as const, context: name, ...(server ? { server } : {}) },
      // A context that cannot be used is that one cluster's failed scan.
      kubeConfig: dangling ? () => Promise.reject(new CredentialError("error", dangling)) : async () => (opts.kubeConfigFor ?? singleContext)(base, name),
    };
  });
}
