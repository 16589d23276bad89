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

export const API_INFO = {
  title: "Stowage API",
  version: "0.1.0",
  description:
    "Managed object storage on Cloudflare Workers. This document covers the UpCloud-style control plane under /1.3/object-storage-2 and the operator API under /admin/v1.",
};

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
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "Account API token (ucat_…)",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "basicAuth", {
    type: "http",
    scheme: "basic",
    description: "Account name and password",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "Operator ADMIN_TOKEN",
  });

  app.use("*", requestIds);

  app.route(BASE, upcloudRouter());
  app.route("/admin/v1", adminRouter());

  const document = () => app.getOpenAPI31Document({ openapi: "3.1.0", info: API_INFO });
  registerMeta(app, document);

  app.notFound((c) => renderProblem(c, new CoreError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)));
  app.onError((err, c) => {
    logUnexpected(c, err);
    return generalFailure(c);
  });
  return app;
}
