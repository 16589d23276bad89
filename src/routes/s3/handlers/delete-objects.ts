import { objectArn } from "../../../core/s3/authorize";
import { deleteObjects as removeObjects } from "../../../storage/objects";
import { requireBucket, type S3Context } from "../context";
import { malformedXml, S3Error } from "../errors";
import { listOf, parseXml, renderXml, textOf, xmlResponse, type XmlNode } from "../xml";
import { keyCanExist } from "./common";
import { smallBody } from "./buckets";

const MAX_KEYS = 1000;
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

  const results: { key: string; versionId?: string | undefined; error?: [string, string] }[] = [];
  for (const it of items) {
    if (it.versionId !== undefined && it.versionId !== "null")
      results.push({ ...it, error: ["NoSuchVersion", "The specified version does not exist."] });
    else if (!(await c.authorizer.allowed("s3:DeleteObject", objectArn(bucket, it.key), c.bucketPolicy)))
      results.push({ ...it, error: ["AccessDenied", "Access Denied"] });
    else results.push(it);
  }
  const doomed = [...new Set(results.filter((r) => !r.error && keyCanExist(c, bucket, r.key)).map((r) => r.key))];
  if (doomed.length) await removeObjects(c.env, c.service.uuid, bucket, doomed);
  // What each key held is the meter's to know (its object index): no HEAD per key.
  c.usage.removed = doomed;

  const deleted: XmlNode[] = [];
  const errors: XmlNode[] = [];
  for (const r of results) {
    if (r.error)
      errors.push({ Key: r.key, ...(r.versionId !== undefined ? { VersionId: r.versionId } : {}), Code: r.error[0], Message: r.error[1] });
    else if (!quiet) deleted.push({ Key: r.key, ...(r.versionId !== undefined ? { VersionId: r.versionId } : {}) });
  }
  return xmlResponse(200, renderXml("DeleteResult", { Deleted: deleted, Error: errors }));
}
