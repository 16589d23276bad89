import type { S3Handler } from "../context";
import type { S3Operation } from "../operations";
import * as b from "./buckets";
import { deleteObjectsHandler } from "./delete-objects";
import * as l from "./list";
import * as m from "./multipart";
import * as o from "./objects";

/** One handler per operation; the compiler checks that none is missing. */
export const HANDLERS: Record<S3Operation, S3Handler> = {
  ListBuckets: b.listBuckets,
  CreateBucket: b.createBucket,
  HeadBucket: b.headBucket,
  DeleteBucket: b.deleteBucket,
  GetBucketLocation: b.getBucketLocation,
  ListObjects: l.listObjectsV1,
  ListObjectsV2: l.listObjectsV2,
  ListObjectVersions: l.listObjectVersions,
  ListMultipartUploads: m.listMultipartUploads,
  DeleteObjects: deleteObjectsHandler,
  GetBucketPolicy: b.getBucketPolicy,
  PutBucketPolicy: b.putBucketPolicy,
  DeleteBucketPolicy: b.deleteBucketPolicy,
  GetBucketAcl: b.getBucketAcl,
  PutBucketAcl: b.putBucketAcl,
  GetBucketVersioning: b.getBucketVersioning,
  GetBucketCors: b.getBucketCors,
  GetBucketLifecycle: b.getBucketLifecycle,
  GetBucketRequestPayment: b.getBucketRequestPayment,
  GetBucketTagging: b.getBucketTagging,
  GetBucketWebsite: b.getBucketWebsite,
  PutObject: o.putObject,
  CopyObject: o.copyObject,
  GetObject: o.getObjectHandler,
  HeadObject: o.headObjectHandler,
  DeleteObject: o.deleteObject,
  GetObjectAcl: o.getObjectAcl,
  PutObjectAcl: o.putObjectAcl,
  CreateMultipartUpload: m.createMultipartUpload,
  UploadPart: m.uploadPartHandler,
  UploadPartCopy: m.uploadPartCopy,
  CompleteMultipartUpload: m.completeMultipartUpload,
  AbortMultipartUpload: m.abortMultipartUpload,
  ListParts: m.listPartsHandler,
};
