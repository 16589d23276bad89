/**
 * The R2 object store of the S3 data plane. Object bytes stream straight between the client and
 * R2 (FixedLengthStream: R2 needs the length of a streamed body up front); per-object metadata
 * rides on the R2 object itself:
 *   httpMetadata    Content-Type, -Encoding, -Disposition, -Language, Cache-Control
 *   customMetadata  x-amz-meta-* under their lower-case names (no prefix), plus internal entries
 *                   whose names begin with ":" (never a valid header name, so never a user's):
 *                   ":exp" the Expires header as sent, ":cs" the object checksum "<ALG>:<base64>"
 *                   or "<ALG>:~" when the value arrived in a trailer and lives in a side record.
 * Side records (`s/<service>/.cs/<bucket>/<key>`, outside every bucket since bucket names cannot
 * begin with "."): a trailer checksum is known only once the body has been stored, after R2 fixed
 * the object's metadata, so it is written next to it with the object's version and trusted only
 * while that version is current.
 *
 * Multipart uploads use R2's native multipart API; D1 records each upload and part (R2's binding
 * cannot list them) so ListMultipartUploads, ListParts and purges can find them.
 */
import { and, asc, eq, gt, gte } from "drizzle-orm";
import type { ChecksumAlgorithm } from "../core/sigv4";
import { isoMicro } from "../lib/time";
import { s3MultipartParts, s3MultipartUploads } from "../schema/s3.tables";
import { purgePrefix } from "../core/purge";
import { db } from "./db";
import { bucketPrefix, objectKey, servicePrefix } from "./keys";

export interface ObjectLocation {
  serviceUuid: string;
  bucket: string;
  key: string;
}

const r2KeyOf = (loc: ObjectLocation) => objectKey(loc.serviceUuid, loc.bucket, loc.key);
/** Where a bucket's side records live (outside the bucket's own prefix, so never listed as objects). */
const sideRecordPrefix = (serviceUuid: string, bucket: string) => `${servicePrefix(serviceUuid)}.cs/${bucket}/`;
const sideKeyOf = (loc: ObjectLocation) => sideRecordPrefix(loc.serviceUuid, loc.bucket) + loc.key;

/** Algorithms whose checksum S3 stores with an object (MD5 is the ETag, not a checksum). */
export type ObjectChecksumAlgorithm = Exclude<ChecksumAlgorithm, "MD5">;

export interface StoredChecksum {
  algorithm: ObjectChecksumAlgorithm;
  /** base64; null when it arrives in a trailer (known only after the body). */
  value: string | null;
}

export interface WriteMetadata {
  http: R2HTTPMetadata;
  user: Record<string, string>;
  expires?: string | undefined;
  checksum?: StoredChecksum | undefined;
}

const EXPIRES = ":exp";
const CHECKSUM = ":cs";
const PENDING = "~";

function customMetadata(meta: WriteMetadata): Record<string, string> {
  const out: Record<string, string> = { ...meta.user };
  if (meta.expires !== undefined) out[EXPIRES] = meta.expires;
  if (meta.checksum) out[CHECKSUM] = `${meta.checksum.algorithm}:${meta.checksum.value ?? PENDING}`;
  return out;
}

/** The metadata a stored object was written with, in the shape a copy or a response needs. */
export function readMetadata(obj: R2Object): WriteMetadata {
  const user: Record<string, string> = {};
  let expires: string | undefined;
  let checksum: StoredChecksum | undefined;
  for (const [k, v] of Object.entries(obj.customMetadata ?? {})) {
    if (!k.startsWith(":")) user[k] = v;
    else if (k === EXPIRES) expires = v;
    else if (k === CHECKSUM) {
      const i = v.indexOf(":");
      if (i > 0)
        checksum = { algorithm: v.slice(0, i) as ObjectChecksumAlgorithm, value: v.slice(i + 1) === PENDING ? null : v.slice(i + 1) };
    }
  }
  const http: R2HTTPMetadata = {};
  const h = obj.httpMetadata ?? {};
  if (h.contentType !== undefined) http.contentType = h.contentType;
  if (h.contentEncoding !== undefined) http.contentEncoding = h.contentEncoding;
  if (h.contentDisposition !== undefined) http.contentDisposition = h.contentDisposition;
  if (h.contentLanguage !== undefined) http.contentLanguage = h.contentLanguage;
  if (h.cacheControl !== undefined) http.cacheControl = h.cacheControl;
  return { http, user, expires, checksum };
}

