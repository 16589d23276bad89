import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { crc32, toBase64 } from "../../src/core/sigv4";
import { bodyText, md5Hex, newBucket, s3Client, s3Service, s3User, type Keys, type S3Env, s3Error } from "./helpers";
import { bytes } from "../helpers/bytes";
import {
  amzDate,
  fetchWorker,
  presign,
  sigv2Presign,
  sigv2Request,
  signedChunkedRequest,
  signedFetch,
  trailerChunkedRequest,
} from "./sign";

let e: S3Env;
let keys: Keys;
let client: ReturnType<typeof s3Client>["client"];
let bucket: string;
const base = () => `http://api.test/${bucket}`;

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e);
  ({ client } = s3Client(e, keys));
  bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "hello.txt", Body: "hello, presigned world" }));
});

const crc32b64 = (data: Uint8Array) => {
  const v = crc32(data);
  return toBase64(new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]));
};

async function xmlCode(res: Response): Promise<string | null> {
  return /<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1] ?? null;
}

describe("SigV4 header authentication", () => {
  it("refuses an unknown access key with InvalidAccessKeyId", async () => {
    const { client: stranger } = s3Client(e, { accessKeyId: "AKIA0000000000000000", secretAccessKey: "x".repeat(40) });
    const err = await s3Error(stranger.send(new ListBucketsCommand({})));
    expect(err.name).toBe("InvalidAccessKeyId");
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it("refuses a wrong secret with SignatureDoesNotMatch", async () => {
    const { client: wrong } = s3Client(e, { accessKeyId: keys.accessKeyId, secretAccessKey: "y".repeat(40) });
    const err = await s3Error(wrong.send(new ListBucketsCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it("refuses a request more than 15 minutes off with RequestTimeTooSkewed", async () => {
    const res = await signedFetch(keys, "GET", `${base()}/hello.txt`, { datetime: amzDate(new Date(Date.now() - 16 * 60_000)) });
    expect(res.status).toBe(403);
    expect(await xmlCode(res)).toBe("RequestTimeTooSkewed");
  });

  it("refuses an inactive key", async () => {
    const k = await s3User(e);
    const list = await e.tenant.api("GET", `/${e.service.uuid}/users`);
    const username = (list.json as { username: string; access_keys: { access_key_id: string }[] }[]).find((u) =>
      u.access_keys.some((a) => a.access_key_id === k.accessKeyId),
    )!.username;
    const r = await e.tenant.api("PATCH", `/${e.service.uuid}/users/${username}/access-keys/${k.accessKeyId}`, { status: "Inactive" });
    expect(r.status, r.text).toBe(200);
    const { client: inactive } = s3Client(e, k);
    const err = await s3Error(inactive.send(new ListBucketsCommand({})));
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(err.name).toBe("InvalidAccessKeyId");
  });

  it("verifies the payload hash: a body that does not match x-amz-content-sha256 stores nothing", async () => {
    const res = await signedFetch(keys, "PUT", `${base()}/sha-mismatch`, { body: "actual body", payload: "0".repeat(64) });
    expect(res.status).toBe(400);
    expect(await xmlCode(res)).toBe("XAmzContentSHA256Mismatch");
    const head = await signedFetch(keys, "HEAD", `${base()}/sha-mismatch`);
    expect(head.status).toBe(404);
  });

  it("accepts UNSIGNED-PAYLOAD (rclone's single PUT)", async () => {
    const res = await signedFetch(keys, "PUT", `${base()}/unsigned`, {
      body: "unsigned body",
      payload: "UNSIGNED-PAYLOAD",
      headers: {
        "content-md5": btoa(
          String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode("unsigned body")))),
        ),
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${await md5Hex("unsigned body")}"`);
  });
});

describe("presigned URLs", () => {
  it("GETs with a SigV4 presigned URL and refuses it once expired", async () => {
    const url = await presign(keys, "GET", `${base()}/hello.txt`, { expires: 60 });
    const ok = await fetchWorker(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("hello, presigned world");
    const old = await presign(keys, "GET", `${base()}/hello.txt`, { expires: 60, datetime: amzDate(new Date(Date.now() - 120_000)) });
    const expired = await fetchWorker(old);
    expect(expired.status).toBe(403);
    expect(await xmlCode(expired)).toBe("AccessDenied");
  });

  it("refuses X-Amz-Expires beyond 7 days", async () => {
    const url = await presign(keys, "GET", `${base()}/hello.txt`, { expires: 604801 });
    const res = await fetchWorker(url);
    expect(res.status).toBe(400);
  });

  it("PUTs with a SigV4 presigned URL (the JS SDK's empty-body CRC in the query is not enforced)", async () => {
    const url = await presign(
      keys,
      "PUT",
      `${base()}/presigned-put.txt?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32`,
    );
    const res = await fetchWorker(url, { method: "PUT", body: "uploaded through a URL" });
    expect(res.status).toBe(200);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "presigned-put.txt" }));
    expect(await bodyText(got.Body)).toBe("uploaded through a URL");
  });

  it("GETs and PUTs with SigV2 presigned URLs (boto3 / AWS CLI v1 default)", async () => {
    const expires = Math.floor(Date.now() / 1000) + 300;
    const get = await fetchWorker(await sigv2Presign(keys, "GET", `${base()}/hello.txt`, expires));
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello, presigned world");
    // Bytes, not a string: a string body would get a Content-Type, which SigV2 signs.
    const put = await fetchWorker(await sigv2Presign(keys, "PUT", `${base()}/v2-put.txt`, expires), {
      method: "PUT",
      body: new TextEncoder().encode("v2 body"),
    });
    expect(put.status).toBe(200);
    const expired = await fetchWorker(await sigv2Presign(keys, "GET", `${base()}/hello.txt`, Math.floor(Date.now() / 1000) - 10));
    expect(expired.status).toBe(403);
  });

  it("authenticates SigV2 Authorization headers", async () => {
    const res = await fetchWorker(await sigv2Request(keys, "GET", `${base()}/hello.txt`));
    expect(res.status).toBe(200);
    // Virtual-hosted: the bucket from the Host is part of the signed resource.
    const vhost = await fetchWorker(
      await sigv2Request(keys, "GET", `http://${bucket}.${e.host}/hello.txt`, {}, null, `/${bucket}/hello.txt`),
    );
    expect(vhost.status).toBe(200);
    const bad = await fetchWorker(await sigv2Request({ ...keys, secretAccessKey: "z".repeat(40) }, "GET", `${base()}/hello.txt`));
    expect(bad.status).toBe(403);
    expect(await xmlCode(bad)).toBe("SignatureDoesNotMatch");
  });
});

describe("aws-chunked uploads", () => {
  it("verifies every chunk signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", async () => {
    const data = bytes(150_000, 5);
    const res = await fetchWorker(await signedChunkedRequest(keys, `${base()}/signed-chunks.bin`, data, { chunkSize: 64 * 1024 }));
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${await md5Hex(data)}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "signed-chunks.bin" }));
    expect(new Uint8Array(await got.Body!.transformToByteArray())).toEqual(data);
  });

  it("accepts signed chunks without Content-Encoding (minio-go)", async () => {
    const data = bytes(25, 6);
    const res = await fetchWorker(await signedChunkedRequest(keys, `${base()}/minio.bin`, data, { contentEncoding: false }));
    expect(res.status).toBe(200);
    const head = await signedFetch(keys, "HEAD", `${base()}/minio.bin`);
    expect(head.headers.get("content-length")).toBe("25");
    // aws-chunked is framing, never stored as a Content-Encoding.
    expect(head.headers.get("content-encoding")).toBeNull();
  });

  it("refuses a tampered chunk signature and keeps the old object", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "tampered.bin", Body: "previous" }));
    const res = await fetchWorker(
      await signedChunkedRequest(keys, `${base()}/tampered.bin`, bytes(100_000, 7), { chunkSize: 40_000, tamperChunk: 1 }),
    );
    expect(res.status).toBe(403);
    expect(await xmlCode(res)).toBe("SignatureDoesNotMatch");
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "tampered.bin" }));
    expect(await bodyText(got.Body)).toBe("previous");
  });

  it("accepts STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer and returns the checksum later", async () => {
    const data = bytes(40_000, 8);
    const checksum = crc32b64(data);
    const res = await fetchWorker(
      await trailerChunkedRequest(keys, `${base()}/trailer.bin`, data, { name: "x-amz-checksum-crc32", value: checksum }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-amz-checksum-crc32")).toBe(checksum);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "trailer.bin", ChecksumMode: "ENABLED" }));
    expect(got.ChecksumCRC32).toBe(checksum);
    expect(new Uint8Array(await got.Body!.transformToByteArray())).toEqual(data);
  });

  it("refuses a wrong trailer checksum with BadDigest and stores nothing", async () => {
    const res = await fetchWorker(
      await trailerChunkedRequest(keys, `${base()}/bad-trailer.bin`, bytes(1000, 9), { name: "x-amz-checksum-crc32", value: "AAAAAA==" }),
    );
    expect(res.status).toBe(400);
    expect(await xmlCode(res)).toBe("BadDigest");
    expect((await signedFetch(keys, "HEAD", `${base()}/bad-trailer.bin`)).status).toBe(404);
  });
});
