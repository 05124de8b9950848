import { resource, type RuleResult } from "../../model/finding.js";
import { fleetBaseline } from "../baseline.js";
import { fleetWithData } from "../context.js";
import { defineRule } from "../rule.js";

const show = (v: unknown): string => (v === undefined ? "absent" : JSON.stringify(v));

export default defineRule(
  {
    id: "DRF002",
    title: "cns_config.json differs from the baseline",
    family: "DRF",
    severity: "warning",
    description: "A watched key of the cns-config ConfigMap (ChannelMode, EnableSubnetScarcity, EnableIPAMv2, InitializeFromCNI, ManageEndpointState, ...) differs from the policy's baseline.cnsConfig, else from the most common value among clusters of the same IPAM mode.",
    remediation: "cns-config is managed by AKS: a differing value usually means a preview feature or a manual edit that the add-on manager will revert; confirm it is intended, or record the expected value in the policy's baseline.",
    reference: "DOMAIN.md §4",
    scope: "fleet",
  },
  function* (ctx): Generator<RuleResult> {
    const base = fleetBaseline(ctx);
    for (const c of fleetWithData(ctx)) {
      const config = c.cnsConfig;
      if (!c.cnsManaged || !config) continue;
      const expected = base.cnsConfig.get(c.mode ?? "unknown");
      if (!expected) continue;
      const diffs: Array<[string, string, string, string]> = [];
      for (const [key, b] of expected) {
        if (config[key] === b.value) continue;
        diffs.push([key, show(config[key]), show(b.value), b.source === "policy" ? "policy" : `fleet ${b.holders}/${b.of}`]);
      }
      if (diffs.length === 0) continue;
      yield {
        severity: "warning",
        cluster: c.name,
        resource: resource("cluster", c.name),
        message: `cns_config.json differs from the baseline in ${diffs.length} key(s): ${diffs.map(([k, a, e, src]) => `${k} ${a} (expected ${e}, ${src})`).join("; ")}.`,
        data: Object.fromEntries(diffs.map(([k, a, e]) => [k, `${a} → ${e}`])),
      };
    }
  },
  (v) => (v.snapshot.cns.config ? true : "cns-config not read"),
);