/** The object's checksum, reading the side record for a trailer checksum; null when it has none. */
export async function objectChecksum(
  env: Env,
  loc: ObjectLocation,
  obj: R2Object,
): Promise<{ algorithm: ObjectChecksumAlgorithm; value: string } | null> {
  const cs = readMetadata(obj).checksum;
  if (!cs) return null;
  if (cs.value !== null) return { algorithm: cs.algorithm, value: cs.value };
  const side = await env.OBJECTS.get(sideKeyOf(loc));
  if (!side) return null;
  try {
    const rec = JSON.parse(await side.text()) as { v?: string; c?: string };
    return rec.v === obj.version && typeof rec.c === "string" ? { algorithm: cs.algorithm, value: rec.c } : null;
  } catch {
    return null;
  }
}

/** Thrown when the body stream fails (a failed integrity check): the caller answers with it. */
export class BodyStreamError extends Error {
  constructor(readonly reason: unknown) {
    super("request body failed");
  }
}

/**
 * Pipes `body` (exactly `length` bytes) into `write`. When the body errors (short, long, or a
 * failed check), the R2 write fails too and the body's error is what is thrown.
 */
async function streamInto<T>(body: ReadableStream<Uint8Array>, length: number, write: (s: ReadableStream) => Promise<T>): Promise<T> {
  const fixed = new FixedLengthStream(length);
  const pipe = body.pipeTo(fixed.writable);
  const [w, p] = await Promise.allSettled([write(fixed.readable), pipe]);
  if (p.status === "rejected") throw new BodyStreamError(p.reason);
  if (w.status === "rejected") throw w.reason;
  return w.value;
}

/**
 * A request's own body, handed to R2 as it is: no FixedLengthStream and no pipe in between (what
 * a bare R2 Worker does; measurably cheaper for small objects). R2 takes it when the runtime knows
 * its length (a request from the network, or one built from bytes); a stream of unknown length is
 * refused before anything is read, and then null sends the caller to the piped path. A stored
 * size other than `length` (only possible for a request built in-process with a Content-Length
 * that is not its body's) is removed again and refused like a short body.
 */
async function putSized(
  env: Env,
  key: string,
  body: ReadableStream<Uint8Array>,
  length: number,
  options: R2PutOptions,
): Promise<R2Object | null> {
  let obj: R2Object;
  try {
    obj = (await env.OBJECTS.put(key, body, options))!;
  } catch (e) {
    if (e instanceof TypeError && /known length/i.test(e.message) && !body.locked) return null;
    throw e;
  }
  if (obj.size !== length) {
    await env.OBJECTS.delete(key);
    throw new BodyStreamError(new Error("the body's length is not its Content-Length"));
  }
  return obj;
}

/**
 * Stores an object. `trailerChecksum` resolves to the checksum that arrived after the body (when
 * `meta.checksum.value` is null); it is written as a side record bound to the new version.
 */
export async function putObject(
  env: Env,
  loc: ObjectLocation,
  body: ReadableStream<Uint8Array>,
  length: number,
  meta: WriteMetadata,
  trailerChecksum?: () => Promise<string | undefined>,
  /** A digest for R2 to check while it stores the bytes (it refuses a mismatch, storing nothing). */
  check?: { sha256: string } | { md5: string },
  /** The body is a request's own stream: try handing it to R2 as it is (see putSized). */
  direct = false,
): Promise<R2Object> {
  const options = { httpMetadata: meta.http, customMetadata: customMetadata(meta), ...check };
  const obj =
    (direct ? await putSized(env, r2KeyOf(loc), body, length, options) : null) ??
    (await streamInto(body, length, (s) => env.OBJECTS.put(r2KeyOf(loc), s, options)));
  if (meta.checksum && meta.checksum.value === null && trailerChecksum) {
    const value = await trailerChecksum();
    if (value) await env.OBJECTS.put(sideKeyOf(loc), JSON.stringify({ v: obj.version, c: value }));
  }
  return obj;
}

