import { Scalar } from "@scalar/hono-api-reference";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
// Copied from @scalar/api-reference by scripts/vendor-assets.mjs (npm install); bundled as text.
import scalarScript from "../vendor/scalar.txt";

export const DOCS_SCRIPT_PATH = "/docs/scalar.js";

const SCRIPT_ETAG = `"scalar-${scalarScript.length}"`;

/** /docs: the interactive reference, with its script bundled into this Worker (no CDN, no assets binding). */
export function registerMeta(app: OpenAPIHono<AppEnv>, document: () => unknown) {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", Scalar({ url: "/openapi.json", cdn: DOCS_SCRIPT_PATH, pageTitle: "Stowage API reference" }));
  app.get(DOCS_SCRIPT_PATH, (c) =>
    c.body(scalarScript, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=86400", ETag: SCRIPT_ETAG }),
  );
}
