/**
 * Object metadata between HTTP and R2: what a write request asks to store, and the headers a read
 * answers with.
 */
import { MAX_USER_METADATA_BYTES, STORAGE_CLASSES, userMetadata } from "../../core/s3/rules";
import { CHECKSUM_HEADER, checksumAlgorithmForHeader } from "../../core/sigv4";
import type { ObjectChecksumAlgorithm, WriteMetadata } from "../../storage/objects";
import { S3Error } from "./errors";

/** What S3 answers with when an object was stored without a Content-Type. */
export const DEFAULT_CONTENT_TYPE = "binary/octet-stream";

const ALGORITHMS = new Set<ObjectChecksumAlgorithm>(["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]);

export function checksumHeaderName(algorithm: ObjectChecksumAlgorithm): string {
  return CHECKSUM_HEADER[algorithm];
}

/** x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm, validated. */
export function declaredAlgorithm(h: Headers): ObjectChecksumAlgorithm | null {
  const raw = h.get("x-amz-checksum-algorithm") ?? h.get("x-amz-sdk-checksum-algorithm");
  if (raw === null) return null;
  const alg = raw.trim().toUpperCase() as ObjectChecksumAlgorithm;
  if (!ALGORITHMS.has(alg))
    throw new S3Error(
      "InvalidRequest",
      "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
    );
  return alg;
}

/**
 * The checksum a write carries: its algorithm, and its value when it came as a header (null when
 * it comes in a trailer or is only named by x-amz-checksum-algorithm).
 */
export function requestChecksum(h: Headers): { algorithm: ObjectChecksumAlgorithm; value: string | null } | null {
  const found: { algorithm: ObjectChecksumAlgorithm; value: string }[] = [];
  for (const [name, value] of h) {
    const alg = checksumAlgorithmForHeader(name);
    if (alg && alg !== "MD5") found.push({ algorithm: alg, value: value.trim() });
  }
  if (found.length > 1)
    throw new S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
  const declared = declaredAlgorithm(h);
  const trailer = (h.get("x-amz-trailer") ?? "")
    .split(",")
    .map((t) => checksumAlgorithmForHeader(t.trim().toLowerCase()))
    .find((a): a is ObjectChecksumAlgorithm => a !== null && a !== "MD5");
  if (found[0]) {
    if (declared && declared !== found[0].algorithm) {
      throw new S3Error("InvalidRequest", `Value for x-amz-checksum-${declared.toLowerCase()} header is invalid.`);
    }
    return found[0];
  }
  if (trailer) return { algorithm: trailer, value: null };
  if (declared) return { algorithm: declared, value: null };
  return null;
}

/** Canned ACLs this service accepts: it keeps no ACLs, so only the owner-only ones make sense. */
const ACCEPTED_ACLS = new Set(["private", "bucket-owner-full-control"]);

export function checkAcl(h: Headers): void {
  const acl = h.get("x-amz-acl");
  const grants = [...h.keys()].some((n) => n.startsWith("x-amz-grant-"));
  if ((acl !== null && !ACCEPTED_ACLS.has(acl.trim())) || grants) {
    throw new S3Error("AccessControlListNotSupported", "The bucket does not allow ACLs. Use a bucket policy to grant access.");
  }
}

/** The metadata a PutObject / CreateMultipartUpload / CopyObject (REPLACE) asks to store. */
export function writeMetadata(h: Headers): Omit<WriteMetadata, "checksum"> {
  const { meta, bytes } = userMetadata(h);
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error(
      "MetadataTooLarge",
      `Your metadata headers exceed the maximum allowed metadata size of ${MAX_USER_METADATA_BYTES} bytes.`,
      {
        Size: String(bytes),
        MaxSizeAllowed: String(MAX_USER_METADATA_BYTES),
      },
    );
  }
  const storageClass = h.get("x-amz-storage-class");
  if (storageClass !== null && !STORAGE_CLASSES.has(storageClass.trim())) {
    throw new S3Error("InvalidStorageClass", "The storage class you specified is not valid", { StorageClassRequested: storageClass });
  }
  checkAcl(h);
  const http: R2HTTPMetadata = { contentType: h.get("content-type") ?? DEFAULT_CONTENT_TYPE };
  const encoding = (h.get("content-encoding") ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e && e.toLowerCase() !== "aws-chunked")
    .join(", ");
  if (encoding) http.contentEncoding = encoding;
  const disposition = h.get("content-disposition");
  if (disposition !== null) http.contentDisposition = disposition;
  const language = h.get("content-language");
  if (language !== null) http.contentLanguage = language;
  const cache = h.get("cache-control");
  if (cache !== null) http.cacheControl = cache;
  const expires = h.get("expires") ?? undefined;
  return { http, user: meta, expires };
}

export const httpDate = (d: Date) => d.toUTCString();

/** Headers describing a stored object, as GET and HEAD answer them. */
export function objectHeaders(obj: R2Object, meta: WriteMetadata): Headers {
  const h = new Headers();
  h.set("ETag", `"${obj.etag}"`);
  h.set("Last-Modified", httpDate(obj.uploaded));
  h.set("Accept-Ranges", "bytes");
  h.set("Content-Type", meta.http.contentType ?? DEFAULT_CONTENT_TYPE);
  if (meta.http.contentEncoding) h.set("Content-Encoding", meta.http.contentEncoding);
  if (meta.http.contentDisposition) h.set("Content-Disposition", meta.http.contentDisposition);
  if (meta.http.contentLanguage) h.set("Content-Language", meta.http.contentLanguage);
  if (meta.http.cacheControl) h.set("Cache-Control", meta.http.cacheControl);
  if (meta.expires !== undefined) h.set("Expires", meta.expires);
  for (const [k, v] of Object.entries(meta.user)) h.set(`x-amz-meta-${k}`, v);
  return h;
}

const OVERRIDES: [string, string][] = [
  ["response-content-type", "Content-Type"],
  ["response-content-language", "Content-Language"],
  ["response-expires", "Expires"],
  ["response-cache-control", "Cache-Control"],
  ["response-content-disposition", "Content-Disposition"],
  ["response-content-encoding", "Content-Encoding"],
];

/** response-* query parameters of GetObject; S3 refuses them on anonymous requests. */
export function applyOverrides(h: Headers, q: URLSearchParams, anonymous: boolean): void {
  const given = OVERRIDES.filter(([p]) => q.has(p));
  if (!given.length) return;
  if (anonymous) throw new S3Error("InvalidRequest", "Request specific response headers cannot be used for anonymous GET requests.");
  for (const [p, header] of given) h.set(header, q.get(p)!);
}
