// Every rule the auditor runs, in catalogue order. Adding a rule = one file + one line here.
import ipx001 from "./ipx/ipx001-subnet-utilization.js";
import nnc001 from "./nnc/nnc001-node-without-nnc.js";
import type { Rule, RuleMeta } from "./rule.js";
import scn001 from "./scn/scn001-unreachable.js";
import scn002 from "./scn/scn002-refused.js";
import scn003 from "./scn/scn003-not-cns.js";

export const RULES: readonly Rule[] = [ipx001, nnc001, scn001, scn002, scn003];

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return BY_ID.get(id)?.meta;
}

export function isRuleId(id: string): boolean {
  return BY_ID.has(id);
}
