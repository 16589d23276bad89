import type { Context } from "hono";
import { type CoreError, type CoreErrorCode } from "../../core/errors";
import type { AppEnv } from "../context";

export const PROBLEM_TYPE_BASE = "https://developers.upcloud.com/1.3/errors#ERROR_";

export type ProblemCode =
  | "INVALID_REQUEST"
  | "RESOURCE_NOT_FOUND"
  | "CONFLICT"
  | "SERVICE_ERROR"
  | "AUTHENTICATION_FAILED"
  | "FORBIDDEN"
  | "METHOD_NOT_ALLOWED"
  | "GENERAL_FAILURE";

/**
 * Status and problem code per core code. The vendor's problem bodies have no finer code, so every
 * reason of a code answers alike (the title says which).
 */
export const PROBLEM: Record<CoreErrorCode, readonly [number, ProblemCode]> = {
  INVALID_REQUEST: [400, "INVALID_REQUEST"],
  LIMIT_EXCEEDED: [400, "INVALID_REQUEST"],
  NOT_FOUND: [404, "RESOURCE_NOT_FOUND"],
  CONFLICT: [409, "CONFLICT"],
  SERVICE_ERROR: [400, "SERVICE_ERROR"],
  UNAUTHENTICATED: [401, "AUTHENTICATION_FAILED"],
  FORBIDDEN: [403, "FORBIDDEN"],
  METHOD_NOT_ALLOWED: [405, "METHOD_NOT_ALLOWED"],
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  correlation_id: string;
  invalid_params?: { name: string; reason: string }[];
}

/** `application/problem+json` exactly: the vendor's Go client matches the media type literally. */
export function problemResponse(
  status: number,
  code: ProblemCode,
  title: string,
  correlationId: string,
  params?: ProblemBody["invalid_params"],
  extraHeaders?: Record<string, string>,
): Response {
  const body: ProblemBody = { type: PROBLEM_TYPE_BASE + code, title, status, correlation_id: correlationId };
  if (params && params.length) body.invalid_params = params;
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/problem+json", ...extraHeaders },
  });
}

export function renderProblem(c: Context<AppEnv>, err: CoreError): Response {
  const [status, code] = PROBLEM[err.code];
  const headers: Record<string, string> = status === 401 ? { "WWW-Authenticate": 'Bearer realm="stowage", Basic realm="stowage"' } : {};
  return problemResponse(status, code, err.message, c.get("requestId"), err.params, headers);
}

export function generalFailure(c: Context<AppEnv>): Response {
  return problemResponse(500, "GENERAL_FAILURE", "Internal server error. Quote the correlation id when reporting it.", c.get("requestId"));
}
