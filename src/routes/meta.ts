import { Scalar } from "@scalar/hono-api-reference";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
/**
 * The Scalar script, copied from @scalar/api-reference by scripts/vendor-assets.mjs (npm install)
 * and bundled as a text module. Imported on first use: Node scripts that build the app for its
 * OpenAPI document (scripts/openapi.ts) cannot load a .txt module and never serve it.
 */
let scalarScript: Promise<string> | null = null;
const loadScript = () => (scalarScript ??= import("../vendor/scalar.txt").then((m) => m.default));

export const DOCS_SCRIPT_PATH = "/docs/scalar.js";

/** /docs: the interactive reference, with its script bundled into this Worker (no CDN, no assets binding). */
export function registerMeta(app: OpenAPIHono<AppEnv>, document: () => unknown) {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/openapi.json", (c) => c.json(document()));
  app.get("/docs", Scalar({ url: "/openapi.json", cdn: DOCS_SCRIPT_PATH, pageTitle: "Stowage API reference" }));
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const script = await loadScript();
    return c.body(script, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=86400",
      ETag: `"scalar-${script.length}"`,
    });
  });
}
