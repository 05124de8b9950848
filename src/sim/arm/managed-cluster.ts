// What ARM says about a simulated cluster: the Microsoft.ContainerService/managedClusters resource as
// the 2026-04-01 API puts it on the wire (properties not flattened), derived from the cluster's own
// profile so pool podSubnetIDs match the NNCs' subnets, plus the kubeconfigs listClusterUser/Admin-
// Credential return for it.
import { stringify } from "yaml";
import { armSubnetId, podSubnetArmId } from "../ipv4.js";
import type { SimCluster } from "../server.js";
import { AKS_AAD_SERVER_APP } from "./identity.js";

/** What ARM knows about a simulated cluster beyond what the cluster itself holds. */
export interface SimArmClusterOptions {
  /** Default: the simulated Azure's first subscription. */
  subscription?: string;
  /** Default: the cluster's own resource group. */
  resourceGroup?: string;
  /** Entra ID integration: the user kubeconfig uses kubelogin, the API server takes Entra tokens only. */
  aad?: boolean;
  /** Local accounts (admin credentials, the static token); default: on unless `aad`. */
  localAccounts?: boolean;
  /** Autoscaler bounds of the pool; absent = autoscaling off. */
  autoscale?: { min: number; max: number };
  /** upgradeSettings.maxSurge of the pool, e.g. "33%" or "3". */
  maxSurge?: string;
  /** upgradeSettings.maxUnavailable of the pool, e.g. "1" (with maxSurge "0": upgrades drain in place). */
  maxUnavailable?: string;
  /** Wire fields merged over the generated networkProfile (e.g. another podCidr, for DRF004). */
  networkProfile?: Record<string, unknown>;
  /** Wire fields merged over the generated agent pool (e.g. another podIPAllocationMode, for DRF003). */
  pool?: Record<string, unknown>;
  /** More agent pools ARM lists (wire shape; they have no nodes in the simulated cluster). */
  extraPools?: Record<string, unknown>[];
  /** `az aks stop` / `start`: ARM's powerState (default Running; `powerState` on the instance changes it later). */
  powerState?: "Running" | "Stopped";
  /** A private cluster: ARM gives only a privatelink FQDN, and the kubeconfigs point there (it resolves nowhere here). */
  privateCluster?: boolean;
}

export const AKS_CLIENT_APP = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";
export const SIM_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";

export class SimManagedCluster {
  readonly subscription: string;
  readonly resourceGroup: string;
  readonly aad: boolean;
  readonly localAccounts: boolean;
  powerState: "Running" | "Stopped";

  constructor(
    readonly cluster: SimCluster,
    readonly options: SimArmClusterOptions,
    defaultSubscription: string,
  ) {
    this.subscription = options.subscription ?? defaultSubscription;
    this.resourceGroup = options.resourceGroup ?? cluster.state.profile.resourceGroup;
    this.aad = options.aad ?? false;
    this.localAccounts = options.localAccounts ?? !this.aad;
    this.powerState = options.powerState ?? "Running";
  }

  get name(): string {
    return this.cluster.name;
  }

  get id(): string {
    return `/subscriptions/${this.subscription}/resourceGroups/${this.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${this.name}`;
  }

  get fqdn(): string {
    return `${this.name.toLowerCase()}-dns-${this.cluster.state.profile.poolHash}.hcp.${this.cluster.state.profile.location}.azmk8s.io`;
  }

  /** A private cluster's API server name, in the private DNS zone AKS creates (only its VNet resolves it). */
  get privateFqdn(): string {
    return `${this.name.toLowerCase()}-dns-${this.cluster.state.profile.poolHash}.privatelink.${this.cluster.state.profile.location}.azmk8s.io`;
  }

  /** The API server the kubeconfigs name. */
  get server(): string {
    return this.options.privateCluster ? `https://${this.privateFqdn}:443` : this.cluster.url;
  }

