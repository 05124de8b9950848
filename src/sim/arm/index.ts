// Simulated Azure in front of the simulated fleet: ARM + Key Vault over HTTPS (the fleet's CA), and the
// App Service managed-identity endpoint over loopback HTTP, as a Functions app sees it.
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createCa } from "../certs.js";
import { type Simulator, type SimulatorOptions, startSimulator } from "../simulator.js";
import type { SimClusterSpec } from "../types.js";
import { AKS_AAD_SERVER_APP, TokenIssuer } from "./identity.js";
import { type SimArmClusterOptions, SimManagedCluster } from "./managed-cluster.js";
import { SimArmServer, type SubscriptionFault } from "./server.js";

export { AKS_AAD_SERVER_APP, KEY_VAULT_AUDIENCE, TokenIssuer } from "./identity.js";
export { SimManagedCluster, type SimArmClusterOptions } from "./managed-cluster.js";
export { ARM_API_VERSION, type ArmRequest, type SubscriptionFault } from "./server.js";

export type SimAzureClusterSpec = SimClusterSpec & { azure?: SimArmClusterOptions };

export interface SimAzureOptions extends SimulatorOptions {
  clusters: SimAzureClusterSpec[];
  /** Default: one subscription. Clusters go to the first unless they name theirs. */
  subscriptions?: Array<{ id: string; displayName?: string }>;
  /** Items per ARM list page. Default 100. */
  pageSize?: number;
  /** Lifetime of issued tokens. Default 3600 s (can be changed at runtime on `identity`). */
  tokenLifetimeSeconds?: number;
  /** Client id of the user-assigned identity. Default: a random one. */
  clientId?: string;
  /** Key Vault secrets by name. */
  secrets?: Record<string, string>;
}

/** ARM names: alphanumerics, `-` and `_`, 1-63 characters, starting and ending alphanumeric. */
const ARM_NAME = /^[a-zA-Z0-9](?:[-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$/;

export class SimAzure {
  constructor(
    readonly fleet: Simulator,
    readonly arm: SimArmServer,
    readonly identity: TokenIssuer,
    private readonly identityServer: http.Server,
    readonly managedClusters: readonly SimManagedCluster[],
    readonly subscriptions: ReadonlyArray<{ id: string; displayName: string }>,
  ) {}

  /** ARM endpoint (also the Key Vault URL). */
  get url(): string {
    return this.arm.url;
  }

  get identityEndpoint(): string {
    const a = this.identityServer.address();
    return `http://127.0.0.1:${a && typeof a === "object" ? a.port : 0}/msi/token`;
  }

  get caPem(): string {
    return this.fleet.caPem;
  }

  managedCluster(name: string): SimManagedCluster {
    const mc = this.managedClusters.find((c) => c.name === name);
    if (!mc) throw new Error(`no simulated managed cluster named ${JSON.stringify(name)}`);
    return mc;
  }

  /** Stores a Key Vault secret; returns its URI. */
  setSecret(name: string, value: string): string {
    return this.arm.setSecret(name, value);
  }

  setSubscriptionFault(subscription: string, fault: SubscriptionFault | undefined): void {
    this.arm.setFault(subscription, fault);
  }

  /** Writes the CA (PEM) that signed every simulated server; returns its path. */
  async writeCa(dir: string): Promise<string> {
    const file = path.join(dir, "sim-ca.pem");
    await writeFile(file, this.caPem);
    return file;
  }

  /** What the Functions host would set, plus the discovery settings pointing at this simulator. */
  env(caFile: string): Record<string, string> {
    return {
      IDENTITY_ENDPOINT: this.identityEndpoint,
      IDENTITY_HEADER: this.identity.header,
      AZURE_CLIENT_ID: this.identity.clientId,
      FLEET_AUDIT_ARM_ENDPOINT: this.url,
      FLEET_AUDIT_ARM_CA: caFile,
    };
  }

  async close(): Promise<void> {
    await Promise.all([
      this.fleet.close(),
      this.arm.close(),
      new Promise<void>((resolve) => {
        this.identityServer.closeAllConnections();
        this.identityServer.close(() => resolve());
      }),
    ]);
  }
}

/** Starts the simulated fleet, ARM/Key Vault in front of it, and the identity endpoint. */
export async function startSimAzure(opts: SimAzureOptions): Promise<SimAzure> {
  for (const c of opts.clusters) {
    if (!ARM_NAME.test(c.name)) throw new Error(`cluster ${JSON.stringify(c.name)}: not a valid AKS resource name (1-63 of a-z, 0-9, - and _)`);
  }
  const subscriptions = (opts.subscriptions ?? [{ id: "00000000-0000-4000-8000-00000000a001", displayName: "fleet-audit-sim" }]).map((s) => ({ id: s.id, displayName: s.displayName ?? s.id }));
  if (subscriptions.length === 0) throw new Error("the simulated Azure needs at least one subscription");
  const ca = createCa("fleet-audit-sim-azure-ca");
  const fleet = await startSimulator(opts.clusters, { ...opts, ca });
  const identity = new TokenIssuer(opts.clientId ?? randomUUID(), opts.tokenLifetimeSeconds ?? 3600);
  const managed = opts.clusters.map((spec) => new SimManagedCluster(fleet.cluster(spec.name), spec.azure ?? {}, subscriptions[0]!.id));
  for (const mc of managed) {
    if (!mc.aad) continue;
    // AAD clusters take Entra tokens for the AKS server app; their static token only with local accounts.
    mc.cluster.bearerAuth = (t) => identity.valid(t, [AKS_AAD_SERVER_APP]) || (mc.localAccounts && t === mc.cluster.token);
  }
  const tls = ca.issue({ commonName: "management.azure.sim", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], usage: "server" });
  const arm = new SimArmServer(tls, ca.certPem, identity, subscriptions, managed, fleet.clientCertificate(), opts.pageSize ?? 100);
  const identityServer = http.createServer((req, res) => identity.handle(req, res));
  try {
    await arm.start();
    await new Promise<void>((resolve, reject) => {
      identityServer.once("error", reject);
      identityServer.listen({ port: 0, host: "127.0.0.1" }, () => resolve());
    });
  } catch (e) {
    await fleet.close();
    throw e;
  }
  for (const [name, value] of Object.entries(opts.secrets ?? {})) arm.setSecret(name, value);
  return new SimAzure(fleet, arm, identity, identityServer, managed, subscriptions);
}
