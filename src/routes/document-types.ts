// What a dialect declares about its OpenAPI document (a leaf: each dialect's document.ts and the
// registry in documents.ts both read it).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";

/** A security scheme of a dialect's document (the subset of OpenAPI's the dialects use). */
export interface SecurityScheme {
  type: "http" | "apiKey";
  scheme?: "bearer" | "basic";
  in?: "header" | "query";
  name?: string;
  description: string;
  [extension: `x-${string}`]: unknown;
}

/**
 * One OpenAPI document per JSON dialect: served at `/openapi/<id>.json`, committed as
 * `openapi/<id>.json` and drift-checked by `npm run openapi:check`.
 *
 * Naming rule (test/upcloud/openapi.test.ts enforces it): operationIds are unique across every
 * document, and so is every component name unless it is the same schema. The canonical UpCloud
 * dialect keeps the bare names its document always had (`listServices`, `Bucket`); every other
 * dialect starts its operationIds with `prefix` (`adminCreateAccount`, later `kosListBuckets`) and
 * its component names with the same word capitalised (`AdminAccount`, `KosBucket`).
 */
export interface DialectDocument {
  /** `/openapi/<id>.json`; lower case. */
  id: string;
  /** Start of every operationId of the dialect ("" only for the canonical UpCloud dialect). */
  prefix: string;
  /** Where the Worker mounts the dialect's router; the document's paths start with it. */
  mount: string;
  info: { title: string; version: string; description: string };
  securitySchemes: Record<string, SecurityScheme>;
  /** Builds the dialect's router (the same function the Worker mounts). */
  router: () => OpenAPIHono<AppEnv>;
}
