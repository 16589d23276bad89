import { buildApp } from "./app";
import { maybeServeWebsite } from "./routes/website/serve";
import { handleS3 } from "./routes/s3";
import { s3Target } from "./routes/s3/dispatch";
import { reconcileLifecycles } from "./core/reconcile";
import { consumeBatch } from "./queue/consumer";
import { queueDeps } from "./compose";
import { invalidateIsolateCaches } from "./lib/isolate-cache";

export { ServiceLifecycle } from "./durable/service-lifecycle";
export { UsageMeter } from "./durable/usage-meter";

const app = buildApp();

export default {
  // S3 requests (by Host or by S3 authentication, design §4) before the control-plane routes.
  async fetch(request, env, ctx) {
    // Static website hosts first: no S3 or control-plane route is reachable on them.
    const site = await maybeServeWebsite(request, env, ctx);
    if (site) return site;
    const target = await s3Target(request, env, new URL(request.url));
    if (target) return handleS3(request, env, ctx, target);
    const res = await app.fetch(request, env, ctx);
    // Any control-plane write may change what the data plane caches; this isolate sees it at once.
    if (request.method !== "GET" && request.method !== "HEAD") invalidateIsolateCaches();
    return res;
  },
  async queue(batch, env) {
    await consumeBatch(batch, env, queueDeps);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(reconcileLifecycles(env));
  },
} satisfies ExportedHandler<Env>;
