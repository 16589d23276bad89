import { objectArn, ownerOf } from "../../../core/s3/authorize";
import { bucketPolicyForEvaluation } from "../../../core/s3/bucket-policy";
import { findBucketCached } from "../../../core/s3/buckets";
import { conditionHeaders, evaluateConditions, hasConditions, parseRange } from "../../../core/s3/conditions";
import { MAX_PUT_SIZE } from "../../../core/s3/rules";
import {
  deleteObjects,
  getObject,
  headObject,
  objectChecksum,
  putObject as storeObject,
  readMetadata,
  type ObjectLocation,
  type WriteMetadata,
} from "../../../storage/objects";
import { requireKey, type S3Context } from "../context";
import { accessDenied, noSuchBucket, noSuchKey, S3Error } from "../errors";
import { applyOverrides, checkAcl, checksumHeaderName, httpDate, objectHeaders, requestChecksum, writeMetadata } from "../metadata";
import { renderXml, xmlResponse } from "../xml";
import { checkKeyLength, checkVersionId, keyCanExist, locationOf, parseCopySource, uploadBody, uploadError } from "./common";

/** What a write leaves for the meter: the key now holds `size` bytes (the meter knows what it replaced). */
function countWrite(c: S3Context, key: string, size: number): void {
  c.usage.wrote = { key, size };
}

export async function putObject(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkKeyLength(c, bucket, key);
  const meta = writeMetadata(c.request.headers);
  const checksum = requestChecksum(c.request.headers);
  const body = uploadBody(c, checksum && checksum.value === null ? [checksum.algorithm] : [], MAX_PUT_SIZE, true);
  const loc = locationOf(c, bucket, key);
  let obj: R2Object;
  try {
    obj = await storeObject(
      c.env,
      loc,
      body.body,
      body.length,
      { ...meta, checksum: checksum ?? undefined },
      async () => (checksum ? (await body.done).checksums[checksum.algorithm]?.base64 : undefined),
      body.native,
      body.body === c.request.body,
    );
  } catch (e) {
    throw uploadError(e, body);
  }
  const result = await body.done;
  c.usage.bytesIn = body.length;
  countWrite(c, key, body.length);
  const headers = new Headers({ ETag: `"${obj.etag}"` });
  if (checksum) {
    const value = checksum.value ?? result.checksums[checksum.algorithm]?.base64;
    if (value) headers.set(checksumHeaderName(checksum.algorithm), value);
  }
  return new Response(null, { status: 200, headers });
}

