import { reconcileLifecycles } from "./core/reconcile";
import { handleFetch } from "./front";
import { consumeBatch } from "./queue/consumer";

export { ServiceLifecycle } from "./durable/service-lifecycle";
export { UsageMeter } from "./durable/usage-meter";

export default {
  // Every request goes through the front door's routing table (src/front.ts).
  fetch: handleFetch,
  async queue(batch, env) {
    await consumeBatch(batch, env);
  },
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(reconcileLifecycles(env));
  },
} satisfies ExportedHandler<Env>;