export function headObject(env: Env, loc: ObjectLocation): Promise<R2Object | null> {
  return env.OBJECTS.head(r2KeyOf(loc));
}

export function getObject(env: Env, loc: ObjectLocation, options: R2GetOptions = {}): Promise<R2ObjectBody | R2Object | null> {
  return env.OBJECTS.get(r2KeyOf(loc), options);
}

/** Deletes objects (and their side records) of one bucket; absent keys are no-ops. */
export async function deleteObjects(env: Env, serviceUuid: string, bucket: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500).flatMap((key) => {
      const loc = { serviceUuid, bucket, key };
      return [r2KeyOf(loc), sideKeyOf(loc)];
    });
    await env.OBJECTS.delete(batch);
  }
}

// ------------------------------------------------------------------ listing

export interface ListEntry {
  key: string;
  size: number;
  etag: string;
  uploaded: Date;
}

export interface ListPage {
  objects: ListEntry[];
  prefixes: string[];
  truncated: boolean;
  /** Opaque position to continue after the last entry returned. */
  cursor: string | null;
  /** The last key or common prefix returned (NextMarker). */
  last: string | null;
}

export interface ListQuery {
  prefix: string;
  delimiter: string;
  /** Start after this key (marker, start-after); ignored when `cursor` is given. */
  startAfter?: string | undefined;
  cursor?: string | undefined;
  maxKeys: number;
}

/** Raised when a continuation token is not one this service issued. */
export class BadCursorError extends Error {}

/**
 * One page of a bucket listing in S3's terms: at most `maxKeys` keys and common prefixes
 * together, in key order. R2 may return short pages, so this keeps reading until the page is full.
 */