/** Headers and status of a read; the body (GET only) is attached by the caller. */
async function readObject(c: S3Context, head: boolean): Promise<Response> {
  const { bucket, key } = requireKey(c);
  const q = c.url.searchParams;
  checkVersionId(q);
  const part = q.get("partNumber");
  if (part !== null && part !== "1")
    throw new S3Error("NotImplemented", "Reading an object by part number other than 1 is not implemented by this service.");
  if (!keyCanExist(c, bucket, key)) throw noSuchKey(key);
  const loc = locationOf(c, bucket, key);
  const conds = conditionHeaders(c.request.headers);
  const rangeHeader = c.request.headers.get("range");
  let obj: R2ObjectBody | R2Object | null;
  let range: { offset: number; length: number } | null = null;

  if (head || rangeHeader !== null || hasConditions(conds)) {
    const meta = await headObject(c.env, loc);
    if (!meta) throw noSuchKey(key);
    const outcome = evaluateConditions(conds, meta.etag, meta.uploaded);
    if (outcome === "not-modified") {
      return new Response(null, { status: 304, headers: { ETag: `"${meta.etag}"`, "Last-Modified": httpDate(meta.uploaded) } });
    }
    if (outcome === "precondition-failed") {
      throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
        Condition: conds.ifMatch !== null ? "If-Match" : "If-Unmodified-Since",
      });
    }
    const r = parseRange(rangeHeader, meta.size);
    if (r.kind === "unsatisfiable") {
      throw new S3Error(
        "InvalidRange",
        "The requested range is not satisfiable",
        { RangeRequested: rangeHeader ?? "", ActualObjectSize: String(meta.size) },
        { "Content-Range": `bytes */${meta.size}` },
      );
    }
    if (r.kind === "range") range = { offset: r.offset, length: r.length };
    if (head) obj = meta;
    else {
      // Bound to the version just checked: if it changed since, the read fails instead of mixing.
      obj = await getObject(c.env, loc, { ...(range ? { range } : {}), onlyIf: { etagMatches: meta.etag } });
      if (!obj || !("body" in obj))
        throw new S3Error("PreconditionFailed", "The object changed while it was being read; please retry.", { Condition: "If-Match" });
    }
  } else {
    obj = await getObject(c.env, loc);
    if (!obj) throw noSuchKey(key);
  }

  const meta = readMetadata(obj);
  const headers = objectHeaders(obj, meta);
  const length = range ? range.length : obj.size;
  headers.set("Content-Length", String(length));
  if (range) headers.set("Content-Range", `bytes ${range.offset}-${range.offset + range.length - 1}/${obj.size}`);
  if (!range && c.request.headers.get("x-amz-checksum-mode")?.toUpperCase() === "ENABLED") {
    const cs = await objectChecksum(c.env, loc, obj);
    if (cs) {
      headers.set(checksumHeaderName(cs.algorithm), cs.value);
      headers.set("x-amz-checksum-type", "FULL_OBJECT");
    }
  }
  applyOverrides(headers, q, c.identity.kind === "anonymous");
  const status = range ? 206 : 200;
  if (head) return new Response(null, { status, headers });
  c.usage.bytesOut = length;
  // Stored bytes go out exactly as stored: a gzip object stays gzip, whatever Content-Encoding says.
  return new Response(
    (obj as R2ObjectBody).body,
    headers.has("content-encoding") ? { status, headers, encodeBody: "manual" } : { status, headers },
  );
}

export const getObjectHandler = (c: S3Context) => readObject(c, false);
export const headObjectHandler = (c: S3Context) => readObject(c, true);

export async function deleteObject(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkVersionId(c.url.searchParams);
  if (keyCanExist(c, bucket, key)) {
    await deleteObjects(c.env, c.service.uuid, bucket, [key]);
    // Whether there was an object (and how large) is the meter's to know: no HEAD first.
    c.usage.removed = [key];
  }
  return new Response(null, { status: 204 });
}

/**
 * The source of CopyObject / UploadPartCopy: same service, readable by the caller (s3:GetObject
 * under the source bucket's policy), existing, and passing the x-amz-copy-source-if-* conditions.
 */
export async function copySource(c: S3Context): Promise<{ loc: ObjectLocation; head: R2Object }> {
  const src = parseCopySource(c.request.headers.get("x-amz-copy-source")!);
  if (src.versionId !== null && src.versionId !== "null")
    throw new S3Error("NoSuchVersion", "The specified version does not exist.", { Key: src.key, VersionId: src.versionId });
  const row = src.bucket === c.bucket ? c.bucketRow : await findBucketCached(c.env, c.service.uuid, src.bucket);
  if (!row) throw noSuchBucket(src.bucket);
  const policy = src.bucket === c.bucket ? c.bucketPolicy : bucketPolicyForEvaluation(row.policy);
  if (!(await c.authorizer.allowed("s3:GetObject", objectArn(src.bucket, src.key), policy))) throw accessDenied();
  const loc = locationOf(c, src.bucket, src.key);
  const head = keyCanExist(c, src.bucket, src.key) ? await headObject(c.env, loc) : null;
  if (!head) throw noSuchKey(src.key);
  const conds = conditionHeaders(c.request.headers, "x-amz-copy-source-");
  if (evaluateConditions(conds, head.etag, head.uploaded) !== "ok") {
    throw new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: "x-amz-copy-source-If-*",
    });
  }
  return { loc, head };
}

