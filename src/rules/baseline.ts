// The fleet baseline the DRF rules compare with: the policy's values, else what most of the fleet runs.
// cns_config.json values are compared among clusters of the same IPAM mode, because some keys differ
// by design between modes (CNIConflistScenario is v4overlay on overlay, swift on pod subnet).
import { compareVersions, sameVersion } from "../analysis/cns.js";
import type { IpamMode } from "../model/snapshot.js";
import { type FleetContext, fleetWithData, requireFleet } from "./context.js";

export type ConfigValue = string | number | boolean;

export interface BaselineValue<T> {
  value: T;
  source: "policy" | "fleet";
  /** For fleet values: how many clusters hold it, of how many with a value. */
  holders?: number;
  of?: number;
}

export interface FleetBaseline {
  cnsVersion?: BaselineValue<string>;
  minCnsVersion?: string;
  /** Per IPAM mode ("unknown" for clusters without NCs), watched key → expected value (undefined: the key is expected absent). */
  cnsConfig: Map<IpamMode | "unknown", Map<string, BaselineValue<ConfigValue | undefined>>>;
  /** Keys where the fleet is split evenly and no policy value decides: nothing is flagged for them. */
  ambiguous: string[];
}

/** Most common value; ties are broken by `tiebreak`, or left undecided without one. */
function mostCommon<T>(values: readonly T[], key: (v: T) => string, tiebreak?: (a: T, b: T) => number): { value: T; holders: number } | undefined {
  const counts = new Map<string, { value: T; n: number }>();
  for (const v of values) {
    const k = key(v);
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { value: v, n: 1 });
  }
  const sorted = [...counts.values()].sort((a, b) => b.n - a.n);
  const top = sorted[0];
  if (!top) return undefined;
  const tied = sorted.filter((c) => c.n === top.n);
  if (tied.length === 1) return { value: top.value, holders: top.n };
  if (!tiebreak) return undefined;
  tied.sort((a, b) => tiebreak(a.value, b.value));
  return { value: tied[0]!.value, holders: top.n };
}

export function fleetBaseline(ctx: FleetContext): FleetBaseline {
  requireFleet(ctx, "the fleet baseline");
  return ctx.memo("fleet-baseline", () => {
    const policy = ctx.policy.baseline ?? {};
    const clusters = [...fleetWithData(ctx)].filter((c) => c.cnsManaged);
    const out: FleetBaseline = { cnsConfig: new Map(), ambiguous: [] };
    if (policy.minCnsVersion) out.minCnsVersion = policy.minCnsVersion;

    const versions = clusters.map((c) => c.cnsVersion).filter((v): v is string => v !== undefined);
    if (policy.cnsVersion) out.cnsVersion = { value: policy.cnsVersion, source: "policy" };
    else {
      // A tie goes to the newest version: a rollout in progress is heading there.
      const top = mostCommon(versions, (v) => v.replace(/^v/, ""), (a, b) => compareVersions(b, a));
      if (top) out.cnsVersion = { value: top.value, source: "fleet", holders: versions.filter((v) => sameVersion(v, top.value)).length, of: versions.length };
    }

    const byMode = new Map<IpamMode | "unknown", Array<Record<string, ConfigValue>>>();
    for (const c of clusters) {
      if (!c.cnsConfig) continue;
      const mode = c.mode ?? "unknown";
      byMode.set(mode, [...(byMode.get(mode) ?? []), c.cnsConfig]);
    }
    const ambiguous = new Set<string>();
    for (const [mode, configs] of byMode) {
      const expected = new Map<string, BaselineValue<ConfigValue | undefined>>();
      const keys = new Set([...configs.flatMap((c) => Object.keys(c)), ...Object.keys(policy.cnsConfig ?? {})]);
      for (const key of [...keys].sort()) {
        const configured = policy.cnsConfig?.[key];
        if (configured !== undefined) {
          expected.set(key, { value: configured, source: "policy" });
          continue;
        }
        // A key absent from a cluster's file counts as its own value ("absent"), so a key only some set is still compared.
        const values = configs.map((c) => (key in c ? c[key]! : undefined));
        const top = mostCommon(values, (v) => (v === undefined ? "\u0000absent" : JSON.stringify(v)));
        if (!top) {
          ambiguous.add(`${key} (${mode})`);
          continue;
        }
        // "Absent" is a baseline too: a minority that sets the key (EnableAPIServerHealthPing: true) is drift.
        expected.set(key, { value: top.value, source: "fleet", holders: top.holders, of: configs.length });
      }
      out.cnsConfig.set(mode, expected);
    }
    out.ambiguous = [...ambiguous].sort();
    return out;
  });
}
