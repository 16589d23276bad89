// Delivering JOBS queue messages through the real consumer, wired as the Worker entry wires it.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { queueDeps } from "../../src/compose";
import { consumeBatch } from "../../src/queue/consumer";

type Message = Parameters<typeof createMessageBatch>[1][number];

/** Runs these messages as one batch through the consumer; answers what it acknowledged and retried. */
export async function consume(messages: Message[]) {
  const batch = createMessageBatch("stowage-jobs", messages);
  const ctx = createExecutionContext();
  await consumeBatch(batch, env, queueDeps);
  return getQueueResult(batch, ctx);
}

let seq = 0;

/** Delivers message bodies as one batch (each `attempts` deliveries old); answers the ids the consumer asked to retry. */
export async function deliver(bodies: unknown[], attempts = 1): Promise<string[]> {
  const result = await consume(bodies.map((body) => ({ id: `m${seq++}`, timestamp: new Date(), attempts, body })));
  return result.retryMessages.map((m: { msgId: string }) => m.msgId);
}
