import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newTenant, policyDoc, type Tenant } from "../helpers/api";
import { createBucket, jobBody, JobQueue, jobRow, listBuckets, listKeys, put, runJob, s3Keys, storage, type Storage } from "./helpers";

let t: Tenant;
let src: Storage;

beforeAll(async () => {
  t = await newTenant();
  src = await storage(t);
  await createBucket(src, "mixed");
  for (const k of ["public/a.txt", "public/b.txt", "private/x.txt", "private/y.txt"]) await put(src, "mixed", k, `content of ${k}`);
});

afterEach(() => vi.restoreAllMocks());

async function create(body: ReturnType<typeof jobBody>) {
  const r = await t.api("POST", "/jobs", body);
  expect(r.status, r.text).toBe(201);
  return r.json.uuid as string;
}

describe("wrong credentials fail the job while configuring, with a clear error and no secret", () => {
  it("a wrong source secret", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const body = jobBody(src, dst, "mixed");
    body.source.secret_access_key = "wrong-secret-0123456789";
    const uuid = await create(body);
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toMatch(/^The source endpoint http:\/\/\S+ rejected the source credentials: SignatureDoesNotMatch/);
    expect(end.output.error).not.toContain("wrong-secret");
    expect(end.output.error).not.toContain(src.secretAccessKey);
    expect(q.log.map((m) => m.kind)).toEqual(["job-configure"]);
    expect(await listBuckets(dst)).toEqual([]);
  });

  it("an unknown source key", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const body = jobBody(src, dst, "mixed");
    body.source.access_key_id = "AKIANOSUCHKEY0000000";
    const end = await runJob(t, q, await create(body));
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toContain("rejected the source credentials: InvalidAccessKeyId");
  });

  it("a target key of another service", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const body = jobBody(src, dst, "mixed");
    body.target.access_key_id = src.accessKeyId;
    body.target.secret_access_key = src.secretAccessKey;
    const end = await runJob(t, q, await create(body));
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toContain("rejected the target credentials: InvalidAccessKeyId");
    expect(end.output.error).not.toContain(src.secretAccessKey);
  });

  it("a source bucket that does not exist", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const end = await runJob(t, q, await create(jobBody(src, dst, "no-such-bucket")));
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toBe(`The source bucket "no-such-bucket" does not exist at ${src.endpoint}.`);
  });

  it("a target user not allowed to create the bucket", async () => {
    const dst = await storage(t);
    const limited = await s3Keys(t, dst.uuid, { nocreate: JSON.parse(policyDoc("Deny", "s3:CreateBucket")) });
    const q = new JobQueue();
    const body = jobBody(src, { ...dst, ...limited }, "mixed");
    const end = await runJob(t, q, await create(body));
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toMatch(/^The target bucket "mixed" could not be created: target CreateBucket: AccessDenied/);
  });
});

describe("per-object failures are recorded without stopping the job", () => {
  it("objects the source refuses fail; the rest is copied; the job completes and says what failed", async () => {
    const dst = await storage(t);
    const reader = await s3Keys(t, src.uuid, { noprivate: JSON.parse(policyDoc("Deny", "s3:GetObject", "arn:aws:s3:::mixed/private/*")) });
    const q = new JobQueue();
    const uuid = await create(jobBody({ ...src, ...reader }, dst, "mixed"));
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("completed");
    expect(end.output.error).toMatch(/^2 item\(s\) could not be copied; first: mixed\/private\/x\.txt: source GetObject: AccessDenied/);
    expect(await listKeys(dst, "mixed")).toEqual(["public/a.txt", "public/b.txt"]);
    expect(await jobRow(uuid)).toMatchObject({ objects_total: 4, objects_copied: 2, objects_failed: 2 });
    const report = await env.DB.prepare(
      "SELECT source_bucket, key, target_bucket, stage, error FROM job_failures WHERE job_uuid = ? ORDER BY key",
    )
      .bind(uuid)
      .all();
    expect(report.results).toEqual([
      {
        source_bucket: "mixed",
        key: "private/x.txt",
        target_bucket: "mixed",
        stage: "read",
        error: expect.stringContaining("AccessDenied"),
      },
      {
        source_bucket: "mixed",
        key: "private/y.txt",
        target_bucket: "mixed",
        stage: "read",
        error: expect.stringContaining("AccessDenied"),
      },
    ]);
    // bytes counts what was done; total_bytes what was found.
    expect(end.output.bytes).toBeLessThan(end.output.total_bytes);
  });

  it("objects the target refuses fail as writes", async () => {
    const dst = await storage(t);
    const writer = await s3Keys(t, dst.uuid, { noprivate: JSON.parse(policyDoc("Deny", "s3:PutObject", "arn:aws:s3:::mixed/private/*")) });
    const q = new JobQueue();
    const uuid = await create(jobBody(src, { ...dst, ...writer }, "mixed"));
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("completed");
    const stages = await env.DB.prepare("SELECT DISTINCT stage FROM job_failures WHERE job_uuid = ?").bind(uuid).all();
    expect(stages.results).toEqual([{ stage: "write" }]);
  });

  it("the job fails when nothing at all could be copied", async () => {
    const dst = await storage(t);
    const reader = await s3Keys(t, src.uuid, { noget: JSON.parse(policyDoc("Deny", "s3:GetObject")) });
    const q = new JobQueue();
    const uuid = await create(jobBody({ ...src, ...reader }, dst, "mixed"));
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("failed");
    expect(end.output.error).toMatch(/^4 item\(s\) could not be copied/);
    expect(await jobRow(uuid)).toMatchObject({ objects_failed: 4, objects_copied: 0 });
  });

  it("an empty source bucket completes with nothing to do", async () => {
    const dst = await storage(t);
    await createBucket(src, "empty-bucket");
    const q = new JobQueue();
    const end = await runJob(t, q, await create(jobBody(src, dst, "empty-bucket")));
    expect(end.operational_state).toBe("completed");
    expect(end.output).toMatchObject({ bytes: 0, total_bytes: 0, error: "" });
    expect(await listKeys(dst, "empty-bucket")).toEqual([]);
  });
});
