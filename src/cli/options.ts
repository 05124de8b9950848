// Option parsers that turn bad values into one-line usage errors naming the option.
import { type Command, InvalidArgumentError } from "commander";
import { UsageError } from "../errors.js";
import { isSeverity, type Severity } from "../model/finding.js";

export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return Number(v);
  };
}

export function severityArg(v: string): Severity {
  if (!isSeverity(v)) throw new InvalidArgumentError("must be one of info, warning, critical");
  return v;
}

/**
 * FLEET_AUDIT_ALERT_MIN_SEVERITY, as the Functions app reads it: the least severity announced (undefined:
 * the default, warning). `scan` (without --alert-min-severity) and `worker` share it.
 */
export function alertMinSeverityFromEnv(env: NodeJS.ProcessEnv): Severity | undefined {
  const min = env.FLEET_AUDIT_ALERT_MIN_SEVERITY?.trim();
  if (!min) return undefined;
  if (!isSeverity(min)) throw new UsageError("FLEET_AUDIT_ALERT_MIN_SEVERITY must be info, warning or critical");
  return min;
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** `--cns-metrics`: a pod count per cluster (0 = off) or `all`. */
export function cnsMetricsArg(v: string): number | "all" {
  if (v === "all") return "all";
  if (!/^\d{1,6}$/.test(v)) throw new InvalidArgumentError("must be a number of pods per cluster (0 = off) or all");
  return Number(v);
}

/**
 * Refuses options given on the command line that the chosen mode would ignore (`scan --enqueue
 * --fail-on critical`): an option that does nothing is a silent surprise. `keys` are commander's
 * camel-case names; `why` finishes "… does not apply …".
 */
export function refuseOptions(cmd: Command, keys: readonly string[], why: string): void {
  const given = keys.filter((k) => cmd.getOptionValueSource(k) === "cli").map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (given.length > 0) throw new UsageError(`${given.join(", ")} ${given.length === 1 ? "does" : "do"} not apply ${why}`);
}
