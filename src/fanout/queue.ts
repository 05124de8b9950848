// The job queue and its `-poison` sibling (the name the Functions host moves failed messages to).
import type { TokenCredential } from "@azure/identity";
import { type QueueClient, QueueServiceClient, type StoragePipelineOptions } from "@azure/storage-queue";
import { statusCodeOf } from "../errors.js";
import { checkQueueName, DEFAULT_QUEUE } from "./queue-name.js";

export { checkQueueName, DEFAULT_QUEUE };

/** As host.json `extensions.queues.maxDequeueCount`: after this many tries a message is poison. */
export const MAX_DEQUEUE_COUNT = 5;

export interface ReceivedJob {
  messageId: string;
  popReceipt: string;
  text: string;
  dequeueCount: number;
  poison: boolean;
}

const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 5_000 }, userAgentOptions: { userAgentPrefix: "aks-fleet-auditor" } };

/**
 * How long one queue call (its retries included) may go unanswered. The SDK waits forever by default
 * (its tryTimeoutInMs is only a server-side hint), so a hung endpoint would hold a timer or job until
 * the host kills it.
 */
export const QUEUE_CALL_TIMEOUT_MS = 60_000;

export class JobQueue {
  readonly jobs: QueueClient;
  readonly poison: QueueClient;
  private created = false;

  constructor(
    service: QueueServiceClient,
    readonly name: string = DEFAULT_QUEUE,
    private readonly callTimeoutMs = QUEUE_CALL_TIMEOUT_MS,
  ) {
    checkQueueName(name);
    this.jobs = service.getQueueClient(name);
    this.poison = service.getQueueClient(`${name}-poison`);
  }

  static fromConnectionString(connectionString: string, name?: string, callTimeoutMs?: number): JobQueue {
    return new JobQueue(QueueServiceClient.fromConnectionString(connectionString, PIPELINE), name, callTimeoutMs);
  }

  /** Identity-based (AzureWebJobsStorage__queueServiceUri + a managed identity). */
  static fromServiceUri(uri: string, credential: TokenCredential, name?: string): JobQueue {
    return new JobQueue(new QueueServiceClient(uri, credential, PIPELINE), name);
  }

  async init(): Promise<void> {
    if (this.created) return;
    await this.call("creating the queues", (o) => Promise.all([this.jobs.createIfNotExists(o), this.poison.createIfNotExists(o)]));
    this.created = true;
  }

  /** `ttlS`: the message expires unread after this long (the queue's default is 7 days). */
  async send(text: string, ttlS?: number): Promise<void> {
    await this.init();
    await this.call("sending a job", (o) => this.jobs.sendMessage(text, ttlS === undefined ? o : { ...o, messageTimeToLive: Math.max(1, Math.ceil(ttlS)) }));
  }

  /** Up to `max` messages, poison queue last; each stays invisible to others for `visibilityS`. */
  async receive(max: number, visibilityS: number): Promise<ReceivedJob[]> {
    await this.init();
    const out: ReceivedJob[] = [];
    for (const [client, poison] of [[this.jobs, false], [this.poison, true]] as const) {
      const want = Math.min(32, max - out.length);
      if (want <= 0) break;
      const r = await this.call("receiving jobs", (o) => client.receiveMessages({ ...o, numberOfMessages: want, visibilityTimeout: visibilityS }));
      for (const m of r.receivedMessageItems) out.push({ messageId: m.messageId, popReceipt: m.popReceipt, text: m.messageText, dequeueCount: m.dequeueCount, poison });
    }
    return out;
  }

  /**
   * Done too when the message is gone (404): its TTL can end while a job is scanned, and then it is
   * handled, not failed, so nothing must retry it.
   */
  async delete(m: ReceivedJob): Promise<void> {
    try {
      await this.call("deleting a job", (o) => (m.poison ? this.poison : this.jobs).deleteMessage(m.messageId, m.popReceipt, o));
    } catch (e) {
      if (statusCodeOf(e) !== 404) throw e;
    }
  }

  /** Makes a failed message visible again after `delayS` (a backoff), instead of the full timeout. */
  async retryLater(m: ReceivedJob, delayS: number): Promise<void> {
    await this.call("delaying a job", (o) => (m.poison ? this.poison : this.jobs).updateMessage(m.messageId, m.popReceipt, undefined, delayS, o));
  }

  /** Messages left in both queues, invisible (in flight elsewhere) ones included. */
  async backlog(): Promise<number> {
    await this.init();
    const [a, b] = await this.call("counting jobs", (o) => Promise.all([this.jobs.getProperties(o), this.poison.getProperties(o)]));
    return (a.approximateMessagesCount ?? 0) + (b.approximateMessagesCount ?? 0);
  }

  /** One call with the queue's timeout; a timeout says so, naming the queue and the step. */
  private async call<T>(what: string, fn: (o: { abortSignal: AbortSignal }) => Promise<T>): Promise<T> {
    const abortSignal = AbortSignal.timeout(this.callTimeoutMs);
    try {
      return await fn({ abortSignal });
    } catch (e) {
      if (abortSignal.aborted) throw new Error(`queue ${this.name}: ${what}: no answer within ${this.callTimeoutMs / 1000} s`);
      throw e;
    }
  }
}
