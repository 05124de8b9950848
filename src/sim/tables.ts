// Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for in its default output.
import type { ResourceDef } from "./discovery.js";
import type { DaemonSetObject, KObject, NncObject, NodeObject, PodObject } from "./types.js";

export interface ColumnDefinition {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number | boolean | null;

const NAME_DESC =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESC =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const col = (name: string, type: ColumnDefinition["type"], priority = 0, description = "", format = ""): ColumnDefinition => ({
  name,
  type,
  format,
  description,
  priority,
});
const NAME = col("Name", "string", 0, NAME_DESC, "name");
const AGE = col("Age", "string", 0, AGE_DESC);

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

function age(o: KObject, now: number): string {
  const t = o.metadata.creationTimestamp ? Date.parse(o.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? "<unknown>" : humanDuration(now - t);
}

/** CRD printer columns take the first match of a [*] JSONPath; missing values print as <none>. */
function intCell(v: unknown): Cell {
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}
function strCell(v: unknown): Cell {
  if (v === undefined || v === null) return null;
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

interface Printer {
  columns: ColumnDefinition[];
  cells(o: KObject, now: number): Cell[];
}

const nncPrinter: Printer = {
  columns: [
    NAME,
    col("Requested IPs", "integer", 1),
    col("Availability Zone", "string", 1),
    col("Allocated IPs", "integer"),
    col("Subnet", "string", 1),
    col("Subnet CIDR", "string", 1),
    col("Subnet CIDR v6", "string", 1),
    col("NC ID", "string", 1),
    col("NC Mode", "string"),
    col("NC Type", "string", 1),
    col("NC Version", "integer"),
  ],
  cells(o) {
    const n = o as NncObject;
    const nc = n.status?.networkContainers?.[0];
    return [
      n.metadata.name,
      intCell(n.spec?.requestedIPCount),
      strCell(n.spec?.availabilityZone),
      intCell(n.status?.assignedIPCount),
      strCell(nc?.subnetName),
      strCell(nc?.subnetAddressSpace),
      strCell(nc?.["subnetAddressSpaceV6"]),
      strCell(nc?.id),
      strCell(nc?.assignmentMode),
      strCell(nc?.type),
      intCell(nc?.version),
    ];
  },
};

function nodeStatus(n: NodeObject): string {
  const ready = n.status?.conditions?.find((c) => c.type === "Ready");
  let s = ready?.status === "True" ? "Ready" : ready?.status === "False" ? "NotReady" : "Unknown";
  if (n.spec?.unschedulable) s += ",SchedulingDisabled";
  return s;
}

function nodeRoles(n: NodeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(n.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) roles.add(k.slice("node-role.kubernetes.io/".length));
    if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size === 0 ? "<none>" : [...roles].sort().join(",");
}

const nodePrinter: Printer = {
  columns: [
    NAME,
    col("Status", "string", 0, "The status of the node"),
    col("Roles", "string", 0, "The roles of the node"),
    AGE,
    col("Version", "string", 0, "Kubelet Version reported by the node."),
    col("Internal-IP", "string", 1, "List of internal IPs in the node."),
    col("External-IP", "string", 1, "List of external IPs in the node."),
    col("OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    col("Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    col("Container-Runtime", "string", 1, "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
  ],
  cells(o, now) {
    const n = o as NodeObject;
    const addr = (t: string): string => n.status?.addresses?.filter((a) => a.type === t).map((a) => a.address).join(",") || "<none>";
    const info = n.status?.nodeInfo ?? {};
    return [
      n.metadata.name,
      nodeStatus(n),
      nodeRoles(n),
      age(n, now),
      info["kubeletVersion"] ?? "",
      addr("InternalIP"),
      addr("ExternalIP"),
      info["osImage"] ?? "<unknown>",
      info["kernelVersion"] ?? "<unknown>",
      info["containerRuntimeVersion"] ?? "<unknown>",
    ];
  },
};

/** kubectl's pod STATUS column logic (pkg/printers/internalversion printPod), trimmed. */
function podStatus(p: PodObject): { reason: string; ready: number; restarts: number; lastRestart?: number } {
  let reason = p.status?.reason ?? p.status?.phase ?? "Unknown";
  let restarts = 0;
  let lastRestart: number | undefined;
  const noteRestart = (finishedAt?: string): void => {
    const t = finishedAt ? Date.parse(finishedAt) : NaN;
    if (!Number.isNaN(t) && (lastRestart === undefined || t > lastRestart)) lastRestart = t;
  };
  let initializing = false;
  const inits = p.status?.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i]!;
    restarts += c.restartCount;
    if (c.lastState?.terminated) noteRestart(c.lastState.terminated.finishedAt);
    if (c.state?.terminated && c.state.terminated.exitCode === 0) continue;
    initializing = true;
    if (c.state?.terminated) reason = `Init:${c.state.terminated.reason ?? `ExitCode:${c.state.terminated.exitCode}`}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${p.spec?.initContainers?.length ?? inits.length}`;
    break;
  }
  let ready = 0;
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const cs = p.status?.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i]!;
      restarts += c.restartCount;
      if (c.lastState?.terminated) noteRestart(c.lastState.terminated.finishedAt);
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated) reason = c.state.terminated.reason ?? `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) reason = "Running";
  }
  if (p.metadata.deletionTimestamp) reason = "Terminating";
  const out: { reason: string; ready: number; restarts: number; lastRestart?: number } = { reason, ready, restarts };
  if (lastRestart !== undefined) out.lastRestart = lastRestart;
  return out;
}

const podPrinter: Printer = {
  columns: [
    NAME,
    col("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
    col("Status", "string", 0, "The aggregate status of the containers in this pod."),
    col("Restarts", "string", 0, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
    AGE,
    col("IP", "string", 1, "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
    col("Node", "string", 1, "NodeName is a request to schedule this pod onto a specific node."),
    col("Nominated Node", "string", 1, "nominatedNodeName is set only when this pod preempts other pods on the node."),
    col("Readiness Gates", "string", 1, "If specified, all readiness gates will be evaluated for pod readiness."),
  ],
  cells(o, now) {
    const p = o as PodObject;
    const s = podStatus(p);
    const total = p.spec?.containers?.length ?? 0;
    const restarts = s.lastRestart !== undefined && s.restarts > 0 ? `${s.restarts} (${humanDuration(now - s.lastRestart)} ago)` : String(s.restarts);
    return [
      p.metadata.name,
      `${s.ready}/${total}`,
      s.reason,
      restarts,
      age(p, now),
      p.status?.podIP || "<none>",
      p.spec?.nodeName || "<none>",
      p.status?.nominatedNodeName || "<none>",
      p.spec?.readinessGates?.length ? `0/${p.spec.readinessGates.length}` : "<none>",
    ];
  },
};

function selectorText(m: Record<string, string> | undefined): string {
  const entries = Object.entries(m ?? {});
  return entries.length === 0 ? "<none>" : entries.map(([k, v]) => `${k}=${v}`).join(",");
}

const dsPrinter: Printer = {
  columns: [
    NAME,
    col("Desired", "integer", 0, "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
    col("Current", "integer", 0, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
    col("Ready", "integer", 0, "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
    col("Up-to-date", "integer", 0, "The total number of nodes that are running updated daemon pod"),
    col("Available", "integer", 0, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
    col("Node Selector", "string", 0, "NodeSelector is a selector which must be true for the pod to fit on a node."),
    AGE,
    col("Containers", "string", 1, "Names of each container in the template."),
    col("Images", "string", 1, "Images referenced by each container in the template."),
    col("Selector", "string", 1, "A label query over pods that are managed by the daemon set."),
  ],
  cells(o, now) {
    const d = o as DaemonSetObject;
    const st = d.status;
    const cs = d.spec?.template?.spec?.containers ?? [];
    return [
      d.metadata.name,
      st?.desiredNumberScheduled ?? 0,
      st?.currentNumberScheduled ?? 0,
      st?.numberReady ?? 0,
      st?.updatedNumberScheduled ?? 0,
      st?.numberAvailable ?? 0,
      selectorText(d.spec?.template?.spec?.nodeSelector),
      age(d, now),
      cs.map((c) => c.name).join(","),
      cs.map((c) => c.image).join(","),
      selectorText(d.spec?.selector?.matchLabels),
    ];
  },
};

const cmPrinter: Printer = {
  columns: [NAME, col("Data", "integer", 0, "Data contains the configuration data."), AGE],
  cells(o, now) {
    const data = (o as { data?: object; binaryData?: object });
    return [o.metadata.name, Object.keys(data.data ?? {}).length + Object.keys(data.binaryData ?? {}).length, age(o, now)];
  },
};

// The apiserver's columns for services: Name, Type, Cluster-IP, External-IP, Port(s), Age, Selector.
const svcPrinter: Printer = {
  columns: [NAME, col("Type", "string"), col("Cluster-IP", "string"), col("External-IP", "string"), col("Port(s)", "string"), AGE],
  cells(o, now) {
    const spec = (o as { spec?: { type?: string; clusterIP?: string; ports?: Array<{ port?: number; protocol?: string }> } }).spec;
    return [o.metadata.name, spec?.type ?? "", spec?.clusterIP ?? "", "<none>", (spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? "TCP"}`).join(","), age(o, now)];
  },
};

