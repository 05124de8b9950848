// A cluster's KubeConfig from what AKS hands out. Entra ID (AAD) clusters come with kubelogin's exec
// user (or the retired `azure` auth-provider), which a Functions host cannot run: that user is replaced
// by an authenticator that puts a token for the AKS server app from our TokenCredential on each
// request. Other users (client certificate, static token) are kept. Nothing here is logged or stored.
import path from "node:path";
import * as k8s from "@kubernetes/client-node";
import type { TokenCredential } from "@azure/core-auth";
import { danglingContext, entryContext, singleContext } from "../kubeconfig.js";
import { kubeconfigFromText } from "../kubeconfig-file.js";
import { CredentialError, ENTRA_USER_PREFIX } from "../target.js";
import { identityErrorText } from "../../identity-error.js";
import { AKS_SCOPE, RefreshingToken } from "./credential.js";
import type { AzureContext } from "./context.js";
import { type ClusterId, armErrorText } from "./managed-clusters.js";

/** client-node's Authenticator (its index does not re-export the interface). */
type Authenticator = Parameters<k8s.KubeConfig["addAuthenticator"]>[0];

/** Bearer tokens for the AKS server app, shared by every AAD cluster of the process. */
class AadTokenAuth implements Authenticator {
  constructor(private readonly token: RefreshingToken) {}
  isAuthProvider(user: k8s.User): boolean {
    return user.name.startsWith(ENTRA_USER_PREFIX);
  }
  async applyAuthentication(_user: k8s.User, opts: Parameters<Authenticator["applyAuthentication"]>[1]): Promise<void> {
    let token: string;
    try {
      token = await this.token.get();
    } catch (e) {
      // Never reached the API server: an error in getting credentials, not a refusal.
      throw new CredentialError("error", `the Entra ID token for the AKS server app: ${identityErrorText(e) ?? (e as Error).message.split("\n", 1)[0]}`);
    }
    const o = opts as { headers?: Record<string, unknown> };
    o.headers ??= {};
    o.headers.Authorization = `Bearer ${token}`;
  }
}

const tokens = new WeakMap<TokenCredential, RefreshingToken>();

function aksToken(credential: TokenCredential): RefreshingToken {
  let t = tokens.get(credential);
  if (!t) tokens.set(credential, (t = new RefreshingToken(credential, AKS_SCOPE)));
  return t;
}

/** A user AKS gives AAD clusters: kubelogin (exec) or the legacy azure auth-provider. */
export function isEntraUser(user: k8s.User | null | undefined): boolean {
  if (!user) return false;
  const command = user.exec?.command;
  if (command && path.basename(command).replace(/\.exe$/i, "") === "kubelogin") return true;
  return user.authProvider?.name === "azure";
}

/**
 * One context of a kubeconfig as this process will use it: Entra users rewritten to tokens from
 * `credential` (only asked for then), anything else as it is.
 */
export function kubeConfigFor(base: k8s.KubeConfig, context: string, credential: () => TokenCredential): k8s.KubeConfig {
  const single = singleContext(base, context);
  const ctx = single.getContextObject(context)!;
  if (!isEntraUser(single.getUser(ctx.user))) return single;
  const kc = new k8s.KubeConfig();
  kc.addAuthenticator(new AadTokenAuth(aksToken(credential())));
  const user = `${ENTRA_USER_PREFIX}${ctx.user}`;
  kc.loadFromOptions({ clusters: single.clusters, users: [{ name: user }], contexts: [{ ...ctx, user }], currentContext: ctx.name });
  return kc;
}

/** Parses kubeconfig text from ARM or Key Vault; `what` names where it came from (never its content). */
export function parseKubeconfig(text: string, what: string): k8s.KubeConfig {
  const kc = kubeconfigFromText(text, what, undefined, (m) => new CredentialError("error", m));
  if (!kc || kc.getContexts().length === 0) throw new CredentialError("error", `${what} has no contexts`);
  return kc;
}

/**
 * `context` of a kubeconfig from ARM or Key Vault (`what` names it) as this process will use it, as
 * kubeConfigFor does; one that names an undefined cluster or user fails, saying so.
 */
export function fetchedContext(kc: k8s.KubeConfig, context: string, what: string, credential: () => TokenCredential): k8s.KubeConfig {
  const dangling = danglingContext(kc, context, what);
  if (dangling) throw new CredentialError("error", dangling);
  return kubeConfigFor(kc, context, credential);
}

/** listClusterUserCredential (format exec) or listClusterAdminCredential, as a KubeConfig. */
export async function armKubeConfig(ctx: AzureContext, id: ClusterId, admin: boolean): Promise<k8s.KubeConfig> {
  const ops = ctx.containerService(id.subscriptionId).managedClusters;
  const action = admin ? "listClusterAdminCredential" : "listClusterUserCredential";
  let result;
  try {
    result = admin ? await ops.listClusterAdminCredentials(id.resourceGroup, id.name) : await ops.listClusterUserCredentials(id.resourceGroup, id.name, { format: "exec" });
  } catch (e) {
    const identity = identityErrorText(e);
    if (identity) throw new CredentialError("error", `${action} for ${id.resourceGroup}/${id.name}: ${identity}`);
    const status = (e as { statusCode?: number }).statusCode;
    // ARM refuses admin credentials of a cluster with local accounts disabled with a 400, not a 403.
    const noLocalAccounts = admin && status === 400 && /disable local accounts/i.test(armErrorText(e));
    const kind = status === 401 || status === 403 || noLocalAccounts ? "unauthorized" : status === undefined ? "unreachable" : "error";
    const hint = noLocalAccounts
      ? " (scan it without --admin-credentials: user credentials and an Entra ID identity with a Kubernetes role)"
      : status === 403
        ? admin
          ? " (admin credentials need local accounts enabled and the Azure Kubernetes Service Cluster Admin Role)"
          : " (the identity needs the Azure Kubernetes Service Cluster User Role)"
        : "";
    throw new CredentialError(kind, `${action} for ${id.resourceGroup}/${id.name}: ${armErrorText(e)}${hint}`);
  }
  const value = result.kubeconfigs?.[0]?.value;
  if (!value) throw new CredentialError("error", `${action} for ${id.resourceGroup}/${id.name} returned no kubeconfig`);
  const what = `the kubeconfig from ${action} for ${id.resourceGroup}/${id.name}`;
  const kc = parseKubeconfig(new TextDecoder().decode(value), what);
  return fetchedContext(kc, entryContext(kc, undefined)!, what, () => ctx.credential);
}
