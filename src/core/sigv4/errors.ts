/**
 * The one error type of the request-authentication core. `code` is the S3 error code the S3 and
 * IAM layers put in their XML bodies; `status` the HTTP status S3 answers with. Messages never
 * contain a secret: at most the access key id, the string to sign and the canonical request,
 * which AWS itself returns on SignatureDoesNotMatch.
 */
export type AuthErrorCode =
  | "AccessDenied"
  | "AuthorizationHeaderMalformed"
  | "AuthorizationQueryParametersError"
  | "BadDigest"
  | "IncompleteBody"
  | "InvalidArgument"
  | "InvalidDigest"
  | "InvalidRequest"
  | "MalformedTrailerError"
  | "MaxMessageLengthExceeded"
  | "MissingContentLength"
  | "NotImplemented"
  | "RequestTimeTooSkewed"
  | "SignatureDoesNotMatch"
  | "XAmzContentSHA256Mismatch";

const STATUS: Record<AuthErrorCode, number> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  IncompleteBody: 400,
  InvalidArgument: 400,
  InvalidDigest: 400,
  InvalidRequest: 400,
  MalformedTrailerError: 400,
  MaxMessageLengthExceeded: 400,
  MissingContentLength: 411,
  NotImplemented: 501,
  RequestTimeTooSkewed: 403,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
};

/** Extra elements S3 puts in the error body (e.g. StringToSign, RequestTime, ServerTime). */
export type AuthErrorDetails = Readonly<Record<string, string>>;

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  readonly status: number;
  readonly details: AuthErrorDetails;

  constructor(code: AuthErrorCode, message: string, details: AuthErrorDetails = {}) {
    super(message);
    this.name = "AuthError";
    this.code = code;
    this.status = STATUS[code];
    this.details = details;
  }
}

export function isAuthError(value: unknown): value is AuthError {
  return value instanceof AuthError;
}
