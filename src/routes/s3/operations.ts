/**
 * Operation routing: method + bucket/key presence + sub-resource query parameters → operation.
 * Parameters are matched by name only (`?uploads` and `?uploads=` are the same), `x-id` is ignored,
 * and `uploadId`/`partNumber` may come in either order.
 */
import { S3Error } from "./errors";

export type S3Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "GetBucketLocation"
  | "ListObjects"
  | "ListObjectsV2"
  | "ListObjectVersions"
  | "ListMultipartUploads"
  | "DeleteObjects"
  | "GetBucketPolicy"
  | "PutBucketPolicy"
  | "DeleteBucketPolicy"
  | "GetBucketAcl"
  | "PutBucketAcl"
  | "GetBucketVersioning"
  | "GetBucketCors"
  | "GetBucketLifecycle"
  | "GetBucketRequestPayment"
  | "GetBucketTagging"
  | "GetBucketWebsite"
  | "PutObject"
  | "CopyObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "GetObjectAcl"
  | "PutObjectAcl"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "UploadPartCopy"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload"
  | "ListParts";

export type OpClassName = "get" | "put" | "list" | "delete" | "other";

/** Operation → S3 action for the policy engine, and the usage class it is counted in. */
export const OPERATIONS: Record<S3Operation, { action: string; cls: OpClassName }> = {
  ListBuckets: { action: "s3:ListAllMyBuckets", cls: "list" },
  CreateBucket: { action: "s3:CreateBucket", cls: "other" },
  HeadBucket: { action: "s3:ListBucket", cls: "other" },
  DeleteBucket: { action: "s3:DeleteBucket", cls: "delete" },
  GetBucketLocation: { action: "s3:GetBucketLocation", cls: "other" },
  ListObjects: { action: "s3:ListBucket", cls: "list" },
  ListObjectsV2: { action: "s3:ListBucket", cls: "list" },
  ListObjectVersions: { action: "s3:ListBucketVersions", cls: "list" },
  ListMultipartUploads: { action: "s3:ListBucketMultipartUploads", cls: "list" },
  // Decided per key (s3:DeleteObject on each object).
  DeleteObjects: { action: "s3:DeleteObject", cls: "delete" },
  GetBucketPolicy: { action: "s3:GetBucketPolicy", cls: "other" },
  PutBucketPolicy: { action: "s3:PutBucketPolicy", cls: "other" },
  DeleteBucketPolicy: { action: "s3:DeleteBucketPolicy", cls: "other" },
  GetBucketAcl: { action: "s3:GetBucketAcl", cls: "other" },
  PutBucketAcl: { action: "s3:PutBucketAcl", cls: "other" },
  GetBucketVersioning: { action: "s3:GetBucketVersioning", cls: "other" },
  GetBucketCors: { action: "s3:GetBucketCORS", cls: "other" },
  GetBucketLifecycle: { action: "s3:GetLifecycleConfiguration", cls: "other" },
  GetBucketRequestPayment: { action: "s3:GetBucketRequestPayment", cls: "other" },
  GetBucketTagging: { action: "s3:GetBucketTagging", cls: "other" },
  GetBucketWebsite: { action: "s3:GetBucketWebsite", cls: "other" },
  PutObject: { action: "s3:PutObject", cls: "put" },
  // Also needs s3:GetObject on the source.
  CopyObject: { action: "s3:PutObject", cls: "put" },
  GetObject: { action: "s3:GetObject", cls: "get" },
  HeadObject: { action: "s3:GetObject", cls: "get" },
  DeleteObject: { action: "s3:DeleteObject", cls: "delete" },
  GetObjectAcl: { action: "s3:GetObjectAcl", cls: "get" },
  PutObjectAcl: { action: "s3:PutObjectAcl", cls: "put" },
  CreateMultipartUpload: { action: "s3:PutObject", cls: "put" },
  UploadPart: { action: "s3:PutObject", cls: "put" },
  UploadPartCopy: { action: "s3:PutObject", cls: "put" },
  CompleteMultipartUpload: { action: "s3:PutObject", cls: "put" },
  AbortMultipartUpload: { action: "s3:AbortMultipartUpload", cls: "delete" },
  ListParts: { action: "s3:ListMultipartUploadParts", cls: "list" },
};

