import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { CoreError } from "./core/errors";
import { ulid } from "./lib/ids";
import { adminRouter } from "./routes/admin/router";
import type { AppEnv } from "./routes/context";
import { logUnexpected } from "./routes/factory";
import { registerMeta } from "./routes/meta";
import { BASE } from "./routes/upcloud/common";
import { generalFailure, renderProblem } from "./routes/upcloud/problem";
import { upcloudRouter } from "./routes/upcloud/router";

const requestIds = createMiddleware<AppEnv>(async (c, next) => {
  c.set("requestId", ulid());
  await next();
  c.header("X-Request-Id", c.get("requestId"));
});

/**
 * The app of a JSON dialect the front door hands requests to directly (by path or by its
 * authentication scheme): its routers at their mounts, and that dialect's own 404 for everything
 * else, so no request under it ever answers another vendor's body.
 */
export function dialectApp(
  mounts: [path: string, router: OpenAPIHono<AppEnv>][],
  notFound: (c: Context<AppEnv>) => Response,
  unexpected: (c: Context<AppEnv>) => Response,
) {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestIds);
  for (const [path, router] of mounts) app.route(path, router);
  app.notFound(notFound);
  app.onError((err, c) => {
    logUnexpected(c, err);
    return unexpected(c);
  });
  return app;
}

export function buildApp() {
  const app = new OpenAPIHono<AppEnv>();
  app.use("*", requestIds);

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
