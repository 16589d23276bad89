import { Scalar } from "@scalar/hono-api-reference";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

export const DOCS_SCRIPT_PATH = "/docs/scalar.js";

/** /docs: the interactive reference, with its script served from this Worker's assets (no CDN). */
export function registerMeta(app: OpenAPIHono<AppEnv>, document: () => unknown) {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", Scalar({ url: "/openapi.json", cdn: DOCS_SCRIPT_PATH, pageTitle: "Stowage API reference" }));
  app.get(DOCS_SCRIPT_PATH, (c) => c.env.ASSETS.fetch(new Request(new URL(DOCS_SCRIPT_PATH, c.req.url))));
}
