import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectProblem, invalidNames, newService, newTenant, settle, unique } from "../helpers/api";
import { meterOf, newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "../s3/helpers";
import { bytes } from "../helpers/bytes";

/** Waits until the meter's totals for `bucket` show `objects` objects (S3 requests are metered after their response). */
async function meterTotals(serviceUuid: string, bucket: string, objects: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const t = (await meterOf(serviceUuid).totals()).find((x) => x.bucket === bucket);
    if ((t?.objects ?? 0) === objects) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`meter never showed ${objects} objects in ${bucket}`);
}

/** Captures JOBS messages so nothing runs behind the test's back. */
function captureQueue() {
  const sent: unknown[] = [];
  vi.spyOn(env.JOBS, "send").mockImplementation(async (body: unknown) => {
    sent.push(body);
    return undefined as never;
  });
  return sent;
}

afterEach(() => vi.restoreAllMocks());

describe("control-plane buckets", () => {
  let e: S3Env;
  let client: ReturnType<typeof s3Client>["client"];
  beforeAll(async () => {
    e = await s3Service();
    ({ client } = s3Client(e, await s3User(e)));
  });
  const api = (method: string, path: string, body?: unknown) => e.tenant.api(method, `/${e.service.uuid}${path}`, body);

  it("creates a bucket (201) that S3 can use at once, and lists it with exact totals", async () => {
    const name = newBucket();
    const r = await api("POST", "/buckets", { name });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.json).toEqual({ name, deleted: false, total_objects: 0, total_size_bytes: 0 });

    await client.send(new HeadBucketCommand({ Bucket: name }));
    expect((await client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toContain(name);
    await client.send(new PutObjectCommand({ Bucket: name, Key: "one", Body: bytes(123) }));
    await client.send(new PutObjectCommand({ Bucket: name, Key: "two", Body: bytes(7) }));
    await meterTotals(e.service.uuid, name, 2);
    const listed = (await api("GET", "/buckets?limit=100")).json.find((b: { name: string }) => b.name === name);
    expect(listed).toEqual({ name, deleted: false, total_objects: 2, total_size_bytes: 130 });
  });

  it("refuses a name already taken in the service (409), whichever side created it", async () => {
    const name = newBucket();
    expect((await api("POST", "/buckets", { name })).status).toBe(201);
    expectProblem(await api("POST", "/buckets", { name }), 409, "CONFLICT");
    expect((await s3Error(client.send(new CreateBucketCommand({ Bucket: name })))).name).toBe("BucketAlreadyOwnedByYou");

    const viaS3 = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: viaS3 }));
    expectProblem(await api("POST", "/buckets", { name: viaS3 }), 409, "CONFLICT");

    // Another service may use the same name.
    const other = await newService(e.tenant);
    expect((await e.tenant.api("POST", `/${other.uuid}/buckets`, { name })).status).toBe(201);
  });

  it("accepts the vendor's names; those S3 would refuse are reachable path-style", async () => {
    const odd = `${unique("My_Bucket")}.v2`;
    const long = `l${unique("x")}`.padEnd(254, "x");
    for (const name of [odd, long, `A${unique("")}`, `${unique("_u")}`]) {
      const r = await api("POST", "/buckets", { name });
      expect(r.status, `${name}: ${r.text}`).toBe(201);
      expect(r.json.name).toBe(name);
    }
    // S3's CreateBucket keeps its own, stricter rules.
    expect((await s3Error(client.send(new CreateBucketCommand({ Bucket: unique("Other_Bucket") })))).name).toBe("InvalidBucketName");
    // The control-plane bucket works through S3, path-style.
    await client.send(new PutObjectCommand({ Bucket: odd, Key: "k", Body: "hello" }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: odd, Key: "k" }))).Body!.transformToString()).toBe("hello");
    expect((await client.send(new ListObjectsV2Command({ Bucket: odd }))).Contents!.map((o) => o.Key)).toEqual(["k"]);
    expect((await client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).toEqual(expect.arrayContaining([odd, long]));
  });

  it.each<[unknown, string]>([
    [{ name: "" }, "empty"],
    [{ name: "x".repeat(255) }, "255 characters"],
    [{ name: "a/b" }, "a slash"],
    [{ name: "a b" }, "a space"],
    [{ name: "bücket" }, "a non-ASCII letter"],
    [{ name: "a*b" }, "a wildcard"],
    [{ name: ".hidden" }, "a leading dot"],
    [{ name: "." }, "a dot"],
    [{ name: ".." }, "two dots"],
    [{}, "no name"],
    [{ name: 5 }, "a number"],
    [{ name: null }, "null"],
  ])("refuses %j (%s) with 400 naming name", async (body, _why) => {
    const r = await api("POST", "/buckets", body);
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(invalidNames(r)).toEqual(["name"]);
  });

  it("refuses a body that is not JSON", async () => {
    const r = await call("POST", `/1.3/object-storage-2/${e.service.uuid}/buckets`, {
      headers: { ...e.tenant.auth, "Content-Type": "application/json" },
      raw: "{",
    });
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(invalidNames(r)).toEqual(["body"]);
  });

  it("lists by name with limit (default 10, at most 100) and offset", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const names = Array.from({ length: 12 }, (_, i) => `bucket-${String(i).padStart(2, "0")}`);
    for (const name of [...names].reverse()) expect((await t.api("POST", `/${s.uuid}/buckets`, { name })).status).toBe(201);
    const all = (await t.api("GET", `/${s.uuid}/buckets`)).json;
    expect(all.map((b: { name: string }) => b.name)).toEqual(names.slice(0, 10));
    expect(all[0]).toEqual({ name: "bucket-00", deleted: false, total_objects: 0, total_size_bytes: 0 });
    expect((await t.api("GET", `/${s.uuid}/buckets?limit=5&offset=10`)).json.map((b: { name: string }) => b.name)).toEqual(names.slice(10));
    expect((await t.api("GET", `/${s.uuid}/buckets?limit=100`)).json).toHaveLength(12);
    expect((await t.api("GET", `/${s.uuid}/buckets?limit=0`)).json).toEqual([]);
    expect((await t.api("GET", `/${s.uuid}/buckets?offset=12`)).json).toEqual([]);
    for (const [q, name] of [
      ["limit=101", "limit"],
      ["limit=-1", "limit"],
      ["limit=ten", "limit"],
      ["offset=-1", "offset"],
      ["offset=1.5", "offset"],
      ["offset=99999999999999999999", "offset"], // beyond 2^53: once a D1 bind error (500), found by the long fuzz (seed 7, #3039)
    ]) {
      const r = await t.api("GET", `/${s.uuid}/buckets?${q}`);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(invalidNames(r)).toEqual([name]);
    }
  });

  it("deletes (204): S3 sees the bucket gone at once, the list shows it deleted until the purge, the name stays taken", async () => {
    const sent = captureQueue();
    const name = newBucket();
    expect((await api("POST", "/buckets", { name })).status).toBe(201);
    await client.send(new PutObjectCommand({ Bucket: name, Key: "k", Body: bytes(10) }));
    await meterTotals(e.service.uuid, name, 1);

    const d = await api("DELETE", `/buckets/${name}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    expect(sent).toEqual([{ kind: "bucket-purge", service_uuid: e.service.uuid, bucket: name }]);
    expect((await s3Error(client.send(new HeadBucketCommand({ Bucket: name })))).$metadata.httpStatusCode).toBe(404);
    expect((await s3Error(client.send(new PutObjectCommand({ Bucket: name, Key: "late", Body: "x" })))).name).toBe("NoSuchBucket");
    expect((await client.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).not.toContain(name);
    const listed = (await api("GET", "/buckets?limit=100")).json.find((b: { name: string }) => b.name === name);
    expect(listed).toEqual({ name, deleted: true, total_objects: 1, total_size_bytes: 10 });
    // The name is not free until the purge completes, for either side.
    expectProblem(await api("POST", "/buckets", { name }), 409, "CONFLICT");
    expect((await s3Error(client.send(new CreateBucketCommand({ Bucket: name })))).name).toBe("BucketAlreadyExists");
    // Deleting it again is not an error: it sends another purge message.
    expect((await api("DELETE", `/buckets/${name}`)).status).toBe(204);
    expect(sent).toHaveLength(2);
  });

  it("answers 404 for a bucket the service does not have", async () => {
    const sent = captureQueue();
    expectProblem(await api("DELETE", `/buckets/${newBucket()}`), 404, "RESOURCE_NOT_FOUND");
    const other = await newService(e.tenant);
    const name = newBucket();
    await e.tenant.api("POST", `/${other.uuid}/buckets`, { name });
    expectProblem(await api("DELETE", `/buckets/${name}`), 404, "RESOURCE_NOT_FOUND");
    expect(sent).toEqual([]);
  });

  it("hides another tenant's service and requires authentication", async () => {
    const other = await newTenant();
    const name = newBucket();
    await api("POST", "/buckets", { name });
    const base = `/${e.service.uuid}`;
    for (const [method, path, body] of [
      ["GET", `${base}/buckets`],
      ["POST", `${base}/buckets`, { name: newBucket() }],
      ["DELETE", `${base}/buckets/${name}`],
    ] as [string, string, unknown?][]) {
      expectProblem(await other.api(method, path, body), 404, "RESOURCE_NOT_FOUND");
      expectProblem(await call(method, `/1.3/object-storage-2${path}`, { body }), 401, "AUTHENTICATION_FAILED");
    }
    expect((await api("GET", "/buckets?limit=100")).json.map((b: { name: string }) => b.name)).toContain(name);
  });

  it("works on a stopped service; refuses changes while the service is being deleted; deleted buckets do not block deletion", async () => {
    const sent = captureQueue();
    const t = await newTenant();
    const s = await newService(t, { configured_status: "stopped" });
    expect((await t.api("POST", `/${s.uuid}/buckets`, { name: "kept" })).status).toBe(201);
    expect((await t.api("POST", `/${s.uuid}/buckets`, { name: "gone" })).status).toBe(201);
    expect((await t.api("DELETE", `/${s.uuid}/buckets/gone`)).status).toBe(204);
    // One live bucket: deletion without force is refused, naming one bucket.
    const refused = await t.api("DELETE", `/${s.uuid}`);
    expectProblem(refused, 400, "SERVICE_ERROR");
    expect(refused.json.title).toMatch(/1 bucket\(s\)/);
    expect((await t.api("DELETE", `/${s.uuid}/buckets/kept`)).status).toBe(204);
    expect((await t.api("DELETE", `/${s.uuid}`)).status).toBe(204);
    expectProblem(await t.api("POST", `/${s.uuid}/buckets`, { name: "late" }), 400, "SERVICE_ERROR");
    expectProblem(await t.api("DELETE", `/${s.uuid}/buckets/kept`), 400, "SERVICE_ERROR");
    expect((await settle(t, s.uuid)).at(-1)).toBe("gone");
    expect(sent).toHaveLength(2);
  });
});
