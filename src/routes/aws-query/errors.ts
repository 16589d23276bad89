/**
 * The AWS Query protocol's errors: one code table (status and fault type), the ErrorResponse body
 * `<ErrorResponse><Error><Type>Sender|Receiver</Type><Code>…</Code><Message>…</Message></Error>
 * <RequestId>…</RequestId></ErrorResponse>`, and how a request-authentication failure reads in it.
 */
import type { AuthError, AuthErrorCode } from "../../core/sigv4";
import { renderXml } from "../../lib/xml";

const CODES = {
  AccessDenied: [403, "Sender"],
  ExpiredToken: [400, "Sender"],
  IncompleteSignature: [400, "Sender"],
  InternalFailure: [500, "Receiver"],
  InvalidAction: [400, "Sender"],
  InvalidClientTokenId: [403, "Sender"],
  InvalidParameterCombination: [400, "Sender"],
  InvalidParameterValue: [400, "Sender"],
  MalformedPolicyDocument: [400, "Sender"],
  MissingAction: [400, "Sender"],
  MissingAuthenticationToken: [403, "Sender"],
  MissingParameter: [400, "Sender"],
  PackedPolicyTooLarge: [400, "Sender"],
  RequestEntityTooLarge: [413, "Sender"],
  RequestExpired: [400, "Sender"],
  ServiceUnavailable: [503, "Receiver"],
  SignatureDoesNotMatch: [403, "Sender"],
  ValidationError: [400, "Sender"],
} as const satisfies Record<string, readonly [number, "Sender" | "Receiver"]>;

export type QueryErrorCode = keyof typeof CODES;

export type QueryFault = readonly [status: number, type: "Sender" | "Receiver"];

export class QueryError extends Error {
  readonly status: number;
  readonly type: "Sender" | "Receiver";
  /** An API's own codes (IAM's NoSuchEntity) come with their `fault`; the protocol's are in the table. */
  constructor(code: QueryErrorCode, message: string);
  constructor(code: string, message: string, fault: QueryFault);
  constructor(
    readonly code: string,
    message: string,
    fault?: QueryFault,
  ) {
    super(message);
    this.name = "QueryError";
    [this.status, this.type] = fault ?? CODES[code as QueryErrorCode];
  }
}

export const missingParameter = (name: string) => new QueryError("MissingParameter", `The request must contain the parameter ${name}.`);
export const invalidParameter = (name: string, reason: string) =>
  new QueryError("InvalidParameterValue", `Invalid value for parameter ${name}: ${reason}`);
export const invalidClientToken = () => new QueryError("InvalidClientTokenId", "The security token included in the request is invalid.");
export const expiredToken = () => new QueryError("ExpiredToken", "The security token included in the request is expired");

const AUTH_CODES: Record<AuthErrorCode, QueryErrorCode> = {
  AccessDenied: "AccessDenied",
  AuthorizationHeaderMalformed: "IncompleteSignature",
  AuthorizationQueryParametersError: "IncompleteSignature",
  BadDigest: "InvalidParameterValue",
  IncompleteBody: "InvalidParameterValue",
  InvalidArgument: "InvalidParameterCombination",
  InvalidDigest: "InvalidParameterValue",
  InvalidRequest: "InvalidParameterValue",
  MalformedTrailerError: "InvalidParameterValue",
  MaxMessageLengthExceeded: "RequestEntityTooLarge",
  MissingContentLength: "InvalidParameterValue",
  NotImplemented: "IncompleteSignature",
  RequestTimeTooSkewed: "SignatureDoesNotMatch",
  SignatureDoesNotMatch: "SignatureDoesNotMatch",
  XAmzContentSHA256Mismatch: "SignatureDoesNotMatch",
};

/** A SigV4 refusal in the query protocol's words (IAM and STS answer skew as an expired signature). */
export function fromAuthError(err: AuthError): QueryError {
  if (err.code === "RequestTimeTooSkewed") {
    const { RequestTime: at = "", ServerTime: now = "" } = err.details;
    const earlier = at < now;
    return new QueryError(
      "SignatureDoesNotMatch",
      earlier
        ? `Signature expired: ${at} is now earlier than the current time ${now} minus 15 min.`
        : `Signature not yet current: ${at} is still later than the current time ${now} plus 15 min.`,
    );
  }
  if (err.code === "AccessDenied" && err.details["X-Amz-Expires"] !== undefined) {
    return new QueryError("RequestExpired", "The presigned request has expired.");
  }
  if (err.code === "SignatureDoesNotMatch") {
    return new QueryError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    );
  }
  return new QueryError(AUTH_CODES[err.code], err.message);
}

/** The error document; `namespace` is the service's (IAM and STS both put it on ErrorResponse). */
export function errorResponse(err: QueryError, requestId: string, namespace: string): Response {
  const body = renderXml(
    "ErrorResponse",
    { Error: { Type: err.type, Code: err.code, Message: err.message }, RequestId: requestId },
    namespace,
  );
  return new Response(body, { status: err.status, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId } });
}
