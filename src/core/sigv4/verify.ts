/**
 * Signature verification, exactly as AWS does it: canonical request, string to sign, clock skew
 * and presigned expiry. SigV2 lives in sigv2.ts.
 */
import { canonicalHeaderValue, canonicalQueries, genericCanonicalUris, headerValue, s3CanonicalUris, splitRawQuery } from "./canonical";
import { deriveSigningKey, EMPTY_SHA256, hmacHex, sha256Hex } from "./crypto";
import { encodeRfc3986, timingSafeEqual, toHex } from "./encoding";
import { AuthError } from "./errors";
import { SIGV4_ALGORITHM } from "./parse";
import { verifySigV2 } from "./sigv2";
import { formatAmzDate, MAX_CLOCK_SKEW_MS } from "./time";
import { payloadMode, streamingFacts } from "./payload";
import { UNSIGNED_PAYLOAD, type ParsedAuth, type ParsedSigV4, type VerifiedAuth, type VerifiedSigV4 } from "./types";

export type VerifyResult = { readonly ok: true; readonly auth: VerifiedAuth } | { readonly ok: false; readonly error: AuthError };

export interface VerifyOptions {
  /**
   * SigV2 only: the bucket named by the Host of a virtual-hosted-style request; it is prefixed to
   * the canonicalized resource. Leave undefined for path-style requests.
   */
  readonly virtualHostedBucket?: string;
  /**
   * Services other than S3 (IAM, STS) sign the SHA-256 of the body instead of sending
   * x-amz-content-sha256. The body is then read from a clone of the request, up to this many bytes
   * (default 1 MiB); the original stays readable for the handler.
   */
  readonly maxSignedBodyBytes?: number;
}

const DEFAULT_MAX_SIGNED_BODY = 1024 * 1024;

/** Accept-Encoding values clients sign, tried when the platform rewrote the header. */
const SIGNED_ACCEPT_ENCODINGS = ["gzip", "identity", "gzip, deflate", "gzip, deflate, br", "br"];

/**
 * Verifies a parsed request against the secret of its access key. Never throws for a bad request:
 * every refusal is `{ ok: false, error }` with the S3 error code to answer.
 */
export async function verify(
  parsed: ParsedAuth,
  request: Request,
  url: URL,
  secretAccessKey: string,
  now: Date,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  try {
    const auth =
      parsed.version === 4
        ? await verifySigV4(parsed, request, url, secretAccessKey, now, options)
        : await verifySigV2(parsed, request, url, secretAccessKey, now, options.virtualHostedBucket);
    return { ok: true, auth };
  } catch (error) {
    if (error instanceof AuthError) return { ok: false, error };
    throw error;
  }
}

function checkTime(parsed: ParsedSigV4, now: Date): Date | null {
  const skew = parsed.requestTime.getTime() - now.getTime();
  const serverTime = formatAmzDate(now);
  if (parsed.location === "query") {
    if (skew > MAX_CLOCK_SKEW_MS) {
      throw new AuthError("AccessDenied", "Request is not valid yet", {
        "X-Amz-Date": parsed.amzDate,
        ServerTime: serverTime,
      });
    }
    if (parsed.expiresSeconds !== null) {
      const expiresAt = new Date(parsed.requestTime.getTime() + parsed.expiresSeconds * 1000);
      if (now.getTime() > expiresAt.getTime()) {
        throw new AuthError("AccessDenied", "Request has expired", {
          "X-Amz-Expires": String(parsed.expiresSeconds),
          Expires: formatAmzDate(expiresAt),
          ServerTime: serverTime,
        });
      }
      return expiresAt;
    }
  }
  if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
    throw new AuthError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", {
      RequestTime: parsed.amzDate,
      ServerTime: serverTime,
      MaxAllowedSkewMilliseconds: "900000",
    });
  }
  return null;
}

/**
 * A request sent with both Transfer-Encoding and Content-Length reaches the Worker without its
 * Content-Length (the runtime frames the body as chunked, RFC 9112 §6.3), so a signed
 * Content-Length that is missing is that request: ambiguous framing, refused before its body is
 * read (a body that was not chunk-encoded fails in the runtime's HTTP parser).
 */
export function checkFraming(parsed: ParsedSigV4, request: Request): void {
  if (
    parsed.signedHeaders.includes("content-length") &&
    !request.headers.has("content-length") &&
    request.headers.has("transfer-encoding")
  ) {
    throw new AuthError("InvalidRequest", "A request must not carry both Transfer-Encoding and Content-Length.");
  }
}

/** `host` must be signed, and so must every x-amz-* header present (S3's HeadersNotSigned). */
function checkUnsignedHeaders(parsed: ParsedSigV4, request: Request): void {
  const signed = new Set(parsed.signedHeaders);
  const unsigned: string[] = [];
  if (!signed.has("host")) unsigned.push("host");
  for (const [name] of request.headers) {
    if (name.startsWith("x-amz-") && !signed.has(name)) unsigned.push(name);
  }
  if (unsigned.length > 0) {
    throw new AuthError("AccessDenied", "There were headers present in the request which were not signed", {
      HeadersNotSigned: unsigned.join(", "),
    });
  }
}

async function hashClonedBody(request: Request, limit: number): Promise<string> {
  if (request.body === null) return EMPTY_SHA256;
  if (request.bodyUsed) throw new AuthError("InvalidRequest", "The request body was already consumed");
  const reader = request.clone().body!.getReader();
  const digest = new crypto.DigestStream("SHA-256");
  digest.digest.catch(() => {}); // rejected if aborted, when nobody awaits it
  const writer = digest.getWriter();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      await writer.abort();
      throw new AuthError("MaxMessageLengthExceeded", "Your request was too big.");
    }
    await writer.write(value);
  }
  await writer.close();
  return toHex(await digest.digest);
}

