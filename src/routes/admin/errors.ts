import type { Context } from "hono";
import type { CoreError, CoreErrorCode } from "../../core/errors";
import type { AppEnv } from "../context";
import { type ProblemCode, problemResponse } from "../upcloud/problem";

/**
 * The operator API answers problem+json like the control plane it administers (one error schema in
 * the document), with its own table so a new core code is a compile error here too.
 */
const OPERATOR: Record<CoreErrorCode, readonly [number, ProblemCode]> = {
  INVALID_REQUEST: [400, "INVALID_REQUEST"],
  LIMIT_EXCEEDED: [400, "INVALID_REQUEST"],
  NOT_FOUND: [404, "RESOURCE_NOT_FOUND"],
  CONFLICT: [409, "CONFLICT"],
  SERVICE_ERROR: [400, "SERVICE_ERROR"],
  UNAUTHENTICATED: [401, "AUTHENTICATION_FAILED"],
  FORBIDDEN: [403, "FORBIDDEN"],
  METHOD_NOT_ALLOWED: [405, "METHOD_NOT_ALLOWED"],
};

export function renderOperatorError(c: Context<AppEnv>, err: CoreError): Response {
  const [status, code] = OPERATOR[err.code];
  const headers: Record<string, string> = status === 401 ? { "WWW-Authenticate": 'Bearer realm="stowage-operator"' } : {};
  return problemResponse(status, code, err.message, c.get("requestId"), err.params, headers);
}

export function operatorFailure(c: Context<AppEnv>): Response {
  return problemResponse(500, "GENERAL_FAILURE", "Internal server error. Quote the correlation id when reporting it.", c.get("requestId"));
}
