// The acn.azure.com CRDs' schemas as the apiserver publishes them: the openAPIV3Schema of Azure/azure-container-networking's (MIT License)
// crd/nodenetworkconfig/manifests/acn.azure.com_nodenetworkconfigs.yaml (with the later
// availabilityZone and IPv6 fields) and of the ClusterSubnetState CRD, descriptions included
// where the manifests have them, so `kubectl explain nnc` reads like it does on AKS.
import { CSS_VERSION, NNC_GROUP, NNC_VERSION } from "../discovery.js";
import { arr, bool, int, int64, kindSchema, obj, str, type Definition } from "./schema.js";

/** The apiserver names a CRD's definition by its reversed group, version and kind. */
function crdDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

const networkContainer = obj(
  {
    assignmentMode: str("AssignmentMode is whether we are allocated an entire block or IP by IP.", { default: "dynamic", enum: ["dynamic", "static"] }),
    defaultGateway: str(),
    defaultGatewayV6: str(),
    id: str(),
    ipAssignments: arr(
      obj({ ip: str(), name: str() }, "IPAssignment groups an IP address and Name. Name is a UUID set by the the IP address assigner."),
    ),
    macAddress: str(),
    nodeIP: str(),
    primaryIP: str(),
    primaryIPV6: str(),
    resourceGroupID: str(),
    status: str("NCStatus indicates the latest NC request status", {
      enum: ["NCUpdateSubnetFullError", "NCUpdateInternalServerError", "NCUpdateUnauthorizedError", "NCUpdateSuccess", "NCUpdateFailed"],
    }),
    // The JSON tag really is misspelled.
    subcriptionID: str(),
    subnetAddressSpace: str(),
    subnetAddressSpaceV6: str(),
    subnetID: str(),
    subnetName: str(),
    type: str("NCType is the specific type of network this NC represents.", { default: "vnet" }),
    version: int64(undefined, { default: 0 }),
    vnetID: str(),
  },
  "NetworkContainer defines the structure of a Network Container as found in NetworkConfigStatus",
);

const nodeNetworkConfig = kindSchema("NodeNetworkConfig is the Schema for the nodenetworkconfigs API", {
  spec: obj(
    {
      availabilityZone: int(
        "AvailabilityZone contains the Azure availability zone for the virtual machine where network containers are placed.\nNMA returns an int value for the availability zone.",
      ),
      ipsNotInUse: arr(str()),
      requestedIPCount: int64(undefined, { default: 0 }),
    },
    "NodeNetworkConfigSpec defines the desired state of NetworkConfig",
  ),
  status: obj(
    {
      assignedIPCount: int(undefined, { default: 0 }),
      networkContainers: arr(networkContainer),
      scaler: obj(
        { batchSize: int64(), maxIPCount: int64(), releaseThresholdPercent: int64(), requestThresholdPercent: int64() },
        "Scaler groups IP request params together",
      ),
      status: str("Status indicates the NNC reconcile status", { enum: ["Updating", "Updated", "Error"] }),
    },
    "NodeNetworkConfigStatus defines the observed state of NetworkConfig",
  ),
});

const clusterSubnetState = kindSchema("ClusterSubnetState is the Schema for the ClusterSubnetState API", {
  status: obj(
    { exhausted: bool(), timestamp: str() },
    "ClusterSubnetStateStatus defines the observed state of ClusterSubnetState",
    ["exhausted", "timestamp"],
  ),
});

function crd(version: string, kind: string, schema: Definition["schema"]): Definition {
  return { name: crdDefinitionName(NNC_GROUP, version, kind), schema, gvk: { group: NNC_GROUP, version, kind } };
}

export const NNC_DEFINITION = crd(NNC_VERSION, "NodeNetworkConfig", nodeNetworkConfig);
export const CSS_DEFINITION = crd(CSS_VERSION, "ClusterSubnetState", clusterSubnetState);
