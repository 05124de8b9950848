// The job queue's name rules, apart from the queue client so the CLI can check --queue without loading
// the Storage SDK.

export const DEFAULT_QUEUE = "audit-jobs";

const QUEUE_NAME = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,56}$/;

export function checkQueueName(name: string): string {
  // 63 is the service's limit; keep room for "-poison".
  if (!QUEUE_NAME.test(name)) throw new TypeError(`queue name ${JSON.stringify(name.slice(0, 80))} must be 3-56 lowercase letters, digits and single hyphens`);
  return name;
}
