// History retention in days, for the CLI's `prune` and the Functions app's daily retention timer. At least a week:
// the exhaustion forecast (IPX004) fits the last 7 days of evaluations.
import { UsageError } from "../errors.js";

export const MIN_RETENTION_DAYS = 7;
export const MAX_RETENTION_DAYS = 36_500;

/** Days from text; a bad value is a UsageError naming `what` (an option or app setting). */
export function parseRetentionDays(value: string, what: string): number {
  const v = value.trim();
  if (!/^\d{1,6}$/.test(v) || Number(v) < MIN_RETENTION_DAYS || Number(v) > MAX_RETENTION_DAYS) {
    throw new UsageError(`${what} must be a whole number of days from ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}, not ${JSON.stringify(v.slice(0, 40))}`);
  }
  return Number(v);
}

/** Rounds that started before this are pruned when `days` of history are kept. */
export function retentionCutoff(days: number, now: Date): Date {
  return new Date(now.getTime() - days * 86_400_000);
}
