/**
 * The error body of Lyve's IP whitelist API (`/api/whitelist/…`): its document's
 * `{"ok": false, "errorDesc": "…"}`.
 */
import type { Context } from "hono";
import type { CoreError, CoreErrorCode } from "../../../core/errors";
import type { AppEnv } from "../../context";

function statusOf(code: CoreErrorCode): number {
  switch (code) {
    case "INVALID_REQUEST":
      return 400;
    case "LIMIT_EXCEEDED":
      return 400;
    case "NOT_FOUND":
      return 404;
    case "CONFLICT":
      return 409;
    case "SERVICE_ERROR":
      return 409;
    case "UNAUTHENTICATED":
      return 403;
    case "FORBIDDEN":
      return 403;
  }
}

export function whitelistError(status: number, errorDesc: string): Response {
  return new Response(JSON.stringify({ ok: false, errorDesc }), { status, headers: { "Content-Type": "application/json" } });
}

export const renderWhitelist = (_c: Context<AppEnv>, err: CoreError): Response => whitelistError(statusOf(err.code), err.message);

export const whitelistNotFound = (c: Context<AppEnv>) => whitelistError(404, `No whitelist action at ${new URL(c.req.url).pathname}.`);

export const whitelistUnexpected = (c: Context<AppEnv>) => whitelistError(500, `Internal server error (request id ${c.get("requestId")}).`);
