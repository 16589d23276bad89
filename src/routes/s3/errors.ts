import type { CoreError, CoreErrorReason } from "../../core/errors";
import type { AuthError } from "../../core/sigv4";

/**
 * The one error type of the S3 dialect. `code` is S3's own error code; the status comes from the
 * exhaustive table below, so a code can never be answered with two different statuses.
 */
export type S3ErrorCode =
  | "AccessControlListNotSupported"
  | "AccessDenied"
  | "AuthorizationHeaderMalformed"
  | "AuthorizationQueryParametersError"
  | "BadDigest"
  | "BucketAlreadyExists"
  | "BucketAlreadyOwnedByYou"
  | "BucketNotEmpty"
  | "EntityTooLarge"
  | "EntityTooSmall"
  | "ExpiredToken"
  | "IncompleteBody"
  | "InternalError"
  | "InvalidAccessKeyId"
  | "InvalidArgument"
  | "InvalidBucketName"
  | "InvalidDigest"
  | "InvalidPart"
  | "InvalidPartOrder"
  | "InvalidRange"
  | "InvalidRequest"
  | "InvalidStorageClass"
  | "InvalidToken"
  | "InvalidURI"
  | "KeyTooLongError"
  | "MalformedPolicy"
  | "MalformedTrailerError"
  | "MalformedXML"
  | "MaxMessageLengthExceeded"
  | "MetadataTooLarge"
  | "MethodNotAllowed"
  | "MissingContentLength"
  | "NoSuchBucket"
  | "NoSuchBucketPolicy"
  | "NoSuchCORSConfiguration"
  | "NoSuchKey"
  | "NoSuchLifecycleConfiguration"
  | "NoSuchTagSet"
  | "NoSuchUpload"
  | "NoSuchVersion"
  | "NoSuchWebsiteConfiguration"
  | "NotImplemented"
  | "OperationAborted"
  | "PreconditionFailed"
  | "RequestTimeTooSkewed"
  | "ServiceUnavailable"
  | "SignatureDoesNotMatch"
  | "XAmzContentSHA256Mismatch";

const STATUS: Record<S3ErrorCode, number> = {
  AccessControlListNotSupported: 400,
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  ExpiredToken: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidStorageClass: 400,
  InvalidToken: 400,
  InvalidURI: 400,
  KeyTooLongError: 400,
  MalformedPolicy: 400,
  MalformedTrailerError: 400,
  MalformedXML: 400,
  MaxMessageLengthExceeded: 400,
  MetadataTooLarge: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchBucketPolicy: 404,
  NoSuchCORSConfiguration: 404,
  NoSuchKey: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchTagSet: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NoSuchWebsiteConfiguration: 404,
  NotImplemented: 501,
  OperationAborted: 409,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
};

/** Extra elements of the error body (BucketName, Key, StringToSign, RequestTime...). */
export type S3ErrorDetails = Readonly<Record<string, string>>;

export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message: string,
    readonly details: S3ErrorDetails = {},
    /** Response headers the error carries (Content-Range on 416, Allow on 405). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "S3Error";
    this.status = STATUS[code];
  }
}

/** The request-authentication core uses S3's codes already; only the class differs. */
export function fromAuthError(e: AuthError): S3Error {
  return new S3Error(e.code, e.message, e.details);
}

export const noSuchBucket = (bucket: string) => new S3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });

export const noSuchKey = (key: string) => new S3Error("NoSuchKey", "The specified key does not exist.", { Key: key });

export const noSuchUpload = (uploadId: string) =>
  new S3Error(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { UploadId: uploadId },
  );

export const accessDenied = (message = "Access Denied") => new S3Error("AccessDenied", message);

export const malformedXml = () =>
  new S3Error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema");

export const notImplemented = (what: string) => new S3Error("NotImplemented", `${what} is not implemented by this service.`);

/**
 * A core error in S3's vocabulary, decided by its reason; entity kinds refine the not-found and
 * already-exists cases where S3 has its own codes.
 */
const FROM_REASON: Record<CoreErrorReason, (e: CoreError) => S3ErrorCode> = {
  "invalid-input": () => "InvalidArgument",
  "malformed-policy": () => "MalformedPolicy",
  "no-such-entity": (e) => (e.detail.entity === "Bucket" ? "NoSuchBucket" : e.detail.entity === "Upload" ? "NoSuchUpload" : "NoSuchKey"),
  "no-such-route": () => "InvalidRequest",
  "entity-exists": (e) => (e.detail.entity === "Bucket" ? "BucketAlreadyOwnedByYou" : "InvalidRequest"),
  "delete-conflict": () => "BucketNotEmpty",
  "limit-exceeded": () => "InvalidRequest",
  "read-only": () => "AccessDenied",
  "service-state": () => "OperationAborted",
  unauthenticated: () => "AccessDenied",
  forbidden: () => "AccessDenied",
  "method-not-allowed": () => "MethodNotAllowed",
};

export function fromCoreError(e: CoreError): S3Error {
  const details: Record<string, string> = {};
  const field = e.params[0];
  if (e.reason === "invalid-input" && field) {
    details.ArgumentName = field.name;
    details.ArgumentValue = field.reason;
  }
  const headers = e.detail.allow ? { Allow: e.detail.allow.join(", ") } : undefined;
  return new S3Error(FROM_REASON[e.reason](e), e.message, details, headers);
}
