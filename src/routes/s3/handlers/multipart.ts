import { ownerOf } from "../../../core/s3/authorize";
import { parseRange } from "../../../core/s3/conditions";
import { MAX_PART_NUMBER, MAX_PUT_SIZE, MIN_PART_SIZE } from "../../../core/s3/rules";
import { createChecksumStream, type ChecksumAlgorithm } from "../../../core/sigv4";
import {
  abortUpload,
  completeUpload,
  createUpload,
  findUpload,
  getObject,
  headObject,
  listParts,
  listUploads,
  uploadPart,
  type PartRow,
  type UploadRow,
} from "../../../storage/objects";
import { requireBucket, requireKey, type S3Context } from "../context";
import { malformedXml, noSuchUpload, S3Error } from "../errors";
import { checksumHeaderName, declaredAlgorithm, requestChecksum, writeMetadata } from "../metadata";
import { listOf, parseXml, renderXml, textOf, xmlResponse, type XmlNode } from "../xml";
import { smallBody } from "./buckets";
import { checkKeyLength, locationOf, uploadBody, uploadError } from "./common";
import { encoder, maxKeysParam } from "./list";
import { copySource } from "./objects";

async function theUpload(c: S3Context): Promise<{ upload: UploadRow; bucket: string; key: string }> {
  const { bucket, key } = requireKey(c);
  const uploadId = c.url.searchParams.get("uploadId") ?? "";
  const upload = uploadId ? await findUpload(c.env, locationOf(c, bucket, key), uploadId) : null;
  if (!upload) throw noSuchUpload(uploadId);
  return { upload, bucket, key };
}

