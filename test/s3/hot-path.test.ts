// The per-request lookups of the S3 data plane, kept cheap (see BENCHMARKS.md): the isolate caches
// (access keys, buckets, identity policies, signing keys), coalesced meter calls, the bucket and identity policies read in one D1 batch, and UNSIGNED-PAYLOAD bodies that
// go to R2 as sent when there is nothing to check.
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { and, eq } from "drizzle-orm";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { findAccessKeyCached, identityPolicies } from "../../src/core/iam/principal";
import { findBucketAndPolicies, findBucketAndPoliciesCached, findBucketCached } from "../../src/core/s3/buckets";
import { crc32, deriveSigningKey, hmacHex, toBase64 } from "../../src/core/sigv4";
import { invalidateIsolateCaches, IsolateCache, ISOLATE_CACHE_MS } from "../../src/lib/isolate-cache";
import { buckets } from "../../src/schema/tables";
import { db } from "../../src/storage/db";
import { md5Hex, meterOf, newBucket, s3Client, s3Service, s3User, settleMeter, type Keys, type S3Env } from "./helpers";
import { bytes } from "../helpers/bytes";
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
  it("a change made through this isolate applies at once", async () => {
    const k = await s3User(e);
    const t0 = Date.now();
    expect((await findAccessKeyCached(env, k.accessKeyId, t0))?.status).toBe("Active");
    const off = await e.tenant.api("PATCH", `/${e.service.uuid}/users/${k.username}/access-keys/${k.accessKeyId}`, { status: "Inactive" });
    expect(off.status, off.text).toBe(200);
    expect((await findAccessKeyCached(env, k.accessKeyId, t0 + 1))?.status).toBe("Inactive");
    const res = await signedFetch(k, "GET", url("anything"));
    expect(res.status).toBe(403);
    expect(await xmlCode(res)).toBe("InvalidAccessKeyId");
  });

  it("a change made elsewhere (another isolate, straight to D1) applies within ISOLATE_CACHE_MS", async () => {
    const k = await s3User(e);
    const t0 = Date.now();
    expect((await findAccessKeyCached(env, k.accessKeyId, t0))?.status).toBe("Active");
    await env.DB.prepare("UPDATE iam_access_keys SET status = 'Inactive' WHERE access_key_id = ?").bind(k.accessKeyId).run();
    expect((await findAccessKeyCached(env, k.accessKeyId, t0 + ISOLATE_CACHE_MS - 1))?.status).toBe("Active");
    expect((await findAccessKeyCached(env, k.accessKeyId, t0 + ISOLATE_CACHE_MS))?.status).toBe("Inactive");
  });

  it("forgets a deleted key; unknown keys are never cached", async () => {
    const k = await s3User(e);
    const t0 = Date.now();
    const found = await findAccessKeyCached(env, k.accessKeyId, t0);
    expect(found).toMatchObject({ serviceUuid: e.service.uuid, username: k.username, secret: k.secretAccessKey });
    await env.DB.prepare("DELETE FROM iam_access_keys WHERE access_key_id = ?").bind(k.accessKeyId).run();
    expect(await findAccessKeyCached(env, k.accessKeyId, t0 + ISOLATE_CACHE_MS)).toBeNull();
    // Null was not kept: a key (re)appearing is found on the next request.
    expect(await findAccessKeyCached(env, k.accessKeyId, t0 + ISOLATE_CACHE_MS + 1)).toBeNull();
  });
});

