// The managed-identity token endpoint App Service / Functions gives a process (IDENTITY_ENDPOINT +
// IDENTITY_HEADER, api-version 2019-08-01), and the tokens it issued: per audience, short-lived, shaped
// like Entra ID's (a JWT with aud, iss, tid, oid, exp; the signature is not real). The simulated ARM,
// Key Vault and AAD clusters accept only tokens issued here for their audience; Azurite with
// `--oauth basic` reads the claims, so the storage identity can be tested end to end.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** The AKS AAD server application: the audience of Kubernetes tokens for AAD clusters. */
export const AKS_AAD_SERVER_APP = "6dae42f8-4368-4678-94ff-3960e28e3630";
export const KEY_VAULT_AUDIENCE = "https://vault.azure.net";
export const APP_SERVICE_MSI_API_VERSION = "2019-08-01";
/** The tenant the simulated identity lives in. */
export const SIM_TENANT = "5e5e5e5e-0000-4000-8000-00000000a11d";

interface Issued {
  audience: string;
  clientId: string;
  expiresAt: number;
}

/** `resource` as the client sends it, with the trailing slash variants treated as one audience. */
function normalizeAudience(resource: string): string {
  return resource.replace(/\/+$/, "").toLowerCase();
}

export class TokenIssuer {
  private readonly tokens = new Map<string, Issued>();
  /** Tokens issued per audience (normalized), for tests that check refreshes. */
  readonly issuedCount = new Map<string, number>();
  /** The secret the process presents in X-IDENTITY-HEADER. */
  readonly header = randomBytes(18).toString("base64url");

  constructor(
    /** Client id of the (user-assigned) identity this endpoint serves. */
    readonly clientId: string,
    /** How long a token lives. Settable, so a test can make tokens expire mid-run. */
    public lifetimeSeconds: number,
  ) {}

  issue(resource: string): { token: string; expiresOn: number } {
    const audience = normalizeAudience(resource);
    const expiresAt = Date.now() + this.lifetimeSeconds * 1000;
    const now = Math.floor(Date.now() / 1000);
    const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = { aud: resource, iss: `https://sts.windows.net/${SIM_TENANT}/`, tid: SIM_TENANT, oid: this.clientId, appid: this.clientId, iat: now, nbf: now - 60, exp: Math.floor(expiresAt / 1000), jti: randomBytes(12).toString("base64url") };
    const token = `${b64({ alg: "RS256", typ: "JWT" })}.${b64(claims)}.${randomBytes(32).toString("base64url")}`;
    this.tokens.set(token, { audience, clientId: this.clientId, expiresAt });
    this.issuedCount.set(audience, (this.issuedCount.get(audience) ?? 0) + 1);
    return { token, expiresOn: Math.floor(expiresAt / 1000) };
  }

  /** Issued here, for one of these audiences, and not expired. */
  valid(token: string, audiences: readonly string[]): boolean {
    const t = this.tokens.get(token);
    if (!t || Date.now() >= t.expiresAt) return false;
    return audiences.some((a) => normalizeAudience(a) === t.audience);
  }

  /** Every token issued so far (tests search stores and output for them). */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  issued(resource: string): number {
    return this.issuedCount.get(normalizeAudience(resource)) ?? 0;
  }

  /** The App Service MSI protocol (what msal-node's AppService source speaks). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, body: object): void => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET" || url.pathname !== "/msi/token") return send(404, { statusCode: 404, message: "Not found" });
    if (req.headers["x-identity-header"] !== this.header) return send(401, { statusCode: 401, message: "X-IDENTITY-HEADER missing or wrong" });
    if (url.searchParams.get("api-version") !== APP_SERVICE_MSI_API_VERSION) return send(400, { statusCode: 400, message: "api-version 2019-08-01 required" });
    const resource = url.searchParams.get("resource");
    if (!resource) return send(400, { statusCode: 400, message: "resource is required" });
    const clientId = url.searchParams.get("client_id");
    if (clientId !== null && clientId !== this.clientId) {
      return send(400, { statusCode: 400, message: `No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.` });
    }
    const { token, expiresOn } = this.issue(resource);
    send(200, { access_token: token, expires_on: String(expiresOn), resource, token_type: "Bearer", client_id: this.clientId });
  }
}
