/**
 * Recognises how a request is authenticated (SigV4 header or query, SigV2 header or query, or not
 * at all) and extracts what `verify` needs. Pure: no secret, no clock (time checks are in verify).
 */
import { AuthError } from "./errors";
import { formatAmzDate, MAX_PRESIGNED_EXPIRES_SECONDS, parseAmzDate, parseHttpDate } from "./time";
import {
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  type CredentialScope,
  type ParsedAuth,
  type ParsedSigV2,
  type ParsedSigV4,
} from "./types";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
const SIGV4A_ALGORITHM = "AWS4-ECDSA-P256-SHA256";

export type AuthKind = "sigv4-header" | "sigv4-query" | "sigv2-header" | "sigv2-query" | "none" | "other";

/** Cheap classification for routing (design §4.2), without validating anything. */
export function authKind(request: Request, url: URL): AuthKind {
  const header = request.headers.get("authorization");
  if (header !== null) {
    if (/^AWS4-/i.test(header)) return "sigv4-header";
    if (/^AWS /.test(header)) return "sigv2-header";
    return "other";
  }
  const q = url.searchParams;
  if (q.has("X-Amz-Algorithm") || q.has("X-Amz-Credential") || q.has("X-Amz-Signature")) {
    return "sigv4-query";
  }
  if (q.has("AWSAccessKeyId") || q.has("Signature")) return "sigv2-query";
  return "none";
}

/**
 * Parses the authentication of a request. Returns null for an anonymous request, an AuthError
 * (not thrown) for a malformed one.
 */
export function parseAuth(request: Request, url: URL): ParsedAuth | null | AuthError {
  const header = request.headers.get("authorization");
  const q = url.searchParams;
  const v4Query = q.has("X-Amz-Algorithm") || q.has("X-Amz-Credential") || q.has("X-Amz-Signature");
  const v2Query = q.has("AWSAccessKeyId") || q.has("Signature");
  if ((header !== null ? 1 : 0) + (v4Query ? 1 : 0) + (v2Query ? 1 : 0) > 1) {
    return new AuthError(
      "InvalidArgument",
      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
    );
  }
  if (header !== null) return parseAuthorizationHeader(header, request);
  if (v4Query) return parseSigV4Query(request, url);
  if (v2Query) return parseSigV2Query(request, url);
  return null;
}

