import { buildApp } from "./app";

export { ServiceLifecycle } from "./durable/service-lifecycle";

const app = buildApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
