// Queue handlers: one message = one cluster of one round. A throw makes the host retry (up to
// host.json maxDequeueCount), after which the message lands on the -poison queue and `auditPoison`
// records it as that cluster's failed scan.
//
// The handlers resolve to nothing: @azure/functions sends a non-HTTP trigger's return value to the host
// even without an output binding, and a job's outcome can carry the round's whole evaluation.
import type { InvocationContext } from "@azure/functions";
import type { MessageMeta } from "../../src/fanout/index.js";
import { jobDeps } from "../deps.js";

function meta(ctx: InvocationContext, queue: string): MessageMeta {
  const m = ctx.triggerMetadata ?? {};
  const out: MessageMeta = { queue };
  if (typeof m.id === "string") out.messageId = m.id;
  if (typeof m.dequeueCount === "number") out.dequeueCount = m.dequeueCount;
  return out;
}

export async function auditCluster(message: unknown, ctx: InvocationContext): Promise<void> {
  const [deps, { handleJob }] = await Promise.all([jobDeps(ctx), import("../../src/fanout/index.js")]);
  await handleJob(message, meta(ctx, deps.queue.name), deps);
}

export async function auditPoison(message: unknown, ctx: InvocationContext): Promise<void> {
  const [deps, { handlePoison, MAX_DEQUEUE_COUNT }] = await Promise.all([jobDeps(ctx), import("../../src/fanout/index.js")]);
  // The host tried the job host.json's maxDequeueCount times; this copy's dequeue count starts over.
  await handlePoison(message, { ...meta(ctx, deps.queue.poison.name), tries: MAX_DEQUEUE_COUNT }, deps);
}
