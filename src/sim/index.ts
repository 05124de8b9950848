// The cluster simulator: fake Kubernetes API servers serving AKS-shaped raw objects.
export { startSimulator, Simulator, type SimulatorOptions, type KubeconfigOptions } from "./simulator.js";
export { SimCluster, type RequestLogEntry } from "./server.js";
export { buildFleet, SCENARIOS, SEED_POD_SUBNET, type FleetOptions, type ScenarioName } from "./scenario.js";
export { generateCluster, defaultPodSubnet, DEFAULT_CNS_IMAGE, DEFAULT_K8S_VERSION, type GenerateOptions } from "./generate.js";
export { ClusterState, type ClusterProfile, type ResourceName } from "./state.js";
export { Collection, type Snapshot, type PutOptions } from "./store.js";
export type { FaultSpec, FaultKind } from "./faults.js";
export { SubnetPool, SubnetPools, podSubnetArmId, type PodSubnet } from "./ipv4.js";
export { cnsMetricsText } from "./metrics.js";
export { createCa, type CertKeyPair, type SimCa } from "./certs.js";
export * as mutate from "./mutate.js";
export { CNS_CONFIGMAP, CNS_DAEMONSET, KUBE_SYSTEM, nodeName } from "./objects.js";
export type * from "./types.js";
export { SIM_MODES } from "./types.js";
export {
  startSimAzure,
  SimAzure,
  type SimAzureOptions,
  type SimAzureClusterSpec,
  type SimArmClusterOptions,
  type SubscriptionFault,
  type ArmRequest,
  AKS_AAD_SERVER_APP,
  ARM_API_VERSION,
} from "./arm/index.js";
