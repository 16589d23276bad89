import type { z } from "zod";
import { bucketPurgeHandler } from "../core/buckets/queue";
import { jobQueueHandlers } from "../core/jobs/queue";

/** A kind of background work carried on the JOBS queue. `run` must be idempotent: messages can be redelivered. */
export interface QueueHandler<S extends z.ZodType = z.ZodType> {
  schema: S;
  run(body: z.infer<S>, env: Env): Promise<void>;
}

/** Every message kind the consumer knows, by its `kind` field. Add one line per kind. */
export const queueHandlers: Record<string, QueueHandler> = {
  "job-configure": jobQueueHandlers.configure,
  "job-list": jobQueueHandlers.list,
  "job-copy": jobQueueHandlers.copy,
  "bucket-purge": bucketPurgeHandler,
};
