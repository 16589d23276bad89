import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { getHourlyUsage } from "../../src/core/s3/usage";
import { call, expectProblem, invalidNames, newService, newTenant, unique } from "../helpers/api";
import { deliver } from "../helpers/queue";
import { meterOf, s3Client, s3Service, s3User, type S3Env } from "../s3/helpers";
import { bytes } from "../helpers/bytes";

const MiB = 1024 * 1024;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** S3 requests are metered after their response (waitUntil): waits until the meter has seen `ops` requests in `hour`. */
async function meterSaw(serviceUuid: string, hour: number, ops: number): Promise<void> {
  let seen = 0;
  for (let i = 0; i < 300; i++) {
    const rows = (await meterOf(serviceUuid).hourly()).filter((r) => r.hour === iso(hour));
    seen = rows.reduce((n, r) => n + r.opsGet + r.opsPut + r.opsList + r.opsDelete + r.opsOther, 0);
    if (seen >= ops) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(seen, `requests metered in ${iso(hour)}`).toBe(ops);
}

/** Captures what the Worker sends to the JOBS queue, so the test delivers it through the real consumer. */
function captureQueue() {
  const sent: unknown[] = [];
  vi.spyOn(env.JOBS, "send").mockImplementation(async (body: unknown) => {
    sent.push(body);
    return undefined as never;
  });
  return {
    sent,
    async drain(): Promise<void> {
      for (let i = 0; sent.length; i++) {
        if (i > 1000) throw new Error("queue did not drain");
        expect(await deliver(sent.splice(0, sent.length))).toEqual([]);
      }
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function multipart(client: S3Client, bucket: string, key: string, parts: Uint8Array[], finish: "complete" | "abort") {
  const id = (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId!;
  const etags: { ETag: string; PartNumber: number }[] = [];
  for (const [i, body] of parts.entries()) {
    const r = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: i + 1, Body: body }));
    etags.push({ ETag: r.ETag!, PartNumber: i + 1 });
  }
  if (finish === "complete")
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts: etags } }));
  else await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id }));
}

const entry = (start: number, hours: number, v: Partial<Record<string, number>>) => ({
  start_at: iso(start),
  end_at: iso(start + hours * HOUR),
  bytes_created: 0,
  bytes_deleted: 0,
  bytes_received: 0,
  bytes_transmitted: 0,
  objects_created: 0,
  objects_deleted: 0,
  ...v,
});

