// Option parsers that turn bad values into one-line usage errors naming the option.
import { type Command, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../errors.js";
import { parseSeverity, type Severity } from "../model/finding.js";

/** `v` as an integer from `min` to `max`, or undefined. */
function intIn(v: string, min: number, max: number): number | undefined {
  return /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined;
}

export function intArg(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = intIn(v, min, max);
    if (n === undefined) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** The longest store deadline, as for --alert-deadline: a scan that waits longer has a store problem to fix. */
export const MAX_STORE_DEADLINE_SECONDS = 3600;

/** FLEET_AUDIT_STORE_DEADLINE_SECONDS, the scan's store deadline (undefined: the default, STORE_DEADLINE_MS). */
export function storeDeadlineFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.FLEET_AUDIT_STORE_DEADLINE_SECONDS?.trim();
  if (!v) return undefined;
  const n = intIn(v, 1, MAX_STORE_DEADLINE_SECONDS);
  if (n === undefined) throw new UsageError(`FLEET_AUDIT_STORE_DEADLINE_SECONDS must be an integer from 1 to ${MAX_STORE_DEADLINE_SECONDS} (seconds)${notValue(v)}`);
  return n;
}

/** A bad setting's value, quoted only when short and plain (a typo): another may be a secret set in the wrong variable. */
function notValue(v: string): string {
  return /^[\w.+-]{0,12}$/.test(v) ? `, not ${JSON.stringify(v)}` : "; its value is not a number of seconds (not shown: it is no short plain value)";
}

export function severityArg(v: string): Severity {
  const s = parseSeverity(v);
  if (!s) throw new InvalidArgumentError("must be one of info, warning, critical");
  return s;
}

/** An option taking one of `values` in any case (`--format JSON`), as severities are; help lists them as commander's choices do. */
export function choiceOption<T extends string>(flags: string, description: string, values: readonly T[]): Option {
  const option = new Option(flags, description).choices(values);
  return option.argParser((v: string): T => {
    const c = values.find((x) => x === v.toLowerCase());
    if (c === undefined) throw new InvalidArgumentError(`Allowed choices are ${values.join(", ")}.`);
    return c;
  });
}

/**
 * FLEET_AUDIT_ALERT_MIN_SEVERITY, as the Functions app reads it: the least severity announced (undefined:
 * the default, warning). `scan` (without --alert-min-severity) and `worker` share it.
 */
export function alertMinSeverityFromEnv(env: NodeJS.ProcessEnv): Severity | undefined {
  const min = env.FLEET_AUDIT_ALERT_MIN_SEVERITY?.trim();
  if (!min) return undefined;
  const s = parseSeverity(min);
  if (!s) throw new UsageError("FLEET_AUDIT_ALERT_MIN_SEVERITY must be info, warning or critical");
  return s;
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
