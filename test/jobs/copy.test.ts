import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { tuning } from "../../src/core/jobs/engine";
import { S3Client } from "../../src/core/jobs/s3client";
import { newTenant, type Tenant } from "../helpers/api";
import { bytes } from "../helpers/bytes";
import { createBucket, get, head, jobBody, JobQueue, jobRow, listKeys, put, putMultipart, runJob, storage, type Storage } from "./helpers";

const MiB = 1024 * 1024;
const BUCKET = "photos";

/** Keys a copy must carry unchanged: spaces, unicode, "+", URL metacharacters, deep prefixes. */
/** Real gzip bytes: a Worker's fetch decodes Content-Encoding: gzip bodies on the way in, so the test reads decode cleanly. */
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const SMALL: [string, Uint8Array | string, Record<string, string>][] = [
  ["empty", "", {}],
  ["small.txt", "hello world", { "content-type": "text/plain; charset=utf-8", "x-amz-meta-color": "blue" }],
  ["a b/c d.txt", "spaces in the key", {}],
  ["ünïcödé/日本語/ファイル.txt", "unicode", { "content-type": "text/plain" }],
  ["plus+sign+key", "plus", {}],
  ["percent%20literal&amp;?#=.txt", "metacharacters", {}],
  [" leading and trailing ", "blanks", {}],
  ["deep/a/b/c/d/e/f/g/h/i/j/file.bin", bytes(100 * 1024, 11), {}],
  ["mid/1mib.bin", bytes(MiB, 12), { "content-type": "application/x-test" }],
  ["mid/3mib streamed.bin", bytes(3 * MiB + 17, 14), { "content-type": "application/x-streamed", "x-amz-meta-path": "streamed" }],
  [
    "meta/all-headers.bin",
    "", // replaced by gzip bytes in beforeAll
    {
      "content-type": "application/x-custom",
      "content-encoding": "gzip",
      "content-disposition": 'attachment; filename="all.bin"',
      "content-language": "fi",
      "cache-control": "max-age=60, public",
      expires: "Wed, 02 Jan 2030 03:04:05 GMT",
      "x-amz-meta-color": "red",
      "x-amz-meta-multi-word": "a b c",
    },
  ],
];
const SINGLE_9MIB = "big/single 9mib.bin";
const MULTI_13MIB = "big/multipart+13mib.bin";
const KEPT = ["content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires"];

let t: Tenant;
let src: Storage;
let keys: string[];
let totalBytes: number;
const saved = { ...tuning };

