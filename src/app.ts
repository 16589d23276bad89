import { OpenAPIHono } from "@hono/zod-openapi";
import { CoreError } from "./core/errors";
import { ulid } from "./lib/ids";
import { adminRouter } from "./routes/admin/router";
import type { AppEnv } from "./routes/context";
import { logUnexpected } from "./routes/factory";
import { registerMeta } from "./routes/meta";
import { BASE } from "./routes/upcloud/common";
import { generalFailure, renderProblem } from "./routes/upcloud/problem";
import { upcloudRouter } from "./routes/upcloud/router";

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("requestId", ulid());
    await next();
    c.header("X-Request-Id", c.get("requestId"));
  });

  app.route(BASE, upcloudRouter());
  app.route("/admin/v1", adminRouter());

  registerMeta(app);

  app.notFound((c) => renderProblem(c, new CoreError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
  app.onError((err, c) => {
    logUnexpected(c, err);
    return generalFailure(c);
  });
  return app;
}
