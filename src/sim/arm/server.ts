// One HTTPS listener that plays Azure Resource Manager (subscriptions, managed clusters, their
// credentials) and Key Vault (secrets), with the error bodies, paging and throttling the real services
// have. Every request needs a bearer token the simulated identity endpoint issued for the service.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import type { CertKeyPair } from "../certs.js";
import { KEY_VAULT_AUDIENCE, type TokenIssuer } from "./identity.js";
import { SIM_TENANT, type SimManagedCluster } from "./managed-cluster.js";

export const ARM_API_VERSION = "2026-04-01";

/** A fault on one subscription's ARM calls. */
export type SubscriptionFault =
  /** 429 with Retry-After (seconds) on the next `times` requests, then normal answers. */
  | { kind: "throttle"; retryAfter: number; times: number }
  /** 403 AuthorizationFailed: the identity has no role on the subscription. */
  | { kind: "forbidden" }
  /** The request is taken and never answered (until the server closes), as a stuck ARM front end. */
  | { kind: "hang" };

export interface ArmRequest {
  method: string;
  path: string;
  status: number;
}

interface Secret {
  value: string;
  version: string;
  created: number;
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

const armError = (status: number, code: string, message: string, headers?: Record<string, string>): Reply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

const CLUSTER_PATH = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)(?:\/(listClusterUserCredential|listClusterAdminCredential))?$/i;
const LIST_PATH = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters$/i;
const SECRET_PATH = /^\/secrets\/([^/]+)(?:\/([^/]+))?\/?$/;

export class SimArmServer {
  readonly requests: ArmRequest[] = [];
  private readonly server: https.Server;
  private readonly sockets = new Set<Socket>();
  private readonly faults = new Map<string, SubscriptionFault & { fired?: number }>();
  private readonly secrets = new Map<string, Secret>();
  private port = 0;

