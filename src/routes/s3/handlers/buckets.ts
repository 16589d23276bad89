import { ownerOf } from "../../../core/s3/authorize";
import { checkBucketPolicy, MAX_BUCKET_POLICY_BYTES } from "../../../core/s3/bucket-policy";
import {
  createBucket as insertBucket,
  deleteBucket as removeBucket,
  listBuckets as allBuckets,
  setBucketPolicy,
} from "../../../core/s3/buckets";
import { bucketNameProblem } from "../../../core/s3/rules";
import { AuthError, readBody } from "../../../core/sigv4";
import { requireBucket, type S3Context } from "../context";
import { fromAuthError, noSuchBucket, S3Error } from "../errors";
import { checkAcl } from "../metadata";
import { parseXml, renderTextXml, renderXml, xmlResponse } from "../xml";
import { checkPutAcl, ownerAcl } from "./objects";

/** Reads a small request body (XML or JSON), checked like any payload. */
export async function smallBody(c: S3Context, maxBytes: number): Promise<string> {
  try {
    const { bytes } = await readBody(c.request, c.auth, { maxBytes });
    return new TextDecoder().decode(bytes);
  } catch (e) {
    if (e instanceof AuthError) throw fromAuthError(e);
    throw e;
  }
}

const isoMillis = (iso: string) => new Date(iso).toISOString();

export async function listBuckets(c: S3Context): Promise<Response> {
  const q = c.url.searchParams;
  const prefix = q.get("prefix") ?? "";
  const after = q.get("continuation-token");
  const maxRaw = q.get("max-buckets");
  const max = maxRaw === null ? Infinity : Number(maxRaw);
  if (maxRaw !== null && (!/^\d+$/.test(maxRaw) || max < 1 || max > 10000)) {
    throw new S3Error("InvalidArgument", "max-buckets must be an integer between 1 and 10000", {
      ArgumentName: "max-buckets",
      ArgumentValue: maxRaw,
    });
  }
  const rows = (await allBuckets(c.env, c.service.uuid)).filter((b) => b.name.startsWith(prefix) && (after === null || b.name > after));
  const page = rows.slice(0, max);
  const truncated = rows.length > page.length;
  const owner = ownerOf(c.identity);
  return xmlResponse(
    200,
    renderXml("ListAllMyBucketsResult", {
      Owner: { ID: owner.id, DisplayName: owner.displayName },
      Buckets: page.length
        ? { Bucket: page.map((b) => ({ Name: b.name, CreationDate: isoMillis(b.createdAt), BucketRegion: c.service.region })) }
        : "",
      ...(truncated ? { ContinuationToken: page[page.length - 1]!.name } : {}),
      ...(q.has("prefix") ? { Prefix: prefix } : {}),
    }),
  );
}

export async function createBucket(c: S3Context): Promise<Response> {
  const bucket = c.bucket!;
  const problem = bucketNameProblem(bucket);
  if (problem) throw new S3Error("InvalidBucketName", `The specified bucket is not valid. ${problem}`, { BucketName: bucket });
  checkAcl(c.request.headers);
  if (c.request.headers.get("x-amz-bucket-object-lock-enabled")?.toLowerCase() === "true") {
    throw new S3Error("NotImplemented", "Object lock is not implemented by this service.");
  }
  const body = await smallBody(c, 64 * 1024);
  // Any LocationConstraint is accepted: a service lives in one region, whatever a client's default.
  if (body.trim()) parseXml(body, "CreateBucketConfiguration");
  const result = await insertBucket(c.env, c.service.uuid, bucket, c.ctx);
  if (result.kind === "exists") {
    throw new S3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", {
      BucketName: bucket,
    });
  }
  if (result.kind === "deleting") {
    throw new S3Error(
      "BucketAlreadyExists",
      "The requested bucket name is not available: a bucket of this name is still being deleted. Please try again later.",
      {
        BucketName: bucket,
      },
    );
  }
  return new Response(null, { status: 200, headers: { Location: `/${bucket}` } });
}

export async function headBucket(c: S3Context): Promise<Response> {
  return new Response(null, { status: 200, headers: { "x-amz-bucket-region": c.service.region } });
}

export async function deleteBucket(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const result = await removeBucket(c.env, c.service.uuid, bucket, c.ctx);
  if (result === "not-empty") throw new S3Error("BucketNotEmpty", "The bucket you tried to delete is not empty", { BucketName: bucket });
  if (result === "missing") throw noSuchBucket(bucket);
  return new Response(null, { status: 204 });
}

export async function getBucketLocation(c: S3Context): Promise<Response> {
  return xmlResponse(200, renderTextXml("LocationConstraint", c.service.region));
}

export async function getBucketPolicy(c: S3Context): Promise<Response> {
  const { bucket, row } = requireBucket(c);
  if (!row.policy) throw new S3Error("NoSuchBucketPolicy", "The bucket policy does not exist", { BucketName: bucket });
  return new Response(row.policy, { status: 200, headers: { "Content-Type": "application/json" } });
}

export async function putBucketPolicy(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  const text = await smallBody(c, MAX_BUCKET_POLICY_BYTES + 1024);
  const check = checkBucketPolicy(bucket, text);
  if (!check.ok) throw new S3Error("MalformedPolicy", check.message, { BucketName: bucket });
  if (!(await setBucketPolicy(c.env, c.service.uuid, bucket, text))) throw noSuchBucket(bucket);
  return new Response(null, { status: 204 });
}

export async function deleteBucketPolicy(c: S3Context): Promise<Response> {
  const { bucket } = requireBucket(c);
  if (!(await setBucketPolicy(c.env, c.service.uuid, bucket, null))) throw noSuchBucket(bucket);
  return new Response(null, { status: 204 });
}

export const getBucketAcl = async (c: S3Context) => ownerAcl(c);

export async function putBucketAcl(c: S3Context): Promise<Response> {
  checkPutAcl(c);
  return new Response(null, { status: 200 });
}

/** Versioning has never been enabled on any bucket of this service: an empty configuration. */
export async function getBucketVersioning(): Promise<Response> {
  return xmlResponse(200, renderXml("VersioningConfiguration", {}));
}

export async function getBucketRequestPayment(): Promise<Response> {
  return xmlResponse(200, renderXml("RequestPaymentConfiguration", { Payer: "BucketOwner" }));
}

/** Configurations this service does not keep: S3's "does not exist" answers, which clients expect. */
export const getBucketCors = async (c: S3Context): Promise<Response> => {
  throw new S3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist", { BucketName: c.bucket! });
};
export const getBucketLifecycle = async (c: S3Context): Promise<Response> => {
  throw new S3Error("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", { BucketName: c.bucket! });
};
export const getBucketTagging = async (c: S3Context): Promise<Response> => {
  throw new S3Error("NoSuchTagSet", "The TagSet does not exist", { BucketName: c.bucket! });
};
export const getBucketWebsite = async (c: S3Context): Promise<Response> => {
  throw new S3Error("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration", { BucketName: c.bucket! });
};
