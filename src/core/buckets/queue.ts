/** The `bucket-purge` message kind of the JOBS queue: one turn of a deleted bucket's purge per delivery. */
import { z } from "zod";
import type { QueueHandler } from "../queue-handler";
import { DEFAULT_PURGE_PAGES, purgeBucket } from "./purge";

const BucketPurgeMessage = z.object({
  kind: z.literal("bucket-purge"),
  service_uuid: z.string().min(1),
  bucket: z.string().min(1),
});
export type BucketPurgeMessageT = z.infer<typeof BucketPurgeMessage>;

export const purgeMessage = (serviceUuid: string, bucket: string): BucketPurgeMessageT => ({
  kind: "bucket-purge",
  service_uuid: serviceUuid,
  bucket,
});

/**
 * Runs one bounded turn and, while work remains, sends the message again (at once, or after the
 * lease of a run that holds it expires). A delivery that finds nothing to purge just ends, so
 * redeliveries and duplicates are harmless.
 */
export async function runBucketPurge(body: BucketPurgeMessageT, env: Env, pages = DEFAULT_PURGE_PAGES): Promise<void> {
  const r = await purgeBucket(env, body.service_uuid, body.bucket, { pages });
  if (r.state === "more") await env.JOBS.send(purgeMessage(body.service_uuid, body.bucket));
  else if (r.state === "busy") await env.JOBS.send(purgeMessage(body.service_uuid, body.bucket), { delaySeconds: r.retryAfterSeconds });
}

export const bucketPurgeHandler = { schema: BucketPurgeMessage, run: (body, env) => runBucketPurge(body, env) } satisfies QueueHandler<
  typeof BucketPurgeMessage
>;