describe("bucket and identity-policy cache", () => {
  it("keeps a live bucket and the user's policies; changes through this isolate apply at once", async () => {
    const u = await s3User(e);
    const b = newBucket();
    const { client } = s3Client(e, u);
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const t0 = Date.now();
    const first = await findBucketAndPoliciesCached(env, e.service.uuid, b, u.username, t0);
    expect(first.row?.name).toBe(b);
    expect(first.identity.policies.map((p) => p.name)).toEqual(["ECSS3FullAccess"]);
    // Detached through the control plane (this isolate): the next S3 request is refused.
    const det = await e.tenant.api("DELETE", `/${e.service.uuid}/users/${u.username}/policies/ECSS3FullAccess`);
    expect(det.status, det.text).toBe(204);
    expect((await findBucketAndPoliciesCached(env, e.service.uuid, b, u.username, t0 + 1)).identity.policies).toEqual([]);
    const res = await signedFetch(u, "GET", `http://api.test/${b}/k`);
    expect(res.status).toBe(403);
  });

  it("changes written elsewhere apply within ISOLATE_CACHE_MS", async () => {
    const u = await s3User(e);
    const b = newBucket();
    await s3Client(e, u).client.send(new CreateBucketCommand({ Bucket: b }));
    const t0 = Date.now();
    await findBucketAndPoliciesCached(env, e.service.uuid, b, u.username, t0);
    // Another isolate detaches the policy and deletes the bucket.
    await env.DB.prepare("DELETE FROM iam_attachments WHERE service_uuid = ? AND principal_name = ?")
      .bind(e.service.uuid, u.username)
      .run();
    await env.DB.prepare("UPDATE buckets SET deleted_at = ? WHERE service_uuid = ? AND name = ?")
      .bind(new Date().toISOString(), e.service.uuid, b)
      .run();
    const stale = await findBucketAndPoliciesCached(env, e.service.uuid, b, u.username, t0 + ISOLATE_CACHE_MS - 1);
    expect(stale.row?.name).toBe(b);
    expect(stale.identity.policies.map((p) => p.name)).toEqual(["ECSS3FullAccess"]);
    const fresh = await findBucketAndPoliciesCached(env, e.service.uuid, b, u.username, t0 + ISOLATE_CACHE_MS);
    expect(fresh.row).toBeNull();
    expect(fresh.identity.policies).toEqual([]);
  });

  it("never caches a missing bucket: one created elsewhere is usable at once", async () => {
    const b = newBucket();
    const t0 = Date.now();
    expect((await findBucketAndPoliciesCached(env, e.service.uuid, b, keys.username, t0)).row).toBeNull();
    expect(await findBucketCached(env, e.service.uuid, b, t0)).toBeNull();
    await env.DB.prepare("INSERT INTO buckets (service_uuid, name, created_at) VALUES (?, ?, ?)")
      .bind(e.service.uuid, b, new Date().toISOString())
      .run();
    expect((await findBucketAndPoliciesCached(env, e.service.uuid, b, keys.username, t0 + 1)).row?.name).toBe(b);
    expect((await findBucketCached(env, e.service.uuid, b, t0 + 1))?.name).toBe(b);
  });
});

describe("IsolateCache", () => {
  it("does not keep a value read while an invalidation happened", async () => {
    const cache = new IsolateCache<number>();
    let loads = 0;
    const load = async () => {
      loads++;
      if (loads === 1) invalidateIsolateCaches();
      return loads;
    };
    expect(await cache.get("k", load)).toBe(1);
    expect(await cache.get("k", load)).toBe(2);
    expect(await cache.get("k", load)).toBe(2);
    invalidateIsolateCaches();
    expect(await cache.get("k", load)).toBe(3);
  });

  it("expires after its TTL and skips values `keep` refuses", async () => {
    const cache = new IsolateCache<number | null>(100);
    let n = 0;
    const load = async () => ++n;
    expect(await cache.get("k", load, undefined, 1000)).toBe(1);
    expect(await cache.get("k", load, undefined, 1099)).toBe(1);
    expect(await cache.get("k", load, undefined, 1100)).toBe(2);
    const none = new IsolateCache<number | null>();
    let m = 0;
    const nothing = async () => (++m, null);
    await none.get("x", nothing, (v) => v !== null);
    await none.get("x", nothing, (v) => v !== null);
    expect(m).toBe(2);
  });
});

describe("signing keys", () => {
  it("are derived once per secret and scope, and never shared between secrets", async () => {
    const a1 = await deriveSigningKey("secret-a", "20261122", "europe-1", "s3");
    const a2 = await deriveSigningKey("secret-a", "20261122", "europe-1", "s3");
    const b = await deriveSigningKey("secret-b", "20261122", "europe-1", "s3");
    const aNextDay = await deriveSigningKey("secret-a", "20261123", "europe-1", "s3");
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    expect(aNextDay).not.toBe(a1);
    const sig = (k: CryptoKey) => hmacHex(k, "string to sign");
    expect(await sig(b)).not.toBe(await sig(a1));
    expect(await sig(aNextDay)).not.toBe(await sig(a1));
  });
});

