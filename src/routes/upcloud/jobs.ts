import { createRoute, z } from "@hono/zod-openapi";
import { cancelJob, createJob, getJob, listJobs, type JobView } from "../../core/jobs/jobs";
import type { EndpointSpec } from "../../core/jobs/spec";
import { JOB_STATES } from "../../schema/jobs.tables";
import { errorResponses, json, jsonBody, security } from "./common";
import type { UpcloudRouter } from "./types";

const tags = ["Jobs"];

const must = (what: string) => ({ error: (iss: { input: unknown }) => (iss.input === undefined ? "is required" : `must be ${what}`) });
const chars = (min: number, max: number) =>
  z.string(must("a string")).min(min, `must be ${min}-${max} characters`).max(max, `must be ${min}-${max} characters`);

const endpointIn = (side: "source" | "target") =>
  z
    .object(
      {
        access_key_id: chars(1, 128).openapi({
          description: `${side === "source" ? "Source" : "Target"} storage access key id.`,
          example: `${side}-access-key-id`,
        }),
        secret_access_key: chars(1, 128).openapi({
          description: `${side === "source" ? "Source" : "Target"} storage secret key. Stored encrypted; never returned.`,
          example: `${side}-secret-key`,
        }),
        endpoint_url: chars(1, 255).openapi({
          description:
            side === "source"
              ? "Endpoint URL of any S3-compatible object storage."
              : "Endpoint URL of one of your object storage services: http(s)://<label>.<domain> (its public or private endpoint).",
          example: side === "source" ? "https://example.source.com" : "https://7mf5k.upcloudobjects.com",
        }),
        bucket: z
          .string(must("a string"))
          .max(255, "must be 1-255 characters")
          .optional()
          .openapi({
            description:
              side === "source"
                ? "Copy this bucket only; empty or missing copies every bucket of the storage."
                : "Bucket to copy into (created when missing); defaults to the source bucket's name. Only together with source.bucket.",
            example: `${side}-bucket`,
          }),
      },
      must("an object"),
    )
    .openapi(side === "source" ? "JobSource" : "JobTarget");

export const JobCreateSchema = z
  .object({
    type: z.enum(["copy"], { error: (iss) => (iss.input === undefined ? "is required" : "must be copy") }),
    source: endpointIn("source"),
    target: endpointIn("target"),
  })
  .openapi("JobCreate");

const JobEndpointSchema = z
  .object({ access_key_id: z.string(), bucket: z.string().optional(), endpoint_url: z.string() })
  .openapi("JobEndpoint", {
    example: { access_key_id: "source-access-key-id", bucket: "source-bucket", endpoint_url: "https://example.source.com" },
  });

export const JobSchema = z
  .object({
    created_at: z.string().openapi({ example: "2024-08-27T13:05:26.382642Z" }),
    input: z.object({ source: JobEndpointSchema, target: JobEndpointSchema, type: z.enum(["copy"]) }),
    operational_state: z.enum(JOB_STATES).openapi({ description: "pending → configuring → running → completed | failed | canceled" }),
    output: z.object({
      bytes: z.number().int().openapi({ description: "Bytes done: copied, or already at the target and skipped.", example: 209715200 }),
      error: z.string().openapi({ description: "Why the job failed, or which objects could not be copied; empty when none." }),
      total_bytes: z
        .number()
        .int()
        .openapi({ description: "Bytes found by listing the source (grows while listing runs).", example: 209715200 }),
      transfer_time: z.string().openapi({ description: "Seconds since copying started (until the job finished).", example: "2.278" }),
    }),
    updated_at: z.string().openapi({ example: "2024-08-27T13:06:46.386309Z" }),
    uuid: z.string().openapi({ example: "12f73f4d-e6ed-4ac0-b9b5-2b40ca3b2de2" }),
  })
  .openapi("Job");
type JobBody = z.infer<typeof JobSchema>;

const JobUuidParam = z.object({
  job_uuid: z.string().openapi({ param: { name: "job_uuid", in: "path" }, example: "12f73f4d-e6ed-4ac0-b9b5-2b40ca3b2de2" }),
});

const endpointOut = (e: EndpointSpec) => ({
  access_key_id: e.access_key_id,
  ...(e.bucket !== undefined ? { bucket: e.bucket } : {}),
  endpoint_url: e.endpoint_url,
});

function toBody(v: JobView): JobBody {
  return {
    created_at: v.createdAt,
    input: { source: endpointOut(v.spec.source), target: endpointOut(v.spec.target), type: v.type },
    operational_state: v.state,
    output: { bytes: v.bytes.copied + v.bytes.skipped, error: v.error, total_bytes: v.bytes.total, transfer_time: v.transferTime },
    updated_at: v.updatedAt,
    uuid: v.uuid,
  };
}

const list = createRoute({
  method: "get",
  path: "/jobs",
  operationId: "listJobs",
  tags,
  summary: "List jobs",
  description: "Jobs copy S3-compatible object storages into the account's object storage services. Newest first.",
  security,
  responses: { 200: json(z.array(JobSchema), "Jobs"), ...errorResponses },
});

const create = createRoute({
  method: "post",
  path: "/jobs",
  operationId: "createJob",
  tags,
  summary: "Create job",
  description:
    "Starts a copy in the background: configuring checks both endpoints' credentials (wrong ones fail the job with a clear error), then the source is listed and copied. " +
    "Objects already at the target with the same size and content are skipped, so a job can be rerun safely.",
  security,
  request: { body: jsonBody(JobCreateSchema) },
  responses: { 201: json(JobSchema, "Created; operational_state starts at pending"), ...errorResponses },
});

const get = createRoute({
  method: "get",
  path: "/jobs/{job_uuid}",
  operationId: "getJob",
  tags,
  summary: "Get job details",
  description: "Progress is visible while the job runs: `output.bytes` and `output.total_bytes` grow batch by batch.",
  security,
  request: { params: JobUuidParam },
  responses: { 200: json(JobSchema, "Job"), ...errorResponses },
});

const cancel = createRoute({
  method: "post",
  path: "/jobs/{job_uuid}/cancel",
  operationId: "cancelJob",
  tags,
  summary: "Cancel job",
  description:
    "Takes effect before the job's next batch; objects being copied at that moment finish. 400 when the job has already finished.",
  security,
  request: { params: JobUuidParam },
  responses: { 200: json(JobSchema, "The canceled job"), ...errorResponses },
});

/** Registered before the `/{service_uuid}` routes, so `/jobs` is never taken for a service id. */
export function registerJobs(app: UpcloudRouter) {
  app.openapi(list, async (c) => c.json((await listJobs(c.env, c.get("account").id)).map(toBody), 200));
  app.openapi(create, async (c) => c.json(toBody(await createJob(c.env, c.get("account").id, c.req.valid("json"))), 201));
  app.openapi(get, async (c) => c.json(toBody(await getJob(c.env, c.get("account").id, c.req.valid("param").job_uuid)), 200));
  app.openapi(cancel, async (c) => c.json(toBody(await cancelJob(c.env, c.get("account").id, c.req.valid("param").job_uuid)), 200));
}
