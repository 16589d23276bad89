/**
 * The contract between background work in the core and the JOBS queue consumer (src/queue): a leaf,
 * so handlers (core/jobs, core/buckets) and the consumer's table both import it and not each other.
 */
import type { z } from "zod";
import type { LocalS3 } from "./jobs/transport";

/** What background work needs from the rest of the Worker; the composition root (src/compose.ts) supplies it. */
export interface QueueDeps {
  /** This deployment's S3 data plane, served in-process to migration jobs. */
  localS3: LocalS3;
}

/** A kind of background work carried on the JOBS queue. `run` must be idempotent: messages can be redelivered. */
export interface QueueHandler<S extends z.ZodType = z.ZodType> {
  schema: S;
  run(body: z.infer<S>, env: Env, deps: QueueDeps): Promise<void>;
}
