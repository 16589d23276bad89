import { Scalar } from "@scalar/hono-api-reference";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { combinedDocument, DOCUMENTS, dialectDocument, type OpenAPIDocument } from "./documents";
/**
 * The Scalar script, copied from @scalar/api-reference by scripts/vendor-assets.mjs (npm install)
 * and bundled as a text module. Imported on first use: Node scripts that build the app for its
 * OpenAPI document (scripts/openapi.ts) cannot load a .txt module and never serve it.
 */
let scalarScript: Promise<string> | null = null;
const loadScript = () => (scalarScript ??= import("../vendor/scalar.txt").then((m) => m.default));

export const DOCS_SCRIPT_PATH = "/docs/scalar.js";

/** Built once per isolate: the routes do not change while it runs. */
const cache = new Map<string, OpenAPIDocument>();
const cached = (key: string, build: () => OpenAPIDocument) => {
  let doc = cache.get(key);
  if (!doc) cache.set(key, (doc = build()));
  return doc;
};

/** Hides links to scalar.com, its GitHub and Discord (the page's only remaining ways off this Worker). */
const OFFLINE_CSS = `a[href^="https://www.scalar.com"], a[href^="https://scalar.com"], a[href^="https://github.com/scalar"], a[href^="https://discord.gg"] { display: none !important; }`;

/**
 * /docs shows nothing that needs the network (issue 13, item 9). Scalar's online-only parts and the
 * settings that turn them off:
 * - `withDefaultFonts: false`: the Inter and mono fonts come from fonts.scalar.com; system fonts instead.
 * - `proxyUrl: ""`: "Test Request" would send requests (with their credentials) through
 *   proxy.scalar.com on non-localhost hosts; the documents' paths are on this origin, so the browser
 *   calls the Worker directly.
 * - `agent.disabled`: the "Ask AI" agent (on localhost by default) talks to Scalar's servers.
 * - `showDeveloperTools: "never"`: the localhost toolbar offers "Deploy" to registry.scalar.com.
 * - `telemetry: false`; `OFFLINE_CSS` hides the "Powered by Scalar" and other outbound links.
 * The download button, search, the request client and the document switcher all work offline.
 */
export function docsConfiguration() {
  return {
    pageTitle: "Stowage API reference",
    cdn: DOCS_SCRIPT_PATH,
    sources: DOCUMENTS.map((d, i) => ({
      title: d.info.title,
      slug: d.id,
      url: `/openapi/${d.id}.json`,
      default: i === 0,
      agent: { disabled: true },
    })),
    withDefaultFonts: false,
    proxyUrl: "",
    agent: { disabled: true },
    showDeveloperTools: "never" as const,
    telemetry: false,
    customCss: OFFLINE_CSS,
  };
}

/** /healthz, the OpenAPI documents, and /docs: the interactive reference with its script bundled into this Worker (no CDN, no assets binding). */
export function registerMeta(app: OpenAPIHono<AppEnv>) {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/openapi.json", (c) => c.json(cached("", combinedDocument)));
  for (const d of DOCUMENTS) app.get(`/openapi/${d.id}.json`, (c) => c.json(cached(d.id, () => dialectDocument(d))));
  app.get("/docs", Scalar(docsConfiguration()));
  app.get(DOCS_SCRIPT_PATH, async (c) => {
    const script = await loadScript();
    return c.body(script, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=86400",
      ETag: `"scalar-${script.length}"`,
    });
  });
}
