import { objectArn } from "../../../core/s3/authorize";
import { deleteObjects as removeObjects, headObject } from "../../../storage/objects";
import { requireBucket, type S3Context } from "../context";
import { malformedXml, S3Error } from "../errors";
import { listOf, parseXml, renderXml, textOf, xmlResponse, type XmlNode } from "../xml";
import { keyCanExist, locationOf } from "./common";
import { smallBody } from "./buckets";

const MAX_KEYS = 1000;
/** HEADs in flight at once while sizing the objects to delete (exact usage totals). */
const HEAD_CONCURRENCY = 32;

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** POST /bucket?delete: up to 1000 keys, each decided and answered on its own. */
export async function deleteObjectsHandler(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const h = c.request.headers;
  // S3 requires an integrity header; current SDKs send a CRC32 checksum instead of Content-MD5.
  if (!h.has("content-md5") && ![...h.keys()].some((n) => n.startsWith("x-amz-checksum-") && n !== "x-amz-checksum-algorithm")) {
    throw new S3Error("InvalidRequest", "Missing required header for this request: Content-MD5");
  }
  const doc = parseXml(await smallBody(c, 2 * 1024 * 1024), "Delete");
  const objects = listOf(doc, "Object");
  if (objects.length === 0 || objects.length > MAX_KEYS) throw malformedXml();
  const quiet = (textOf(doc, "Quiet") ?? "false").trim().toLowerCase() === "true";
  const items = objects.map((o) => {
    const key = textOf(o, "Key");
    if (key === undefined || key === "") throw malformedXml();
    const versionId = textOf(o, "VersionId");
    return { key, versionId };
  });

  const results = await mapLimit(items, HEAD_CONCURRENCY, async (it): Promise<{ key: string; versionId?: string | undefined; error?: [string, string]; size?: number }> => {
    if (it.versionId !== undefined && it.versionId !== "null") return { ...it, error: ["NoSuchVersion", "The specified version does not exist."] };
    if (!(await c.authorizer.allowed("s3:DeleteObject", objectArn(bucket, it.key), c.bucketPolicy))) return { ...it, error: ["AccessDenied", "Access Denied"] };
    if (!keyCanExist(c, bucket, it.key)) return { ...it };
    const head = await headObject(c.env, locationOf(c, bucket, it.key));
    return { ...it, ...(head ? { size: head.size } : {}) };
  });
  const doomed = results.filter((r) => !r.error).map((r) => r.key);
  if (doomed.length) await removeObjects(c.env, c.service.uuid, bucket, [...new Set(doomed)]);
  const sized = new Map<string, number>();
  for (const r of results) if (!r.error && r.size !== undefined) sized.set(r.key, r.size);
  c.usage.objectsDeleted = sized.size;
  c.usage.bytesDeleted = [...sized.values()].reduce((a, b) => a + b, 0);

  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const r of results) {
    if (r.error) errors.push({ Key: r.key, ...(r.versionId !== undefined ? { VersionId: r.versionId } : {}), Code: r.error[0], Message: r.error[1] });
    else if (!quiet) deleted.push({ Key: r.key, ...(r.versionId !== undefined ? { VersionId: r.versionId } : {}) });
  }
  return xmlResponse(200, renderXml("DeleteResult", { Deleted: deleted, Error: errors }));
}
