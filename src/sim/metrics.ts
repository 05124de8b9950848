// What a CNS pod's /metrics (port 10092) would say, derived from its node's NNC (DOMAIN.md §3).
import { armSubnetId, parseCidr } from "./ipv4.js";
import { KUBE_SYSTEM } from "./objects.js";
import type { ClusterState } from "./state.js";
import type { NncObject, PodObject } from "./types.js";

const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labels(l: Record<string, string>): string {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${esc(l[k] ?? "")}"`).join(",")}}`;
}

class Exposition {
  private out: string[] = [];
  metric(name: string, type: "gauge" | "counter", help: string, samples: [Record<string, string>, number][]): void {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) this.out.push(`${name}${labels(l)} ${v}`);
  }
  text(): string {
    return this.out.join("\n") + "\n";
  }
}

function addressesOf(cidrOrIp: string | undefined): number {
  if (!cidrOrIp) return 0;
  try {
    return cidrOrIp.includes("/") ? parseCidr(cidrOrIp).size : 1;
  } catch {
    return 0;
  }
}

/** Numbers CNS would compute from the NNC plus the pods using IPs on the node. */
export function cnsPoolNumbers(nnc: NncObject, podIPs: number): {
  secondary: number;
  primary: number;
  assigned: number;
  pendingRelease: number;
  available: number;
  requested: number;
  dynamic: boolean;
} {
  let secondary = 0;
  let primary = 0;
  let dynamic = false;
  for (const nc of nnc.status?.networkContainers ?? []) {
    if (nc.type === "overlay") {
      secondary += addressesOf(nc.primaryIP);
      continue;
    }
    if (nc.assignmentMode !== "static") dynamic = true;
    if (nc.primaryIP) primary++;
    // A vnetblock primary block also serves pods, except its first address.
    if (nc.type === "vnetblock") secondary += Math.max(0, addressesOf(nc.primaryIP) - 1);
    for (const a of nc.ipAssignments ?? []) secondary += addressesOf(a.ip);
  }
  const pendingRelease = nnc.spec?.ipsNotInUse?.length ?? 0;
  const assigned = Math.min(podIPs, Math.max(0, secondary - pendingRelease));
  return {
    secondary,
    primary,
    assigned,
    pendingRelease,
    available: Math.max(0, secondary - assigned - pendingRelease),
    requested: nnc.spec?.requestedIPCount ?? 0,
    dynamic,
  };
}

/** Prometheus text for the CNS pod, or undefined when the pod is not on a node. */
export function cnsMetricsText(st: ClusterState, pod: PodObject): string | undefined {
  const node = pod.spec?.nodeName;
  if (!node) return undefined;
  const nnc = st.nncs.get(node, KUBE_SYSTEM);
  const podIPs = st.podIPsInUse.get(node) ?? 0;
  const e = new Exposition();
  const none: Record<string, string> = {};
  if (nnc) {
    const n = cnsPoolNumbers(nnc, podIPs);
    const nc = nnc.status?.networkContainers?.[0];
    if (n.dynamic && nc) {
      const scaler = nnc.status?.scaler;
      // CNS leaves the label empty when any part is missing.
      const armId =
        nc.subcriptionID && nc.resourceGroupID && nc.vnetID && nc.subnetID
          ? armSubnetId(nc.subcriptionID, nc.resourceGroupID, nc.vnetID, nc.subnetID)
          : "";
      const pl = { customer_metric: "customer metric", podnet_arm_id: armId, subnet: nc.subnetName ?? "", subnet_cidr: nc.subnetAddressSpace ?? "" };
      const g = (name: string, help: string, v: number): void => e.metric(name, "gauge", help, [[pl, v]]);
      g("cx_ipam_available_ips", "Available IP count.", n.available);
      g("cx_ipam_batch_size", "IPAM IP pool scaling batch size.", scaler?.batchSize ?? 0);
      g("cx_ipam_current_available_ips", "Current available IP count.", n.available);
      g("cx_ipam_expect_available_ips", "Expected future available IP count assuming the Requested IP count is honored.", Math.max(0, n.requested - n.assigned));
      g("cx_ipam_max_ips", "Maximum Secondary IPs allowed on this Node.", scaler?.maxIPCount ?? 0);
      g("cx_ipam_pending_programming_ips", "Pending programming IP count.", 0);
      g("cx_ipam_pending_release_ips", "Pending release IP count.", n.pendingRelease);
      g("cx_ipam_pod_allocated_ips", "Count of IPs CNS has allocated to Pods.", n.assigned);
      g("cx_ipam_primary_ips", "NC Primary IP count (reserved from Pod Subnet for DNS and IMDS SNAT).", n.primary);
      g("cx_ipam_requested_ips", "Secondary Pod Subnet IPs requested by this CNS Node (for Pods).", n.requested);
      g("cx_ipam_secondary_ips", "Node NC Secondary IP count (reserved usable by Pods).", n.secondary);
      g("cx_ipam_subnet_exhaustion_state", "IPAM view of subnet exhaustion state", 0);
      g("cx_ipam_total_ips", "Count of total IP pool size allocated to CNS by DNC.", n.secondary + n.primary);
    }
    e.metric("cx_allocated_ips_v2", "gauge", "Count of IPs CNS has Allocated.", [[none, n.secondary]]);
    e.metric("cx_assigned_ips_v2", "gauge", "Count of IPs CNS has Assigned to Pods.", [[none, n.assigned]]);
    e.metric("cx_available_ips_v2", "gauge", "Count of IPs Available.", [[none, n.available]]);
    e.metric("cx_pending_programming_ips_v2", "gauge", "Count of IPs in Pending Programming State.", [[none, 0]]);
    e.metric("cx_pending_release_ips_v2", "gauge", "Count of IPs in Pending Release State.", [[none, n.pendingRelease]]);
  } else {
    for (const name of ["cx_allocated_ips_v2", "cx_assigned_ips_v2", "cx_available_ips_v2", "cx_pending_programming_ips_v2", "cx_pending_release_ips_v2"]) {
      e.metric(name, "gauge", "Count of IPs.", [[none, 0]]);
    }
  }
  const ncs = nnc?.status?.networkContainers?.length ?? 0;
  e.metric("nnc_has_nodenetworkconfig", "gauge", "Whether CNS has received a NodeNetworkConfig (1) or not (0).", [[none, nnc ? 1 : 0]]);
  e.metric("nnc_ncs", "gauge", "Number of NetworkContainers in the NodeNetworkConfig.", [[none, ncs]]);
  e.metric("cns_nnc_initialized", "gauge", "Whether the NNC reconciler has initialized CNS state.", [[none, nnc ? 1 : 0]]);
  e.metric("cns_nnc_reconciler_start_failures_total", "counter", "Number of times the NNC reconciler has failed to start.", [[none, nnc ? 0 : 3]]);
  e.metric("sync_host_nc_version_total", "counter", "Count of Sync Host NC by success or failure", [
    [{ ok: "true" }, nnc ? 86_400 : 0],
  ]);
  return e.text();
}
