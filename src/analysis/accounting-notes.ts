// Evaluation notes for NC data the pod-subnet accounting could not use as written: one note per cluster
// and kind of problem, with a count and a few examples (NNC, field, value), so a thousand bad NCs make
// one note, not a thousand. IPv6 is not among them: dual stack gives every node an IPv6 NC by design,
// and the accounting is IPv4 (the README says so), so a note every scan would say nothing to act on.
import { type AccountingProblem, type AccountingProblemKind, KEPT_EXAMPLES, type SubnetAccounting } from "./subnets.js";

/** Values come from the cluster: a note quotes at most this much of one. */
const VALUE_CHARS = 40;

/** What each kind noted means for the accounting, completing "cluster C: …". */
const MEANING: Partial<Record<AccountingProblemKind, (n: number) => string>> = {
  "malformed-address": (n) => `${n} NC address field(s) are not IPv4 addresses or CIDRs, so no pod subnet's USED counts them`,
  "malformed-subnet": (n) => `${n} NC(s) carry an unusable subnetAddressSpace`,
  "no-subnet": (n) => `the addresses of ${n} NC(s) are in no pod subnet's USED: they name no VNet subnet and no usable subnetAddressSpace`,
  "mixed-modes": (n) => `${n} NC(s) are of another IPAM mode than the rest of their pod subnet (a subnet holds one mode; it is accounted as its most common)`,
};

interface Group {
  cluster: string;
  kind: AccountingProblemKind;
  count: number;
  examples: string[];
}

/** The notes, ordered by cluster, then in MEANING's order of kinds. */
export function accountingProblemNotes(accounting: SubnetAccounting): string[] {
  const groups = new Map<string, Group>();
  const add = (p: AccountingProblem, subnet?: string): void => {
    if (!MEANING[p.kind] || p.cluster === undefined) return;
    const key = `${p.cluster}\u0000${p.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { cluster: p.cluster, kind: p.kind, count: 0, examples: [] }));
    g.count += p.instances ?? 1;
    if (g.examples.length < KEPT_EXAMPLES) g.examples.push(example(p, subnet));
  };
  for (const p of accounting.problems) add(p);
  for (const s of accounting.subnets) for (const p of s.problems) add(p, `${s.cidr} (${s.mode})`);

  const kinds = Object.keys(MEANING);
  return [...groups.values()]
    .sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : kinds.indexOf(a.kind) - kinds.indexOf(b.kind)))
    .map((g) => {
      const more = g.count > g.examples.length ? ` and ${g.count - g.examples.length} more` : "";
      return `cluster ${g.cluster}: ${MEANING[g.kind]!(g.count)}, e.g. ${g.examples.join("; ")}${more}`;
    });
}

/** `NNC n1 primaryIP "banana"`, `NNC n1 NC <id>` (no field), `… on 10.40.0.0/13 (vnetblock)` for a subnet's own problems. */
function example(p: AccountingProblem, subnet: string | undefined): string {
  const what = p.field !== undefined ? `${p.field} ${quote(p.value ?? "")}` : `NC ${quote(p.nc ?? "")}`;
  return `NNC ${p.nnc ?? "?"} ${what}${subnet ? ` on ${subnet}` : ""}`;
}

function quote(value: string): string {
  return JSON.stringify(value.length > VALUE_CHARS ? `${value.slice(0, VALUE_CHARS)}…` : value);
}