function parseAuthorizationHeader(header: string, request: Request): ParsedAuth | AuthError {
  const value = header.trim();
  if (value.startsWith(SIGV4_ALGORITHM + " ") || value.startsWith(SIGV4_ALGORITHM + ",")) {
    return parseSigV4Header(value.slice(SIGV4_ALGORITHM.length), request);
  }
  if (value.startsWith(SIGV4A_ALGORITHM)) {
    return new AuthError("NotImplemented", "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported");
  }
  if (value.startsWith("AWS4-")) {
    return new AuthError(
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the authorization mechanism is not supported. Please use ${SIGV4_ALGORITHM}.`,
    );
  }
  if (value.startsWith("AWS ")) return parseSigV2Header(value.slice(4).trim(), request);
  return new AuthError("InvalidArgument", "Unsupported Authorization Type", { ArgumentName: "Authorization" });
}

interface Credential {
  accessKeyId: string;
  scope: CredentialScope;
}

function parseCredential(value: string): Credential | null {
  const parts = value.split("/");
  if (parts.length !== 5) return null;
  const [accessKeyId, date, region, service, terminal] = parts as [string, string, string, string, string];
  if (accessKeyId === "" || region === "" || service === "" || terminal !== "aws4_request") return null;
  if (!/^\d{8}$/.test(date)) return null;
  return { accessKeyId, scope: { date, region, service } };
}

function credentialScopeString(scope: CredentialScope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

function parseSignedHeaders(value: string): string[] | null {
  if (value === "") return null;
  const names = value.split(";");
  if (names.some((name) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))) return null;
  return names.map((name) => name.toLowerCase());
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Validates an x-amz-content-sha256 value (header or query form). */
function checkContentSha256(value: string): AuthError | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return null;
  switch (value) {
    case UNSIGNED_PAYLOAD:
    case STREAMING_SIGNED:
    case STREAMING_SIGNED_TRAILER:
    case STREAMING_UNSIGNED_TRAILER:
      return null;
    case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD":
    case "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER":
      return new AuthError("NotImplemented", "Signature Version 4A streaming payloads are not supported");
    default:
      return new AuthError(
        "InvalidArgument",
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, or a valid sha256 value.",
        { ArgumentName: "x-amz-content-sha256", ArgumentValue: value },
      );
  }
}

function headerMalformed(message: string): AuthError {
  return new AuthError("AuthorizationHeaderMalformed", `The authorization header is malformed; ${message}`);
}

function parseSigV4Header(rest: string, request: Request): ParsedSigV4 | AuthError {
  const fields = new Map<string, string>();
  // s3cmd and minio-go put no space after the commas; everyone else does.
  for (const part of rest.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) return headerMalformed(`unexpected element '${item}'.`);
    const key = item.slice(0, eq).trim();
    if (fields.has(key)) return headerMalformed(`duplicate '${key}'.`);
    fields.set(key, item.slice(eq + 1).trim());
  }
  const credentialValue = fields.get("Credential");
  const signedHeadersValue = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credentialValue === undefined) return headerMalformed("missing Credential.");
  if (signedHeadersValue === undefined) return headerMalformed("missing SignedHeaders.");
  if (signature === undefined) return headerMalformed("missing Signature.");
  for (const key of fields.keys()) {
    if (key !== "Credential" && key !== "SignedHeaders" && key !== "Signature") {
      return headerMalformed(`unexpected element '${key}'.`);
    }
  }
  const credential = parseCredential(credentialValue);
  if (!credential) {
    return headerMalformed(`the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) return headerMalformed("SignedHeaders is empty or contains an invalid header name.");
  if (!HEX64.test(signature)) return headerMalformed("the Signature must be 64 lower-case hex digits.");

  const amzDateHeader = request.headers.get("x-amz-date");
  const dateHeader = request.headers.get("date");
  let amzDate: string;
  let requestTime: Date | null;
  if (amzDateHeader !== null) {
    amzDate = amzDateHeader.trim();
    requestTime = parseAmzDate(amzDate);
  } else if (dateHeader !== null) {
    requestTime = parseHttpDate(dateHeader);
    amzDate = requestTime ? formatAmzDate(requestTime) : "";
  } else {
    requestTime = null;
    amzDate = "";
  }
  if (!requestTime) {
    return new AuthError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (credential.scope.date !== amzDate.slice(0, 8)) {
    return headerMalformed("Invalid credential date. Date is not the same as X-Amz-Date.");
  }

  const contentSha256 = request.headers.get("x-amz-content-sha256")?.trim() ?? null;
  if (contentSha256 !== null) {
    const bad = checkContentSha256(contentSha256);
    if (bad) return bad;
  } else if (credential.scope.service === "s3") {
    return new AuthError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
  }

  return {
    version: 4,
    location: "header",
    accessKeyId: credential.accessKeyId,
    scope: credential.scope,
    credentialScope: credentialScopeString(credential.scope),
    amzDate,
    requestTime,
    signedHeaders,
    signature,
    expiresSeconds: null,
    securityToken: request.headers.get("x-amz-security-token"),
    contentSha256,
  };
}

function queryError(message: string): AuthError {
  return new AuthError("AuthorizationQueryParametersError", message);
}

/** The single value of a query parameter; undefined if absent, null if repeated. */
function single(q: URLSearchParams, name: string): string | null | undefined {
  const values = q.getAll(name);
  if (values.length === 0) return undefined;
  if (values.length > 1) return null;
  return values[0];
}

function parseSigV4Query(request: Request, url: URL): ParsedSigV4 | AuthError {
  const q = url.searchParams;
  const names = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"] as const;
  const values = new Map<string, string | undefined>();
  for (const name of names) {
    const value = single(q, name);
    if (value === null) return queryError(`${name} must be given only once.`);
    values.set(name, value);
  }
  const algorithm = values.get("X-Amz-Algorithm");
  const credentialValue = values.get("X-Amz-Credential");
  const signature = values.get("X-Amz-Signature");
  const dateValue = values.get("X-Amz-Date");
  const signedHeadersValue = values.get("X-Amz-SignedHeaders");
  const expiresValue = values.get("X-Amz-Expires");
  if (algorithm === SIGV4A_ALGORITHM) {
    return new AuthError("NotImplemented", "Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported");
  }
  if (algorithm !== undefined && algorithm !== SIGV4_ALGORITHM) {
    return queryError(`X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}"`);
  }
  if (
    algorithm === undefined ||
    credentialValue === undefined ||
    signature === undefined ||
    dateValue === undefined ||
    signedHeadersValue === undefined
  ) {
    return queryError(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  const credential = parseCredential(credentialValue);
  if (!credential) {
    return queryError(
      `Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  }
  // S3 insists on X-Amz-Expires; other services fall back to the usual 15-minute window.
  if (expiresValue === undefined && credential.scope.service === "s3") {
    return queryError(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  let expiresSeconds: number | null = null;
  if (expiresValue !== undefined) {
    if (!/^-?\d+$/.test(expiresValue)) return queryError("X-Amz-Expires should be a number");
    expiresSeconds = Number(expiresValue);
    if (expiresSeconds < 0) return queryError("X-Amz-Expires must be non-negative");
    if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
      return queryError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS}`);
    }
  }
  const requestTime = parseAmzDate(dateValue);
  if (!requestTime) {
    return queryError(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  }
  if (credential.scope.date !== dateValue.slice(0, 8)) {
    return queryError("Error parsing the X-Amz-Credential parameter; Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  const signedHeaders = parseSignedHeaders(signedHeadersValue);
  if (!signedHeaders) return queryError("X-Amz-SignedHeaders is empty or contains an invalid header name.");
  if (!HEX64.test(signature)) return queryError("X-Amz-Signature must be 64 lower-case hex digits.");

  const token = single(q, "X-Amz-Security-Token");
  if (token === null) return queryError("X-Amz-Security-Token must be given only once.");

  // The JS presigner hoists the header as written; match the name case-insensitively.
  const shaNames = [...new Set([...q.keys()].filter((name) => name.toLowerCase() === "x-amz-content-sha256"))];
  const shaValues = shaNames.flatMap((name) => q.getAll(name));
  if (shaValues.length > 1) return queryError("X-Amz-Content-Sha256 must be given only once.");
  let contentSha256 = shaValues[0] ?? null;
  if (contentSha256 === null && signedHeaders.includes("x-amz-content-sha256")) {
    contentSha256 = request.headers.get("x-amz-content-sha256")?.trim() ?? null;
  }
  if (contentSha256 !== null) {
    const bad = checkContentSha256(contentSha256);
    if (bad) return bad;
    if (contentSha256.startsWith("STREAMING-")) {
      return queryError("Presigned requests cannot use a streaming (aws-chunked) payload.");
    }
  }

  return {
    version: 4,
    location: "query",
    accessKeyId: credential.accessKeyId,
    scope: credential.scope,
    credentialScope: credentialScopeString(credential.scope),
    amzDate: dateValue,
    requestTime,
    signedHeaders,
    signature,
    expiresSeconds,
    securityToken: token ?? request.headers.get("x-amz-security-token"),
    contentSha256,
  };
}

function parseSigV2Header(credentials: string, request: Request): ParsedSigV2 | AuthError {
  const colon = credentials.lastIndexOf(":");
  const accessKeyId = colon > 0 ? credentials.slice(0, colon).trim() : "";
  const signature = colon > 0 ? credentials.slice(colon + 1).trim() : "";
  if (accessKeyId === "" || signature === "" || /\s/.test(accessKeyId)) {
    return new AuthError("InvalidArgument", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature", {
      ArgumentName: "Authorization",
    });
  }
  const date = request.headers.get("x-amz-date") ?? request.headers.get("date");
  if (date === null || parseHttpDate(date) === null) {
    return new AuthError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  return {
    version: 2,
    location: "header",
    accessKeyId,
    signature,
    expires: null,
    securityToken: request.headers.get("x-amz-security-token"),
  };
}

function parseSigV2Query(request: Request, url: URL): ParsedSigV2 | AuthError {
  const q = url.searchParams;
  const accessKeyId = single(q, "AWSAccessKeyId");
  const signature = single(q, "Signature");
  const expires = single(q, "Expires");
  if (!accessKeyId || !signature || !expires) {
    return new AuthError("AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters");
  }
  if (!/^\d{1,12}$/.test(expires)) {
    return new AuthError("AccessDenied", "Invalid date (should be seconds since epoch): " + expires);
  }
  const token = single(q, "x-amz-security-token") ?? single(q, "X-Amz-Security-Token");
  return {
    version: 2,
    location: "query",
    accessKeyId,
    // A `+` that the client failed to escape arrives as a space; base64 has no spaces.
    signature: signature.replace(/ /g, "+"),
    expires: new Date(Number(expires) * 1000),
    securityToken: token ?? request.headers.get("x-amz-security-token"),
  };
}
