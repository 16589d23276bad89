/** Shapes shared by parseAuth, verify and decodeBody. */

export interface CredentialScope {
  /** YYYYMMDD */
  readonly date: string;
  readonly region: string;
  /** `s3`, `iam`, `sts`, `transporter`...: how the router picks the dialect. */
  readonly service: string;
}

/** The `x-amz-content-sha256` literals (and a hex hash) S3 accepts. */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
export const STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
export const STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
export const STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/**
 * How the body is protected:
 * - `sha256`: the whole body must hash to `contentSha256`;
 * - `unsigned`: not covered by the signature (UNSIGNED-PAYLOAD, SigV2, anonymous);
 * - `streaming-*`: aws-chunked framing, with per-chunk signatures and/or trailers.
 */
export type PayloadMode = "sha256" | "unsigned" | "streaming-signed" | "streaming-signed-trailer" | "streaming-unsigned-trailer";

export interface ParsedSigV4 {
  readonly version: 4;
  readonly location: "header" | "query";
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  /** `date/region/service/aws4_request`, as it appears in strings to sign. */
  readonly credentialScope: string;
  /** The request timestamp as signed (YYYYMMDD'T'HHMMSS'Z'). */
  readonly amzDate: string;
  readonly requestTime: Date;
  /** Lower-case names, in the order the client listed them. */
  readonly signedHeaders: readonly string[];
  /** Lower-case hex. */
  readonly signature: string;
  /** X-Amz-Expires (presigned only). */
  readonly expiresSeconds: number | null;
  /** X-Amz-Security-Token (header or query), for STS temporary credentials. */
  readonly securityToken: string | null;
  /**
   * The payload hash that enters the canonical request: the x-amz-content-sha256 header (or the
   * X-Amz-Content-Sha256 query parameter when presigned). Null when absent: S3 presigned requests
   * then use UNSIGNED-PAYLOAD and other services the SHA-256 of the body.
   */
  readonly contentSha256: string | null;
}

export interface ParsedSigV2 {
  readonly version: 2;
  readonly location: "header" | "query";
  readonly accessKeyId: string;
  /** base64 HMAC-SHA1 */
  readonly signature: string;
  /** The `Expires` parameter (presigned only). */
  readonly expires: Date | null;
  readonly securityToken: string | null;
}

export type ParsedAuth = ParsedSigV4 | ParsedSigV2;

export interface VerifiedSigV4 {
  readonly version: 4;
  readonly location: "header" | "query";
  readonly accessKeyId: string;
  readonly scope: CredentialScope;
  readonly credentialScope: string;
  readonly amzDate: string;
  readonly requestTime: Date;
  readonly securityToken: string | null;
  /** When a presigned URL stops being valid. */
  readonly expiresAt: Date | null;
  /** HMAC-SHA256 key derived from the secret; verifies chunk and trailer signatures. */
  readonly signingKey: CryptoKey;
  /** The request signature: the "previous signature" of the first aws-chunk. */
  readonly seedSignature: string;
  readonly payload: PayloadMode;
  /** Lower-case hex when `payload` is `sha256`, else null. */
  readonly contentSha256: string | null;
  /** x-amz-decoded-content-length, required for the streaming modes. */
  readonly decodedContentLength: number | null;
  /** Lower-case names announced in x-amz-trailer. */
  readonly trailerNames: readonly string[];
}

export interface VerifiedSigV2 {
  readonly version: 2;
  readonly location: "header" | "query";
  readonly accessKeyId: string;
  readonly securityToken: string | null;
  readonly expiresAt: Date | null;
  readonly payload: "unsigned";
}

export type VerifiedAuth = VerifiedSigV4 | VerifiedSigV2;
