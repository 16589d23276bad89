import { maxObjectKeyBytes, utf8Length } from "../../../core/s3/rules";
import {
  AuthError,
  checksumAlgorithmForHeader,
  decodeBody,
  fromBase64,
  toHex,
  type ChecksumAlgorithm,
  type DecodedBody,
} from "../../../core/sigv4";
import { BodyStreamError, type ObjectLocation } from "../../../storage/objects";
import type { S3Context } from "../context";
import { fromAuthError, S3Error } from "../errors";

export function locationOf(c: S3Context, bucket: string, key: string): ObjectLocation {
  return { serviceUuid: c.service.uuid, bucket, key };
}

/** Keys longer than R2 can hold under our prefix are refused on write (and never exist on read). */
export function checkKeyLength(c: S3Context, bucket: string, key: string): void {
  const max = maxObjectKeyBytes(c.service.uuid, bucket);
  if (utf8Length(key) > max) {
    throw new S3Error("KeyTooLongError", `Your key is too long: keys in bucket ${bucket} may be at most ${max} bytes (UTF-8).`, {
      MaxSizeAllowed: String(max),
    });
  }
}

/** Same check for reads: a key that cannot be stored does not exist. */
export function keyCanExist(c: S3Context, bucket: string, key: string): boolean {
  return utf8Length(key) <= maxObjectKeyBytes(c.service.uuid, bucket);
}

/** A digest R2 checks itself while it stores the bytes (a mismatch stores nothing). */
export type NativeCheck = { sha256: string } | { md5: string };

export type UploadBody = DecodedBody & { length: number; native?: NativeCheck };

/**
 * The request body as sent, when the runtime can hand it to R2 without a JavaScript stream in
 * between (which on large bodies is what brings the gateway to the floor's throughput, and on
 * small ones saves a stream per request; see BENCHMARKS.md): SigV4, a Content-Length, no
 * checksum header, no checksum asked for, and either
 * - UNSIGNED-PAYLOAD with no Content-MD5 (presigned PUTs, SDK streams of known length), or, when
 *   `native` (single PUTs: R2's put verifies one digest itself, its uploadPart none),
 * - a hex payload SHA-256 (the aws CLI and boto3 on http) with no Content-MD5, or
 * - UNSIGNED-PAYLOAD with a Content-MD5 (the aws CLI v2 and boto3 on https):
 *   that digest goes to R2 (`native`), which refuses a mismatch and stores nothing.
 * A body shorter than its Content-Length still fails the write.
 */
function plainBody(c: S3Context, checksums: Iterable<ChecksumAlgorithm>, native: boolean): UploadBody | null {
  const h = c.request.headers;
  const length = h.get("content-length");
  if (c.auth?.version !== 4 || c.request.body === null || length === null || !/^\d{1,15}$/.test(length)) return null;
  if ([...checksums].length > 0) return null;
  for (const [name] of h) if (checksumAlgorithmForHeader(name)) return null;
  const md5 = h.get("content-md5");
  let check: NativeCheck | undefined;
  if (c.auth.payload === "unsigned") {
    if (md5 !== null) {
      const digest = native ? fromBase64(md5.trim()) : null;
      // An invalid Content-MD5 takes the checking path, which answers InvalidDigest.
      if (!digest || digest.length !== 16) return null;
      check = { md5: toHex(digest) };
    }
  } else if (c.auth.payload === "sha256" && native && md5 === null && c.auth.contentSha256 !== null) {
    check = { sha256: c.auth.contentSha256 };
  } else return null;
  const n = Number(length);
  return {
    body: c.request.body,
    length: n,
    mode: c.auth.payload,
    done: Promise.resolve({ length: n, trailers: {}, checksums: {} }),
    ...(check ? { native: check } : {}),
  };
}

/**
 * The request body of an object or part upload, decoded and checked on the way (or by R2, see
 * plainBody; `native` when the caller stores it with R2's put). Fails early when its length is
 * unknown or above `maxBytes`.
 */
export function uploadBody(c: S3Context, checksums: Iterable<ChecksumAlgorithm>, maxBytes: number, native = false): UploadBody {
  const decoded = plainBody(c, checksums, native) ?? decodeBody(c.request, c.auth, { checksums });
  if (decoded.length === null) {
    decoded.body.cancel().catch(() => {});
    throw new S3Error("MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  if (decoded.length > maxBytes) {
    decoded.body.cancel().catch(() => {});
    throw new S3Error("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", {
      ProposedSize: String(decoded.length),
      MaxSizeAllowed: String(maxBytes),
    });
  }
  return decoded as UploadBody;
}

/**
 * A failed upload: the body's own error (a failed check, a short body) wins over what R2 said
 * about the aborted write; R2 refusals become their S3 errors; anything else is unexpected.
 */
export function uploadError(e: unknown, body?: UploadBody): unknown {
  if (body?.native && e instanceof Error && /did not match/i.test(e.message)) {
    // R2 compared the digest it was given (plainBody) and stored nothing.
    if ("sha256" in body.native) {
      return new S3Error("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: body.native.sha256,
      });
    }
    return new S3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
  // The runtime's own words when a body ends before its Content-Length (FixedLengthStream), or
  // when the client went away while its body was being read.
  if (
    (e instanceof TypeError && /did not see all expected bytes/i.test(e.message)) ||
    (e instanceof Error && /network connection lost|client disconnected/i.test(e.message))
  ) {
    return new S3Error("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  }
  if (e instanceof BodyStreamError) {
    const reason = e.reason;
    if (reason instanceof AuthError) return fromAuthError(reason);
    if (reason instanceof S3Error) return reason;
    return new S3Error("IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.");
  }
  if (e instanceof Error && /metadata/i.test(e.message) && /(too large|size|exceed)/i.test(e.message)) {
    return new S3Error("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.");
  }
  return e;
}

/** "null" is the only version of an object in an unversioned bucket. */
export function checkVersionId(q: URLSearchParams): void {
  const v = q.get("versionId");
  if (v !== null && v !== "null")
    throw new S3Error("InvalidArgument", "Invalid version id specified", { ArgumentName: "versionId", ArgumentValue: v });
}

/** x-amz-copy-source: "/bucket/key" or "bucket/key", URL-encoded, optionally "?versionId=…". */
export function parseCopySource(header: string): { bucket: string; key: string; versionId: string | null } {
  let raw = header.trim();
  let versionId: string | null = null;
  const q = raw.indexOf("?");
  if (q >= 0) {
    const params = new URLSearchParams(raw.slice(q + 1));
    versionId = params.get("versionId");
    raw = raw.slice(0, q);
  }
  if (raw.startsWith("/")) raw = raw.slice(1);
  const slash = raw.indexOf("/");
  if (slash <= 0 || slash === raw.length - 1)
    throw new S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", {
      ArgumentName: "x-amz-copy-source",
      ArgumentValue: header,
    });
  try {
    return { bucket: decodeURIComponent(raw.slice(0, slash)), key: decodeURIComponent(raw.slice(slash + 1)), versionId };
  } catch {
    throw new S3Error("InvalidArgument", "Invalid copy source encoding.", { ArgumentName: "x-amz-copy-source", ArgumentValue: header });
  }
}
