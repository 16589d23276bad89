import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context";

/** The router every UpCloud resource module registers its routes on (a leaf: no import cycle with router.ts). */
export type UpcloudRouter = OpenAPIHono<AppEnv>;
