/**
 * The Yale s3-api dialect's error body: the message as plain text, as the real server writes it;
 * refused authentication is a 403 with an empty body.
 */
import type { Context } from "hono";
import type { CoreError, CoreErrorCode } from "../../core/errors";
import type { AppEnv } from "../context";

function statusOf(code: CoreErrorCode): number {
  switch (code) {
    case "INVALID_REQUEST":
      return 400;
    case "LIMIT_EXCEEDED":
      return 429;
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

export function yaleError(status: number, message: string): Response {
  if (status === 403) return new Response(null, { status });
  return new Response(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

export const renderYale = (_c: Context<AppEnv>, err: CoreError): Response => yaleError(statusOf(err.code), err.message);

export const yaleNotFound = (_c: Context<AppEnv>) => yaleError(404, "not found");

export const yaleUnexpected = (_c: Context<AppEnv>) => yaleError(500, "a server error occurred");
