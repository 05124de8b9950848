// Where alerts go. A destination's URL is a secret: it lives in memory only; everywhere else a
// destination is its id (a hash of the URL) and a label naming its host.
import { createHash } from "node:crypto";
import { z } from "zod";
import { UsageError } from "../errors.js";
import type { Severity } from "../model/finding.js";
import type { Policy } from "../policy/policy.js";
import { anyCase } from "../policy/any-case.js";
import { severitySchema } from "../policy/severity.js";
import type { AzureSettings } from "../sources/azure/context.js";
import { checkPublicUrl, publicUrlProblem, urlOf } from "./public-url.js";

export type DestinationKind = "teams" | "webhook";

export interface Destination {
  /** sha256 of the URL, shortened: the key for dedupe state. Never the URL itself. */
  id: string;
  kind: DestinationKind;
  /** Shown in logs and errors: kind, name and host, never path or query (Workflows URLs carry `sig=`). */
  label: string;
  url: string;
  minSeverity: Severity;
}

export interface AlertSettings {
  destinations: Destination[];
  /** A finding already announced is announced again after this long (default 24 h). */
  renotifyMs: number;
  /** Dashboard link in cards, when the dashboard is reachable from where people read Teams. */
  publicUrl?: string;
}

/** The `alerts:` section of the policy file. URLs come from the environment or Key Vault, or inline. */
export const AlertsConfigSchema = z.strictObject({
  renotifyHours: z.number().positive().max(24 * 365).optional(),
  publicUrl: z
    .string()
    .superRefine((v, ctx) => {
      const problem = publicUrlProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
  destinations: z
    .array(
      z
        .strictObject({
          name: z.string().min(1).max(100).optional(),
          type: anyCase(z.enum(["teams", "webhook"], { error: "must be one of teams, webhook" })).default("teams"),
          minSeverity: severitySchema.default("warning"),
          // As on the command line: https, or http to this machine (a local receiver).
          url: z.string().refine(webhookUrlAllowed, "must be an https URL (http only to localhost)").optional(),
          urlFromEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, _)").optional(),
          urlFromKeyVault: z.url({ protocol: /^https$/, error: "must be an https Key Vault secret URL" }).optional(),
        })
        .refine((d) => [d.url, d.urlFromEnv, d.urlFromKeyVault].filter((x) => x !== undefined).length === 1, {
          message: "give exactly one of url, urlFromEnv, urlFromKeyVault",
        }),
    )
    .optional(),
});
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;

/** https anywhere; http only to this machine (a local receiver, tests). */
export function webhookUrlAllowed(url: string): boolean {
  const u = urlOf(url);
  return u !== undefined && (u.protocol === "https:" || (u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)));
}

export const DEFAULT_RENOTIFY_MS = 24 * 3_600_000;

export function destination(kind: DestinationKind, url: string, minSeverity: Severity, name?: string): Destination {
  // "teams webhook", but a generic one is just "webhook", not "webhook webhook".
  const what = `${kind === "teams" ? "teams webhook" : "webhook"}${name ? ` "${name}"` : ""}`;
  // An app setting the platform has not resolved yet arrives as the reference text itself.
  if (url.trim().startsWith("@Microsoft.KeyVault(")) {
    throw new UsageError(`${what} is an unresolved Key Vault reference: the app's identity cannot read the secret yet (Key Vault Secrets User, role propagation, or the secret missing); see the app's Environment variables blade`);
  }
  const parsed = urlOf(url);
  if (!parsed) throw new UsageError(`${what} is not a URL`);
  if (!webhookUrlAllowed(url)) throw new UsageError(`${what} must be an https URL (host ${parsed.host})`);
  const id = createHash("sha256").update(url).digest("hex").slice(0, 16);
  return { id, kind, url, minSeverity, label: `${kind}${name ? ` "${name}"` : ""} (${parsed.host}, #${id.slice(0, 6)})` };
}

export interface AlertSources {
  /** `--teams-webhook` values (and FLEET_AUDIT_TEAMS_WEBHOOK). */
  teams?: string[];
  /** `--alert-webhook` values: generic JSON receivers. */
  webhooks?: string[];
  minSeverity?: Severity;
  config?: AlertsConfig;
  /** The policy file `config` came from, for messages (`policy.yaml: alerts.destinations[0].urlFromEnv: …`). */
  configSource?: string;
  env?: NodeJS.ProcessEnv;
  /** Reads a Key Vault secret by its URI (injected so tests and the CLI need no Azure). */
  keyVault?: (secretUri: string) => Promise<string>;
}