/** Bucket sub-resources answered with NotImplemented (after authentication). */
const UNSUPPORTED_BUCKET = [
  "accelerate",
  "analytics",
  "cors",
  "encryption",
  "intelligent-tiering",
  "inventory",
  "lifecycle",
  "logging",
  "metrics",
  "notification",
  "object-lock",
  "ownershipControls",
  "policyStatus",
  "publicAccessBlock",
  "replication",
  "requestPayment",
  "tagging",
  "versioning",
  "website",
];
const UNSUPPORTED_OBJECT = ["tagging", "retention", "legal-hold", "restore", "select", "torrent", "attributes", "renameObject"];

function methodNotAllowed(method: string): S3Error {
  return new S3Error("MethodNotAllowed", `The specified method is not allowed against this resource.`, {
    Method: method,
    ResourceType: "OBJECT",
  });
}

function unsupported(q: URLSearchParams, names: string[]): string | undefined {
  return names.find((n) => q.has(n));
}

function notImplemented(what: string): S3Error {
  return new S3Error("NotImplemented", `The ${what} sub-resource is not implemented by this service.`);
}

/** Resolves the operation, or throws the S3 error for a request no operation matches. */
export function resolveOperation(
  method: string,
  bucket: string | null,
  key: string | null,
  q: URLSearchParams,
  headers: Headers,
): S3Operation {
  if (bucket === null) {
    if (method === "GET") return "ListBuckets";
    throw methodNotAllowed(method);
  }
  if (key === null) {
    switch (method) {
      case "GET": {
        if (q.has("location")) return "GetBucketLocation";
        if (q.has("policy")) return "GetBucketPolicy";
        if (q.has("acl")) return "GetBucketAcl";
        if (q.has("versioning")) return "GetBucketVersioning";
        if (q.has("cors")) return "GetBucketCors";
        if (q.has("lifecycle")) return "GetBucketLifecycle";
        if (q.has("requestPayment")) return "GetBucketRequestPayment";
        if (q.has("tagging")) return "GetBucketTagging";
        if (q.has("website")) return "GetBucketWebsite";
        if (q.has("uploads")) return "ListMultipartUploads";
        if (q.has("versions")) return "ListObjectVersions";
        const other = unsupported(q, UNSUPPORTED_BUCKET);
        if (other) throw notImplemented(other);
        return q.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      }
      case "HEAD":
        return "HeadBucket";
      case "PUT": {
        if (q.has("policy")) return "PutBucketPolicy";
        if (q.has("acl")) return "PutBucketAcl";
        const other = unsupported(q, UNSUPPORTED_BUCKET);
        if (other) throw notImplemented(other);
        return "CreateBucket";
      }
      case "DELETE": {
        if (q.has("policy")) return "DeleteBucketPolicy";
        const other = unsupported(q, UNSUPPORTED_BUCKET);
        if (other) throw notImplemented(other);
        return "DeleteBucket";
      }
      case "POST":
        if (q.has("delete")) return "DeleteObjects";
        throw new S3Error("NotImplemented", "POST object uploads (browser forms) are not implemented by this service.");
      default:
        throw methodNotAllowed(method);
    }
  }
  switch (method) {
    case "GET": {
      if (q.has("uploadId")) return "ListParts";
      if (q.has("acl")) return "GetObjectAcl";
      const other = unsupported(q, UNSUPPORTED_OBJECT);
      if (other) throw notImplemented(other);
      return "GetObject";
    }
    case "HEAD":
      return "HeadObject";
    case "PUT": {
      if (q.has("partNumber") || q.has("uploadId")) {
        if (!q.has("partNumber") || !q.has("uploadId")) {
          throw new S3Error("InvalidRequest", "UploadPart requires both the partNumber and the uploadId query parameters.");
        }
        return headers.has("x-amz-copy-source") ? "UploadPartCopy" : "UploadPart";
      }
      if (q.has("acl")) return "PutObjectAcl";
      const other = unsupported(q, UNSUPPORTED_OBJECT);
      if (other) throw notImplemented(other);
      return headers.has("x-amz-copy-source") ? "CopyObject" : "PutObject";
    }
    case "DELETE": {
      if (q.has("uploadId")) return "AbortMultipartUpload";
      const other = unsupported(q, UNSUPPORTED_OBJECT);
      if (other) throw notImplemented(other);
      return "DeleteObject";
    }
    case "POST": {
      if (q.has("uploads")) return "CreateMultipartUpload";
      if (q.has("uploadId")) return "CompleteMultipartUpload";
      const other = unsupported(q, UNSUPPORTED_OBJECT);
      if (other) throw notImplemented(other);
      throw methodNotAllowed(method);
    }
    default:
      throw methodNotAllowed(method);
  }
}
