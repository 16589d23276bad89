import { z } from "zod";
import { retryDelaySeconds } from "../lib/backoff";
import type { QueueDeps } from "../core/queue-handler";
import { queueHandlers } from "./handlers";

const Envelope = z.object({ kind: z.string() }).loose();

export { retryDelaySeconds };

/**
 * Validates every message before acting on it. A message no handler can ever accept (unknown kind,
 * wrong shape) is logged and acknowledged: retrying it cannot help. A handler failure is retried with
 * backoff; after max_retries the queue moves it to the dead-letter queue.
 */
export async function consumeBatch(batch: MessageBatch<unknown>, env: Env, deps: QueueDeps): Promise<void> {
  for (const msg of batch.messages) {
    const env1 = Envelope.safeParse(msg.body);
    const handler = env1.success ? queueHandlers[env1.data.kind] : undefined;
    const parsed = handler?.schema.safeParse(msg.body);
    if (!handler || !parsed?.success) {
      console.error(
        JSON.stringify({
          level: "error",
          event: "queue.rejected",
          queue: batch.queue,
          id: msg.id,
          kind: env1.success ? env1.data.kind : null,
        }),
      );
      msg.ack();
      continue;
    }
    try {
      await handler.run(parsed.data, env, deps);
      msg.ack();
    } catch (e) {
      console.error(
        JSON.stringify({
          level: "error",
          event: "queue.retry",
          queue: batch.queue,
          id: msg.id,
          kind: env1.data!.kind,
          attempts: msg.attempts,
          error: e instanceof Error ? e.name : typeof e,
        }),
      );
      msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
    }
  }
}
