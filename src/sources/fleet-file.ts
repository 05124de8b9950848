// A fleet file (YAML or JSON) lists clusters by name, each with one credential source: a kubeconfig
// file (+ context), a Key Vault secret holding a kubeconfig, or an AKS resource ID (credentials from
// ARM). It is validated whole at load, and every error names the file and the entry.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import YAML from "yaml";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { parseSecretUri } from "./azure/key-vault.js";
import { armIdKey, parseClusterId } from "./azure/managed-clusters.js";
import { danglingContext, entryContext, loadKubeconfig } from "./kubeconfig.js";
import { isSubscriptionId } from "./settings.js";

export type FleetEntry =
  | { name: string; kind: "kubeconfig"; file: string; context?: string }
  | { name: string; kind: "keyVault"; secretUri: string; context?: string }
  | { name: string; kind: "arm"; id: string; adminCredentials?: boolean };

const entrySchema = z.strictObject({
  name: z.string().trim().min(1).max(253),
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  keyVaultSecret: z.string().min(1).optional(),
  armResourceId: z.string().min(1).optional(),
  adminCredentials: z.boolean().optional(),
});

const fileSchema = z.strictObject({ clusters: z.array(entrySchema).min(1, "lists no clusters") });

type RawEntry = z.infer<typeof entrySchema>;

function entryLabel(doc: unknown, index: number): string {
  const name = (doc as { clusters?: Array<{ name?: unknown }> } | null)?.clusters?.[index]?.name;
  return `clusters[${index}]${typeof name === "string" ? ` (${JSON.stringify(name)})` : ""}`;
}

function validated(file: string, e: RawEntry, label: string, load: KubeconfigLoader | undefined): FleetEntry {
  const fail = (msg: string): never => {
    throw new UsageError(`fleet file ${file}: ${label}: ${msg}`);
  };
  const sources = (["kubeconfig", "keyVaultSecret", "armResourceId"] as const).filter((k) => e[k] !== undefined);
  if (sources.length !== 1) fail(`give exactly one of kubeconfig, keyVaultSecret, armResourceId${sources.length ? ` (has ${sources.join(" and ")})` : ""}`);
  if (e.context !== undefined && e.armResourceId !== undefined) fail("context applies to kubeconfig and keyVaultSecret entries only");
  if (e.adminCredentials !== undefined && e.armResourceId === undefined) fail("adminCredentials applies to armResourceId entries only");
  const ctx = e.context !== undefined ? { context: e.context } : {};
  if (e.kubeconfig !== undefined) {
    const kubeconfig = kubeconfigPath(file, e.kubeconfig);
    if (!existsSync(kubeconfig)) fail(`kubeconfig ${kubeconfig} not found`);
    if (load) checkKubeconfig(kubeconfig, e.context, fail, load);
    return { name: e.name, kind: "kubeconfig", file: kubeconfig, ...ctx };
  }
  if (e.keyVaultSecret !== undefined) {
    try {
      parseSecretUri(e.keyVaultSecret);
    } catch (err) {
      fail((err as Error).message);
    }
    return { name: e.name, kind: "keyVault", secretUri: e.keyVaultSecret, ...ctx };
  }
  const id = e.armResourceId!;
  const parsed = parseClusterId(id);
  if (!parsed) fail(`armResourceId ${JSON.stringify(id)} is not /subscriptions/SUB/resourceGroups/RG/providers/Microsoft.ContainerService/managedClusters/NAME`);
  if (!isSubscriptionId(parsed!.subscriptionId)) fail(`armResourceId ${JSON.stringify(id)}: subscription ${JSON.stringify(parsed!.subscriptionId)} is not a subscription id (a GUID)`);
  return { name: e.name, kind: "arm", id: id.trim(), ...(e.adminCredentials !== undefined ? { adminCredentials: e.adminCredentials } : {}) };
}