  /** The resource as GET/list return it. */
  resource(): Record<string, unknown> {
    const p = this.cluster.state.profile;
    const mode = p.mode;
    const o = this.options;
    const podCidr = mode === "overlay" || mode === "kubenet" ? (this.cluster.state.spec.podCidr ?? "10.244.0.0/16") : undefined;
    const networkProfile: Record<string, unknown> = {
      networkPlugin: mode === "kubenet" ? "kubenet" : "azure",
      ...(mode === "overlay" ? { networkPluginMode: "overlay", networkDataplane: "azure" } : {}),
      ...(podCidr ? { podCidr, podCidrs: [podCidr] } : {}),
      serviceCidr: "10.0.0.0/16",
      serviceCidrs: ["10.0.0.0/16"],
      dnsServiceIP: "10.0.0.10",
      outboundType: "loadBalancer",
      loadBalancerSku: "standard",
      ipFamilies: ["IPv4"],
      ...o.networkProfile,
    };
    const vnet = p.podSubnet?.vnet ?? `vnet-${this.resourceGroup}`;
    const nodeSubnetSub = p.podSubnet?.subscription ?? this.subscription;
    const nodeSubnetRg = p.podSubnet?.resourceGroup ?? this.resourceGroup;
    const nodes = this.cluster.state.nodes.list();
    const windowsNodes = nodes.filter((n) => n.metadata.labels?.["kubernetes.io/os"] === "windows").length;
    const count = nodes.length - windowsNodes;
    const pool: Record<string, unknown> = {
      name: p.pool,
      count,
      vmSize: "Standard_D4ds_v5",
      osDiskSizeGB: 128,
      maxPods: p.maxPods,
      type: "VirtualMachineScaleSets",
      mode: "System",
      osType: "Linux",
      osSKU: "Ubuntu",
      orchestratorVersion: p.kubernetesVersion.replace(/^v/, ""),
      currentOrchestratorVersion: p.kubernetesVersion.replace(/^v/, ""),
      enableAutoScaling: o.autoscale !== undefined,
      ...(o.autoscale ? { minCount: o.autoscale.min, maxCount: o.autoscale.max } : {}),
      vnetSubnetID: armSubnetId(nodeSubnetSub, nodeSubnetRg, vnet, "nodesubnet"),
      ...(p.podSubnet && (mode === "vnetblock" || mode === "dynamic")
        ? { podSubnetID: podSubnetArmId(p.podSubnet), podIPAllocationMode: mode === "vnetblock" ? "StaticBlock" : "DynamicIndividual" }
        : {}),
      upgradeSettings: { ...(o.maxSurge !== undefined ? { maxSurge: o.maxSurge } : {}), ...(o.maxUnavailable !== undefined ? { maxUnavailable: o.maxUnavailable } : {}) },
      provisioningState: "Succeeded",
      powerState: { code: this.powerState },
      ...o.pool,
    };
    // A Windows pool draws on the same subnets (it is a user pool: AKS needs a Linux system pool).
    const windowsPool = p.windows
      ? { ...pool, name: p.windows.pool, count: windowsNodes, mode: "User", osType: "Windows", osSKU: "Windows2022", enableAutoScaling: false, minCount: undefined, maxCount: undefined, upgradeSettings: {} }
      : undefined;
    return {
      id: this.id,
      location: p.location,
      name: this.name,
      type: "Microsoft.ContainerService/ManagedClusters",
      sku: { name: "Base", tier: "Standard" },
      properties: {
        provisioningState: "Succeeded",
        powerState: { code: this.powerState },
        kubernetesVersion: p.kubernetesVersion.replace(/^v/, ""),
        currentKubernetesVersion: p.kubernetesVersion.replace(/^v/, ""),
        dnsPrefix: `${this.name}-dns`,
        ...(o.privateCluster ? { privateFQDN: this.privateFqdn, apiServerAccessProfile: { enablePrivateCluster: true } } : { fqdn: this.fqdn }),
        azurePortalFQDN: `${this.name}-dns-portal.hcp.${p.location}.azmk8s.io`,
        agentPoolProfiles: [pool, ...(windowsPool ? [windowsPool] : []), ...(o.extraPools ?? [])],
        nodeResourceGroup: `MC_${this.resourceGroup}_${this.name}_${p.location}`,
        enableRBAC: true,
        ...(this.aad ? { aadProfile: { managed: true, enableAzureRBAC: true, tenantID: SIM_TENANT } } : {}),
        disableLocalAccounts: !this.localAccounts,
        networkProfile,
      },
    };
  }

  /** The kubeconfig listClusterUserCredential returns; AAD clusters get kubelogin's exec user (format exec). */
  userKubeconfig(caPem: string, format: string | undefined): string {
    const user = `clusterUser_${this.resourceGroup}_${this.name}`;
    if (!this.aad) return this.kubeconfig(caPem, user, { token: this.cluster.token });
    if (format === "azure") {
      return this.kubeconfig(caPem, user, {
        "auth-provider": { name: "azure", config: { "apiserver-id": AKS_AAD_SERVER_APP, "client-id": AKS_CLIENT_APP, "config-mode": "1", environment: "AzurePublicCloud", "tenant-id": SIM_TENANT } },
      });
    }
    return this.kubeconfig(caPem, user, {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "kubelogin",
        args: ["get-token", "--login", "devicecode", "--server-id", AKS_AAD_SERVER_APP, "--client-id", AKS_CLIENT_APP, "--tenant-id", SIM_TENANT, "--environment", "AzurePublicCloud"],
        env: null,
        installHint: "\nkubelogin is not installed which is required to connect to AAD enabled cluster.\n\nTo learn more, please go to https://aka.ms/aks/kubelogin\n",
        provideClusterInfo: false,
        interactiveMode: "IfAvailable",
      },
    });
  }

  /** The kubeconfig listClusterAdminCredential returns: the local admin account. */
  adminKubeconfig(caPem: string, clientCert: { certPem: string; keyPem: string }): string {
    const b64 = (s: string): string => Buffer.from(s).toString("base64");
    return this.kubeconfig(caPem, `clusterAdmin_${this.resourceGroup}_${this.name}`, {
      "client-certificate-data": b64(clientCert.certPem),
      "client-key-data": b64(clientCert.keyPem),
      token: this.cluster.token,
    });
  }

  private kubeconfig(caPem: string, user: string, userBody: Record<string, unknown>): string {
    return stringify(
      {
        apiVersion: "v1",
        kind: "Config",
        preferences: {},
        clusters: [{ name: this.name, cluster: { server: this.server, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
        contexts: [{ name: this.name, context: { cluster: this.name, user } }],
        "current-context": this.name,
        users: [{ name: user, user: userBody }],
      },
      { lineWidth: 0 },
    );
  }
}
