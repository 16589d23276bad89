import { buildApp } from "./app";
import { reconcileLifecycles } from "./core/reconcile";
import { handleS3 } from "./routes/s3";
import { s3Target } from "./routes/s3/dispatch";

export { ServiceLifecycle } from "./durable/service-lifecycle";
export { UsageMeter } from "./durable/usage-meter";

const app = buildApp();

export default {
  // S3 requests (by Host or by S3 authentication, design §4) before the control-plane routes.
  async fetch(request, env, ctx) {
    const target = await s3Target(request, env, new URL(request.url));
    if (target) return handleS3(request, env, ctx, target);
    return app.fetch(request, env, ctx);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(reconcileLifecycles(env));
  },
} satisfies ExportedHandler<Env>;
