// The per-request lookups of the S3 data plane, kept cheap (see BENCHMARKS.md): the access-key
// cache, the bucket and identity policies read in one D1 batch, and UNSIGNED-PAYLOAD bodies that
// go to R2 as sent when there is nothing to check.
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ACCESS_KEY_CACHE_MS, findAccessKeyCached, identityPolicies } from "../../src/core/iam/principal";
import { findBucketAndPolicies } from "../../src/core/s3/buckets";
import { crc32, toBase64 } from "../../src/core/sigv4";
import { buckets } from "../../src/schema/tables";
import { db } from "../../src/storage/db";
import { bytes, md5Hex, newBucket, s3Client, s3Service, s3User, type Keys, type S3Env } from "./helpers";
import { signedFetch, signedRequest } from "./sign";

let e: S3Env;
let keys: Keys & { username: string };
let bucket: string;
const url = (key: string) => `http://api.test/${bucket}/${key}`;

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e);
  bucket = newBucket();
  await s3Client(e, keys).client.send(new CreateBucketCommand({ Bucket: bucket }));
});

async function xmlCode(res: Response): Promise<string | null> {
  return /<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1] ?? null;
}

describe("access key cache", () => {
  it("answers from memory for ACCESS_KEY_CACHE_MS, so a deactivation is seen within that long", async () => {
    const k = await s3User(e);
    const t0 = Date.now();
    expect((await findAccessKeyCached(env, k.accessKeyId, t0))?.status).toBe("Active");
    const off = await e.tenant.api("PATCH", `/${e.service.uuid}/users/${k.username}/access-keys/${k.accessKeyId}`, { status: "Inactive" });
    expect(off.status, off.text).toBe(200);
    expect((await findAccessKeyCached(env, k.accessKeyId, t0 + ACCESS_KEY_CACHE_MS - 1))?.status).toBe("Active");
    expect((await findAccessKeyCached(env, k.accessKeyId, t0 + ACCESS_KEY_CACHE_MS))?.status).toBe("Inactive");
  });

  it("forgets a deleted key once its entry expires", async () => {
    const k = await s3User(e);
    const t0 = Date.now();
    const found = await findAccessKeyCached(env, k.accessKeyId, t0);
    expect(found).toMatchObject({ serviceUuid: e.service.uuid, username: k.username, secret: k.secretAccessKey });
    const del = await e.tenant.api("DELETE", `/${e.service.uuid}/users/${k.username}/access-keys/${k.accessKeyId}`);
    expect(del.status, del.text).toBe(204);
    expect(await findAccessKeyCached(env, k.accessKeyId, t0 + ACCESS_KEY_CACHE_MS)).toBeNull();
    expect(await findAccessKeyCached(env, k.accessKeyId, t0 + ACCESS_KEY_CACHE_MS + 1)).toBeNull();
  });
});

describe("bucket and identity policies in one batch", () => {
  it("reads the live bucket and the same policies identityPolicies reads", async () => {
    const found = await findBucketAndPolicies(env, e.service.uuid, bucket, keys.username);
    expect(found.row).toMatchObject({ serviceUuid: e.service.uuid, name: bucket, deletedAt: null });
    expect(found.identity).toEqual(await identityPolicies(env, e.service.uuid, keys.username));
    expect(found.identity.policies.map((p) => p.name)).toEqual(["ECSS3FullAccess"]);
  });

  it("answers no bucket for an absent, deleted or purging one, and still the policies", async () => {
    expect((await findBucketAndPolicies(env, e.service.uuid, "no-such-bucket", keys.username)).row).toBeNull();
    const { client } = s3Client(e, keys);
    const gone = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: gone }));
    await client.send(new DeleteBucketCommand({ Bucket: gone }));
    expect((await findBucketAndPolicies(env, e.service.uuid, gone, keys.username)).row).toBeNull();
    const purging = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: purging }));
    await db(env)
      .update(buckets)
      .set({ deletedAt: new Date().toISOString() })
      .where(and(eq(buckets.serviceUuid, e.service.uuid), eq(buckets.name, purging)));
    const found = await findBucketAndPolicies(env, e.service.uuid, purging, keys.username);
    expect(found.row).toBeNull();
    expect(found.identity.policies.map((p) => p.name)).toEqual(["ECSS3FullAccess"]);
  });

  it("a user with no policies gets no bucket's objects (the batch's policies decide)", async () => {
    const none = await s3User(e, { policies: [] });
    const res = await signedFetch(none, "GET", url("anything"));
    expect(res.status).toBe(403);
    expect(await xmlCode(res)).toBe("AccessDenied");
  });
});

describe("UNSIGNED-PAYLOAD uploads", () => {
  const crc32b64 = (data: Uint8Array) => {
    const v = crc32(data);
    return toBase64(new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]));
  };

  it("with nothing to check, store the bytes as sent (ETag the MD5)", async () => {
    const data = bytes(300_000, 7);
    const put = await signedFetch(keys, "PUT", url("plain"), { body: data, payload: "UNSIGNED-PAYLOAD" });
    expect(put.status).toBe(200);
    expect(put.headers.get("etag")).toBe(`"${await md5Hex(data)}"`);
    const got = await signedFetch(keys, "GET", url("plain"));
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(data);
  });

  it("still verify a Content-MD5 or a checksum header: a mismatch stores nothing", async () => {
    const data = bytes(1000, 3);
    const md5 = await signedFetch(keys, "PUT", url("bad-md5"), { body: data, payload: "UNSIGNED-PAYLOAD", headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" } });
    expect(md5.status).toBe(400);
    expect(await xmlCode(md5)).toBe("BadDigest");
    const crc = await signedFetch(keys, "PUT", url("bad-crc"), { body: data, payload: "UNSIGNED-PAYLOAD", headers: { "x-amz-checksum-crc32": crc32b64(bytes(1000, 4)) } });
    expect(crc.status).toBe(400);
    expect(await xmlCode(crc)).toBe("BadDigest");
    for (const key of ["bad-md5", "bad-crc"]) expect((await signedFetch(keys, "HEAD", url(key))).status).toBe(404);
    const good = await signedFetch(keys, "PUT", url("good-crc"), { body: data, payload: "UNSIGNED-PAYLOAD", headers: { "x-amz-checksum-crc32": crc32b64(data) } });
    expect(good.status).toBe(200);
    expect(good.headers.get("x-amz-checksum-crc32")).toBe(crc32b64(data));
  });

  // Over HTTP a short body errors rather than ends; a stream that ends early fails the write too
  // (the checking path answers the same, so no particular error code is asserted here).
  it("fail on a body shorter than its Content-Length and store nothing", async () => {
    const short = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes(10, 1));
        c.close();
      },
    });
    const req = await signedRequest(keys, "PUT", url("short"), { payload: "UNSIGNED-PAYLOAD", headers: { "content-length": "100" } });
    const res = await exports.default.fetch(new Request(req, { body: short, duplex: "half" } as RequestInit));
    expect(res.ok).toBe(false);
    await res.body?.cancel();
    expect((await signedFetch(keys, "HEAD", url("short"))).status).toBe(404);
  });
});
