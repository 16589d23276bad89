import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { matchedRoutes } from "hono/route";
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
  return new CoreError("INVALID_REQUEST", `Validation error: ${params.map((p) => p.name).join(", ")}`, params, "invalid-input");
}

/** Framework errors (bad JSON, wrong media type) become validation errors, never 500s. */
export function httpExceptionToCoreError(err: HTTPException): CoreError {
  if (err.status === 415) {
    return new CoreError(
      "INVALID_REQUEST",
      "Content-Type must be application/json.",
      [{ name: "Content-Type", reason: "must be application/json" }],
      "invalid-input",
    );
  }
  if (err.status === 400) {
    return new CoreError(
      "INVALID_REQUEST",
      "Request body is not valid JSON.",
      [{ name: "body", reason: "malformed JSON" }],
      "invalid-input",
    );
  }
  return new CoreError("INVALID_REQUEST", err.message || "Invalid request.", [], "invalid-input");
}

/** Where an unexpected error happened; never holds a secret. */
export interface ErrorScope {
  requestId: string;
  path: string;
  /** The dialect or subsystem that answered ("s3", "website"); omitted for the JSON routers. */
  dialect?: string;
  host?: string;
}

/**
 * The one place unexpected errors are logged: the error's name and message with the request id,
 * never a stack, a body or a header. Every dialect answers such errors generically.
 */
export function logUnexpected(scope: ErrorScope | Context<AppEnv>, err: unknown): void {
  const s: ErrorScope = "req" in scope ? { requestId: scope.get("requestId"), path: new URL(scope.req.url).pathname } : scope;
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : "";
  console.error(
    JSON.stringify({
      level: "error",
      ...(s.dialect ? { dialect: s.dialect } : {}),
      request_id: s.requestId,
      ...(s.host ? { host: s.host } : {}),
      path: s.path,
      name,
      message,
    }),
  );
}

/** `/{service_uuid}/users` (OpenAPI) or `/:id/users` (Hono) → a matcher for concrete paths. */
function pathMatcher(pattern: string): RegExp {
  const parts = pattern.split("/").map((seg) => {
    if (seg === "*") return ".*";
    if (/^\{[^}]+\}$/.test(seg) || /^:[^/]+$/.test(seg)) return "[^/]+";
    return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  });
  return new RegExp(`^${parts.join("/")}/?$`);
}

const METHOD_ALL = "ALL";

/**
 * Ends a router in its own 404 and 405: after the router's middleware (authentication) ran, a
 * request that matched no operation answers in the router's format, 405 with `Allow` when the path
 * exists with other methods. The router's routes are read at request time, so routes registered
 * after creation count.
 */
function fallback(app: OpenAPIHono<AppEnv>, render: ErrorRenderer): MiddlewareHandler<AppEnv> {
  let table: { re: RegExp; method: string }[] | null = null;
  return async (c, next) => {
    const routes = matchedRoutes(c);
    if (routes.some((r) => r.method !== METHOD_ALL)) return next();
    const mount = routes[c.req.routeIndex]?.basePath ?? "/";
    await next();
    // The router's middleware answered itself (401 and the like): only the app's own 404 is replaced.
    if (c.error || c.res.status !== 404) return;
    const rel = c.req.path.slice(mount === "/" ? 0 : mount.length) || "/";
    table ??= app.routes.filter((r) => r.method !== METHOD_ALL).map((r) => ({ re: pathMatcher(r.path), method: r.method }));
    const allow = [...new Set(table.filter((r) => r.re.test(rel)).map((r) => r.method.toUpperCase()))];
    if (allow.includes("GET")) allow.push("HEAD");
    const method = c.req.method;
    const err = allow.length
      ? new CoreError(
          "METHOD_NOT_ALLOWED",
          `${method} is not allowed on ${c.req.path}; allowed: ${allow.join(", ")}.`,
          [],
          "method-not-allowed",
          {
            allow,
          },
        )
      : new CoreError("NOT_FOUND", `No route for ${method} ${c.req.path}.`, [], "no-such-route");
    const res = render(c, err);
    if (allow.length) res.headers.set("Allow", allow.join(", "));
    c.res = undefined;
    c.res = res;
  };
}

/**
 * Every router is made here, so a router under test validates and fails exactly as in production
 * (style habit 1). Errors thrown inside the router are rendered by the dialect's renderer, unknown
 * paths and methods answer the dialect's 404 and 405, and unexpected errors are logged once.
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
  app.use("*", fallback(app, render));
  return app;
}