export async function listObjects(env: Env, serviceUuid: string, bucket: string, q: ListQuery): Promise<ListPage> {
  const base = bucketPrefix(serviceUuid, bucket);
  const page: ListPage = { objects: [], prefixes: [], truncated: false, cursor: null, last: null };
  // A start position that is itself a common prefix: R2 would roll the keys after it up into that
  // same prefix again, so it is skipped (S3 continues after every key under it).
  const skipPrefix = q.delimiter && q.startAfter !== undefined && q.startAfter.endsWith(q.delimiter) ? base + q.startAfter : null;
  let cursor = q.cursor;
  let startAfter = cursor === undefined && q.startAfter !== undefined ? base + q.startAfter : undefined;
  let count = 0;
  while (count < q.maxKeys) {
    let res: R2Objects;
    try {
      res = await env.OBJECTS.list({
        prefix: base + q.prefix,
        ...(q.delimiter ? { delimiter: q.delimiter } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
        ...(startAfter !== undefined ? { startAfter } : {}),
        limit: q.maxKeys - count,
      });
    } catch (e) {
      if (cursor !== undefined) throw new BadCursorError(String(e));
      throw e;
    }
    const entries: { name: string; object?: R2Object }[] = [
      ...res.objects.map((o) => ({ name: o.key, object: o })),
      ...res.delimitedPrefixes.filter((p) => p !== skipPrefix).map((p) => ({ name: p })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const name = e.name.slice(base.length);
      if (e.object) page.objects.push({ key: name, size: e.object.size, etag: e.object.etag, uploaded: e.object.uploaded });
      else page.prefixes.push(name);
      page.last = name;
      count++;
    }
    if (!res.truncated) return page;
    cursor = res.cursor;
    startAfter = undefined;
  }
  page.truncated = true;
  page.cursor = cursor ?? null;
  return page;
}

/** Whether the bucket holds at least one object under `prefix`. */
export async function anyObject(env: Env, serviceUuid: string, bucket: string, prefix = ""): Promise<boolean> {
  const res = await env.OBJECTS.list({ prefix: bucketPrefix(serviceUuid, bucket) + prefix, limit: 1 });
  return res.objects.length > 0;
}

// ------------------------------------------------------------------ multipart

export type UploadRow = typeof s3MultipartUploads.$inferSelect;
export type PartRow = typeof s3MultipartParts.$inferSelect;

export async function createUpload(
  env: Env,
  loc: ObjectLocation,
  meta: WriteMetadata,
  owner: { id: string; name: string },
  checksumAlgorithm: ObjectChecksumAlgorithm | null,
): Promise<UploadRow> {
  // A multipart object has no whole-object checksum of its own (S3's would be composite).
  const upload = await env.OBJECTS.createMultipartUpload(r2KeyOf(loc), {
    httpMetadata: meta.http,
    customMetadata: customMetadata({ ...meta, checksum: undefined }),
  });
  const row: UploadRow = {
    uploadId: upload.uploadId,
    serviceUuid: loc.serviceUuid,
    bucket: loc.bucket,
    key: loc.key,
    initiatedAt: isoMicro(),
    ownerId: owner.id,
    ownerName: owner.name,
    checksumAlgorithm,
  };
  await db(env).insert(s3MultipartUploads).values(row);
  return row;
}

/** The upload, when it exists for exactly this object of this service. */
export async function findUpload(env: Env, loc: ObjectLocation, uploadId: string): Promise<UploadRow | null> {
  const row = await db(env).select().from(s3MultipartUploads).where(eq(s3MultipartUploads.uploadId, uploadId)).get();
  if (!row || row.serviceUuid !== loc.serviceUuid || row.bucket !== loc.bucket || row.key !== loc.key) return null;
  return row;
}

export async function uploadPart(
  env: Env,
  upload: UploadRow,
  partNumber: number,
  body: ReadableStream<Uint8Array>,
  length: number,
  finish: () => Promise<{ md5Hex: string; checksum: string | null }>,
): Promise<PartRow> {
  const mp = env.OBJECTS.resumeMultipartUpload(objectKey(upload.serviceUuid, upload.bucket, upload.key), upload.uploadId);
  const part = await streamInto(body, length, (s) => mp.uploadPart(partNumber, s));
  const { md5Hex, checksum } = await finish();
  const row: PartRow = {
    uploadId: upload.uploadId,
    partNumber,
    etag: md5Hex,
    r2Etag: part.etag,
    size: length,
    checksum,
    lastModified: isoMicro(),
  };
  await db(env)
    .insert(s3MultipartParts)
    .values(row)
    .onConflictDoUpdate({
      target: [s3MultipartParts.uploadId, s3MultipartParts.partNumber],
      set: { etag: row.etag, r2Etag: row.r2Etag, size: row.size, checksum: row.checksum, lastModified: row.lastModified },
    });
  return row;
}

export async function listParts(env: Env, uploadId: string, afterPart = 0, limit = 10000): Promise<PartRow[]> {
  return db(env)
    .select()
    .from(s3MultipartParts)
    .where(and(eq(s3MultipartParts.uploadId, uploadId), gt(s3MultipartParts.partNumber, afterPart)))
    .orderBy(asc(s3MultipartParts.partNumber))
    .limit(limit)
    .all();
}

/** Assembles the object from the chosen parts (validated by the caller) and forgets the upload. */
export async function completeUpload(env: Env, upload: UploadRow, parts: PartRow[]): Promise<R2Object> {
  const mp = env.OBJECTS.resumeMultipartUpload(objectKey(upload.serviceUuid, upload.bucket, upload.key), upload.uploadId);
  const obj = await mp.complete(parts.map((p) => ({ partNumber: p.partNumber, etag: p.r2Etag })));
  await forgetUpload(env, upload.uploadId);
  return obj;
}

async function forgetUpload(env: Env, uploadId: string): Promise<void> {
  const d = db(env);
  await d.batch([
    d.delete(s3MultipartParts).where(eq(s3MultipartParts.uploadId, uploadId)),
    d.delete(s3MultipartUploads).where(eq(s3MultipartUploads.uploadId, uploadId)),
  ]);
}

export async function abortUpload(env: Env, upload: UploadRow): Promise<void> {
  try {
    await env.OBJECTS.resumeMultipartUpload(objectKey(upload.serviceUuid, upload.bucket, upload.key), upload.uploadId).abort();
  } catch {
    // Already gone in R2 (completed elsewhere or expired): the record still has to go.
  }
  await forgetUpload(env, upload.uploadId);
}

export interface UploadListQuery {
  prefix: string;
  keyMarker?: string | undefined;
  uploadIdMarker?: string | undefined;
  maxUploads: number;
}

/**
 * Uploads of a bucket ordered by key, then initiation; at most `maxUploads + 1` (the extra one
 * tells the caller the listing is truncated).
 */
export async function listUploads(env: Env, serviceUuid: string, bucket: string, q: UploadListQuery): Promise<UploadRow[]> {
  const lower = q.keyMarker !== undefined && q.keyMarker > q.prefix ? q.keyMarker : q.prefix;
  const rows = await db(env)
    .select()
    .from(s3MultipartUploads)
    .where(and(eq(s3MultipartUploads.serviceUuid, serviceUuid), eq(s3MultipartUploads.bucket, bucket), gte(s3MultipartUploads.key, lower)))
    .orderBy(asc(s3MultipartUploads.key), asc(s3MultipartUploads.initiatedAt), asc(s3MultipartUploads.uploadId))
    .limit(UPLOAD_SCAN_LIMIT)
    .all();
  const out: UploadRow[] = [];
  let passedIdMarker = !q.uploadIdMarker;
  for (const r of rows) {
    if (!r.key.startsWith(q.prefix)) {
      if (r.key > q.prefix) break; // sorted: nothing later can match
      continue;
    }
    if (q.keyMarker !== undefined && r.key <= q.keyMarker) {
      // Uploads of the marker key itself come after the upload-id-marker, when one is given.
      if (r.key === q.keyMarker && q.uploadIdMarker) {
        if (passedIdMarker) out.push(r);
        else if (r.uploadId === q.uploadIdMarker) passedIdMarker = true;
      }
      continue;
    }
    out.push(r);
    if (out.length > q.maxUploads) break;
  }
  return out;
}

/** Uploads of one bucket read per listing; a bucket with more in-progress uploads lists them in pages. */
const UPLOAD_SCAN_LIMIT = 5000;

/**
 * Everything a bucket holds in storage: objects, checksum side records, multipart uploads in
 * progress. Bounded work per call (like purgePrefix); call again until `done`. Idempotent, so the
 * control plane's bucket purges can use it as well as DeleteBucket.
 */
export async function purgeBucketStorage(env: Env, serviceUuid: string, bucket: string, maxPages = 10): Promise<{ done: boolean }> {
  await abortUploads(env, serviceUuid, bucket);
  const objects = await purgePrefix(env.OBJECTS, bucketPrefix(serviceUuid, bucket), maxPages);
  if (!objects.done) return { done: false };
  return { done: (await purgePrefix(env.OBJECTS, sideRecordPrefix(serviceUuid, bucket), maxPages)).done };
}

/** Aborts every upload of a bucket (or of the whole service): bucket deletion and purges. */
async function abortUploads(env: Env, serviceUuid: string, bucket?: string): Promise<number> {
  const conds = [eq(s3MultipartUploads.serviceUuid, serviceUuid)];
  if (bucket !== undefined) conds.push(eq(s3MultipartUploads.bucket, bucket));
  const rows = await db(env)
    .select()
    .from(s3MultipartUploads)
    .where(and(...conds))
    .all();
  for (const row of rows) await abortUpload(env, row);
  return rows.length;
}