function partNumberParam(q: URLSearchParams): number {
  const raw = q.get("partNumber") ?? "";
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER) {
    throw new S3Error("InvalidArgument", `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: "partNumber",
      ArgumentValue: raw,
    });
  }
  return n;
}

export async function createMultipartUpload(c: S3Context): Promise<Response> {
  const { bucket, key } = requireKey(c);
  checkKeyLength(c, bucket, key);
  const meta = writeMetadata(c.request.headers);
  const algorithm = declaredAlgorithm(c.request.headers);
  await c.request.body?.cancel();
  const owner = ownerOf(c.identity);
  const upload = await createUpload(c.env, locationOf(c, bucket, key), meta, { id: owner.id, name: owner.displayName }, algorithm);
  const headers = new Headers();
  if (algorithm) headers.set("x-amz-checksum-algorithm", algorithm);
  return xmlResponse(200, renderXml("InitiateMultipartUploadResult", { Bucket: bucket, Key: key, UploadId: upload.uploadId }), headers);
}

/** Checksum of the part to compute and keep: the upload's algorithm, or the one the part carries. */
function partChecksum(c: S3Context, upload: UploadRow): { algorithm: Exclude<ChecksumAlgorithm, "MD5">; value: string | null } | null {
  const sent = requestChecksum(c.request.headers);
  if (sent) return sent;
  return upload.checksumAlgorithm ? { algorithm: upload.checksumAlgorithm as Exclude<ChecksumAlgorithm, "MD5">, value: null } : null;
}

export async function uploadPartHandler(c: S3Context): Promise<Response> {
  const partNumber = partNumberParam(c.url.searchParams);
  const { upload } = await theUpload(c);
  const checksum = partChecksum(c, upload);
  const algorithms: ChecksumAlgorithm[] = ["MD5", ...(checksum ? [checksum.algorithm] : [])];
  const body = uploadBody(c, algorithms, MAX_PUT_SIZE);
  let part: PartRow;
  try {
    part = await uploadPart(c.env, upload, partNumber, body.body, body.length, async () => {
      const result = await body.done;
      return { md5Hex: result.checksums.MD5!.hex, checksum: checksum ? (result.checksums[checksum.algorithm]?.base64 ?? null) : null };
    });
  } catch (e) {
    throw uploadError(e);
  }
  c.usage.bytesIn = body.length;
  const headers = new Headers({ ETag: `"${part.etag}"` });
  if (checksum && part.checksum) headers.set(checksumHeaderName(checksum.algorithm), part.checksum);
  return new Response(null, { status: 200, headers });
}

export async function uploadPartCopy(c: S3Context): Promise<Response> {
  const partNumber = partNumberParam(c.url.searchParams);
  const { upload } = await theUpload(c);
  const { loc, head } = await copySource(c);
  const rangeHeader = c.request.headers.get("x-amz-copy-source-range");
  let offset = 0;
  let length = head.size;
  if (rangeHeader !== null) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeHeader.trim());
    const r = m ? parseRange(rangeHeader, head.size) : null;
    if (!m || !r || r.kind !== "range" || Number(m[2]) >= head.size) {
      throw new S3Error("InvalidRange", "The requested range is not satisfiable", {
        RangeRequested: rangeHeader,
        ActualObjectSize: String(head.size),
      });
    }
    offset = r.offset;
    length = r.length;
  }
  if (length > MAX_PUT_SIZE)
    throw new S3Error(
      "InvalidRequest",
      `The specified copy source is larger than the maximum allowable size for a copy source: ${MAX_PUT_SIZE}`,
    );
  const src = await getObject(c.env, loc, { range: { offset, length }, onlyIf: { etagMatches: head.etag } });
  if (!src || !("body" in src))
    throw new S3Error("PreconditionFailed", "The copy source changed while it was being copied; please retry.", {
      Condition: "x-amz-copy-source-If-Match",
    });
  const algorithms: ChecksumAlgorithm[] = ["MD5", ...(upload.checksumAlgorithm ? [upload.checksumAlgorithm as ChecksumAlgorithm] : [])];
  const hashing = createChecksumStream(algorithms);
  let part: PartRow;
  try {
    part = await uploadPart(c.env, upload, partNumber, src.body.pipeThrough(hashing), length, async () => {
      const d = await hashing.digests;
      return {
        md5Hex: d.MD5!.hex,
        checksum: upload.checksumAlgorithm ? (d[upload.checksumAlgorithm as ChecksumAlgorithm]?.base64 ?? null) : null,
      };
    });
  } catch (e) {
    throw uploadError(e);
  }
  return xmlResponse(
    200,
    renderXml("CopyPartResult", {
      LastModified: new Date(part.lastModified).toISOString(),
      ETag: `"${part.etag}"`,
      ...(upload.checksumAlgorithm && part.checksum ? { [`Checksum${upload.checksumAlgorithm}`]: part.checksum } : {}),
    }),
  );
}

const unquote = (etag: string) => etag.trim().replace(/^"(.*)"$/, "$1");

export async function completeMultipartUpload(c: S3Context): Promise<Response> {
  const { upload, bucket, key } = await theUpload(c);
  const doc = parseXml(await smallBody(c, 2 * 1024 * 1024), "CompleteMultipartUpload");
  const requested = listOf(doc, "Part").map((p) => {
    const num = textOf(p, "PartNumber")?.trim() ?? "";
    const etag = textOf(p, "ETag");
    if (!/^\d+$/.test(num) || etag === undefined) throw malformedXml();
    const checksums: Record<string, string> = {};
    for (const alg of ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]) {
      const v = textOf(p, `Checksum${alg}`);
      if (v !== undefined) checksums[alg] = v.trim();
    }
    return { partNumber: Number(num), etag: unquote(etag), checksums };
  });
  if (requested.length === 0) throw new S3Error("MalformedXML", "You must specify at least one part");
  for (let i = 1; i < requested.length; i++) {
    if (requested[i]!.partNumber <= requested[i - 1]!.partNumber) {
      throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", {
        UploadId: upload.uploadId,
      });
    }
  }
  const stored = new Map((await listParts(c.env, upload.uploadId)).map((p) => [p.partNumber, p]));
  const invalidPart = (n: number) =>
    new S3Error(
      "InvalidPart",
      "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      {
        UploadId: upload.uploadId,
        PartNumber: String(n),
      },
    );
  const parts = requested.map((r) => {
    const p = stored.get(r.partNumber);
    if (!p || p.etag !== r.etag) throw invalidPart(r.partNumber);
    for (const [alg, value] of Object.entries(r.checksums)) {
      if (alg === upload.checksumAlgorithm && p.checksum !== null && p.checksum !== value) throw invalidPart(r.partNumber);
    }
    return p;
  });
  parts.slice(0, -1).forEach((p) => {
    if (p.size < MIN_PART_SIZE) {
      throw new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", {
        UploadId: upload.uploadId,
        PartNumber: String(p.partNumber),
        ProposedSize: String(p.size),
        MinSizeAllowed: String(MIN_PART_SIZE),
      });
    }
  });
  // R2 assembles only parts of one size (the last may be smaller): a storage restriction S3 lacks.
  const size0 = parts[0]!.size;
  const odd =
    parts.slice(0, -1).find((p) => p.size !== size0) ??
    (parts.length > 1 && parts[parts.length - 1]!.size > size0 ? parts[parts.length - 1] : undefined);
  if (odd) {
    throw new S3Error(
      "InvalidPart",
      `This service stores multipart objects whose parts all have the same size, except a smaller last part: part ${odd.partNumber} has ${odd.size} bytes, part ${parts[0]!.partNumber} has ${size0}.`,
      { UploadId: upload.uploadId, PartNumber: String(odd.partNumber) },
    );
  }
  const obj = await completeUpload(c.env, upload, parts);
  c.usage.wrote = { key, size: obj.size };
  const path = key.split("/").map(encodeURIComponent).join("/");
  const location = `${c.url.origin}/${c.virtualHosted ? "" : `${encodeURIComponent(bucket)}/`}${path}`;
  return xmlResponse(
    200,
    renderXml("CompleteMultipartUploadResult", { Location: location, Bucket: bucket, Key: key, ETag: `"${obj.etag}"` }),
  );
}

export async function abortMultipartUpload(c: S3Context): Promise<Response> {
  const { upload } = await theUpload(c);
  await abortUpload(c.env, upload);
  return new Response(null, { status: 204 });
}

function ownerXml(id: string, name: string): XmlNode {
  return { ID: id, DisplayName: name };
}

export async function listPartsHandler(c: S3Context): Promise<Response> {
  const { upload, bucket, key } = await theUpload(c);
  const q = c.url.searchParams;
  const maxParts = maxKeysParam(q, "max-parts");
  const markerRaw = q.get("part-number-marker") ?? "0";
  if (!/^\d+$/.test(markerRaw))
    throw new S3Error("InvalidArgument", "Provided part-number-marker not an integer", {
      ArgumentName: "part-number-marker",
      ArgumentValue: markerRaw,
    });
  const rows = maxParts === 0 ? [] : await listParts(c.env, upload.uploadId, Number(markerRaw), maxParts + 1);
  const page = rows.slice(0, maxParts);
  const truncated = rows.length > page.length;
  const alg = upload.checksumAlgorithm;
  return xmlResponse(
    200,
    renderXml("ListPartsResult", {
      Bucket: bucket,
      Key: key,
      UploadId: upload.uploadId,
      Initiator: ownerXml(upload.ownerId, upload.ownerName),
      Owner: ownerXml(upload.ownerId, upload.ownerName),
      StorageClass: "STANDARD",
      PartNumberMarker: Number(markerRaw),
      ...(page.length ? { NextPartNumberMarker: page[page.length - 1]!.partNumber } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      ...(alg ? { ChecksumAlgorithm: alg } : {}),
      Part: page.map((p) => ({
        PartNumber: p.partNumber,
        LastModified: new Date(p.lastModified).toISOString(),
        ETag: `"${p.etag}"`,
        Size: p.size,
        ...(alg && p.checksum ? { [`Checksum${alg}`]: p.checksum } : {}),
      })),
    }),
  );
}

export async function listMultipartUploads(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const q = c.url.searchParams;
  const { encode, echo } = encoder(q);
  const prefix = q.get("prefix") ?? "";
  const delimiter = q.get("delimiter") ?? "";
  const maxUploads = maxKeysParam(q, "max-uploads");
  const keyMarker = q.get("key-marker") || undefined;
  const uploadIdMarker = keyMarker ? q.get("upload-id-marker") || undefined : undefined;
  let rows =
    maxUploads === 0 ? [] : await listUploads(c.env, c.service.uuid, bucket, { prefix, keyMarker, uploadIdMarker, maxUploads: 10_000 });
  // A key marker that is a common prefix (a previous page's NextKeyMarker) skips that whole prefix.
  if (delimiter && keyMarker?.endsWith(delimiter)) rows = rows.filter((r) => !r.key.startsWith(keyMarker));
  // Roll keys up into common prefixes, counting each prefix once against max-uploads.
  const uploads: UploadRow[] = [];
  const common: string[] = [];
  let truncated = false;
  let next: { key: string; uploadId: string | null } | null = null;
  for (const r of rows) {
    const rest = r.key.slice(prefix.length);
    const d = delimiter ? rest.indexOf(delimiter) : -1;
    const cp = d >= 0 ? prefix + rest.slice(0, d + delimiter.length) : null;
    if (cp !== null && common[common.length - 1] === cp) continue;
    if (uploads.length + common.length >= maxUploads) {
      truncated = true;
      break;
    }
    if (cp !== null) {
      common.push(cp);
      next = { key: cp, uploadId: null };
    } else {
      uploads.push(r);
      next = { key: r.key, uploadId: r.uploadId };
    }
  }
  const owner = (r: UploadRow) => ownerXml(r.ownerId, r.ownerName);
  return xmlResponse(
    200,
    renderXml("ListMultipartUploadsResult", {
      Bucket: bucket,
      KeyMarker: encode(keyMarker ?? ""),
      UploadIdMarker: uploadIdMarker ?? "",
      ...(truncated && next ? { NextKeyMarker: encode(next.key), ...(next.uploadId ? { NextUploadIdMarker: next.uploadId } : {}) } : {}),
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      Prefix: encode(prefix),
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      ...echo,
      Upload: uploads.map((u) => ({
        Key: encode(u.key),
        UploadId: u.uploadId,
        Initiator: owner(u),
        Owner: owner(u),
        StorageClass: "STANDARD",
        Initiated: new Date(u.initiatedAt).toISOString(),
        ...(u.checksumAlgorithm ? { ChecksumAlgorithm: u.checksumAlgorithm } : {}),
      })),
      CommonPrefixes: common.map((p) => ({ Prefix: encode(p) })),
    }),
  );
}
