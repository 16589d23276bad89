import { CreateMultipartUploadCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { purgeBucket } from "../../src/core/buckets/purge";
import { runBucketPurge, type BucketPurgeMessageT } from "../../src/core/buckets/queue";
import { PURGE_DELAY_SECONDS } from "../../src/core/s3/buckets";
import { ISOLATE_CACHE_MS } from "../../src/lib/isolate-cache";
import { bucketPrefix, objectKey, servicePrefix } from "../../src/storage/keys";
import { privateNet, publicNet, settle } from "../helpers/api";
import { deliver } from "../helpers/queue";
import { meterOf, newBucket, s3Client, s3Service, s3User, type S3Env } from "../s3/helpers";
import { bytes } from "../helpers/bytes";

/** What the Worker sent to the JOBS queue (with options), captured so the test delivers it. */
function captureQueue() {
  const sent: { body: BucketPurgeMessageT; delaySeconds?: number | undefined }[] = [];
  vi.spyOn(env.JOBS, "send").mockImplementation(async (body: unknown, opts?: QueueSendOptions) => {
    sent.push({ body: body as BucketPurgeMessageT, delaySeconds: opts?.delaySeconds });
    return undefined as never;
  });
  return sent;
}

async function countKeys(prefix: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await env.OBJECTS.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    n += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
}

const sidePrefix = (uuid: string, bucket: string) => `${servicePrefix(uuid)}.cs/${bucket}/`;

async function seed(uuid: string, bucket: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, n - i) }, (_, j) =>
        env.OBJECTS.put(objectKey(uuid, bucket, `seed/${String(i + j).padStart(5, "0")}`), "s"),
      ),
    );
  }
}

async function bucketRow(uuid: string, name: string) {
  return env.DB.prepare("SELECT name, deleted_at, purge_lease, purge_lease_until FROM buckets WHERE service_uuid = ? AND name = ?")
    .bind(uuid, name)
    .first<Record<string, unknown>>();
}

async function uploadRows(uuid: string, bucket: string): Promise<number> {
  return (await env.DB.prepare("SELECT count(*) AS n FROM s3_multipart_uploads WHERE service_uuid = ? AND bucket = ?")
    .bind(uuid, bucket)
    .first<{ n: number }>())!.n;
}

