// Discovery settings from flags and app settings: plain parsing, apart from discovery itself so the CLI
// and the Functions app can check them without loading the Azure and Kubernetes SDKs.
import { UsageError } from "../errors.js";
import type { AzureSettings } from "./azure/context.js";

/** Where the fleet comes from. Several sources may be combined; names must stay unique. */
export interface DiscoverySettings extends AzureSettings {
  /** kubeconfig files; with no other source, the default kubeconfig is used. */
  kubeconfig?: string[];
  /** Only these contexts of the kubeconfig (empty = all). */
  contexts?: string[];
  /** A fleet file listing clusters (YAML/JSON). */
  fleetFile?: string;
  /** ARM: subscriptions to list AKS clusters in; "all" = every subscription the identity can read. */
  subscriptions?: string[] | "all";
  /** Use listClusterAdminCredentials instead of listClusterUserCredentials. */
  adminCredentials?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Azure subscription ids are GUIDs. */
export function isSubscriptionId(s: string): boolean {
  return GUID.test(s);
}

/** Subscription ids as given (flag or env): GUIDs, or the single word `all`. */
export function parseSubscriptions(values: string[], what: string): string[] | "all" {
  const list = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  if (list.length === 0) throw new UsageError(`${what}: no subscription given`);
  if (list.some((v) => v.toLowerCase() === "all")) {
    if (list.length > 1) throw new UsageError(`${what}: "all" cannot be combined with subscription ids`);
    return "all";
  }
  for (const v of list) if (!isSubscriptionId(v)) throw new UsageError(`${what}: ${JSON.stringify(v)} is not a subscription id (a GUID) or "all"`);
  return list;
}

/** One of FLEET_AUDIT_ARM_TOKEN / FLEET_AUDIT_AKS_TOKEN without the other, in one line; undefined when paired or neither is set. */
export function unpairedTokenMessage(s: Pick<DiscoverySettings, "armToken" | "aksToken">): string | undefined {
  if (!s.armToken === !s.aksToken) return undefined;
  const [given, missing] = s.armToken ? ["FLEET_AUDIT_ARM_TOKEN", "FLEET_AUDIT_AKS_TOKEN"] : ["FLEET_AUDIT_AKS_TOKEN", "FLEET_AUDIT_ARM_TOKEN"];
  return `${given} is set but ${missing} is not: clusters found through ARM need both (the ARM token lists them and gets their credentials, the AKS token signs in to Entra ID clusters); give both tokens, or neither to use DefaultAzureCredential`;
}

/**
 * Refuses half a token pair before anything is scanned when ARM finds clusters: with the ARM token
 * alone every Entra ID cluster would be reported as refusing the auditor; with the AKS token alone
 * nothing could be listed.
 */
export function requireTokenPair(s: Pick<DiscoverySettings, "armToken" | "aksToken">): void {
  const message = unpairedTokenMessage(s);
  if (message) throw new UsageError(message);
}

function envFlag(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (["1", "true", "yes"].includes(v)) return true;
  if (["0", "false", "no"].includes(v)) return false;
  throw new UsageError(`${name}: ${JSON.stringify(env[name])} is not true or false`);
}

/** Discovery settings from app settings / environment (the Functions app and the CLI read the same names). */
export function discoverySettingsFromEnv(env: NodeJS.ProcessEnv): DiscoverySettings {
  const s: DiscoverySettings = {};
  const str = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const subs = str("FLEET_AUDIT_SUBSCRIPTIONS");
  if (subs) s.subscriptions = parseSubscriptions([subs], "FLEET_AUDIT_SUBSCRIPTIONS");
  // Plain strings: app setting name → setting.
  const plain: Array<[string, "fleetFile" | "armEndpoint" | "armScope" | "armCaFile" | "managedIdentityClientId" | "armToken" | "aksToken"]> = [
    ["FLEET_AUDIT_FLEET_FILE", "fleetFile"],
    ["FLEET_AUDIT_ARM_ENDPOINT", "armEndpoint"],
    ["FLEET_AUDIT_ARM_SCOPE", "armScope"],
    ["FLEET_AUDIT_ARM_CA", "armCaFile"],
    ["AZURE_CLIENT_ID", "managedIdentityClientId"],
    ["FLEET_AUDIT_ARM_TOKEN", "armToken"],
    ["FLEET_AUDIT_AKS_TOKEN", "aksToken"],
  ];
  for (const [name, key] of plain) {
    const v = str(name);
    if (v) s[key] = v;
  }
  const admin = envFlag(env, "FLEET_AUDIT_ADMIN_CREDENTIALS");
  if (admin !== undefined) s.adminCredentials = admin;
  return s;
}
