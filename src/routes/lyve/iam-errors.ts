/**
 * IAM's own error codes (the ones @aws-sdk/client-iam raises as typed exceptions) and how a core
 * error reads in them: one exhaustive map over the core's reasons.
 */
import { CoreError, type CoreErrorReason } from "../../core/errors";
import { QueryError, type QueryFault } from "../aws-query/errors";

const IAM_CODES = {
  DeleteConflict: [409, "Sender"],
  EntityAlreadyExists: [409, "Sender"],
  InvalidInput: [400, "Sender"],
  LimitExceeded: [409, "Sender"],
  MalformedPolicyDocument: [400, "Sender"],
  NoSuchEntity: [404, "Sender"],
  PasswordPolicyViolation: [400, "Sender"],
  UnmodifiableEntity: [400, "Sender"],
  ValidationError: [400, "Sender"],
} as const satisfies Record<string, QueryFault>;

export type IamErrorCode = keyof typeof IAM_CODES;

export const iamError = (code: IamErrorCode, message: string) => new QueryError(code, message, IAM_CODES[code]);

export const noSuchEntity = (message: string) => iamError("NoSuchEntity", message);
export const invalidInput = (message: string) => iamError("InvalidInput", message);
export const accessDenied = (message: string) => new QueryError("AccessDenied", message);

const FROM_REASON: Record<CoreErrorReason, (e: CoreError) => QueryError> = {
  "invalid-input": (e) => iamError("InvalidInput", e.message),
  "malformed-policy": (e) => iamError("MalformedPolicyDocument", e.message),
  "no-such-entity": (e) => iamError("NoSuchEntity", e.message),
  "no-such-route": (e) => new QueryError("InvalidAction", e.message),
  "entity-exists": (e) => iamError("EntityAlreadyExists", e.message),
  "delete-conflict": (e) => iamError("DeleteConflict", e.message),
  "limit-exceeded": (e) => iamError("LimitExceeded", e.message),
  // AWS answers a change to one of its own managed policies as an unmodifiable entity.
  "read-only": (e) => iamError("UnmodifiableEntity", e.message),
  "service-state": (e) => new QueryError("ServiceUnavailable", e.message),
  unauthenticated: () => new QueryError("InvalidClientTokenId", "The security token included in the request is invalid."),
  forbidden: (e) => new QueryError("AccessDenied", e.message),
  "method-not-allowed": (e) => new QueryError("InvalidAction", e.message),
};

export function fromCoreError(e: CoreError): QueryError {
  return FROM_REASON[e.reason](e);
}

/** Core errors of an action become IAM's; anything else goes on to the layer (a 500 logged there). */
export function asIamError(e: unknown): unknown {
  return e instanceof CoreError ? fromCoreError(e) : e;
}
