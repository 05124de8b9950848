// Trimmed schemas of the built-in kinds the simulator serves: each kind's top-level fields and the
// parts of spec/status the simulator fills in, not Kubernetes' full API (which runs to megabytes).
import { OBJECT_META, arr, bool, int32, int64, kindSchema, obj, ref, str, strMap, type Definition, type GroupVersionKind, type Schema } from "./schema.js";

const CORE = "io.k8s.api.core.v1";
const APPS = "io.k8s.api.apps.v1";
const SPEC_DOC = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#spec-and-status";

function kind(gvk: GroupVersionKind, pkg: string, description: string, fields: Record<string, Schema>): Definition {
  return { name: `${pkg}.${gvk.kind}`, schema: kindSchema(description, fields), gvk };
}
const core = (k: string): GroupVersionKind => ({ group: "", version: "v1", kind: k });
const apps = (k: string): GroupVersionKind => ({ group: "apps", version: "v1", kind: k });
const spec = (name: string, what: string): Schema => ref(name, `Spec defines the behavior of the ${what}. More info: ${SPEC_DOC}`);
const status = (name: string, what: string): Schema => ref(name, `Most recently observed status of the ${what}. Populated by the system. Read-only. More info: ${SPEC_DOC}`);

const container = obj({ image: str("Container image name."), name: str("Name of the container specified as a DNS_LABEL.") }, "A single application container that you want to run within a pod.", ["name"]);
const condition = (what: string): Schema =>
  obj(
    {
      lastTransitionTime: str("Last time the condition transitioned from one status to another.", { format: "date-time" }),
      message: str("Human-readable message indicating details about the last transition."),
      reason: str("Unique, one-word, CamelCase reason for the condition's last transition."),
      status: str("Status of the condition: True, False or Unknown."),
      type: str("Type of the condition."),
    },
    `${what} contains details for the current condition.`,
    ["type", "status"],
  );
const countOf = (what: string): Schema => int32(`The number of nodes ${what}.`);