export async function copyObject(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkKeyLength(c, bucket, key);
  checkAcl(c.request.headers);
  const { loc: srcLoc, head } = await copySource(c);
  if (head.size > MAX_PUT_SIZE) {
    throw new S3Error(
      "InvalidRequest",
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_SIZE}`,
    );
  }
  const directive = (c.request.headers.get("x-amz-metadata-directive") ?? "COPY").toUpperCase();
  if (directive !== "COPY" && directive !== "REPLACE") {
    throw new S3Error("InvalidArgument", "Unknown metadata directive.", {
      ArgumentName: "x-amz-metadata-directive",
      ArgumentValue: directive,
    });
  }
  const dest = locationOf(c, bucket, key);
  const sameObject = srcLoc.bucket === bucket && srcLoc.key === key;
  if (sameObject && directive === "COPY") {
    throw new S3Error(
      "InvalidRequest",
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  const srcMeta = readMetadata(head);
  const srcChecksum = await objectChecksum(c.env, srcLoc, head);
  const meta: WriteMetadata =
    directive === "COPY"
      ? { ...srcMeta, checksum: srcChecksum ?? undefined }
      : { ...writeMetadata(c.request.headers), checksum: srcChecksum ?? undefined };
  const src = await getObject(c.env, srcLoc, { onlyIf: { etagMatches: head.etag } });
  if (!src || !("body" in src))
    throw new S3Error("PreconditionFailed", "The copy source changed while it was being copied; please retry.", {
      Condition: "x-amz-copy-source-If-Match",
    });
  let obj: R2Object;
  try {
    obj = await storeObject(c.env, dest, src.body, head.size, meta);
  } catch (e) {
    throw uploadError(e);
  }
  countWrite(c, key, head.size);
  return xmlResponse(
    200,
    renderXml("CopyObjectResult", {
      LastModified: obj.uploaded.toISOString(),
      ETag: `"${obj.etag}"`,
      ...(srcChecksum ? { [`Checksum${srcChecksum.algorithm}`]: srcChecksum.value } : {}),
    }),
  );
}

function aclXml(owner: { id: string; displayName: string }): string {
  return renderXml("AccessControlPolicy", {
    Owner: { ID: owner.id, DisplayName: owner.displayName },
    AccessControlList: {
      Grant: [
        {
          Grantee: {
            "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "@_xsi:type": "CanonicalUser",
            ID: owner.id,
            DisplayName: owner.displayName,
          },
          Permission: "FULL_CONTROL",
        },
      ],
    },
  });
}

/** Owner-only ACLs: this service keeps none, so every bucket and object answers FULL_CONTROL for its owner. */
export function ownerAcl(c: S3Context): Response {
  return xmlResponse(200, aclXml(ownerOf(c.identity)));
}

export async function getObjectAcl(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkVersionId(c.url.searchParams);
  if (!keyCanExist(c, bucket, key) || !(await headObject(c.env, locationOf(c, bucket, key)))) throw noSuchKey(key);
  return ownerAcl(c);
}

/**
 * Accepts the owner-only canned ACLs (x-amz-acl: private) and nothing that could grant others:
 * an AccessControlPolicy body is refused like any other grant.
 */
export function checkPutAcl(c: S3Context): void {
  checkAcl(c.request.headers);
  const length = c.request.headers.get("content-length");
  if (c.request.body !== null && length !== "0") {
    throw new S3Error("AccessControlListNotSupported", "The bucket does not allow ACLs. Use a bucket policy to grant access.");
  }
}

export async function putObjectAcl(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkPutAcl(c);
  if (!keyCanExist(c, bucket, key) || !(await headObject(c.env, locationOf(c, bucket, key)))) throw noSuchKey(key);
  return new Response(null, { status: 200 });
}
