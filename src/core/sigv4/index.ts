/**
 * Request authentication for the S3 data plane and the SigV4 query APIs (IAM, STS): pure modules
 * over WebCrypto and Web Streams. See README.md in this folder for how the S3 layer uses them.
 */
export { AuthError, isAuthError, type AuthErrorCode, type AuthErrorDetails } from "./errors";
export { authKind, parseAuth, SIGV4_ALGORITHM, type AuthKind } from "./parse";
export { checkFraming, checkScope, verify, type VerifyOptions, type VerifyResult } from "./verify";
export { decodeBody, readBody, type BodyResult, type DecodeBodyOptions, type DecodedBody, type ReadBodyOptions } from "./body";
export { AwsChunkedDecoder, type AwsChunkedOptions, type ChunkSigning } from "./chunked";
export {
  CHECKSUM_ALGORITHMS,
  CHECKSUM_HEADER,
  CHECKSUM_LENGTH,
  checksum,
  checksumAlgorithmForHeader,
  createChecksumStream,
  Crc32,
  crc32,
  Crc32c,
  crc32c,
  Crc64Nvme,
  digestOf,
  MultiHasher,
  type ChecksumAlgorithm,
  type ChecksumStream,
  type Digest,
  type Digests,
} from "./checksums";
export {
  canonicalHeaderValue,
  canonicalQueries,
  decodeS3Path,
  genericCanonicalUris,
  s3CanonicalUris,
  splitRawQuery,
  type RawParam,
} from "./canonical";
export { deriveSigningKey, EMPTY_SHA256, hmacHex, sha256Hex } from "./crypto";
export { encodeRfc3986, fromBase64, timingSafeEqual, toBase64, toHex } from "./encoding";
export { formatAmzDate, MAX_CLOCK_SKEW_MS, MAX_PRESIGNED_EXPIRES_SECONDS, parseAmzDate, parseHttpDate } from "./time";
export { SIGV2_SUBRESOURCES } from "./sigv2";
export * from "./types";