export const CORE_DEFINITIONS: readonly Definition[] = [
  kind(core("Node"), CORE, "Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).", {
    spec: spec(`${CORE}.NodeSpec`, "node"),
    status: status(`${CORE}.NodeStatus`, "node"),
  }),
  {
    name: `${CORE}.NodeSpec`,
    schema: obj(
      {
        podCIDR: str("PodCIDR represents the pod IP range assigned to the node."),
        podCIDRs: arr(str(), "podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node."),
        providerID: str("ID of the node assigned by the cloud provider in the format: <ProviderName>://<ProviderSpecificNodeID>"),
        unschedulable: bool("Unschedulable controls node schedulability of new pods. By default, node is schedulable."),
      },
      "NodeSpec describes the attributes that a node is created with.",
    ),
  },
  {
    name: `${CORE}.NodeStatus`,
    schema: obj(
      {
        addresses: arr(obj({ address: str("The node address."), type: str("Node address type, one of Hostname, ExternalIP or InternalIP.") }, undefined, ["type", "address"]), "List of addresses reachable to the node."),
        allocatable: strMap("Allocatable represents the resources of a node that are available for scheduling."),
        capacity: strMap("Capacity represents the total resources of a node."),
        conditions: arr(condition("NodeCondition"), "Conditions is an array of current observed node conditions."),
        nodeInfo: strMap("Set of ids/uuids to uniquely identify the node."),
      },
      "NodeStatus is information about the current status of a node.",
    ),
  },
  kind(core("Pod"), CORE, "Pod is a collection of containers that can run on a host. This resource is created by clients and scheduled onto hosts.", {
    spec: spec(`${CORE}.PodSpec`, "pod"),
    status: status(`${CORE}.PodStatus`, "pod"),
  }),
  {
    name: `${CORE}.PodSpec`,
    schema: obj(
      {
        containers: arr(container, "List of containers belonging to the pod."),
        hostNetwork: bool("Host networking requested for this pod. Use the host's network namespace. Default to false."),
        initContainers: arr(container, "List of initialization containers belonging to the pod."),
        nodeName: str("NodeName indicates in which node this pod is scheduled."),
        nodeSelector: strMap("NodeSelector is a selector which must be true for the pod to fit on a node."),
        serviceAccountName: str("ServiceAccountName is the name of the ServiceAccount to use to run this pod."),
      },
      "PodSpec is a description of a pod.",
      ["containers"],
    ),
  },
  {
    name: `${CORE}.PodStatus`,
    schema: obj(
      {
        conditions: arr(condition("PodCondition"), "Current service state of pod."),
        containerStatuses: arr(obj({ name: str(), ready: bool(), restartCount: int32() }), "The list has one entry per container in the manifest."),
        hostIP: str("hostIP holds the IP address of the host to which the pod is assigned."),
        phase: str("The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle.", { enum: ["Failed", "Pending", "Running", "Succeeded", "Unknown"] }),
        podIP: str("podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
        reason: str("A brief CamelCase message indicating details about why the pod is in this state."),
      },
      "PodStatus represents information about the status of a pod.",
    ),
  },
  kind(core("ConfigMap"), CORE, "ConfigMap holds configuration data for pods to consume.", {
    binaryData: strMap("BinaryData contains the binary data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    data: strMap("Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or '.'."),
    immutable: bool("Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated."),
  }),
  kind(core("Namespace"), CORE, "Namespace provides a scope for Names. Use of multiple namespaces is optional.", {
    spec: obj({ finalizers: arr(str(), "Finalizers is an opaque list of values that must be empty to permanently remove object from storage.") }, "Spec defines the behavior of the Namespace."),
    status: obj({ phase: str("Phase is the current lifecycle phase of the namespace.", { enum: ["Active", "Terminating"] }) }, "Status describes the current status of a Namespace."),
  }),
  kind(core("Service"), CORE, "Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.", {
    spec: obj(
      {
        clusterIP: str("clusterIP is the IP address of the service and is usually assigned randomly."),
        ports: arr(obj({ name: str(), port: int32("The port that will be exposed by this service."), protocol: str() }, undefined, ["port"]), "The list of ports that are exposed by this service."),
        selector: strMap("Route service traffic to pods with label keys and values matching this selector."),
        type: str("type determines how the Service is exposed.", { enum: ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"] }),
      },
      "Spec defines the behavior of a service.",
    ),
  }),
  kind(core("Event"), CORE, "Event is a report of an event somewhere in the cluster.", {
    count: int32("The number of times this event has occurred."),
    firstTimestamp: str("The time at which the event was first recorded.", { format: "date-time" }),
    involvedObject: obj({ apiVersion: str(), kind: str(), name: str(), namespace: str(), uid: str() }, "The object that this event is about."),
    lastTimestamp: str("The time at which the most recent occurrence of this event was recorded.", { format: "date-time" }),
    message: str("A human-readable description of the status of this operation."),
    reason: str("This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    source: obj({ component: str("Component from which the event is generated."), host: str("Node name on which the event is generated.") }, "The component reporting this event."),
    type: str("Type of this event (Normal, Warning), new types could be added in the future"),
  }),
  kind(apps("DaemonSet"), APPS, "DaemonSet represents the configuration of a daemon set.", {
    spec: spec(`${APPS}.DaemonSetSpec`, "daemon set"),
    status: status(`${APPS}.DaemonSetStatus`, "daemon set"),
  }),
  {
    name: `${APPS}.DaemonSetSpec`,
    schema: obj(
      {
        selector: obj({ matchLabels: strMap("matchLabels is a map of {key,value} pairs.") }, "A label query over pods that are managed by the daemon set."),
        template: obj({ metadata: ref(OBJECT_META), spec: ref(`${CORE}.PodSpec`) }, "An object that describes the pod that will be created."),
        updateStrategy: obj({ type: str("Type of daemon set update.", { enum: ["OnDelete", "RollingUpdate"] }) }, "An update strategy to replace existing DaemonSet pods with new pods."),
      },
      "DaemonSetSpec is the specification of a daemon set.",
      ["selector", "template"],
    ),
  },
  {
    name: `${APPS}.DaemonSetStatus`,
    schema: obj(
      {
        currentNumberScheduled: countOf("that are running at least 1 daemon pod and are supposed to run the daemon pod"),
        desiredNumberScheduled: countOf("that should be running the daemon pod (including nodes correctly running the daemon pod)"),
        numberAvailable: countOf("that should be running the daemon pod and have one or more of the daemon pod running and available"),
        numberMisscheduled: countOf("that are running the daemon pod, but are not supposed to run the daemon pod"),
        numberReady: countOf("that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition"),
        numberUnavailable: countOf("that should be running the daemon pod and have none of the daemon pod running and available"),
        observedGeneration: int64("The most recent generation observed by the daemon set controller."),
        updatedNumberScheduled: int32("The total number of nodes that are running updated daemon pod"),
      },
      "DaemonSetStatus represents the current status of a daemon set.",
      ["currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"],
    ),
  },
];
