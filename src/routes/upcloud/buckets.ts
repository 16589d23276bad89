import { createRoute, z } from "@hono/zod-openapi";
import {
  BUCKET_NAME_MAX,
  bucketNameProblem,
  createServiceBucket,
  deleteServiceBucket,
  listServiceBuckets,
} from "../../core/buckets/buckets";
import { intQuery } from "../../schema/service";
import { errorResponses, json, jsonBody, noContent, security, ServiceUuidParam } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Buckets"];

const BucketSchema = z
  .object({
    name: z.string(),
    deleted: z
      .boolean()
      .openapi({ description: "Deleted: gone for S3, its objects still being purged; the entry disappears when the purge completes." }),
    total_objects: z.number().int(),
    total_size_bytes: z.number().int(),
  })
  .openapi("Bucket");

const BucketCreateSchema = z
  .object({
    name: z
      .string({ error: "is required and must be a string" })
      .superRefine((v, ctx) => {
        const problem = bucketNameProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      })
      .openapi({
        minLength: 1,
        maxLength: BUCKET_NAME_MAX,
        pattern: "^[A-Za-z0-9_-][A-Za-z0-9._-]*$",
        description:
          "Unique within the service; letters, digits, '.', '-' and '_', not beginning with '.'. Names outside S3's rules (upper case, '_', over 63 characters) are reachable path-style only.",
        example: "example-bucket",
      }),
  })
  .openapi("BucketCreate");

const NameParam = ServiceUuidParam.extend({ bucket_name: z.string().openapi({ param: { name: "bucket_name", in: "path" } }) });

const list = createRoute({
  method: "get",
  path: "/{service_uuid}/buckets",
  operationId: "listBucketMetrics",
  tags,
  summary: "List buckets (bucket metrics)",
  description:
    "Buckets by name with their exact object and byte totals; deleted buckets stay listed (deleted: true) until their purge completes.",
  security,
  request: { params: ServiceUuidParam, query: z.object({ limit: intQuery("limit", 0, 100, 10), offset: intQuery("offset", 0, null, 0) }) },
  responses: { 200: json(z.array(BucketSchema), "Buckets"), ...errorResponses },
});

const create = createRoute({
  method: "post",
  path: "/{service_uuid}/buckets",
  operationId: "createBucket",
  tags,
  summary: "Create bucket",
  description:
    "The bucket is usable through S3 at once. 409 when the name is taken, also while a deleted bucket of that name is still being purged.",
  security,
  request: { params: ServiceUuidParam, body: jsonBody(BucketCreateSchema) },
  responses: { 201: json(BucketSchema, "Created"), ...errorResponses },
});

const remove = createRoute({
  method: "delete",
  path: "/{service_uuid}/buckets/{bucket_name}",
  operationId: "deleteBucket",
  tags,
  summary: "Delete bucket",
  description:
    "Removes the bucket with every object and multipart upload permanently. S3 sees it gone at once; the objects are purged in the background.",
  security,
  request: { params: NameParam },
  responses: { 204: noContent, ...errorResponses },
});

export function registerBuckets(app: UpcloudRouter) {
  app.openapi(list, async (c) =>
    c.json(await listServiceBuckets(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("query")), 200),
  );
  app.openapi(create, async (c) =>
    c.json(await createServiceBucket(c.env, c.get("account").id, c.req.valid("param").service_uuid, c.req.valid("json").name), 201),
  );
  app.openapi(remove, async (c) => {
    const { service_uuid, bucket_name } = c.req.valid("param");
    await deleteServiceBucket(c.env, c.get("account").id, service_uuid, bucket_name);
    return c.body(null, 204);
  });
}