/** The entry's kubeconfig can be read and has its context intact: found when the file is loaded, not mid-scan. */
function checkKubeconfig(file: string, context: string | undefined, fail: (msg: string) => never, load: KubeconfigLoader): void {
  let kc: KubeConfig;
  try {
    kc = load(file);
  } catch (err) {
    return fail((err as Error).message);
  }
  const name = entryContext(kc, context)!; // loadKubeconfig refuses a kubeconfig without contexts
  if (!kc.getContextObject(name)) fail(`context ${JSON.stringify(name)} not found in ${file}`);
  const dangling = danglingContext(kc, name);
  if (dangling) fail(dangling);
}

/** An entry's kubeconfig path is relative to the fleet file's folder. */
function kubeconfigPath(file: string, kubeconfig: string): string {
  return path.resolve(path.dirname(file), kubeconfig);
}

/** The fleet file read and checked against its schema: the document and its raw entries. */
function parseFleetFile(file: string): { doc: unknown; clusters: RawEntry[] } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`fleet file ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    // No warnings: Node prints them on stderr with an excerpt of the file (Key Vault URIs, paths).
    doc = YAML.parse(text, { prettyErrors: true, uniqueKeys: true, logLevel: "error" });
  } catch (e) {
    throw new UsageError(`fleet file ${file}: not valid YAML or JSON (${(e as Error).message.split("\n", 1)[0]})`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [top, index, ...rest] = issue.path;
    const where = top === "clusters" && typeof index === "number" ? `${entryLabel(doc, index)}${rest.length ? `.${rest.join(".")}` : ""}` : issue.path.join(".") || "the document";
    throw new UsageError(`fleet file ${file}: ${where}: ${issue.message}`);
  }
  return { doc, clusters: parsed.data.clusters };
}

/**
 * The kubeconfig files a fleet file's entries name, as written (`named`) and resolved (`file`), whether
 * they exist or not: what must travel with the fleet file (a deployment package), so all missing ones
 * can be named at once.
 */
export function fleetKubeconfigFiles(file: string): { named: string; file: string }[] {
  const named = new Set(parseFleetFile(file).clusters.flatMap((e) => (e.kubeconfig !== undefined ? [e.kubeconfig] : [])));
  return [...named].map((n) => ({ named: n, file: kubeconfigPath(file, n) }));
}

/**
 * `kubeconfigs: false` skips loading every kubeconfig entry's file: for a fan-out job, which resolves one
 * entry (and checks its context when it loads it), not N files for each of N jobs. `load` shares the
 * kubeconfigs loaded with the caller.
 */
export function loadFleetFile(file: string, opts: { kubeconfigs?: boolean; load?: KubeconfigLoader } = {}): FleetEntry[] {
  const { doc, clusters } = parseFleetFile(file);
  const seen = new Map<string, number>();
  // One AKS cluster under two names would be scanned twice: its NCs seen as duplicates of themselves (NNC006).
  const seenIds = new Map<string, number>();
  const load = (opts.kubeconfigs ?? true) ? (opts.load ?? kubeconfigLoader()) : undefined;
  return clusters.map((e, i) => {
    const label = entryLabel(doc, i);
    const before = seen.get(e.name);
    if (before !== undefined) throw new UsageError(`fleet file ${file}: ${label}: the name is already used by clusters[${before}]`);
    seen.set(e.name, i);
    const entry = validated(file, e, label, load);
    if (entry.kind === "arm") {
      const same = seenIds.get(armIdKey(entry.id));
      if (same !== undefined) throw new UsageError(`fleet file ${file}: ${label}: armResourceId ${JSON.stringify(entry.id)} is already used by ${entryLabel(doc, same)}`);
      seenIds.set(armIdKey(entry.id), i);
    }
    return entry;
  });
}

export type KubeconfigLoader = (file: string) => KubeConfig;

/** loadKubeconfig for one file, each file loaded once however many entries name it (a failure too). */
export function kubeconfigLoader(): KubeconfigLoader {
  const loaded = new Map<string, KubeConfig | Error>();
  return (file) => {
    let kc = loaded.get(file);
    if (kc === undefined) {
      try {
        kc = loadKubeconfig([file]);
      } catch (e) {
        kc = e as Error;
      }
      loaded.set(file, kc);
    }
    if (kc instanceof Error) throw kc;
    return kc;
  };
}
