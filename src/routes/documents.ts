import { OpenAPIHono } from "@hono/zod-openapi";
import { adminDocument } from "./admin/document";
import type { DialectDocument } from "./document-types";
import type { AppEnv } from "./context";
import { upcloudDocument } from "./upcloud/document";

export type { DialectDocument, SecurityScheme } from "./document-types";

/** Every JSON dialect's document. A new dialect adds its line here. */
export const DOCUMENTS: readonly DialectDocument[] = [upcloudDocument, adminDocument];

/** `/openapi.json` (and the committed `openapi.json`, from which test/generated/api.d.ts is made): the UpCloud dialect and the operator API in one document, as before there were several. */
export const COMBINED = {
  ids: ["upcloud", "admin"],
  info: {
    title: "Stowage API",
    version: "0.1.0",
    description:
      "Managed object storage on Cloudflare Workers. This document covers the UpCloud-style control plane under /1.3/object-storage-2 and the operator API under /admin/v1. Each dialect also has its own document under /openapi/<dialect>.json.",
  },
} as const;

export type OpenAPIDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

export function documentById(id: string): DialectDocument | undefined {
  return DOCUMENTS.find((d) => d.id === id);
}

/** Generates one OpenAPI 3.1 document from the routers of `docs`, in-process (no server). */
export function buildDocument(docs: readonly DialectDocument[], info: DialectDocument["info"]): OpenAPIDocument {
  const app = new OpenAPIHono<AppEnv>();
  for (const d of docs) {
    for (const [name, scheme] of Object.entries(d.securitySchemes)) app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  }
  for (const d of docs) app.route(d.mount, d.router());
  return app.getOpenAPI31Document({ openapi: "3.1.0", info });
}

export const dialectDocument = (d: DialectDocument) => buildDocument([d], d.info);

export const combinedDocument = () =>
  buildDocument(
    COMBINED.ids.map((id) => documentById(id)!),
    COMBINED.info,
  );
