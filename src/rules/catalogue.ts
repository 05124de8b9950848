// Every rule the auditor runs, in catalogue order. Adding a rule = one file + one line here.
import cns001 from "./cns/cns001-daemonset-not-converged.js";
import cns002 from "./cns/cns002-pod-not-ready.js";
import cns003 from "./cns/cns003-restarts.js";
import cns004 from "./cns/cns004-node-without-cns.js";
import cns005 from "./cns/cns005-image-skew.js";
import drf001 from "./drf/drf001-cns-version.js";
import drf002 from "./drf/drf002-cns-config.js";
import drf003 from "./drf/drf003-ipam-mode.js";
import drf004 from "./drf/drf004-overlay-pod-cidr.js";
import ipx001 from "./ipx/ipx001-subnet-utilization.js";
import ipx002 from "./ipx/ipx002-subnet-reported-full.js";
import ipx003 from "./ipx/ipx003-scale-headroom.js";
import ipx004 from "./ipx/ipx004-exhaustion-forecast.js";
import ipx005 from "./ipx/ipx005-overlay-node-capacity.js";
import ipx006 from "./ipx/ipx006-dynamic-node-at-cap.js";
import nnc001 from "./nnc/nnc001-node-without-nnc.js";
import nnc002 from "./nnc/nnc002-orphaned-nnc.js";
import nnc003 from "./nnc/nnc003-allocation-pending.js";
import nnc004 from "./nnc/nnc004-nnc-in-error.js";
import nnc005 from "./nnc/nnc005-node-ip-mismatch.js";
import nnc006 from "./nnc/nnc006-duplicate-assignment.js";
import nnc007 from "./nnc/nnc007-stuck-deleting.js";
import nnc008 from "./nnc/nnc008-scaler-invariants.js";
import type { Rule, RuleMeta } from "./rule.js";
import scn001 from "./scn/scn001-unreachable.js";
import scn002 from "./scn/scn002-refused.js";
import scn003 from "./scn/scn003-not-cns.js";
import scn004 from "./scn/scn004-stale-data.js";

export const RULES: readonly Rule[] = [
  ipx001, ipx002, ipx003, ipx004, ipx005, ipx006,
  nnc001, nnc002, nnc003, nnc004, nnc005, nnc006, nnc007, nnc008,
  cns001, cns002, cns003, cns004, cns005,
  drf001, drf002, drf003, drf004,
  scn001, scn002, scn003, scn004,
];

const BY_ID = new Map(RULES.map((r) => [r.meta.id, r]));

export function ruleMeta(id: string): RuleMeta | undefined {
  return BY_ID.get(id)?.meta;
}

export function isRuleId(id: string): boolean {
  return BY_ID.has(id);
}
