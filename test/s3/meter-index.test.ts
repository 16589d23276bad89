// The usage meter's object index: write and delete events carry no "before" (no HEAD on the
// S3 hot path); the meter's index of keys says what each one created, replaced or deleted.
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { UsageEvent } from "../../src/core/s3/usage";
import { meterOf, newBucket, s3Client, s3Service, s3User, settleMeter } from "./helpers";
import { bytes } from "../helpers/bytes";
import { signedFetch } from "./sign";

const svc = () => `meter-index-${crypto.randomUUID()}`;
const ev = (bucket: string, at: number, change: Pick<UsageEvent, "wrote" | "removed">): UsageEvent => ({
  bucket,
  accessKeyId: null,
  at,
  op: change.wrote ? "put" : "delete",
  ...change,
});

async function totalsOf(uuid: string, bucket: string) {
  return (await meterOf(uuid).totals()).find((t) => t.bucket === bucket) ?? { bucket, objects: 0, bytes: 0 };
}

describe("usage meter object index", () => {
  it("tells creations from overwrites and deletions of something from deletions of nothing", async () => {
    const uuid = svc();
    const m = meterOf(uuid);
    await m.record(uuid, [ev("b", 100, { wrote: { key: "k", size: 10 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 10 });
    await m.record(uuid, [ev("b", 200, { wrote: { key: "k", size: 25 } }), ev("b", 200, { wrote: { key: "other", size: 1 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 2, bytes: 26 });
    await m.record(uuid, [ev("b", 300, { removed: ["k", "never-existed"] })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 1 });
    const hours = (await m.hourly()).filter((h) => h.bucket === "b");
    const sum = (f: "objectsCreated" | "bytesCreated" | "objectsDeleted" | "bytesDeleted") => hours.reduce((n, h) => n + h[f], 0);
    // k: created (10), replaced by 25 (one created, one deleted), deleted; other: created.
    expect([sum("objectsCreated"), sum("bytesCreated"), sum("objectsDeleted"), sum("bytesDeleted")]).toEqual([3, 36, 2, 35]);
  });

  it("orders events by time: a late event that was overtaken changes nothing", async () => {
    const uuid = svc();
    const m = meterOf(uuid);
    await m.record(uuid, [ev("b", 200, { wrote: { key: "k", size: 20 } })]);
    // A write that completed earlier but arrives later was replaced by the one above.
    await m.record(uuid, [ev("b", 150, { wrote: { key: "k", size: 5 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 20 });
    await m.record(uuid, [ev("b", 300, { removed: ["k"] })]);
    // A write older than the deletion was deleted by it.
    await m.record(uuid, [ev("b", 250, { wrote: { key: "k", size: 7 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 0, bytes: 0 });
    // A deletion that arrives before the write it deleted (markers remember deletions).
    await m.record(uuid, [ev("b", 500, { removed: ["late"] })]);
    await m.record(uuid, [ev("b", 400, { wrote: { key: "late", size: 9 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 0, bytes: 0 });
    // Equal times: arrival order (a write right after a deletion).
    await m.record(uuid, [ev("b", 500, { wrote: { key: "late", size: 9 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 9 });
  });

  it("forgets a bucket's keys when the bucket is reset or dropped", async () => {
    const uuid = svc();
    const m = meterOf(uuid);
    await m.record(uuid, [ev("b", 100, { wrote: { key: "k", size: 10 } })]);
    await m.dropBucket(uuid, "b", 150);
    await m.record(uuid, [ev("b", 200, { wrote: { key: "k", size: 10 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 10 });
    await m.resetBucket(uuid, "b");
    await m.record(uuid, [ev("b", 300, { wrote: { key: "k", size: 4 } })]);
    expect(await totalsOf(uuid, "b")).toEqual({ bucket: "b", objects: 1, bytes: 4 });
  });

  it("counts concurrent first writes of one key through S3 as one object", async () => {
    const e = await s3Service();
    const u = await s3User(e);
    const b = newBucket();
    await s3Client(e, u).client.send(new CreateBucketCommand({ Bucket: b }));
    const body = bytes(64);
    const puts = await Promise.all(Array.from({ length: 8 }, () => signedFetch(u, "PUT", `http://api.test/${b}/same`, { body })));
    expect(puts.map((r) => r.status)).toEqual(puts.map(() => 200));
    const del = await Promise.all(Array.from({ length: 3 }, () => signedFetch(u, "DELETE", `http://api.test/${b}/never`)));
    expect(del.map((r) => r.status)).toEqual([204, 204, 204]);
    await settleMeter();
    expect(await totalsOf(e.service.uuid, b)).toEqual({ bucket: b, objects: 1, bytes: 64 });
  });
});
