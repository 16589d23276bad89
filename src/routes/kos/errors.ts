/**
 * The KOS dialect's error body. The KOS document publishes status codes but no error body; this
 * dialect answers one stable JSON shape `{"code": "...", "message": "..."}` (plus `errors` naming
 * each bad field on a validation failure), and `x-should-retry: false` on conflicts (the SDKs
 * otherwise retry 409s).
 */
import type { Context } from "hono";
import type { CoreError, CoreErrorCode } from "../../core/errors";
import type { AppEnv } from "../context";

export type KosErrorCode = "bad_request" | "unauthorized" | "forbidden" | "not_found" | "conflict" | "validation_error" | "internal_error";

function mapCode(code: CoreErrorCode): [number, KosErrorCode] {
  switch (code) {
    case "INVALID_REQUEST":
      return [422, "validation_error"];
    case "LIMIT_EXCEEDED":
      return [400, "bad_request"];
    case "NOT_FOUND":
      return [404, "not_found"];
    case "CONFLICT":
      return [409, "conflict"];
    case "SERVICE_ERROR":
      return [409, "conflict"];
    case "UNAUTHENTICATED":
      return [401, "unauthorized"];
    case "FORBIDDEN":
      return [403, "forbidden"];
  }
}

export function kosError(status: number, code: KosErrorCode, message: string, errors?: { field: string; message: string }[]): Response {
  const body: Record<string, unknown> = { code, message };
  if (errors?.length) body.errors = errors;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (status === 409) headers["x-should-retry"] = "false";
  return new Response(JSON.stringify(body), { status, headers });
}

export function renderKos(_c: Context<AppEnv>, err: CoreError): Response {
  const [status, code] = mapCode(err.code);
  return kosError(
    status,
    code,
    err.message,
    err.params.map((p) => ({ field: p.name, message: p.reason })),
  );
}

export const kosNotFound = (c: Context<AppEnv>) =>
  kosError(404, "not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);

export const kosUnexpected = (c: Context<AppEnv>) =>
  kosError(500, "internal_error", `Internal server error (request id ${c.get("requestId")}).`);
