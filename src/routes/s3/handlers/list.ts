import { ownerOf } from "../../../core/s3/authorize";
import { fromBase64, toBase64 } from "../../../core/sigv4";
import { BadCursorError, listObjects as listPage, type ListEntry, type ListPage } from "../../../storage/objects";
import { requireBucket, type S3Context } from "../context";
import { S3Error } from "../errors";
import { renderXml, xmlResponse, type XmlNode } from "../xml";

const MAX_KEYS = 1000;

export function maxKeysParam(q: URLSearchParams, name = "max-keys", max = MAX_KEYS): number {
  const raw = q.get(name);
  if (raw === null || raw === "") return max;
  if (!/^\d+$/.test(raw))
    throw new S3Error("InvalidArgument", `Provided ${name} not an integer or within integer range`, {
      ArgumentName: name,
      ArgumentValue: raw,
    });
  return Math.min(Number(raw), max);
}

/** encoding-type=url: keys percent-encoded (with "/" kept) so any byte survives XML. */
export function encoder(q: URLSearchParams): { encode: (s: string) => string; echo: XmlNode } {
  const type = q.get("encoding-type");
  if (type === null || type === "") return { encode: (s) => s, echo: {} };
  if (type !== "url")
    throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: type,
    });
  return {
    encode: (s) =>
      encodeURIComponent(s)
        .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%2F/g, "/"),
    echo: { EncodingType: "url" },
  };
}

/** Continuation tokens wrap the store's cursor, so a token this service did not issue is recognised. */
const TOKEN_PREFIX = "s1.";
const encodeToken = (cursor: string) => TOKEN_PREFIX + toBase64(new TextEncoder().encode(cursor)).replace(/\+/g, "-").replace(/\//g, "_");

function decodeToken(token: string): string {
  const bad = () => new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
  if (!token.startsWith(TOKEN_PREFIX)) throw bad();
  const bytes = fromBase64(token.slice(TOKEN_PREFIX.length).replace(/-/g, "+").replace(/_/g, "/"));
  if (!bytes) throw bad();
  return new TextDecoder().decode(bytes);
}

async function page(c: S3Context, bucket: string, q: Parameters<typeof listPage>[3]): Promise<ListPage> {
  if (q.maxKeys === 0) return { objects: [], prefixes: [], truncated: false, cursor: null, last: null };
  try {
    return await listPage(c.env, c.service.uuid, bucket, q);
  } catch (e) {
    if (e instanceof BadCursorError)
      throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
    throw e;
  }
}

function contents(c: S3Context, objects: ListEntry[], encode: (s: string) => string, withOwner: boolean): XmlNode[] {
  const owner = ownerOf(c.identity);
  return objects.map((o) => ({
    Key: encode(o.key),
    LastModified: o.uploaded.toISOString(),
    ETag: `"${o.etag}"`,
    Size: o.size,
    ...(withOwner ? { Owner: { ID: owner.id, DisplayName: owner.displayName } } : {}),
    StorageClass: "STANDARD",
  }));
}

const prefixes = (list: string[], encode: (s: string) => string) => list.map((p) => ({ Prefix: encode(p) }));

export async function listObjectsV2(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const q = c.url.searchParams;
  const { encode, echo } = encoder(q);
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const maxKeys = maxKeysParam(q);
  const token = q.get("continuation-token");
  const cursor = token === null ? undefined : decodeToken(token);
  const startAfter = q.get("start-after") ?? undefined;
  const p = await page(c, bucket, { prefix, delimiter, maxKeys, startAfter, cursor });
  return xmlResponse(
    200,
    renderXml("ListBucketResult", {
      Name: bucket,
      Prefix: encode(prefix),
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      MaxKeys: maxKeys,
      ...echo,
      KeyCount: p.objects.length + p.prefixes.length,
      IsTruncated: p.truncated,
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(p.truncated && p.cursor ? { NextContinuationToken: encodeToken(p.cursor) } : {}),
      ...(startAfter !== undefined ? { StartAfter: encode(startAfter) } : {}),
      Contents: contents(c, p.objects, encode, q.get("fetch-owner") === "true"),
      CommonPrefixes: prefixes(p.prefixes, encode),
    }),
  );
}

export async function listObjectsV1(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const q = c.url.searchParams;
  const { encode, echo } = encoder(q);
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const maxKeys = maxKeysParam(q);
  const marker = q.get("marker") ?? "";
  const p = await page(c, bucket, { prefix, delimiter, maxKeys, startAfter: marker || undefined });
  return xmlResponse(
    200,
    renderXml("ListBucketResult", {
      Name: bucket,
      Prefix: encode(prefix),
      Marker: encode(marker),
      // S3 gives NextMarker only with a delimiter; without one clients continue from the last key.
      ...(p.truncated && delimiter && p.last !== null ? { NextMarker: encode(p.last) } : {}),
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      IsTruncated: p.truncated,
      ...echo,
      Contents: contents(c, p.objects, encode, true),
      CommonPrefixes: prefixes(p.prefixes, encode),
    }),
  );
}

/** Unversioned buckets: every object is its only version, "null", and the latest. */
export async function listObjectVersions(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const q = c.url.searchParams;
  const { encode, echo } = encoder(q);
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const maxKeys = maxKeysParam(q);
  const keyMarker = q.get("key-marker") ?? "";
  const versionIdMarker = q.get("version-id-marker") ?? "";
  if (versionIdMarker && !keyMarker)
    throw new S3Error("InvalidArgument", "A version-id marker cannot be specified without a key marker.", {
      ArgumentName: "version-id-marker",
    });
  if (versionIdMarker && versionIdMarker !== "null")
    throw new S3Error("InvalidArgument", "Invalid version id specified", {
      ArgumentName: "version-id-marker",
      ArgumentValue: versionIdMarker,
    });
  const p = await page(c, bucket, { prefix, delimiter, maxKeys, startAfter: keyMarker || undefined });
  const owner = ownerOf(c.identity);
  const lastIsKey = p.last !== null && p.objects.length > 0 && p.objects[p.objects.length - 1]!.key === p.last;
  return xmlResponse(
    200,
    renderXml("ListVersionsResult", {
      Name: bucket,
      Prefix: encode(prefix),
      KeyMarker: encode(keyMarker),
      VersionIdMarker: versionIdMarker,
      ...(p.truncated && p.last !== null ? { NextKeyMarker: encode(p.last), ...(lastIsKey ? { NextVersionIdMarker: "null" } : {}) } : {}),
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      IsTruncated: p.truncated,
      ...echo,
      Version: p.objects.map((o) => ({
        Key: encode(o.key),
        VersionId: "null",
        IsLatest: true,
        LastModified: o.uploaded.toISOString(),
        ETag: `"${o.etag}"`,
        Size: o.size,
        Owner: { ID: owner.id, DisplayName: owner.displayName },
        StorageClass: "STANDARD",
      })),
      CommonPrefixes: prefixes(p.prefixes, encode),
    }),
  );
}