/** Resolves every configured destination; an empty list means alerts are off. */
export async function alertSettings(src: AlertSources): Promise<AlertSettings> {
  const env = src.env ?? process.env;
  const min = src.minSeverity ?? "warning";
  const out: Destination[] = [];
  const teams = [...(src.teams ?? [])];
  if (teams.length === 0 && env.FLEET_AUDIT_TEAMS_WEBHOOK) teams.push(env.FLEET_AUDIT_TEAMS_WEBHOOK);
  for (const u of teams) out.push(destination("teams", u, min));
  for (const u of src.webhooks ?? []) out.push(destination("webhook", u, min));
  for (const [i, d] of (src.config?.destinations ?? []).entries()) out.push(await configured(d, i, src, env));
  // The same URL twice is one destination; as two kinds, or with two minimum severities, it is a
  // mistake: one of them would be silently lost.
  const byId = new Map<string, Destination>();
  for (const d of out) {
    const seen = byId.get(d.id);
    if (seen && seen.kind !== d.kind) throw new UsageError(`${d.label}: the same URL is given as a ${seen.kind} and a ${d.kind} destination; give it once, as the kind it is`);
    if (seen && seen.minSeverity !== d.minSeverity) {
      throw new UsageError(`${d.label}: the same URL is given twice, announcing from ${seen.minSeverity} and from ${d.minSeverity}; give it once, with the severity you want`);
    }
    if (!seen) byId.set(d.id, d);
  }
  const unique = [...byId.values()];
  const settings: AlertSettings = { destinations: unique, renotifyMs: (src.config?.renotifyHours ?? 24) * 3_600_000 };
  const publicUrl = src.config?.publicUrl ?? env.FLEET_AUDIT_PUBLIC_URL;
  if (publicUrl) settings.publicUrl = checkPublicUrl(publicUrl);
  return settings;
}

/** The `alerts:` section of a policy, with its file for messages: what the commands pass to alertSettings. */
export function policyAlerts(policy: Policy | undefined): Pick<AlertSources, "config" | "configSource"> {
  return policy?.alerts ? { config: policy.alerts, ...(policy.source ? { configSource: policy.source } : {}) } : {};
}

/**
 * One destination of the policy file. Its URL is found only now (environment, Key Vault), so its
 * problems are named as the policy's load-time ones are: the file, then the key.
 */
async function configured(d: NonNullable<AlertsConfig["destinations"]>[number], i: number, src: AlertSources, env: NodeJS.ProcessEnv): Promise<Destination> {
  const key = d.urlFromEnv ? "urlFromEnv" : d.urlFromKeyVault ? "urlFromKeyVault" : "url";
  const where = `${src.configSource ?? "policy"}: alerts.destinations[${i}].${key}`;
  const named = d.name ? ` (destination "${d.name}")` : "";
  let url = d.url;
  if (d.urlFromEnv) {
    url = env[d.urlFromEnv];
    if (!url) throw new UsageError(`${where}: environment variable ${d.urlFromEnv} is not set${named}`);
  } else if (d.urlFromKeyVault) {
    if (!src.keyVault) throw new UsageError(`${where}: Key Vault is not available here${named}`);
    try {
      url = await src.keyVault(d.urlFromKeyVault);
    } catch (e) {
      throw located(e, where, named);
    }
  }
  try {
    return destination(d.type, url!, d.minSeverity, d.name ?? `destinations[${i}]`);
  } catch (e) {
    throw located(e, where, ""); // its label names the destination
  }
}

/** `e` with the file and key in front: the same error, so its class (which sets the exit code) and fields stay. */
function located(e: unknown, where: string, named: string): Error {
  if (!(e instanceof Error)) return new Error(`${where}: ${String(e)}${named}`);
  e.message = `${where}: ${e.message}${named}`;
  return e;
}

/**
 * Key Vault reader for `urlFromKeyVault`: the same identity, ARM endpoint CA and client as discovery
 * (managed identity in Azure, developer credentials locally, the simulated vault in tests).
 */
export async function keyVaultReader(secretUri: string, settings?: AzureSettings): Promise<string> {
  const [{ readSecret }, { azureContext }, { discoverySettingsFromEnv }] = await Promise.all([
    import("../sources/azure/key-vault.js"),
    import("../sources/azure/context.js"),
    import("../sources/discover.js"),
  ]);
  return readSecret(azureContext(settings ?? discoverySettingsFromEnv(process.env)), secretUri);
}
