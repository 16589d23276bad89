import { buildApp } from "./app";
import { reconcileLifecycles } from "./core/reconcile";

export { ServiceLifecycle } from "./durable/service-lifecycle";

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(reconcileLifecycles(env));
  },
} satisfies ExportedHandler<Env>;
