// Key Vault secrets (kubeconfigs of a fleet file, the Teams webhook URL) through @azure/keyvault-secrets
// with the process's credential and extra CA. The value stays in memory; errors name the secret only.
import { SecretClient } from "@azure/keyvault-secrets";
import { UsageError } from "../../errors.js";
import type { AzureContext } from "./context.js";
import { identityErrorText } from "../../identity-error.js";

export interface SecretRef {
  vaultUrl: string;
  name: string;
  version?: string;
}

export function parseSecretUri(uri: string): SecretRef {
  const m = /^(https:\/\/[^/?#]+)\/secrets\/([^/?#]+)(?:\/([^/?#]+))?\/?$/.exec(uri.trim());
  if (!m) throw new UsageError(`${JSON.stringify(uri)} is not a Key Vault secret URI (https://VAULT.vault.azure.net/secrets/NAME[/VERSION])`);
  return { vaultUrl: m[1]!, name: m[2]!, ...(m[3] ? { version: m[3] } : {}) };
}

/** The vault's challenge names vault.azure.net; a loopback vault (the simulator) cannot match that domain. */
function isLoopback(vaultUrl: string): boolean {
  const host = new URL(vaultUrl).hostname;
  return host === "localhost" || host === "[::1]" || /^127\./.test(host);
}

const clients = new WeakMap<AzureContext, Map<string, SecretClient>>();

function secretClient(ctx: AzureContext, vaultUrl: string): SecretClient {
  let byVault = clients.get(ctx);
  if (!byVault) clients.set(ctx, (byVault = new Map()));
  let c = byVault.get(vaultUrl);
  if (!c) {
    c = new SecretClient(vaultUrl, ctx.credential, {
      additionalPolicies: ctx.additionalPolicies,
      retryOptions: ctx.retryOptions,
      disableChallengeResourceVerification: isLoopback(vaultUrl),
    });
    byVault.set(vaultUrl, c);
  }
  return c;
}

/** Reads one secret's value; a failure says which secret and why (status and code), never the value. */
export async function readSecret(ctx: AzureContext, uri: string): Promise<string> {
  const ref = parseSecretUri(uri);
  const where = `Key Vault secret ${ref.name} in ${ref.vaultUrl}`;
  let value: string | undefined;
  try {
    value = (await secretClient(ctx, ref.vaultUrl).getSecret(ref.name, ref.version ? { version: ref.version } : {})).value;
  } catch (e) {
    const identity = identityErrorText(e);
    if (identity) throw new SecretReadError(`${where}: ${identity}`, undefined, true);
    const r = e as { statusCode?: number; code?: string; message?: string };
    throw new SecretReadError(`${where}: ${[r.statusCode, r.code].filter(Boolean).join(" ") || (r.message ?? String(e)).split("\n", 1)[0]}`, r.statusCode);
  }
  // The vault answered (200) with an empty secret: a setup mistake, not an unreachable vault.
  if (!value) throw new SecretReadError(`${where} has no value`, 200);
  return value;
}

export class SecretReadError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    /** The Azure identity had no token: the vault was never asked. */
    readonly identity = false,
  ) {
    super(message);
    this.name = "SecretReadError";
  }
}
