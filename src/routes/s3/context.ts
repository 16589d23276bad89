import type { NamedPolicy } from "../../core/policy";
import type { Authorizer, S3Identity } from "../../core/s3/authorize";
import type { BucketRow } from "../../core/s3/buckets";
import type { UsageEvent } from "../../core/s3/usage";
import type { VerifiedAuth } from "../../core/sigv4";
import type { ServiceInfo } from "../../core/endpoints";
import type { S3Operation } from "./operations";

/** Everything an operation handler needs about the request it serves. */
export interface S3Context {
  env: Env;
  ctx: ExecutionContext;
  request: Request;
  url: URL;
  requestId: string;
  service: ServiceInfo;
  identity: S3Identity;
  /** The verified signature; null for anonymous requests. */
  auth: VerifiedAuth | null;
  authorizer: Authorizer;
  op: S3Operation;
  bucket: string | null;
  key: string | null;
  /** Whether the bucket came from the Host (virtual-hosted style). */
  virtualHosted: boolean;
  /** The live bucket row, loaded for every bucket and object operation but CreateBucket. */
  bucketRow: BucketRow | null;
  bucketPolicy: NamedPolicy | null;
  /** Counters the handler adds to the request's usage event. */
  usage: Partial<Pick<UsageEvent, "bytesIn" | "bytesOut" | "wrote" | "removed">>;
}

export type S3Handler = (c: S3Context) => Promise<Response>;

/** A handler for an operation that always has a bucket. */
export function requireBucket(c: S3Context): { bucket: string; row: BucketRow } {
  if (c.bucket === null || c.bucketRow === null) throw new Error("operation requires a bucket");
  return { bucket: c.bucket, row: c.bucketRow };
}

export function requireKey(c: S3Context): { bucket: string; key: string; row: BucketRow } {
  const { bucket, row } = requireBucket(c);
  if (c.key === null) throw new Error("operation requires a key");
  return { bucket, key: c.key, row };
}
