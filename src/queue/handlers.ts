import { bucketPurgeHandler } from "../core/buckets/queue";
import { jobQueueHandlers } from "../core/jobs/queue";
import type { QueueHandler } from "../core/queue-handler";

/** Every message kind the consumer knows, by its `kind` field. Add one line per kind. */
export const queueHandlers: Record<string, QueueHandler> = {
  "job-configure": jobQueueHandlers.configure,
  "job-list": jobQueueHandlers.list,
  "job-copy": jobQueueHandlers.copy,
  "bucket-purge": bucketPurgeHandler,
};
