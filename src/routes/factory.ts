import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { CoreError, type InvalidParam } from "../core/errors";
import type { AppEnv } from "./context";

/** Renders a core error in one dialect's own error format. */
export type ErrorRenderer = (c: Context<AppEnv>, err: CoreError) => Response;

/** `networks.0.name` → `networks[0].name`; query/path params keep their bare names. */
export function paramName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || "body";
}

export function zodToCoreError(error: ZodError): CoreError {
  const params: InvalidParam[] = error.issues.map((i) => ({ name: paramName(i.path), reason: i.message }));
  return new CoreError("INVALID_REQUEST", `Validation error: ${params.map((p) => p.name).join(", ")}`, params);
}

/** Framework errors (bad JSON, wrong media type) become validation errors, never 500s. */
export function httpExceptionToCoreError(err: HTTPException): CoreError {
  if (err.status === 415) {
    return new CoreError("INVALID_REQUEST", "Content-Type must be application/json.", [
      { name: "Content-Type", reason: "must be application/json" },
    ]);
  }
  if (err.status === 400) {
    return new CoreError("INVALID_REQUEST", "Request body is not valid JSON.", [{ name: "body", reason: "malformed JSON" }]);
  }
  return new CoreError("INVALID_REQUEST", err.message || "Invalid request.");
}

/** Unknown errors: logged with the request id, answered without internals. */
export function logUnexpected(c: Context<AppEnv>, err: unknown): void {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : "";
  console.error(JSON.stringify({ level: "error", request_id: c.get("requestId"), path: new URL(c.req.url).pathname, name, message }));
}

/**
 * Every router is made here, so a router under test validates and fails exactly as in production
 * (style habit 1). Errors thrown inside the router are rendered by the dialect's renderer.
 */
export function createRouter(render: ErrorRenderer, onUnexpected: (c: Context<AppEnv>) => Response) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return render(c as Context<AppEnv>, zodToCoreError(result.error));
    },
  });
  app.onError((err, c) => {
    if (err instanceof CoreError) return render(c, err);
    if (err instanceof HTTPException) return render(c, httpExceptionToCoreError(err));
    logUnexpected(c, err);
    return onUnexpected(c);
  });
  return app;
}
