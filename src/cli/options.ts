// Option parsers that turn bad values into one-line usage errors naming the option.
import { InvalidArgumentError } from "commander";
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

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}