beforeAll(async () => {
  // Small pages and batches, so a dozen objects exercise paging, fan-out and several batches.
  // And the 9 MiB and 13 MiB objects go in parts, as objects above the (64 MiB) threshold do.
  Object.assign(tuning, { listPage: 4, batchObjects: 3, multipartThreshold: 8 * MiB });
  SMALL.find(([k]) => k === "meta/all-headers.bin")![1] = await gzip("compressed ".repeat(500));
  t = await newTenant();
  src = await storage(t);
  await createBucket(src, BUCKET);
  for (const [key, body, headers] of SMALL) await put(src, BUCKET, key, body, headers);
  await put(src, BUCKET, SINGLE_9MIB, bytes(9 * MiB, 21), { "content-type": "video/mp4", "x-amz-meta-origin": "single" });
  const etag = await putMultipart(src, BUCKET, MULTI_13MIB, bytes(13 * MiB, 22), 5 * MiB, {
    "content-type": "application/zip",
    "x-amz-meta-origin": "multi",
  });
  expect(etag).toMatch(/-3"$/);
  keys = (await listKeys(src, BUCKET)).sort();
  expect(keys.length).toBe(SMALL.length + 2);
  totalBytes = SMALL.reduce((n, [, b]) => n + (typeof b === "string" ? new TextEncoder().encode(b).length : b.length), 0) + 22 * MiB;
});

afterAll(() => void Object.assign(tuning, saved));
afterEach(() => vi.restoreAllMocks());

/** Every source object is at the target: same bytes (SHA-256), same content headers and user metadata. */
async function expectSameObjects(dst: Storage, bucket = BUCKET) {
  expect((await listKeys(dst, bucket)).sort()).toEqual(keys);
  for (const key of keys) {
    const a = await get(src, BUCKET, key);
    const b = await get(dst, bucket, key);
    expect(b.status, key).toBe(200);
    expect(b.sha256, key).toBe(a.sha256);
    expect(b.body.length, key).toBe(a.body.length);
    for (const h of KEPT) expect(b.headers.get(h), `${key} ${h}`).toBe(a.headers.get(h));
    const meta = (h: Headers) => [...h].filter(([k]) => k.startsWith("x-amz-meta-"));
    expect(meta(b.headers), key).toEqual(meta(a.headers));
  }
}

async function body(uuid: string) {
  const r = await t.api("GET", `/jobs/${uuid}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

describe("a bucket job", () => {
  it("copies every object byte for byte with its metadata, showing progress while it runs", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const puts = vi.spyOn(S3Client.prototype, "putObject");
    const r = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    expect(r.status, r.text).toBe(201);
    const uuid = r.json.uuid;

    await q.step((m) => m.kind === "job-configure");
    let b = await body(uuid);
    expect(b.operational_state).toBe("running");
    expect(b.output).toMatchObject({ bytes: 0, total_bytes: 0, error: "" });
    // The target bucket exists once configuration is done.
    expect((await head(dst, BUCKET, "nothing-yet")).status).toBe(404);

    await q.step((m) => m.kind === "job-list");
    b = await body(uuid);
    const firstPage = b.output.total_bytes;
    expect(firstPage).toBeGreaterThan(0);
    expect(firstPage).toBeLessThan(totalBytes);
    expect(b.output.bytes).toBe(0);
    expect(q.pending.filter((m) => m.kind === "job-copy").length).toBe(2);
    expect(q.pending.filter((m) => m.kind === "job-list").length).toBe(1);

    await q.step((m) => m.kind === "job-copy");
    b = await body(uuid);
    expect(b.operational_state).toBe("running");
    expect(b.output.bytes).toBeGreaterThan(0);
    expect(b.output.bytes).toBeLessThan(firstPage);
    expect(Number(b.output.transfer_time)).toBeGreaterThanOrEqual(0);

    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("completed");
    expect(end.output).toEqual({
      bytes: totalBytes,
      total_bytes: totalBytes,
      error: "",
      transfer_time: expect.stringMatching(/^\d+(\.\d+)?$/),
    });
    const row = await jobRow(uuid);
    expect(row).toMatchObject({ objects_total: keys.length, objects_copied: keys.length, objects_skipped: 0, objects_failed: 0 });
    await expectSameObjects(dst);
    // Every single-PUT copy, the empty and the 11-byte objects too, got the source's GET body as a stream.
    expect(puts.mock.calls.map((call) => call[1]).sort()).toEqual(SMALL.map(([k]) => k).sort());
    for (const call of puts.mock.calls) expect(call[2], call[1]).toBeInstanceOf(ReadableStream);

    // Large objects went in parts; both get ledger records since their target ETags differ from the source's.
    expect((await head(dst, BUCKET, SINGLE_9MIB)).headers.get("etag")).toMatch(/-2"$/);
    expect((await head(dst, BUCKET, MULTI_13MIB)).headers.get("etag")).toMatch(/-2"$/);
    const ledger = await env.DB.prepare("SELECT key FROM job_copy_ledger WHERE target_service_uuid = ? ORDER BY key").bind(dst.uuid).all();
    expect(ledger.results.map((x) => x.key)).toEqual([MULTI_13MIB, SINGLE_9MIB]);
    // Finished: later GETs show the same transfer_time.
    expect((await body(uuid)).output.transfer_time).toBe(end.output.transfer_time);
  });

  it("into a differently named target bucket, creating it", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET, "photos-copy"));
    expect((await runJob(t, q, r.json.uuid)).operational_state).toBe("completed");
    await expectSameObjects(dst, "photos-copy");
  });

  it("a rerun skips what is already there (multipart copies too) and copies what changed since", async () => {
    const dst = await storage(t);
    let q = new JobQueue();
    const first = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    expect((await runJob(t, q, first.json.uuid)).operational_state).toBe("completed");
    const targetEtag = (await head(dst, BUCKET, MULTI_13MIB)).headers.get("etag");

    q = new JobQueue();
    const second = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    const again = await runJob(t, q, second.json.uuid);
    expect(again.operational_state).toBe("completed");
    expect(again.output.bytes).toBe(totalBytes);
    expect(await jobRow(second.json.uuid)).toMatchObject({
      objects_copied: 0,
      bytes_copied: 0,
      objects_skipped: keys.length,
      bytes_skipped: totalBytes,
    });
    expect((await head(dst, BUCKET, MULTI_13MIB)).headers.get("etag")).toBe(targetEtag);

    // Same sizes, new content: a different ETag at the source, so both are copied again.
    const other = await storage(t);
    await createBucket(other, "changing");
    await put(other, "changing", "small.txt", "hello world");
    await putMultipart(other, "changing", "big.bin", bytes(13 * MiB, 30), 5 * MiB);
    const dst2 = await storage(t);
    q = new JobQueue();
    const j1 = await t.api("POST", "/jobs", jobBody(other, dst2, "changing"));
    expect(await jobRow((await runJob(t, q, j1.json.uuid)).uuid)).toMatchObject({ objects_copied: 2 });
    await put(other, "changing", "small.txt", "HELLO WORLD");
    await putMultipart(other, "changing", "big.bin", bytes(13 * MiB, 31), 5 * MiB);
    q = new JobQueue();
    const j2 = await t.api("POST", "/jobs", jobBody(other, dst2, "changing"));
    expect(await jobRow((await runJob(t, q, j2.json.uuid)).uuid)).toMatchObject({ objects_copied: 2, objects_skipped: 0 });
    expect(new TextDecoder().decode((await get(dst2, "changing", "small.txt")).body)).toBe("HELLO WORLD");
    expect((await get(dst2, "changing", "big.bin")).sha256).toBe((await get(other, "changing", "big.bin")).sha256);
    // And a third run has nothing left to do.
    q = new JobQueue();
    const j3 = await t.api("POST", "/jobs", jobBody(other, dst2, "changing"));
    expect(await jobRow((await runJob(t, q, j3.json.uuid)).uuid)).toMatchObject({ objects_copied: 0, objects_skipped: 2 });
  });
});

describe("redelivery", () => {
  it("a batch delivered twice, one after the other and at the same time, counts once", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    const uuid = r.json.uuid;
    await q.step((m) => m.kind === "job-configure");
    await q.step((m) => m.kind === "job-list");
    const copies = q.pending.filter((m) => m.kind === "job-copy");
    expect(copies.length).toBe(2);
    // The same message twice at once, then again later.
    await Promise.all([q.deliver([copies[0]!]), q.deliver([copies[0]!])]);
    const afterOne = await jobRow(uuid);
    await q.deliver([copies[0]!]);
    expect(await jobRow(uuid)).toMatchObject({
      objects_copied: afterOne!.objects_copied,
      objects_skipped: afterOne!.objects_skipped,
      bytes_copied: afterOne!.bytes_copied,
    });
    expect(Number(afterOne!.objects_copied) + Number(afterOne!.objects_skipped)).toBe(3);
    // Configuration and listing redelivered too: no new work, no double totals.
    await q.deliver([{ kind: "job-configure", job: uuid }]);
    await q.deliver([q.log.find((m) => m.kind === "job-list")!]);
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("completed");
    expect(end.output).toMatchObject({ bytes: totalBytes, total_bytes: totalBytes });
    const row = await jobRow(uuid);
    expect(Number(row!.objects_copied) + Number(row!.objects_skipped)).toBe(keys.length);
    expect(row!.objects_total).toBe(keys.length);
    await expectSameObjects(dst);
  });

  it("a consumer that dies after copying, before recording, is redelivered: nothing lost, nothing counted twice", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    const uuid = r.json.uuid;
    await q.step((m) => m.kind === "job-configure");
    await q.step((m) => m.kind === "job-list");
    const copy = q.pending.find((m) => m.kind === "job-copy")!;
    q.pending.splice(q.pending.indexOf(copy), 1);
    // The batch's commit (the D1 transaction that starts by counting the task) fails once.
    const batch = env.DB.batch.bind(env.DB);
    let armed = true;
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(env.DB, "batch").mockImplementation(async (stmts) => {
      if (armed && /^UPDATE jobs SET/.test((stmts[0] as unknown as { statement: string }).statement)) {
        armed = false;
        throw new Error("D1 went away");
      }
      return batch(stmts);
    });
    await expect(q.deliver([copy])).rejects.toThrow(/no message should need a retry/);
    expect(armed).toBe(false);
    expect(await jobRow(uuid)).toMatchObject({ objects_copied: 0, objects_skipped: 0 });
    await q.deliver([copy]);
    const row = await jobRow(uuid);
    expect(row).toMatchObject({ objects_copied: 0, objects_skipped: 3, objects_failed: 0 });
    const end = await runJob(t, q, uuid);
    expect(end.operational_state).toBe("completed");
    expect(end.output.bytes).toBe(totalBytes);
    const fin = await jobRow(uuid);
    expect(Number(fin!.objects_copied) + Number(fin!.objects_skipped)).toBe(keys.length);
    await expectSameObjects(dst);
  });
});

describe("cancel", () => {
  it("takes effect before the next batch: later batches and pages do nothing", async () => {
    const dst = await storage(t);
    const q = new JobQueue();
    const r = await t.api("POST", "/jobs", jobBody(src, dst, BUCKET));
    const uuid = r.json.uuid;
    await q.step((m) => m.kind === "job-configure");
    await q.step((m) => m.kind === "job-list");
    await q.step((m) => m.kind === "job-copy");
    const before = await body(uuid);
    const c = await t.api("POST", `/jobs/${uuid}/cancel`);
    expect(c.status, c.text).toBe(200);
    expect(c.json.operational_state).toBe("canceled");
    expect(c.json.output.bytes).toBe(before.output.bytes);
    const delivered = await q.drain();
    expect(delivered).toBeGreaterThan(0);
    const end = await body(uuid);
    expect(end.operational_state).toBe("canceled");
    expect(end.output.bytes).toBe(before.output.bytes);
    expect(end.output.total_bytes).toBe(before.output.total_bytes);
    // Only the first batch (3 objects) reached the target; no message was sent after the cancel.
    expect((await listKeys(dst, BUCKET)).length).toBe(3);
    expect(q.pending).toEqual([]);
    // The transfer clock stopped at cancel.
    const t1 = end.output.transfer_time;
    expect((await body(uuid)).output.transfer_time).toBe(t1);
  });
});