/** The canonical request goes back to the client for debugging; a session token never does. */
function redactToken(canonicalRequest: string, token: string | null): string {
  if (!token) return canonicalRequest;
  let out = canonicalRequest;
  for (const form of new Set([token, encodeRfc3986(token), encodeURIComponent(token)])) {
    out = out.split(form).join("REDACTED");
  }
  return out;
}

/**
 * Checks the credential scope against what the endpoint serves, with S3's wording. Returns null
 * when it matches. (verify does not know the endpoint's region; the S3 and IAM layers do.)
 */
export function checkScope(
  parsed: ParsedSigV4 | VerifiedSigV4,
  expected: { readonly region?: string; readonly service?: string },
): AuthError | null {
  const code = parsed.location === "header" ? "AuthorizationHeaderMalformed" : "AuthorizationQueryParametersError";
  const prefix =
    parsed.location === "header" ? "The authorization header is malformed; " : "Error parsing the X-Amz-Credential parameter; ";
  if (expected.region !== undefined && parsed.scope.region !== expected.region) {
    return new AuthError(code, `${prefix}the region '${parsed.scope.region}' is wrong; expecting '${expected.region}'`, {
      Region: expected.region,
    });
  }
  if (expected.service !== undefined && parsed.scope.service !== expected.service) {
    return new AuthError(code, `${prefix}incorrect service "${parsed.scope.service}". This endpoint belongs to "${expected.service}".`);
  }
  return null;
}

async function verifySigV4(
  parsed: ParsedSigV4,
  request: Request,
  url: URL,
  secretAccessKey: string,
  now: Date,
  options: VerifyOptions,
): Promise<VerifiedSigV4> {
  const expiresAt = checkTime(parsed, now);
  checkUnsignedHeaders(parsed, request);
  checkFraming(parsed, request);

  const s3 = parsed.scope.service === "s3";
  let payloadHash = parsed.contentSha256;
  if (payloadHash === null) {
    payloadHash = s3 ? UNSIGNED_PAYLOAD : await hashClonedBody(request, options.maxSignedBodyBytes ?? DEFAULT_MAX_SIGNED_BODY);
  }

  // A repeated header reaches us joined with ", " (Fetch Headers) where the client joined the
  // values with ","; the second block is that form, tried only when it differs.
  // Cloudflare (and wrangler dev) replace the client's Accept-Encoding before the Worker sees it,
  // so when a client signed it (rclone signs "gzip" on GET) the values clients send are tried too.
  const acceptEncodings = parsed.signedHeaders.includes("accept-encoding")
    ? [headerValue(request, url, "accept-encoding") ?? "", ...SIGNED_ACCEPT_ENCODINGS]
    : [null];
  const headerBlocks = [false, true].flatMap((foldCommas) =>
    acceptEncodings.map((acceptEncoding) =>
      parsed.signedHeaders
        .map((name) => {
          const raw = name === "accept-encoding" && acceptEncoding !== null ? acceptEncoding : headerValue(request, url, name);
          const value = canonicalHeaderValue(raw ?? "");
          return `${name}:${foldCommas ? value.replace(/,\s+/g, ",") : value}\n`;
        })
        .join(""),
    ),
  );
  const uris = s3 ? s3CanonicalUris(url.pathname) : genericCanonicalUris(url.pathname);
  const queries = canonicalQueries(splitRawQuery(url.search), (name) => parsed.location === "query" && name === "X-Amz-Signature", s3);
  const signingKey = await deriveSigningKey(secretAccessKey, parsed.scope.date, parsed.scope.region, parsed.scope.service);

  const canonicalRequests = new Set<string>();
  for (const headerBlock of headerBlocks) {
    for (const uri of uris) {
      for (const query of queries) {
        canonicalRequests.add([request.method, uri, query, headerBlock, parsed.signedHeaders.join(";"), payloadHash].join("\n"));
      }
    }
  }
  let first: { canonicalRequest: string; stringToSign: string } | null = null;
  let matched = false;
  for (const canonicalRequest of canonicalRequests) {
    const stringToSign = [SIGV4_ALGORITHM, parsed.amzDate, parsed.credentialScope, await sha256Hex(canonicalRequest)].join("\n");
    first ??= { canonicalRequest, stringToSign };
    // Every candidate is computed, so the time taken does not say which one matched.
    if (timingSafeEqual(await hmacHex(signingKey, stringToSign), parsed.signature)) matched = true;
  }
  if (!matched) {
    throw new AuthError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: parsed.accessKeyId,
        StringToSign: first?.stringToSign ?? "",
        CanonicalRequest: redactToken(first?.canonicalRequest ?? "", parsed.securityToken),
        SignatureProvided: parsed.signature,
      },
    );
  }

  const payload = payloadMode(payloadHash);
  const { decodedContentLength, trailerNames } = streamingFacts(payload, request);
  return {
    version: 4,
    location: parsed.location,
    accessKeyId: parsed.accessKeyId,
    scope: parsed.scope,
    credentialScope: parsed.credentialScope,
    amzDate: parsed.amzDate,
    requestTime: parsed.requestTime,
    securityToken: parsed.securityToken,
    expiresAt,
    signingKey,
    seedSignature: parsed.signature,
    payload,
    contentSha256: payload === "sha256" ? payloadHash.toLowerCase() : null,
    decodedContentLength,
    trailerNames,
  };
}