describe("usage meter calls", () => {
  it("coalesced per isolate, still count every request exactly", async () => {
    const u = await s3User(e);
    const b = newBucket();
    await s3Client(e, u).client.send(new CreateBucketCommand({ Bucket: b }));
    const body = bytes(100);
    const puts = await Promise.all(Array.from({ length: 24 }, (_, i) => signedFetch(u, "PUT", `http://api.test/${b}/o${i}`, { body })));
    expect(puts.map((r) => r.status)).toEqual(puts.map(() => 200));
    // Overwrite half of them: objects stay 24, bytes are the new sizes.
    const small = bytes(10);
    await Promise.all(Array.from({ length: 12 }, (_, i) => signedFetch(u, "PUT", `http://api.test/${b}/o${i}`, { body: small })));
    await settleMeter();
    const totals = (await meterOf(e.service.uuid).totals()).find((t: { bucket: string }) => t.bucket === b);
    expect(totals).toEqual({ bucket: b, objects: 24, bytes: 12 * 100 + 12 * 10 });
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

describe("digests R2 checks itself (signed payload hash, Content-MD5)", () => {
  const hex = async (t: string) =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
  const md5b64 = async (t: string) =>
    btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(t)))));

  it("a mismatch answers its S3 error and keeps the previous object", async () => {
    const put1 = await signedFetch(keys, "PUT", url("native"), { body: "version one" });
    expect(put1.status).toBe(200);
    const badSha = await signedFetch(keys, "PUT", url("native"), { body: "version two", payload: await hex("something else") });
    expect(badSha.status).toBe(400);
    expect(await xmlCode(badSha)).toBe("XAmzContentSHA256Mismatch");
    const badMd5 = await signedFetch(keys, "PUT", url("native"), {
      body: "version two",
      payload: "UNSIGNED-PAYLOAD",
      headers: { "content-md5": await md5b64("something else") },
    });
    expect(badMd5.status).toBe(400);
    expect(await xmlCode(badMd5)).toBe("BadDigest");
    expect(await (await signedFetch(keys, "GET", url("native"))).text()).toBe("version one");
    const good = await signedFetch(keys, "PUT", url("native"), {
      body: "version two",
      payload: "UNSIGNED-PAYLOAD",
      headers: { "content-md5": await md5b64("version two") },
    });
    expect(good.status).toBe(200);
    expect(good.headers.get("etag")).toBe(`"${await md5Hex("version two")}"`);
    expect(await (await signedFetch(keys, "GET", url("native"))).text()).toBe("version two");
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
    const md5 = await signedFetch(keys, "PUT", url("bad-md5"), {
      body: data,
      payload: "UNSIGNED-PAYLOAD",
      headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" },
    });
    expect(md5.status).toBe(400);
    expect(await xmlCode(md5)).toBe("BadDigest");
    const crc = await signedFetch(keys, "PUT", url("bad-crc"), {
      body: data,
      payload: "UNSIGNED-PAYLOAD",
      headers: { "x-amz-checksum-crc32": crc32b64(bytes(1000, 4)) },
    });
    expect(crc.status).toBe(400);
    expect(await xmlCode(crc)).toBe("BadDigest");
    for (const key of ["bad-md5", "bad-crc"]) expect((await signedFetch(keys, "HEAD", url(key))).status).toBe(404);
    const good = await signedFetch(keys, "PUT", url("good-crc"), {
      body: data,
      payload: "UNSIGNED-PAYLOAD",
      headers: { "x-amz-checksum-crc32": crc32b64(data) },
    });
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
    expect(res.status).toBe(400);
    expect(await xmlCode(res)).toBe("IncompleteBody");
    expect((await signedFetch(keys, "HEAD", url("short"))).status).toBe(404);
  });
});
