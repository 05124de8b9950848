// The Azure clients of one process for one set of settings: a credential, the ARM endpoint and scope,
// an extra CA (the simulator's, or a TLS-inspecting proxy's), and the SDK clients built on them. Built
// once per settings so tokens and connections are reused across clusters and queue messages.
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy, PipelineRequest } from "@azure/core-rest-pipeline";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { SubscriptionClient } from "@azure/arm-resources-subscriptions";
import { UsageError } from "../../errors.js";
import { requestTimeoutPolicy } from "../../request-timeout.js";
import { type AzureCredentialSettings, azureCredential } from "./credential.js";

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

export interface AzureSettings extends AzureCredentialSettings {
  /** ARM endpoint; default https://management.azure.com (sovereign clouds and the simulator differ). */
  armEndpoint?: string;
  /** Token scope for ARM; default `<endpoint>/.default`. */
  armScope?: string;
  /** PEM file of an extra CA trusted for ARM and Key Vault (on top of Node's and NODE_EXTRA_CA_CERTS's). */
  armCaFile?: string;
  /** Retries of a throttled or failing ARM call (the SDK honours Retry-After). Default 3. */
  armMaxRetries?: number;
  /** How long one ARM or Key Vault request may go unanswered. Default ARM_REQUEST_TIMEOUT_MS. */
  armRequestTimeoutMs?: number;
}

/** A stuck ARM front end must fail its subscription, not stall discovery and the whole scan. */
const ARM_REQUEST_TIMEOUT_MS = 60_000;


export interface AzureContext {
  credential: TokenCredential;
  endpoint: string;
  armScope: string;
  /** Client options every Azure SDK client here shares (extra CA, retries). */
  additionalPolicies: Array<{ policy: PipelinePolicy; position: "perCall" | "perRetry" }>;
  retryOptions: { maxRetries: number };
  containerService(subscriptionId: string): ContainerServiceClient;
  subscriptions(): SubscriptionClient;
}

/** A PEM file's text; what cannot be read is bad input, named as `what`. */
function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function caPolicy(file: string): PipelinePolicy {
  const pem = readPem(file, "ARM CA file");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`ARM CA file ${file}: no PEM certificate in it`);
  // A CA list replaces Node's whole store, which holds NODE_EXTRA_CA_CERTS's too (a proxy's CA given the Node way): keep them.
  const extra = process.env.NODE_EXTRA_CA_CERTS ? [readPem(process.env.NODE_EXTRA_CA_CERTS, "NODE_EXTRA_CA_CERTS")] : [];
  // One settings object for every request: the HTTP client caches its agent per tlsSettings object.
  const tlsSettings = { ca: [...rootCertificates, ...extra, pem] };
  return {
    name: "fleetAuditExtraCa",
    sendRequest: (req, next) => {
      req.tlsSettings = tlsSettings;
      return next(req);
    },
  };
}

/**
 * ARM's error message per failed request. The paging helper's RestError keeps only the status and
 * code ("Pagination failed with unexpected statusCode 403"); the message says what is missing.
 */
const errorMessages = new WeakMap<PipelineRequest, string>();

export function armErrorMessage(request: PipelineRequest | undefined): string | undefined {
  return request ? errorMessages.get(request) : undefined;
}

const keepErrorMessage: PipelinePolicy = {
  name: "fleetAuditArmErrorMessage",
  async sendRequest(req, next) {
    const res = await next(req);
    if (res.status >= 400 && res.bodyAsText) {
      try {
        const m = (JSON.parse(res.bodyAsText) as { error?: { message?: unknown } }).error?.message;
        if (typeof m === "string") errorMessages.set(req, m);
      } catch {
        // not an ARM error body
      }
    }
    return res;
  },
};

function endpointOf(raw: string | undefined): string {
  const text = raw ?? DEFAULT_ARM_ENDPOINT;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`ARM endpoint ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== "https:") throw new UsageError(`ARM endpoint ${url.origin} must be https (bearer tokens are never sent in clear text)`);
  return url.origin;
}

const contexts = new Map<string, AzureContext>();

export function azureContext(s: AzureSettings): AzureContext {
  const key = JSON.stringify([s.armEndpoint, s.armScope, s.armCaFile, process.env.NODE_EXTRA_CA_CERTS, s.armMaxRetries, s.armRequestTimeoutMs, s.managedIdentityClientId, s.armToken, s.aksToken]);
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = buildContext(s);
    contexts.set(key, ctx);
  }
  return ctx;
}

function buildContext(s: AzureSettings): AzureContext {
  const endpoint = endpointOf(s.armEndpoint);
  const armScope = s.armScope ?? `${endpoint}/.default`;
  const credential = azureCredential(s, armScope);
  const additionalPolicies: AzureContext["additionalPolicies"] = [
    { policy: keepErrorMessage, position: "perCall" },
    { policy: requestTimeoutPolicy(s.armRequestTimeoutMs ?? ARM_REQUEST_TIMEOUT_MS), position: "perRetry" },
    ...(s.armCaFile ? [{ policy: caPolicy(s.armCaFile), position: "perCall" as const }] : []),
  ];
  const retryOptions = { maxRetries: s.armMaxRetries ?? 3 };
  const common = { endpoint, credentials: { scopes: [armScope] }, additionalPolicies, retryOptions };
  const bySub = new Map<string, ContainerServiceClient>();
  let subs: SubscriptionClient | undefined;
  return {
    credential,
    endpoint,
    armScope,
    additionalPolicies,
    retryOptions,
    containerService(subscriptionId) {
      let c = bySub.get(subscriptionId);
      if (!c) bySub.set(subscriptionId, (c = new ContainerServiceClient(credential, subscriptionId, common)));
      return c;
    },
    subscriptions() {
      subs ??= new SubscriptionClient(credential, { ...common, credentialScopes: [armScope] });
      return subs;
    },
  };
}
