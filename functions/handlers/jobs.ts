// Queue handlers: one message = one cluster of one round. A throw makes the host retry (up to
// host.json maxDequeueCount), after which the message lands on the -poison queue and `auditPoison`
// records it as that cluster's failed scan.
import type { InvocationContext } from "@azure/functions";
import type { JobOutcome, MessageMeta } from "../../src/fanout/index.js";
import { jobDeps } from "../deps.js";

function meta(ctx: InvocationContext, queue: string): MessageMeta {
  const m = ctx.triggerMetadata ?? {};
  const out: MessageMeta = { queue };
  if (typeof m.id === "string") out.messageId = m.id;
  if (typeof m.dequeueCount === "number") out.dequeueCount = m.dequeueCount;
  return out;
}

export async function auditCluster(message: unknown, ctx: InvocationContext): Promise<JobOutcome> {
  const [deps, { handleJob }] = await Promise.all([jobDeps(ctx), import("../../src/fanout/index.js")]);
  return handleJob(message, meta(ctx, deps.queue.name), deps);
}

export async function auditPoison(message: unknown, ctx: InvocationContext): Promise<JobOutcome> {
  const [deps, { handlePoison }] = await Promise.all([jobDeps(ctx), import("../../src/fanout/index.js")]);
  return handlePoison(message, meta(ctx, deps.queue.poison.name), deps);
}
