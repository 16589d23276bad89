/**
 * The Lyve Transporter's error body: its document's `{"error": "…", "details": "…"}` (`details`
 * only where there is more to say, e.g. the storage's own error), `{"error": "not found"}` for 404.
 */
import type { Context } from "hono";
import type { CoreError, CoreErrorCode } from "../../core/errors";
import type { AppEnv } from "../context";

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
      return 400;
    case "UNAUTHENTICATED":
      return 403;
    case "FORBIDDEN":
      return 403;
  }
}

export function transporterError(status: number, error: string, details?: string): Response {
  const body: Record<string, string> = { error };
  if (details !== undefined) body.details = details;
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export function renderTransporter(_c: Context<AppEnv>, err: CoreError): Response {
  const status = statusOf(err.code);
  return status === 404 ? transporterError(404, "not found", err.message) : transporterError(status, err.message);
}

export const transporterNotFound = (_c: Context<AppEnv>) => transporterError(404, "not found");

export const transporterUnexpected = (c: Context<AppEnv>) => transporterError(500, "internal error", `request id ${c.get("requestId")}`);
