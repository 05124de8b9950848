import type { SubnetAccount } from "../../analysis/subnets.js";
import { resource } from "../../model/finding.js";
import { subnetAccounting } from "../analyses.js";
import { fleetWithData } from "../context.js";
import { SUBNET_FULL } from "../fleet-view.js";
import { defineRule } from "../rule.js";
import { listSome, plural, subnetLabel, subnetScope } from "../scope.js";

interface Signals {
  /** `cluster/nnc` of NCs in NCUpdateSubnetFullError */
  fullNcs: string[];
  /** `cluster/name` of ClusterSubnetStates with exhausted=true */
  exhausted: string[];
  clusters: Set<string>;
}

export default defineRule(
  {
    id: "IPX002",
    title: "Subnet reported full",
    family: "IPX",
    severity: "critical",
    description: `DNC-RC reports that it cannot allocate from a pod subnet: an NC in ${SUBNET_FULL}, or a ClusterSubnetState with exhausted: true.`,
    remediation:
      "Free or add addresses now: delete unused nodes or NNCs that hold blocks, lower maxPods on static-block pools, or move new node pools to a new pod subnet; nodes on this subnet cannot get more pod IPs until then.",
    reference: "DOMAIN.md §1, §2",
    scope: "fleet",
  },
  function* (ctx) {
    const accounting = subnetAccounting(ctx);
    const byKey = new Map(accounting.subnets.map((s) => [s.key, s]));
    const signals = new Map<string, Signals>();
    const at = (key: string): Signals => {
      let s = signals.get(key);
      if (!s) signals.set(key, (s = { fullNcs: [], exhausted: [], clusters: new Set() }));
      return s;
    };
    for (const c of fleetWithData(ctx)) {
      for (const { nnc, key } of c.subnetFullNcs) {
        // An NC that names no subnet still says "full": report it on its NNC.
        const sig = at(key !== null && byKey.has(key) ? key : `nnc:${c.name}/${nnc}`);
        sig.fullNcs.push(`${c.name}/${nnc}`);
        sig.clusters.add(c.name);
      }
      for (const name of c.exhaustedSubnetStates) {
        const match = subnetOfState(accounting.subnets, c.name, name);
        const sig = at(match ? match.key : `css:${c.name}/${name}`);
        sig.exhausted.push(`${c.name}/${name}`);
        sig.clusters.add(c.name);
      }
    }
    for (const [key, sig] of [...signals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const subnet = byKey.get(key);
      const reasons: string[] = [];
      if (sig.fullNcs.length > 0) reasons.push(`${plural(sig.fullNcs.length, "NC")} in ${SUBNET_FULL} (NNC ${listSome([...new Set(sig.fullNcs)])})`);
      if (sig.exhausted.length > 0) reasons.push(`ClusterSubnetState ${listSome(sig.exhausted)} says exhausted`);
      const data = { ncsFull: sig.fullNcs.length, exhaustedStates: sig.exhausted.length };
      if (subnet) {
        const free = Math.max(0, subnet.capacity - subnet.used);
        yield {
          severity: "critical",
          ...subnetScope(subnet),
          message: `${subnetLabel(ctx, subnet)} is reported full: ${reasons.join("; ")}. ${subnet.used} of ${subnet.capacity} usable addresses are held (${free} free); pods that need a new IP there will hang in ContainerCreating.`,
          data: { ...data, used: subnet.used, capacity: subnet.capacity },
        };
        continue;
      }
      const clusters = [...sig.clusters].sort();
      const [kind, name] = key.startsWith("nnc:") ? (["nnc", key.slice(key.indexOf("/") + 1)] as const) : (["subnet", key.slice(key.indexOf("/") + 1)] as const);
      yield {
        severity: "critical",
        cluster: clusters[0] ?? "",
        ...(clusters.length > 1 ? { clusters } : {}),
        resource: resource(kind, name),
        discriminator: key,
        message: `${kind === "nnc" ? `NNC ${name}` : `subnet ${name}`} is reported full: ${reasons.join("; ")}; nodes there cannot get more pod IPs.`,
        data,
      };
    }
  },
);

/** DNC-RC names a ClusterSubnetState after its subnet; a cluster on one VNet subnet can only mean that one. */
function subnetOfState(subnets: readonly SubnetAccount[], cluster: string, name: string): SubnetAccount | undefined {
  const mine = subnets.filter((s) => s.mode !== "overlay" && s.clusters.includes(cluster));
  const n = name.toLowerCase();
  return mine.find((s) => s.name?.toLowerCase() === n || s.identity?.subnet.toLowerCase() === n) ?? (mine.length === 1 ? mine[0] : undefined);
}