const nsPrinter: Printer = {
  columns: [NAME, col("Status", "string", 0, "The status of the namespace"), AGE],
  cells(o, now) {
    return [o.metadata.name, (o as { status?: { phase?: string } }).status?.phase ?? "", age(o, now)];
  },
};

// The CRD's printer columns: Exhausted (.status.exhausted) and Updated (.status.timestamp).
const cssPrinter: Printer = {
  columns: [NAME, col("Exhausted", "boolean"), col("Updated", "string"), AGE],
  cells(o, now) {
    const st = (o as { status?: { exhausted?: boolean; timestamp?: string } }).status;
    return [o.metadata.name, st?.exhausted ?? false, st?.timestamp ?? "", age(o, now)];
  },
};

// The apiserver's columns for events: Last Seen, Type, Reason, Object, Message.
const eventPrinter: Printer = {
  columns: [col("Last Seen", "string"), col("Type", "string"), col("Reason", "string"), col("Object", "string"), col("Message", "string")],
  cells(o, now) {
    const ev = o as { lastTimestamp?: string; type?: string; reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } };
    const last = ev.lastTimestamp ? Date.parse(ev.lastTimestamp) : NaN;
    return [Number.isNaN(last) ? "<unknown>" : humanDuration(now - last), ev.type ?? "", ev.reason ?? "", `${(ev.involvedObject?.kind ?? "").toLowerCase()}/${ev.involvedObject?.name ?? ""}`, ev.message ?? ""];
  },
};

const PRINTERS: Record<string, Printer> = {
  nodenetworkconfigs: nncPrinter,
  clustersubnetstates: cssPrinter,
  nodes: nodePrinter,
  pods: podPrinter,
  daemonsets: dsPrinter,
  configmaps: cmPrinter,
  services: svcPrinter,
  namespaces: nsPrinter,
  events: eventPrinter,
};

export type IncludeObject = "None" | "Metadata" | "Object";

export function toTable(
  def: ResourceDef,
  items: readonly KObject[],
  listMeta: Record<string, unknown>,
  opts: { includeObject: IncludeObject; apiVersion: string; now?: number },
): object {
  const printer = PRINTERS[def.plural] ?? { columns: [NAME, AGE], cells: (o: KObject, now: number) => [o.metadata.name, age(o, now)] };
  const now = opts.now ?? Date.now();
  return {
    kind: "Table",
    apiVersion: opts.apiVersion,
    metadata: listMeta,
    columnDefinitions: printer.columns,
    rows: items.map((o) => {
      const row: Record<string, unknown> = { cells: printer.cells(o, now) };
      if (opts.includeObject === "Object") row["object"] = o;
      else if (opts.includeObject === "Metadata") row["object"] = { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata };
      return row;
    }),
  };
}
