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

export const API_INFO = {
  title: "Stowage API",
  version: "0.1.0",
  description:
    "Managed object storage on Cloudflare Workers. This document covers the UpCloud-style control plane under /1.3/object-storage-2 and the operator API under /admin/v1.",
};

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

  app.use("*", async (c, next) => {
    c.set("requestId", ulid());
    await next();
    c.header("X-Request-Id", c.get("requestId"));
  });

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
