// Who we are to Azure: DefaultAzureCredential (the Functions app's user-assigned managed identity, or a
// developer's login), or bearer tokens a pipeline already holds. Tokens stay in memory.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import { CredentialUnavailableError, DefaultAzureCredential } from "@azure/identity";
import { UsageError } from "../../errors.js";
import { givenAccessToken } from "../../token-expiry.js";
import { unpairedTokenMessage } from "../settings.js";

/** The AKS AAD server application: Kubernetes tokens for Entra ID clusters are issued for it. */
export const AKS_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630";
export const AKS_SCOPE = `${AKS_SERVER_APP}/.default`;

export interface AzureCredentialSettings {
  /** Client id of the user-assigned managed identity (AZURE_CLIENT_ID). */
  managedIdentityClientId?: string;
  /** A bearer token for ARM (FLEET_AUDIT_ARM_TOKEN), for pipelines that already hold one. */
  armToken?: string;
  /** A bearer token for the AKS server app (FLEET_AUDIT_AKS_TOKEN). */
  aksToken?: string;
}

/** `https://management.azure.com//.default` is the same scope as `https://management.azure.com/.default`. */
const scopeKey = (scope: string): string => scope.toLowerCase().replace(/\/+\.default$/, "/.default");

/**
 * Hands out the given tokens by scope: the AKS token for the AKS server app, the ARM token for ARM
 * alone. Any other scope (a Key Vault's) gets neither: a bearer token goes only where it is meant to.
 */
class GivenTokenCredential implements TokenCredential {
  constructor(
    private readonly s: AzureCredentialSettings,
    private readonly armScope: string,
  ) {}
  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const wanted = [scopes].flat();
    const aks = wanted.some((s) => s.startsWith(AKS_SERVER_APP));
    if (!aks && !wanted.every((s) => scopeKey(s) === scopeKey(this.armScope))) {
      throw new CredentialUnavailableError(
        `no token for ${wanted.join(" ")}: FLEET_AUDIT_ARM_TOKEN is for ARM (${this.armScope}) and FLEET_AUDIT_AKS_TOKEN for Entra ID clusters only; for Key Vault, give neither and use DefaultAzureCredential`,
      );
    }
    const token = aks ? this.s.aksToken : this.s.armToken;
    if (!token) throw new UsageError(unpairedTokenMessage(this.s) ?? "no token given");
    return givenAccessToken(token, aks ? "FLEET_AUDIT_AKS_TOKEN" : "FLEET_AUDIT_ARM_TOKEN");
  }
}

/** `armScope`: the one scope the given ARM token is for. */
export function azureCredential(s: AzureCredentialSettings, armScope: string): TokenCredential {
  if (s.armToken || s.aksToken) return new GivenTokenCredential(s, armScope);
  return new DefaultAzureCredential(s.managedIdentityClientId ? { managedIdentityClientId: s.managedIdentityClientId } : {});
}

/**
 * One scope's token, fetched once and shared until shortly before it expires (a quarter of its life,
 * at most five minutes), so a long scan never sends an expired token and concurrent requests share
 * one fetch.
 */
export class RefreshingToken {
  private current: { token: string; refreshAt: number; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
  ) {}

  async get(): Promise<string> {
    const now = Date.now();
    if (this.current && now < this.current.refreshAt) return this.current.token;
    this.pending ??= this.fetch(now).finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async fetch(now: number): Promise<string> {
    const t = await this.credential.getToken(this.scope);
    if (!t) throw new Error(`no token for ${this.scope}`);
    const margin = Math.min(300_000, Math.max(0, (t.expiresOnTimestamp - now) / 4));
    const refreshAt = Math.min(t.refreshAfterTimestamp ?? Infinity, t.expiresOnTimestamp - margin);
    this.current = { token: t.token, refreshAt, expiresAt: t.expiresOnTimestamp };
    return t.token;
  }
}