  constructor(
    tls: CertKeyPair,
    private readonly caPem: string,
    private readonly issuer: TokenIssuer,
    private readonly subscriptions: ReadonlyArray<{ id: string; displayName: string }>,
    private readonly clusters: readonly SimManagedCluster[],
    private readonly adminCert: CertKeyPair,
    private readonly pageSize: number,
  ) {
    this.server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => this.handle(req, res));
    this.server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.once("close", () => this.sockets.delete(s));
    });
    this.server.on("tlsClientError", () => undefined);
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The audience ARM tokens are requested for when this endpoint is the ARM endpoint. */
  get audiences(): string[] {
    return [this.url, "https://management.azure.com", "https://management.core.windows.net"];
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ port: 0, host: "127.0.0.1" }, () => {
        const a = this.server.address();
        if (a && typeof a === "object") this.port = a.port;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  setFault(subscription: string, fault: SubscriptionFault | undefined): void {
    if (fault) this.faults.set(subscription.toLowerCase(), { ...fault });
    else this.faults.delete(subscription.toLowerCase());
  }

  setSecret(name: string, value: string): string {
    const version = Math.random().toString(16).slice(2).padEnd(12, "0") + Date.now().toString(16);
    this.secrets.set(name.toLowerCase(), { value, version, created: Math.floor(Date.now() / 1000) });
    return `${this.url}/secrets/${name}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    const entry: ArmRequest = { method: req.method ?? "GET", path: url.pathname + url.search, status: 0 };
    this.requests.push(entry);
    // Drain the body (credential POSTs send none, but a client may).
    req.resume();
    req.on("end", () => {
      let reply: Reply | undefined;
      try {
        reply = SECRET_PATH.test(url.pathname) ? this.vault(req, url) : this.arm(req, url);
      } catch (e) {
        reply = armError(500, "InternalServerError", e instanceof Error ? e.message : String(e));
      }
      if (!reply) return;
      entry.status = reply.status;
      const body = JSON.stringify(reply.body);
      res.writeHead(reply.status, { "Content-Type": "application/json; charset=utf-8", "x-ms-request-id": randomUUID(), ...reply.headers });
      res.end(body);
    });
  }

  private bearer(req: IncomingMessage): string | undefined {
    const h = req.headers.authorization;
    return h?.startsWith("Bearer ") ? h.slice("Bearer ".length) : undefined;
  }

  /** undefined: no answer at all (a "hang" fault). */
  private arm(req: IncomingMessage, url: URL): Reply | undefined {
    const token = this.bearer(req);
    if (!token) return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
    if (!this.issuer.valid(token, this.audiences)) return armError(401, "InvalidAuthenticationToken", "The access token is invalid or has expired.");
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
    const path = url.pathname.replace(/\/+$/, "");
    if (req.method === "GET" && path.toLowerCase() === "/subscriptions") {
      const all = this.subscriptions.map((s) => ({
        id: `/subscriptions/${s.id}`,
        subscriptionId: s.id,
        tenantId: SIM_TENANT,
        displayName: s.displayName,
        state: "Enabled",
        subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "EnterpriseAgreement_2014-09-01", spendingLimit: "Off" },
        authorizationSource: "RoleBased",
      }));
      return this.page(all, url, "/subscriptions", apiVersion);
    }
    const list = LIST_PATH.exec(path);
    const one = CLUSTER_PATH.exec(path);
    const sub = (list?.[1] ?? one?.[1])?.toLowerCase();
    if (!sub) return armError(404, "InvalidResourceType", `The resource type could not be found for ${url.pathname}.`);
    if (!this.subscriptions.some((s) => s.id.toLowerCase() === sub)) return armError(404, "SubscriptionNotFound", `The subscription '${sub}' could not be found.`);
    const fault = this.faults.get(sub);
    if (fault?.kind === "hang") return undefined;
    if (fault?.kind === "forbidden") {
      const action = one?.[4] ? `Microsoft.ContainerService/managedClusters/${one[4]}/action` : "Microsoft.ContainerService/managedClusters/read";
      return this.forbidden(action, one ? this.clusterScope(one) : `/subscriptions/${sub}`);
    }
    if (fault?.kind === "throttle" && (fault.fired ?? 0) < fault.times) {
      fault.fired = (fault.fired ?? 0) + 1;
      return armError(429, "SubscriptionRequestsThrottled", `Number of requests for subscription '${sub}' exceeded the limit. Please try again after '${fault.retryAfter}' seconds.`, {
        "Retry-After": String(fault.retryAfter),
      });
    }
    const inSub = this.clusters.filter((c) => c.subscription.toLowerCase() === sub);
    if (list && req.method === "GET") return this.page(inSub.map((c) => c.resource()), url, `/subscriptions/${list[1]}/providers/Microsoft.ContainerService/managedClusters`, apiVersion);
    if (!one) return armError(405, "MethodNotAllowed", `${req.method} is not allowed here.`);
    const [, , rg, name, action] = one;
    const mc = inSub.find((c) => c.resourceGroup.toLowerCase() === rg!.toLowerCase() && c.name.toLowerCase() === name!.toLowerCase());
    if (!mc) {
      return armError(404, "ResourceNotFound", `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    }
    if (!action) return req.method === "GET" ? { status: 200, body: mc.resource() } : armError(405, "MethodNotAllowed", `${req.method} is not allowed here.`);
    if (req.method !== "POST") return armError(405, "MethodNotAllowed", `${req.method} is not allowed on ${action}.`);
    if (action.toLowerCase() === "listclusteradmincredential") {
      // What ARM answers (a 400, not a 403), whatever the caller's roles.
      if (!mc.localAccounts) return armError(400, "BadRequest", "Getting static credential is not allowed because this cluster is set to disable local accounts.");
      return this.credentials("clusterAdmin", mc.adminKubeconfig(this.caPem, this.adminCert));
    }
    return this.credentials("clusterUser", mc.userKubeconfig(this.caPem, url.searchParams.get("format") ?? undefined));
  }

  private clusterScope(m: RegExpExecArray): string {
    return `/subscriptions/${m[1]}/resourceGroups/${m[2]}/providers/Microsoft.ContainerService/managedClusters/${m[3]}`;
  }

  private forbidden(action: string, scope: string, why?: string): Reply {
    return armError(
      403,
      "AuthorizationFailed",
      `The client '${this.issuer.clientId}' with object id '${this.issuer.clientId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.${why ? ` ${why}.` : ""} If access was recently granted, please refresh your credentials.`,
    );
  }

  private credentials(name: string, kubeconfig: string): Reply {
    return { status: 200, body: { kubeconfigs: [{ name, value: Buffer.from(kubeconfig).toString("base64") }] } };
  }

  /** ARM paging: `value` plus an absolute `nextLink` carrying api-version and a $skipToken. */
  private page(items: unknown[], url: URL, path: string, apiVersion: string): Reply {
    const skip = Number(url.searchParams.get("$skipToken") ?? "0");
    const start = Number.isInteger(skip) && skip >= 0 ? skip : 0;
    const value = items.slice(start, start + this.pageSize);
    const body: { value: unknown[]; nextLink?: string } = { value };
    if (start + this.pageSize < items.length) {
      body.nextLink = `${this.url}${path}?api-version=${encodeURIComponent(apiVersion)}&$skipToken=${start + this.pageSize}`;
    }
    return { status: 200, body };
  }

  /** Key Vault's challenge-based auth: a request without a token learns the resource and tenant from the 401. */
  private vault(req: IncomingMessage, url: URL): Reply {
    const challenge = { "WWW-Authenticate": `Bearer authorization="https://login.microsoftonline.com/${SIM_TENANT}", resource="${KEY_VAULT_AUDIENCE}"` };
    const token = this.bearer(req);
    if (!token) return armError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.", challenge);
    if (!this.issuer.valid(token, [KEY_VAULT_AUDIENCE])) return armError(401, "Unauthorized", "AKV10022: Invalid audience or expired token.", challenge);
    if (!url.searchParams.get("api-version")) return armError(400, "BadParameter", "The 'api-version' parameter is missing.");
    if (req.method !== "GET") return armError(405, "BadParameter", `${req.method} is not supported here.`);
    const [, name, version] = SECRET_PATH.exec(url.pathname)!;
    const s = this.secrets.get(decodeURIComponent(name!).toLowerCase());
    if (!s || (version && version !== s.version)) {
      return armError(404, "SecretNotFound", `A secret with (name/id) ${decodeURIComponent(name!)}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`);
    }
    return {
      status: 200,
      body: {
        value: s.value,
        id: `${this.url}/secrets/${decodeURIComponent(name!)}/${s.version}`,
        attributes: { enabled: true, created: s.created, updated: s.created, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 },
        tags: {},
      },
    };
  }
}
