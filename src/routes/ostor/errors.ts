/**
 * The Virtuozzo ostor admin API's error body: JSON `{"Code": "<S3-style code>", "Message": "…"}`.
 * Its document gives statuses only ("Error Code 400"); the codes follow S3's spelling.
 */
import type { CoreError, CoreErrorCode } from "../../core/errors";

export type OstorErrorCode =
  "InvalidArgument" | "NotFound" | "Conflict" | "InvalidRequest" | "LimitExceeded" | "AccessDenied" | "InternalError";

function mapCode(code: CoreErrorCode): [number, OstorErrorCode] {
  switch (code) {
    case "INVALID_REQUEST":
      return [400, "InvalidArgument"];
    case "LIMIT_EXCEEDED":
      return [400, "LimitExceeded"];
    case "NOT_FOUND":
      return [404, "NotFound"];
    case "CONFLICT":
      return [409, "Conflict"];
    case "SERVICE_ERROR":
      return [409, "InvalidRequest"];
    case "UNAUTHENTICATED":
      return [403, "AccessDenied"];
    case "FORBIDDEN":
      return [403, "AccessDenied"];
  }
}

export function ostorError(status: number, code: OstorErrorCode, message: string, requestId: string): Response {
  return new Response(JSON.stringify({ Code: code, Message: message }), {
    status,
    headers: { "Content-Type": "application/json", "x-amz-request-id": requestId },
  });
}

export function renderOstor(err: CoreError, requestId: string): Response {
  const [status, code] = mapCode(err.code);
  return ostorError(status, code, err.message, requestId);
}
