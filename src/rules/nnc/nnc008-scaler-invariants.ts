import { clampScaler, isDynamicNnc } from "../../analysis/scaler.js";
import { resource } from "../../model/finding.js";
import { clustersWithData } from "../context.js";
import { defineRule } from "../rule.js";

export default defineRule(
  {
    id: "NNC008",
    title: "Scaler invariants broken",
    family: "NNC",
    severity: "info",
    description: "A dynamic-mode NNC requests a count CNS's scaler would not: not a multiple of scaler.batchSize below the cap (batch 1 while subnet scarcity is on and a ClusterSubnetState is exhausted), or above scaler.maxIPCount (scaler clamped as CNS does).",
    remediation: "Usually transient during a scale step; if it persists, compare cns-config (EnableIPAMv2, scarcity) and the CNS version with the rest of the fleet and restart the node's azure-cns pod.",
    reference: "DOMAIN.md §2 (dynamic)",
  },
  function* (ctx) {
    for (const c of clustersWithData(ctx)) {
      const s = c.snapshot;
      // With subnet scarcity on and a ClusterSubnetState exhausted, CNS scales by 1, not by scaler.batchSize (DOMAIN.md §2).
      const scarce = s.cns.config?.EnableSubnetScarcity === true && (s.subnetStates ?? []).some((css) => css.exhausted);
      for (const nnc of s.nncs) {
        if (!nnc.scaler || !isDynamicNnc(nnc)) continue;
        const clamped = clampScaler(nnc.scaler);
        const { maxIPCount } = clamped;
        const batchSize = scarce ? 1 : clamped.batchSize;
        const r = nnc.requestedIPCount;
        let why: string | undefined;
        if (r > maxIPCount) why = `above the scaler's maxIPCount ${maxIPCount}`;
        else if (r < maxIPCount && r % batchSize !== 0) why = `not a multiple of the batch size ${batchSize} (below the cap ${maxIPCount})`;
        if (!why) continue;
        yield {
          severity: "info",
          cluster: c.name,
          resource: resource("nnc", nnc.name),
          message: `NNC ${nnc.name} requests ${r} IPs, ${why}: the scaler on that node is not behaving as CNS's scaler would.`,
          data: { requested: r, batchSize, maxIPCount },
        };
      }
    }
  },
  (v) => (v.snapshot.nncs.some(isDynamicNnc) ? true : "no dynamic-mode NNCs"),
);