describe("usage metrics and metric series", () => {
  it("match S3 traffic over several hours exactly: totals, bucket metrics, service usage and every series field", async () => {
    const e: S3Env = await s3Service();
    const { client } = s3Client(e, await s3User(e));
    const uuid = e.service.uuid;
    const q = captureQueue();
    const b1 = unique("Metrics_B1"); // a control-plane name S3's CreateBucket would refuse, used path-style
    const b2 = unique("b2").toLowerCase();
    // Midnight UTC three days ahead: hour H0. Time is faked for the Worker and the meter alike; in the
    // future, so the meter's own flush alarms (due 5 minutes after its events) never fire during the test.
    const T0 = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR + 3 * 24 * HOUR;
    const at = (h: number, min = 10) => vi.setSystemTime(new Date(T0 + h * HOUR + min * 60_000));
    vi.useFakeTimers({ toFake: ["Date"] });

    // H0: create b1 through the control plane; put, put, overwrite through S3.
    at(0);
    const created = await e.tenant.api("POST", `/${uuid}/buckets`, { name: b1 });
    expect(created.status, created.text).toBe(201);
    await client.send(new PutObjectCommand({ Bucket: b1, Key: "a", Body: bytes(1000) }));
    await client.send(new PutObjectCommand({ Bucket: b1, Key: "b", Body: bytes(300) }));
    await client.send(new PutObjectCommand({ Bucket: b1, Key: "a", Body: bytes(400) }));
    await meterSaw(uuid, T0, 3);

    // H1: copy, read, delete, copy onto an existing key. Then the meter flushes.
    at(1);
    await client.send(new CopyObjectCommand({ Bucket: b1, Key: "c", CopySource: `${b1}/b` }));
    await (await client.send(new GetObjectCommand({ Bucket: b1, Key: "a" }))).Body!.transformToByteArray();
    await client.send(new DeleteObjectCommand({ Bucket: b1, Key: "b" }));
    await client.send(new CopyObjectCommand({ Bucket: b1, Key: "a", CopySource: `${b1}/c` }));
    await meterSaw(uuid, T0 + HOUR, 4);
    await meterOf(uuid).flush();

    // H2: nothing. H3: an S3-made bucket, a completed and an aborted multipart upload, a batch delete.
    at(3);
    await client.send(new CreateBucketCommand({ Bucket: b2 }));
    await client.send(new PutObjectCommand({ Bucket: b2, Key: "d", Body: bytes(50) }));
    await multipart(client, b1, "m", [bytes(5 * MiB), bytes(100)], "complete");
    await multipart(client, b1, "x", [bytes(100)], "abort");
    await client.send(new DeleteObjectsCommand({ Bucket: b1, Delete: { Objects: [{ Key: "a" }, { Key: "nope" }] } }));
    await meterSaw(uuid, T0 + 3 * HOUR, 10);
    await meterOf(uuid).flush();

    // H7: traffic, a flush that drops H0–H3 from the meter (they live on in D1 only), more traffic unflushed.
    at(7);
    await client.send(new PutObjectCommand({ Bucket: b1, Key: "e", Body: bytes(10) }));
    await (await client.send(new GetObjectCommand({ Bucket: b1, Key: "c" }))).Body!.transformToByteArray();
    await meterSaw(uuid, T0 + 7 * HOUR, 2);
    await meterOf(uuid).flush();
    expect([...new Set((await meterOf(uuid).hourly()).map((h) => h.hour))]).toEqual([iso(T0 + 7 * HOUR)]);
    await client.send(new CopyObjectCommand({ Bucket: b1, Key: "e", CopySource: `${b1}/c` }));
    await client.send(new PutObjectCommand({ Bucket: b1, Key: "f", Body: bytes(20) }));
    await meterSaw(uuid, T0 + 7 * HOUR, 4);

    // Left: b1 {c 300, m 5 MiB + 100, e 300, f 20}, b2 {d 50}.
    const m = await e.tenant.api("GET", `/${uuid}/metrics`);
    expect(m.status).toBe(200);
    expect(m.json).toEqual({ total_objects: 5, total_size_bytes: 5 * MiB + 770 });
    expect((await e.tenant.api("GET", `/${uuid}`)).json.usage).toEqual({ total_objects: 5, total_size_bytes: 5 * MiB + 770 });
    const listed = (await e.tenant.api("GET", "?limit=100")).json.find((s: { uuid: string }) => s.uuid === uuid);
    expect(listed!.usage).toEqual({ total_objects: 5, total_size_bytes: 5 * MiB + 770 });
    const buckets = (await e.tenant.api("GET", `/${uuid}/buckets`)).json;
    expect(buckets).toEqual(
      [
        { name: b1, deleted: false, total_objects: 4, total_size_bytes: 5 * MiB + 720 },
        { name: b2, deleted: false, total_objects: 1, total_size_bytes: 50 },
      ].sort((x, y) => (x.name < y.name ? -1 : 1)),
    );

    // Deleting b2 through the control plane counts its object as deleted when the purge completes.
    at(7, 40);
    expect((await e.tenant.api("DELETE", `/${uuid}/buckets/${b2}`)).status).toBe(204);
    expect((await e.tenant.api("GET", `/${uuid}/metrics`)).json).toEqual({ total_objects: 5, total_size_bytes: 5 * MiB + 770 });
    await q.drain();
    expect((await e.tenant.api("GET", `/${uuid}/metrics`)).json).toEqual({ total_objects: 4, total_size_bytes: 5 * MiB + 720 });
    expect((await e.tenant.api("GET", `/${uuid}/buckets`)).json).toEqual([
      { name: b1, deleted: false, total_objects: 4, total_size_bytes: 5 * MiB + 720 },
    ]);

    // Every field of the hourly series, newest first (the default sort).
    at(7, 50);
    const h0 = {
      objects_created: 3,
      bytes_created: 1700,
      objects_deleted: 1,
      bytes_deleted: 1000,
      bytes_received: 1700,
      objects_total: 2,
      bytes_total: 700,
    };
    const h1 = {
      objects_created: 2,
      bytes_created: 600,
      objects_deleted: 2,
      bytes_deleted: 700,
      bytes_transmitted: 400,
      objects_total: 2,
      bytes_total: 600,
    };
    const h2 = { objects_total: 2, bytes_total: 600 };
    const h3 = {
      objects_created: 2,
      bytes_created: 5 * MiB + 150,
      objects_deleted: 1,
      bytes_deleted: 300,
      bytes_received: 5 * MiB + 250,
      objects_total: 3,
      bytes_total: 5 * MiB + 450,
    };
    const quiet = { objects_total: 3, bytes_total: 5 * MiB + 450 };
    const h7 = {
      objects_created: 3,
      bytes_created: 330,
      objects_deleted: 2,
      bytes_deleted: 60,
      bytes_received: 30,
      bytes_transmitted: 300,
      objects_total: 4,
      bytes_total: 5 * MiB + 720,
    };
    const hourly = [
      entry(T0 + 7 * HOUR, 1, h7),
      ...[6, 5, 4].map((h) => entry(T0 + h * HOUR, 1, quiet)),
      entry(T0 + 3 * HOUR, 1, h3),
      entry(T0 + 2 * HOUR, 1, h2),
      entry(T0 + HOUR, 1, h1),
      entry(T0, 1, h0),
    ];
    // D1 lags behind the meter for H7 (the copy and the last put are not flushed): the series reads both.
    const d1 = (await getHourlyUsage(env, uuid, { from: iso(T0 + 7 * HOUR) })).reduce((n, r) => n + r.objectsCreated, 0);
    expect(d1).toBe(1);
    const s1 = await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}`);
    expect(s1.status, s1.text).toBe(200);
    expect(s1.json).toEqual(hourly);
    // The same after the meter flushes everything to D1.
    await meterOf(uuid).flush();
    expect((await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&interval=1h&sort=-start_at`)).json).toEqual(hourly);
    expect((await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&sort=start_at`)).json).toEqual([...hourly].reverse());

    // Defaults: the last 24 hours, 10 newest entries; hours before any traffic are zero.
    const dflt = (await e.tenant.api("GET", `/${uuid}/metrics/series`)).json;
    expect(dflt).toEqual([
      ...hourly,
      entry(T0 - HOUR, 1, { objects_total: 0, bytes_total: 0 }),
      entry(T0 - 2 * HOUR, 1, { objects_total: 0, bytes_total: 0 }),
    ]);

    // Paging, an unaligned from, an exclusive to.
    expect((await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&sort=start_at&offset=2&limit=3`)).json).toEqual([
      entry(T0 + 2 * HOUR, 1, h2),
      entry(T0 + 3 * HOUR, 1, h3),
      entry(T0 + 4 * HOUR, 1, quiet),
    ]);
    expect(
      (await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0 + 90 * 60_000)}&to=${iso(T0 + 3 * HOUR)}&sort=start_at`)).json,
    ).toEqual([entry(T0 + HOUR, 1, h1), entry(T0 + 2 * HOUR, 1, h2)]);
    expect((await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&limit=0`)).json).toEqual([]);
    expect((await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&offset=8`)).json).toEqual([]);

    // Several hours per interval: 3h intervals aligned to the epoch; the open one ends in the future.
    const three = await e.tenant.api("GET", `/${uuid}/metrics/series?from=${iso(T0)}&to=${iso(T0 + 9 * HOUR)}&interval=3h&sort=start_at`);
    expect(three.json).toEqual([
      entry(T0, 3, {
        objects_created: 5,
        bytes_created: 2300,
        objects_deleted: 3,
        bytes_deleted: 1700,
        bytes_received: 1700,
        bytes_transmitted: 400,
        objects_total: 2,
        bytes_total: 600,
      }),
      entry(T0 + 3 * HOUR, 3, h3),
      entry(T0 + 6 * HOUR, 3, h7),
    ]);
    // A timestamp with an offset: 02:00+02:00 is midnight UTC.
    const day = await e.tenant.api(
      "GET",
      `/${uuid}/metrics/series?from=${encodeURIComponent(iso(T0).replace("T00:00:00Z", "T02:00:00+02:00"))}&interval=24h`,
    );
    expect(day.json).toEqual([
      entry(T0, 24, {
        objects_created: 10,
        bytes_created: 5 * MiB + 2780,
        objects_deleted: 6,
        bytes_deleted: 2060,
        bytes_received: 5 * MiB + 1980,
        bytes_transmitted: 700,
        objects_total: 4,
        bytes_total: 5 * MiB + 720,
      }),
    ]);
    // The 24h total agrees with the sum of the hours and with the current totals.
    const sum = (k: string) => hourly.reduce((n, h) => n + ((h as Record<string, unknown>)[k] as number), 0);
    expect(day.json[0]!.bytes_created - day.json[0]!.bytes_deleted).toBe(sum("bytes_created") - sum("bytes_deleted"));
    expect(day.json[0]!.bytes_total).toBe((await e.tenant.api("GET", `/${uuid}/metrics`)).json.total_size_bytes);
  });

  it("reports zeros for a service without traffic and keeps services apart", async () => {
    const t = await newTenant();
    const s = await newService(t);
    expect((await t.api("GET", `/${s.uuid}/metrics`)).json).toEqual({ total_objects: 0, total_size_bytes: 0 });
    expect(s.usage).toEqual({ total_objects: 0, total_size_bytes: 0 });
    const series = await t.api("GET", `/${s.uuid}/metrics/series?interval=6h&limit=100`);
    expect(series.status).toBe(200);
    // 24 hours in 6-hour intervals aligned to UTC: four or five of them overlap the range.
    expect([4, 5]).toContain(series.json.length);
    for (const x of series.json) {
      expect(x).toMatchObject({ bytes_total: 0, objects_total: 0, bytes_created: 0, objects_created: 0 });
      expect(Date.parse(x.end_at) - Date.parse(x.start_at)).toBe(6 * HOUR);
      expect(Date.parse(x.start_at) % (6 * HOUR)).toBe(0);
    }
    const starts = series.json.map((x: { start_at: string }) => x.start_at);
    expect(starts).toEqual([...starts].sort().reverse());
  });

  describe("validation", () => {
    let t: Awaited<ReturnType<typeof newTenant>>;
    let uuid: string;
    beforeAll(async () => {
      t = await newTenant();
      uuid = (await newService(t)).uuid;
    });

    it.each([
      ["from=yesterday", ["from"]],
      ["from=2023-10-31", ["from"]],
      ["from=2023-02-30T00:00:00Z", ["from"]],
      ["from=2023-10-31T25:00:00Z", ["from"]],
      ["to=2023-10-31T12:00:00", ["to"]],
      ["to=1698753600", ["to"]],
      ["interval=0h", ["interval"]],
      ["interval=25h", ["interval"]],
      ["interval=1d", ["interval"]],
      ["interval=90m", ["interval"]],
      ["interval=1.5h", ["interval"]],
      ["interval=h", ["interval"]],
      ["interval=01h", ["interval"]],
      ["sort=end_at", ["sort"]],
      ["sort=start_at,-start_at", ["sort"]],
      ["limit=101", ["limit"]],
      ["limit=-1", ["limit"]],
      ["offset=x", ["offset"]],
      ["from=2023-10-31T12:00:00Z&to=2023-10-31T12:00:00Z", ["from", "to"]],
      ["from=2023-10-31T13:00:00Z&to=2023-10-31T12:00:00Z", ["from", "to"]],
      ["to=2000-01-01T00:00:00Z", ["to"]],
      ["from=2999-01-01T00:00:00Z", ["from"]],
      ["interval=2x&sort=up", ["interval", "sort"]],
    ])("GET /metrics/series?%s → 400 naming %j", async (query, names) => {
      const r = await t.api("GET", `/${uuid}/metrics/series?${query}`);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(invalidNames(r)).toEqual(names);
    });

    it("accepts RFC 3339 forms: fractions, offsets, lower-case separators, an unescaped + read as a space", async () => {
      for (const from of [
        "2023-10-31T12:00:00.123456Z",
        "2023-10-31t12:00:00z",
        "2023-10-31T14:00:00%2B02:00",
        "2023-10-31T14:00:00+02:00",
        "2023-10-31T07:30:00-04:30",
      ]) {
        const r = await t.api("GET", `/${uuid}/metrics/series?from=${from}&to=2023-10-31T15:00:00Z&sort=start_at&interval=1h`);
        expect(r.status, `${from}: ${r.text}`).toBe(200);
        expect(r.json.map((x: { start_at: string }) => x.start_at)).toEqual([
          "2023-10-31T12:00:00Z",
          "2023-10-31T13:00:00Z",
          "2023-10-31T14:00:00Z",
        ]);
      }
    });

    it("answers a range that lies in the future with an empty list", async () => {
      const from = iso(Date.now() + 2 * HOUR);
      const r = await t.api("GET", `/${uuid}/metrics/series?from=${from}&to=${iso(Date.now() + 5 * HOUR)}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual([]);
    });

    it("requires authentication and hides other tenants' services", async () => {
      const other = await newTenant();
      for (const path of [`/${uuid}/metrics`, `/${uuid}/metrics/series`]) {
        expectProblem(await other.api("GET", path), 404, "RESOURCE_NOT_FOUND");
        expectProblem(await call("GET", `/1.3/object-storage-2${path}`), 401, "AUTHENTICATION_FAILED");
      }
      expectProblem(await t.api("GET", `/00000000-0000-0000-0000-000000000000/metrics`), 404, "RESOURCE_NOT_FOUND");
    });
  });
});
