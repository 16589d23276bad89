/**
 * The composition root: what the core declares and a dialect provides, wired once. The job engine
 * (src/core/jobs) serves requests for this deployment's own endpoint hosts through the S3 data plane
 * in-process; the core only knows the `LocalS3` interface, never src/routes.
 */
import { config } from "./config";
import type { LocalS3 } from "./core/jobs/transport";
import type { QueueDeps } from "./core/queue-handler";
import { handleS3 } from "./routes/s3";
import { parseEndpointHost, serviceByLabel } from "./core/endpoints";
import { s3Target } from "./routes/s3/dispatch";

export const localS3: LocalS3 = {
  async service(env, url) {
    const endpoint = parseEndpointHost(url.hostname, config(env).BASE_DOMAIN);
    if (!endpoint || endpoint.kind !== "api" || endpoint.bucket !== null) return null;
    const service = await serviceByLabel(env, endpoint.label);
    return service ? { uuid: service.uuid, accountId: service.accountId, region: service.region } : null;
  },
  async serve(request, env, ctx) {
    const url = new URL(request.url);
    if (!(await localS3.service(env, url))) return null;
    const target = await s3Target(request, env, url);
    return target ? handleS3(request, env, ctx, target) : null;
  },
};

/** Everything the JOBS consumer hands to the queue handlers. */
export const queueDeps: QueueDeps = { localS3 };
