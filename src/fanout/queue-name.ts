// The job queue's name rules, apart from the queue client so the CLI can check --queue without loading
// the Storage SDK.
import { UsageError } from "../errors.js";

export const DEFAULT_QUEUE = "audit-jobs";

const QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,56}$/;

/** `what` names where the name came from (an option, an app setting). */
export function checkQueueName(name: string, what = "queue name"): string {
  // 63 is the service's limit; keep room for "-poison".
  if (!QUEUE_NAME.test(name)) throw new UsageError(`${what} must be 3-56 lowercase letters, digits and single hyphens, not ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}
