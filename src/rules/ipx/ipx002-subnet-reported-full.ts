import { resource } from "../../model/finding.js";
import { reportedFull, subnetAccounting } from "../analyses.js";
import { SUBNET_FULL } from "../fleet-view.js";
import { defineRule } from "../rule.js";
import { listSome, plural, subnetLabel, subnetScope } from "../scope.js";

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
    const byKey = new Map(subnetAccounting(ctx).subnets.map((s) => [s.key, s]));
    const signals = reportedFull(ctx);
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
