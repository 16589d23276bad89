import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { tuning } from "../../src/core/jobs/engine";
import { newTenant, type Tenant } from "../helpers/api";
import { createBucket, get, jobBody, JobQueue, jobRow, listBuckets, listKeys, put, runJob, storage, type Storage } from "./helpers";
import { bytes } from "../helpers/bytes";

let t: Tenant;
let src: Storage;
const saved = { ...tuning };
const CONTENT: Record<string, Record<string, Uint8Array>> = {
  alpha: { "a/1.bin": bytes(1000, 1), "a/2.bin": bytes(2000, 2), "top.txt": bytes(10, 3) },
  beta: { "b 1.txt": bytes(5, 4), "ß/ü.bin": bytes(70_000, 5) },
  "gamma.with.dots": {},
};

beforeAll(async () => {
  Object.assign(tuning, { listPage: 2, batchObjects: 2 });
  t = await newTenant();
  src = await storage(t);
  for (const [bucket, objects] of Object.entries(CONTENT)) {
    await createBucket(src, bucket);
    for (const [key, body] of Object.entries(objects)) await put(src, bucket, key, body, { "x-amz-meta-bucket": bucket });
  }
});

afterAll(() => void Object.assign(tuning, saved));
afterEach(() => vi.restoreAllMocks());

describe("a job over a whole storage (no bucket)", () => {
  it("creates the missing target buckets and copies every bucket, keeping buckets and objects already there", async () => {
    const dst = await storage(t);
    // One bucket exists already, with an object of its own and a stale copy of a source object.
    await createBucket(dst, "beta");
    await put(dst, "beta", "theirs.txt", "kept");
    await put(dst, "beta", "b 1.txt", "stale");
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst));
    expect(r.status, r.text).toBe(201);
    const end = await runJob(t, q, r.json.uuid);
    expect(end.operational_state).toBe("completed");
    const total = Object.values(CONTENT)
      .flatMap((o) => Object.values(o))
      .reduce((n, b) => n + b.length, 0);
    expect(end.output).toMatchObject({ bytes: total, total_bytes: total, error: "" });
    expect(await jobRow(r.json.uuid)).toMatchObject({ objects_total: 5, objects_copied: 5, objects_failed: 0 });
    expect((await listBuckets(dst)).sort()).toEqual(["alpha", "beta", "gamma.with.dots"]);
    for (const [bucket, objects] of Object.entries(CONTENT)) {
      for (const [key, body] of Object.entries(objects)) {
        const g = await get(dst, bucket, key);
        expect(g.sha256, `${bucket}/${key}`).toBe((await get(src, bucket, key)).sha256);
        expect(g.body.length).toBe(body.length);
        expect(g.headers.get("x-amz-meta-bucket")).toBe(bucket);
      }
    }
    expect((await listKeys(dst, "beta")).sort()).toEqual(["b 1.txt", "theirs.txt", "ß/ü.bin"]);
    expect(new TextDecoder().decode((await get(dst, "beta", "theirs.txt")).body)).toBe("kept");
    // One listing chain per bucket, paged.
    const lists = q.log.filter((m) => m.kind === "job-list").map((m) => m.task);
    expect(lists).toEqual(expect.arrayContaining(["l:0:0", "l:0:1", "l:1:0", "l:2:0"]));
  });

  it("a storage without buckets completes at once", async () => {
    const empty = await storage(t);
    const dst = await storage(t);
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(empty, dst));
    const end = await runJob(t, q, r.json.uuid);
    expect(end.operational_state).toBe("completed");
    expect(end.output).toMatchObject({ bytes: 0, total_bytes: 0 });
    expect(q.log.map((m) => m.kind)).toEqual(["job-configure"]);
  });
});
