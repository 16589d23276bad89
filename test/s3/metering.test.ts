import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { runDurableObjectAlarm } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getBucketUsage, getHourlyUsage, getUsage } from "../../src/core/s3/usage";
import { meterOf, newBucket, s3Client, s3Service, s3User } from "./helpers";
import { bytes } from "../helpers/bytes";

const MiB = 1024 * 1024;

/** Meter calls run after each response (waitUntil); wait until the meter has seen `ops` requests. */
async function meterSettled(serviceUuid: string, bucket: string, ops: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const rows = (await meterOf(serviceUuid).hourly()).filter((r) => r.bucket === bucket);
    const seen = rows.reduce((n, r) => n + r.opsGet + r.opsPut + r.opsList + r.opsDelete + r.opsOther, 0);
    if (seen >= ops) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`meter did not see ${ops} requests`);
}

describe("usage metering", () => {
  it("keeps exact object and byte totals through puts, overwrites, copies, multipart and deletes", async () => {
    const e = await s3Service();
    const keys = await s3User(e);
    const { client } = s3Client(e, keys);
    const b = newBucket();
    let ops = 0;
    const send = async <T>(p: Promise<T>) => {
      ops++;
      return p;
    };
    await send(client.send(new CreateBucketCommand({ Bucket: b })));
    await send(client.send(new PutObjectCommand({ Bucket: b, Key: "a", Body: bytes(1000) })));
    await send(client.send(new PutObjectCommand({ Bucket: b, Key: "b", Body: bytes(300) })));
    // Overwrite: 1000 → 400 bytes, still one object.
    await send(client.send(new PutObjectCommand({ Bucket: b, Key: "a", Body: bytes(400) })));
    await send(client.send(new CopyObjectCommand({ Bucket: b, Key: "c", CopySource: `${b}/b` })));
    // Copy onto an existing key replaces it.
    await send(client.send(new CopyObjectCommand({ Bucket: b, Key: "a", CopySource: `${b}/b` })));
    const id = (await send(client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: "m" })))).UploadId!;
    const p1 = await send(client.send(new UploadPartCommand({ Bucket: b, Key: "m", UploadId: id, PartNumber: 1, Body: bytes(5 * MiB) })));
    const p2 = await send(client.send(new UploadPartCommand({ Bucket: b, Key: "m", UploadId: id, PartNumber: 2, Body: bytes(100) })));
    await send(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: b,
          Key: "m",
          UploadId: id,
          MultipartUpload: {
            Parts: [
              { ETag: p1.ETag, PartNumber: 1 },
              { ETag: p2.ETag, PartNumber: 2 },
            ],
          },
        }),
      ),
    );
    const got = await send(client.send(new GetObjectCommand({ Bucket: b, Key: "b" })));
    await got.Body!.transformToByteArray();
    await send(client.send(new ListObjectsV2Command({ Bucket: b })));
    await send(client.send(new DeleteObjectCommand({ Bucket: b, Key: "c" })));
    await send(client.send(new DeleteObjectCommand({ Bucket: b, Key: "never-existed" })));
    await send(client.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: [{ Key: "b" }, { Key: "nope" }] } })));
    await meterSettled(e.service.uuid, b, ops);

    // Left: a (300 bytes, a copy of b) and m (5 MiB + 100).
    expect(await getBucketUsage(env, e.service.uuid, b)).toEqual({ bucket: b, objects: 2, bytes: 300 + 5 * MiB + 100 });
    const usage = await getUsage(env, e.service.uuid);
    expect(usage.totalObjects).toBe(2);
    expect(usage.totalBytes).toBe(300 + 5 * MiB + 100);

    const rows = (await meterOf(e.service.uuid).hourly()).filter((r) => r.bucket === b);
    expect(rows).toHaveLength(1);
    const h = rows[0]!;
    expect(h.accessKeyId).toBe(keys.accessKeyId);
    expect(h.opsPut).toBe(9); // 3 PutObject, 2 CopyObject, Create/UploadPart×2/Complete
    expect(h.opsGet).toBe(1);
    expect(h.opsList).toBe(1);
    expect(h.opsDelete).toBe(3);
    expect(h.opsOther).toBe(1); // CreateBucket
    expect(h.bytesReceived).toBe(1000 + 300 + 400 + 5 * MiB + 100);
    expect(h.bytesSent).toBe(300);
    expect(h.objectsCreated).toBe(6); // a, b, a', c, a'', m
    expect(h.bytesCreated).toBe(1000 + 300 + 400 + 300 + 300 + 5 * MiB + 100);
    expect(h.objectsDeleted).toBe(4); // a replaced twice, c, b
    expect(h.bytesDeleted).toBe(1000 + 400 + 300 + 300);
  });

  it("flushes hourly rollups, bucket totals and the key's last use to D1 from its alarm", async () => {
    const e = await s3Service();
    const keys = await s3User(e);
    const { client } = s3Client(e, keys);
    const b = newBucket();
    const before = await env.DB.prepare("SELECT last_used_at FROM iam_access_keys WHERE access_key_id = ?")
      .bind(keys.accessKeyId)
      .first<{ last_used_at: string }>();
    expect(before?.last_used_at).toBe("0001-01-01T00:00:00Z");
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "12345" }));
    await meterSettled(e.service.uuid, b, 2);
    expect(await getHourlyUsage(env, e.service.uuid, { bucket: b })).toEqual([]);

    expect(await runDurableObjectAlarm(meterOf(e.service.uuid))).toBe(true);
    const hourly = await getHourlyUsage(env, e.service.uuid, { bucket: b });
    expect(hourly).toHaveLength(1);
    expect(hourly[0]).toMatchObject({
      bucket: b,
      accessKeyId: keys.accessKeyId,
      opsPut: 1,
      opsOther: 1,
      bytesReceived: 5,
      objectsCreated: 1,
      bytesCreated: 5,
    });
    expect(hourly[0]!.hour).toMatch(/^\d{4}-\d\d-\d\dT\d\d:00:00Z$/);
    const totals = await env.DB.prepare("SELECT objects, bytes FROM s3_bucket_usage WHERE service_uuid = ? AND bucket = ?")
      .bind(e.service.uuid, b)
      .first();
    expect(totals).toEqual({ objects: 1, bytes: 5 });
    const after = await env.DB.prepare("SELECT last_used_at FROM iam_access_keys WHERE access_key_id = ?")
      .bind(keys.accessKeyId)
      .first<{ last_used_at: string }>();
    expect(after!.last_used_at > "2000").toBe(true);

    // A second flush with new traffic rewrites the hour with absolute values (never double counts).
    await client.send(new PutObjectCommand({ Bucket: b, Key: "k2", Body: "123" }));
    await meterSettled(e.service.uuid, b, 3);
    await runDurableObjectAlarm(meterOf(e.service.uuid));
    const again = await getHourlyUsage(env, e.service.uuid, { bucket: b });
    expect(again[0]).toMatchObject({ opsPut: 2, bytesReceived: 8, objectsCreated: 2 });
    expect(await runDurableObjectAlarm(meterOf(e.service.uuid))).toBe(false);
  });

  it("counts anonymous requests under an empty access key", async () => {
    const e = await s3Service();
    const { client } = s3Client(e, await s3User(e));
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "pub", Body: "public" }));
    await client.send(
      new PutBucketPolicyCommand({
        Bucket: b,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${b}/*` }],
        }),
      }),
    );
    const res = await exports.default.fetch(new Request(`http://${e.host}/${b}/pub`));
    expect(await res.text()).toBe("public");
    await meterSettled(e.service.uuid, b, 4);
    const anon = (await meterOf(e.service.uuid).hourly()).find((r) => r.bucket === b && r.accessKeyId === "");
    expect(anon).toMatchObject({ opsGet: 1, bytesSent: 6 });
  });
});
