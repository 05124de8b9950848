// The job queue and its `-poison` sibling (the name the Functions host moves failed messages to).
import type { TokenCredential } from "@azure/identity";
import { type QueueClient, QueueServiceClient, type StoragePipelineOptions } from "@azure/storage-queue";
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

export class JobQueue {
  readonly jobs: QueueClient;
  readonly poison: QueueClient;
  private created = false;

  constructor(service: QueueServiceClient, readonly name: string = DEFAULT_QUEUE) {
    checkQueueName(name);
    this.jobs = service.getQueueClient(name);
    this.poison = service.getQueueClient(`${name}-poison`);
  }

  static fromConnectionString(connectionString: string, name?: string): JobQueue {
    return new JobQueue(QueueServiceClient.fromConnectionString(connectionString, PIPELINE), name);
  }

  /** Identity-based (AzureWebJobsStorage__queueServiceUri + a managed identity). */
  static fromServiceUri(uri: string, credential: TokenCredential, name?: string): JobQueue {
    return new JobQueue(new QueueServiceClient(uri, credential, PIPELINE), name);
  }

  async init(): Promise<void> {
    if (this.created) return;
    await Promise.all([this.jobs.createIfNotExists(), this.poison.createIfNotExists()]);
    this.created = true;
  }

  async send(text: string): Promise<void> {
    await this.init();
    await this.jobs.sendMessage(text);
  }

  /** Up to `max` messages, poison queue last; each stays invisible to others for `visibilityS`. */
  async receive(max: number, visibilityS: number): Promise<ReceivedJob[]> {
    await this.init();
    const out: ReceivedJob[] = [];
    for (const [client, poison] of [[this.jobs, false], [this.poison, true]] as const) {
      const want = Math.min(32, max - out.length);
      if (want <= 0) break;
      const r = await client.receiveMessages({ numberOfMessages: want, visibilityTimeout: visibilityS });
      for (const m of r.receivedMessageItems) out.push({ messageId: m.messageId, popReceipt: m.popReceipt, text: m.messageText, dequeueCount: m.dequeueCount, poison });
    }
    return out;
  }

  async delete(m: ReceivedJob): Promise<void> {
    await (m.poison ? this.poison : this.jobs).deleteMessage(m.messageId, m.popReceipt);
  }

  /** Makes a failed message visible again after `delayS` (a backoff), instead of the full timeout. */
  async retryLater(m: ReceivedJob, delayS: number): Promise<void> {
    await (m.poison ? this.poison : this.jobs).updateMessage(m.messageId, m.popReceipt, undefined, delayS);
  }

  /** Messages left in both queues, invisible (in flight elsewhere) ones included. */
  async backlog(): Promise<number> {
    await this.init();
    const [a, b] = await Promise.all([this.jobs.getProperties(), this.poison.getProperties()]);
    return (a.approximateMessagesCount ?? 0) + (b.approximateMessagesCount ?? 0);
  }
}