async function meterSettled(uuid: string, bucket: string, objects: number) {
  for (let i = 0; i < 300; i++) {
    if (((await meterOf(uuid).totals()).find((t) => t.bucket === bucket)?.objects ?? 0) === objects) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("meter did not settle");
}

/**
 * A bucket with `n` objects seeded straight into R2, plus, through S3: two objects, an upload in
 * progress (one part stored) and a checksum side record. Returns the upload's R2 handle details.
 */
async function fullBucket(e: S3Env, n: number) {
  const { client } = s3Client(e, await s3User(e));
  const uuid = e.service.uuid;
  const name = newBucket();
  expect((await e.tenant.api("POST", `/${uuid}/buckets`, { name })).status).toBe(201);
  await seed(uuid, name, n);
  await client.send(new PutObjectCommand({ Bucket: name, Key: "via-s3/a", Body: bytes(100) }));
  await client.send(new PutObjectCommand({ Bucket: name, Key: "via-s3/b", Body: bytes(23) }));
  const uploadId = (await client.send(new CreateMultipartUploadCommand({ Bucket: name, Key: "big" }))).UploadId!;
  await client.send(new UploadPartCommand({ Bucket: name, Key: "big", UploadId: uploadId, PartNumber: 1, Body: bytes(5 * 1024 * 1024) }));
  await env.OBJECTS.put(`${sidePrefix(uuid, name)}via-s3/a`, "{}");
  await meterSettled(uuid, name, 2);
  expect(await uploadRows(uuid, name)).toBe(1);
  return { client, name, uploadId };
}

/** Whether R2 still knows the multipart upload (an aborted one refuses new parts). */
async function uploadAlive(uuid: string, bucket: string, uploadId: string): Promise<boolean> {
  try {
    await env.OBJECTS.resumeMultipartUpload(objectKey(uuid, bucket, "big"), uploadId).uploadPart(2, "x");
    return true;
  } catch {
    return false;
  }
}

async function expectPurged(e: S3Env, name: string, uploadId: string) {
  const uuid = e.service.uuid;
  expect(await countKeys(bucketPrefix(uuid, name))).toBe(0);
  expect(await countKeys(sidePrefix(uuid, name))).toBe(0);
  expect(await uploadRows(uuid, name)).toBe(0);
  expect(await uploadAlive(uuid, name, uploadId)).toBe(false);
  expect(await bucketRow(uuid, name)).toBeNull();
  expect((await meterOf(uuid).totals()).find((t) => t.bucket === name)).toEqual({ bucket: name, objects: 0, bytes: 0 });
  expect((await e.tenant.api("GET", `/${uuid}/buckets?limit=100`)).json.map((b: { name: string }) => b.name)).not.toContain(name);
}

afterEach(() => vi.restoreAllMocks());

describe("bucket purge", () => {
  it("removes thousands of objects, the upload in progress and side records in bounded turns, then the bucket", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { name, uploadId } = await fullBucket(e, 2500);
    expect(await uploadAlive(uuid, name, uploadId)).toBe(true);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    expect(sent.map((m) => m.body)).toEqual([{ kind: "bucket-purge", service_uuid: uuid, bucket: name }]);
    // The first turn waits out the data plane's isolate caches (a stale isolate may still write).
    expect(sent[0]!.delaySeconds).toBe(PURGE_DELAY_SECONDS);
    expect(PURGE_DELAY_SECONDS * 1000).toBeGreaterThan(ISOLATE_CACHE_MS);

    // One list page (1000 keys) per turn: each turn re-sends the message while work remains.
    const remaining: number[] = [];
    let turns = 0;
    while (sent.length) {
      const { body, delaySeconds } = sent.shift()!;
      expect(delaySeconds).toBe(turns === 0 ? PURGE_DELAY_SECONDS : undefined);
      await runBucketPurge(body, env, 1);
      turns++;
      remaining.push(await countKeys(bucketPrefix(uuid, name)));
      if (sent.length) {
        const listed = (await e.tenant.api("GET", `/${uuid}/buckets?limit=100`)).json.find((b: { name: string }) => b.name === name);
        expect(listed).toEqual({ name, deleted: true, total_objects: 2, total_size_bytes: 123 });
        expectProblemConflict(await e.tenant.api("POST", `/${uuid}/buckets`, { name }));
      }
      expect(turns).toBeLessThan(10);
    }
    // 2502 objects: three full pages, then the last page and the side records.
    expect(remaining).toEqual([1502, 502, 0]);
    await expectPurged(e, name, uploadId);

    // The name is free again: a new, empty bucket.
    expect((await e.tenant.api("POST", `/${uuid}/buckets`, { name })).json).toEqual({
      name,
      deleted: false,
      total_objects: 0,
      total_size_bytes: 0,
    });
    const { client } = s3Client(e, await s3User(e));
    expect((await client.send(new ListObjectsV2Command({ Bucket: name }))).KeyCount).toBe(0);
  });

  it("is idempotent: a message delivered twice, also in one batch and after the purge, neither fails nor leaves objects", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { name, uploadId } = await fullBucket(e, 1200);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    const first = sent.shift()!.body;

    // A turn, then the same message again (its ack was lost): the second turn finishes the purge.
    await runBucketPurge(first, env, 1);
    expect(await countKeys(bucketPrefix(uuid, name))).toBe(202);
    expect(sent).toHaveLength(1);
    await runBucketPurge(first, env, 1);
    await expectPurged(e, name, uploadId);
    expect(sent).toHaveLength(1);
    // The first turn's follow-up, delivered twice in one batch, finds nothing to do.
    const next = sent.shift()!.body;
    expect(await deliver([next, next])).toEqual([]);
    expect(sent).toEqual([]);

    // Redelivered after the purge: nothing to do, nothing sent, no retry.
    expect(await deliver([first, first])).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("resumes after a turn crashed mid-way: the retry waits for the lease, then finishes", async () => {
    const sent = captureQueue();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { name, uploadId } = await fullBucket(e, 2100);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    const msg = sent.shift()!.body;

    // The second R2 delete of the turn fails: the invocation dies after one page, holding the lease.
    const realDelete = env.OBJECTS.delete.bind(env.OBJECTS);
    let deletes = 0;
    const spy = vi.spyOn(env.OBJECTS, "delete").mockImplementation(async (keys) => {
      if (++deletes === 2) throw new Error("worker evicted");
      return realDelete(keys);
    });
    expect(await deliver([msg])).toHaveLength(1); // the consumer asks the queue to retry it
    spy.mockRestore();
    expect(await countKeys(bucketPrefix(uuid, name))).toBe(1102);
    expect((await bucketRow(uuid, name))!.purge_lease).not.toBeNull();

    // The retry finds the crashed run's lease: it sends itself again, delayed until the lease ends.
    expect(await deliver([msg], 2)).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.delaySeconds).toBeGreaterThan(0);
    expect(sent[0]!.delaySeconds).toBeLessThanOrEqual(60);
    expect(await countKeys(bucketPrefix(uuid, name))).toBe(1102);

    // Once the lease has expired, the delayed message completes the purge.
    await env.DB.prepare("UPDATE buckets SET purge_lease_until = unixepoch() - 1 WHERE service_uuid = ? AND name = ?")
      .bind(uuid, name)
      .run();
    expect(await deliver(sent.splice(0).map((m) => m.body))).toEqual([]);
    expect(sent).toEqual([]);
    await expectPurged(e, name, uploadId);
  });

  it("a run that lost its lease stops without deleting more or removing the row", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { name, uploadId } = await fullBucket(e, 2100);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    sent.length = 0;

    // While the run deletes its first page, its lease expires and another run takes the bucket over.
    const realDelete = env.OBJECTS.delete.bind(env.OBJECTS);
    let deletes = 0;
    vi.spyOn(env.OBJECTS, "delete").mockImplementation(async (keys) => {
      if (++deletes === 1) {
        await env.DB.prepare(
          "UPDATE buckets SET purge_lease = 'other-run', purge_lease_until = unixepoch() + 60 WHERE service_uuid = ? AND name = ?",
        )
          .bind(uuid, name)
          .run();
      }
      return realDelete(keys);
    });
    expect(await purgeBucket(env, uuid, name, { pages: 10 })).toEqual({ state: "busy", retryAfterSeconds: 60 });
    expect(deletes).toBe(1);
    expect(await countKeys(bucketPrefix(uuid, name))).toBe(1102);
    expect((await bucketRow(uuid, name))!.purge_lease).toBe("other-run");
    vi.mocked(env.OBJECTS.delete).mockRestore();

    // Another delivery meanwhile is refused by the other run's lease.
    expect(await purgeBucket(env, uuid, name)).toMatchObject({ state: "busy" });
    await env.DB.prepare("UPDATE buckets SET purge_lease_until = unixepoch() - 1 WHERE service_uuid = ? AND name = ?")
      .bind(uuid, name)
      .run();
    expect(await purgeBucket(env, uuid, name)).toEqual({ state: "done" });
    await expectPurged(e, name, uploadId);
  });

  it("never touches a bucket re-created under the same name after the purge", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { client, name } = await fullBucket(e, 10);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    const msg = sent.shift()!.body;
    expect(await deliver([msg])).toEqual([]);
    expect(await bucketRow(uuid, name)).toBeNull();

    expect((await e.tenant.api("POST", `/${uuid}/buckets`, { name })).status).toBe(201);
    await client.send(new PutObjectCommand({ Bucket: name, Key: "new", Body: bytes(9) }));
    await meterSettled(uuid, name, 1);
    // A late duplicate of the old message.
    expect(await deliver([msg])).toEqual([]);
    expect(sent).toEqual([]);
    expect((await client.send(new ListObjectsV2Command({ Bucket: name }))).Contents!.map((o) => o.Key)).toEqual(["new"]);
    expect((await e.tenant.api("GET", `/${uuid}/buckets`)).json).toEqual([{ name, deleted: false, total_objects: 1, total_size_bytes: 9 }]);
  });

  it("the lifecycle's cleanup-deleted-buckets step runs the same purge", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const { name, uploadId } = await fullBucket(e, 300);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${name}`)).status).toBe(204);
    sent.length = 0; // the queue never delivers: the lifecycle does the work
    // A network change reconfigures the service: its setup plan passes cleanup-deleted-buckets.
    expect((await e.tenant.api("PATCH", `/${uuid}`, { networks: [publicNet, privateNet()] })).status).toBe(200);
    const states = await settle(e.tenant, uuid);
    expect(states).toContain("cleanup-deleted-buckets");
    expect(states.at(-1)).toBe("running");
    await expectPurged(e, name, uploadId);
    expect(sent).toEqual([]);
  });

  it("the lifecycle's delete-buckets step purges every bucket, deleted or live, and the service prefix", async () => {
    const sent = captureQueue();
    const e = await s3Service();
    const uuid = e.service.uuid;
    const live = await fullBucket(e, 1100);
    const deleted = await fullBucket(e, 50);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${deleted.name}`)).status).toBe(204);
    await env.OBJECTS.put(`${servicePrefix(uuid)}stray`, "x");
    expect((await e.tenant.api("DELETE", `/${uuid}?force=true`)).status).toBe(204);
    const states = await settle(e.tenant, uuid);
    expect(states).toContain("delete-buckets");
    expect(states.at(-1)).toBe("gone");
    expect(await countKeys(servicePrefix(uuid))).toBe(0);
    expect(await uploadAlive(uuid, live.name, live.uploadId)).toBe(false);
    expect(await uploadAlive(uuid, deleted.name, deleted.uploadId)).toBe(false);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM buckets WHERE service_uuid = ?").bind(uuid).first("n")).toBe(0);
    expect((await meterOf(uuid).totals()).filter((t) => t.objects || t.bytes)).toEqual([]);
    sent.length = 0;
  });
});

function expectProblemConflict(r: { status: number; json: { type: string } }) {
  expect(r.status).toBe(409);
  expect(r.json.type).toMatch(/#ERROR_CONFLICT$/);
}
