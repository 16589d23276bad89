import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectAclCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { bodyText, md5Hex, newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "./helpers";
import { bytes } from "../helpers/bytes";

let e: S3Env;
let client: ReturnType<typeof s3Client>["client"];
let bucket: string;

beforeAll(async () => {
  e = await s3Service();
  const keys = await s3User(e);
  ({ client } = s3Client(e, keys));
  bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

describe("PutObject / GetObject / HeadObject", () => {
  it("round-trips bytes, ETag = MD5, and every stored header", async () => {
    const body = bytes(3000, 7);
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: "meta/obj.bin",
        Body: body,
        ContentType: "application/x-test",
        CacheControl: "max-age=60",
        ContentDisposition: 'attachment; filename="x.bin"',
        ContentEncoding: "identity",
        ContentLanguage: "fi",
        Expires: new Date("2030-01-02T03:04:05Z"),
        Metadata: { color: "blue", "multi-word": "a b c" },
      }),
    );
    expect(put.ETag).toBe(`"${await md5Hex(body)}"`);
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "meta/obj.bin" }));
    expect(new Uint8Array(await get.Body!.transformToByteArray())).toEqual(body);
    expect(get.ContentType).toBe("application/x-test");
    expect(get.CacheControl).toBe("max-age=60");
    expect(get.ContentDisposition).toBe('attachment; filename="x.bin"');
    expect(get.ContentEncoding).toBe("identity");
    expect(get.ContentLanguage).toBe("fi");
    expect(get.Expires?.toISOString()).toBe("2030-01-02T03:04:05.000Z");
    expect(get.Metadata).toEqual({ color: "blue", "multi-word": "a b c" });
    expect(get.ContentLength).toBe(3000);
    expect(get.ETag).toBe(put.ETag);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "meta/obj.bin" }));
    expect(head.ContentLength).toBe(3000);
    expect(head.ContentType).toBe("application/x-test");
    expect(head.Metadata).toEqual({ color: "blue", "multi-word": "a b c" });
    expect(head.AcceptRanges).toBe("bytes");
    expect(head.LastModified).toBeInstanceOf(Date);
  });

  it("defaults Content-Type to binary/octet-stream when none is sent", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "ctype-none", Body: "x" }));
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: "ctype-none" }));
    expect(head.ContentType === "binary/octet-stream" || head.ContentType === "application/octet-stream").toBe(true);
  });

  it("stores keys with awkward characters exactly", async () => {
    const key = `k/sp ace+plus~tilde!bang'q(p)*star,comma;semi=eq&amp@at$dollar:colon#hash%%pct^car[b]{c}|pipe\`bt"dq<lt>gt\\bs é漢.txt`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "awkward" }));
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await bodyText(get.Body)).toBe("awkward");
  });

  it("answers NoSuchKey (404) for a missing key, and a bodiless 404 to HEAD", async () => {
    const err = await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: "missing" })));
    expect(err.name).toBe("NoSuchKey");
    expect(err.$metadata.httpStatusCode).toBe(404);
    const head = await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "missing" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("refuses user metadata over 2 KB with MetadataTooLarge", async () => {
    const err = await s3Error(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: "big-meta", Body: "x", Metadata: { a: "v".repeat(2100) } })),
    );
    expect(err.name).toBe("MetadataTooLarge");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("refuses a key longer than the service can store with KeyTooLongError", async () => {
    const err = await s3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: "k".repeat(1000), Body: "x" })));
    expect(err.name).toBe("KeyTooLongError");
  });

  it("verifies Content-MD5 (BadDigest) and stores nothing on mismatch", async () => {
    const err = await s3Error(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: "md5-bad", Body: "hello", ContentMD5: btoa("0123456789abcdef") })),
    );
    expect(err.name).toBe("BadDigest");
    const head = await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "md5-bad" })));
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it("verifies x-amz-checksum-* (BadDigest) without overwriting the existing object", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "cs-keep", Body: "original" }));
    const err = await s3Error(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: "cs-keep", Body: "replacement", ChecksumCRC32: "AAAAAA==" })),
    );
    expect(err.name).toBe("BadDigest");
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "cs-keep" }));
    expect(await bodyText(get.Body)).toBe("original");
  });

  it.each([
    ["CRC32", "ChecksumCRC32"],
    ["CRC32C", "ChecksumCRC32C"],
    ["SHA1", "ChecksumSHA1"],
    ["SHA256", "ChecksumSHA256"],
  ] as const)("stores a %s checksum and returns it with checksum mode", async (alg, field) => {
    const key = `cs-${alg}`;
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "Hello world\n123\n", ChecksumAlgorithm: alg }));
    const expected = {
      CRC32: "uWvPlg==",
      CRC32C: "Cy8XOQ==",
      SHA1: "LupGMeUw441P/33BhJlOZVSBpVg=",
      SHA256: "uzbBRoYAgN7yiuoYiZFk6kfOPcFad8E8uxFLXfuKVsA=",
    }[alg];
    expect(put[field]).toBe(expected);
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
    expect(get[field]).toBe(expected);
    await get.Body!.transformToString();
    // Ranged reads carry no whole-object checksum (a client would check it against the range).
    const part = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=0-3", ChecksumMode: "ENABLED" }));
    expect(part[field]).toBeUndefined();
    expect(await part.Body!.transformToString()).toBe("Hell");
  });
});

describe("ranges and conditions", () => {
  const key = "range.txt";
  const text = "0123456789abcdefghij";
  let etag: string;
  beforeAll(async () => {
    etag = (await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: text }))).ETag!;
  });

  it.each([
    ["bytes=0-4", "01234", "bytes 0-4/20"],
    ["bytes=15-", "fghij", "bytes 15-19/20"],
    ["bytes=-3", "hij", "bytes 17-19/20"],
    ["bytes=18-100", "ij", "bytes 18-19/20"],
  ])("%s → 206 %s", async (range, want, contentRange) => {
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
    expect(get.$metadata.httpStatusCode).toBe(206);
    expect(get.ContentRange).toBe(contentRange);
    expect(get.ContentLength).toBe(want.length);
    expect(await bodyText(get.Body)).toBe(want);
  });

  it("answers 416 InvalidRange for a range past the end", async () => {
    const err = await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=20-" })));
    expect(err.name).toBe("InvalidRange");
    expect(err.$metadata.httpStatusCode).toBe(416);
  });

  it("honours If-Match on a ranged read (botocore) and fails it with 412", async () => {
    const ok = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: "bytes=0-1", IfMatch: etag }));
    expect(await bodyText(ok.Body)).toBe("01");
    const err = await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"nope"' })));
    expect(err.$metadata.httpStatusCode).toBe(412);
    expect(err.name).toBe("PreconditionFailed");
  });

  it("answers 304 to If-None-Match and If-Modified-Since", async () => {
    const e1 = await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfNoneMatch: etag })));
    expect(e1.$metadata.httpStatusCode).toBe(304);
    const e2 = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfModifiedSince: new Date(Date.now() + 60_000) })),
    );
    expect(e2.$metadata.httpStatusCode).toBe(304);
    const ok = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfModifiedSince: new Date(Date.now() - 3_600_000) }));
    expect(await bodyText(ok.Body)).toBe(text);
  });

  it("answers 412 to If-Unmodified-Since before the upload", async () => {
    const err = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfUnmodifiedSince: new Date(Date.now() - 3_600_000) })),
    );
    expect(err.$metadata.httpStatusCode).toBe(412);
    const head = await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, IfMatch: '"other"' })));
    expect(head.$metadata.httpStatusCode).toBe(412);
  });

  it("applies response-* overrides", async () => {
    const get = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentType: "text/x-override",
        ResponseContentDisposition: "inline",
        ResponseCacheControl: "no-store",
        ResponseContentLanguage: "sv",
        ResponseContentEncoding: "identity",
        ResponseExpires: new Date("2031-01-01T00:00:00Z"),
      }),
    );
    expect(get.ContentType).toBe("text/x-override");
    expect(get.ContentDisposition).toBe("inline");
    expect(get.CacheControl).toBe("no-store");
    expect(get.ContentLanguage).toBe("sv");
    expect(get.Expires?.toISOString()).toBe("2031-01-01T00:00:00.000Z");
    await get.Body!.transformToString();
  });
});

describe("DeleteObject", () => {
  it("answers 204 whether or not the key exists", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "del-me", Body: "x" }));
    const d1 = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del-me" }));
    expect(d1.$metadata.httpStatusCode).toBe(204);
    const d2 = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "del-me" }));
    expect(d2.$metadata.httpStatusCode).toBe(204);
    const err = await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: "del-me" })));
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it("accepts VersionId null and refuses other version ids", async () => {
    const ok = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "never", VersionId: "null" }));
    expect(ok.$metadata.httpStatusCode).toBe(204);
    const err = await s3Error(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "never", VersionId: "abc" })));
    expect(err.name).toBe("InvalidArgument");
  });
});

describe("CopyObject", () => {
  it("copies bytes and metadata (COPY) from a URL-encoded source", async () => {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: "src/a b+c.txt", Body: "copy me", ContentType: "text/plain", Metadata: { m: "1" } }),
    );
    const out = await client.send(
      new CopyObjectCommand({ Bucket: bucket, Key: "dst/copied.txt", CopySource: `${bucket}/${encodeURIComponent("src/a b+c.txt")}` }),
    );
    expect(out.CopyObjectResult?.ETag).toBe(`"${await md5Hex("copy me")}"`);
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "dst/copied.txt" }));
    expect(await bodyText(get.Body)).toBe("copy me");
    expect(get.ContentType).toBe("text/plain");
    expect(get.Metadata).toEqual({ m: "1" });
  });

  it("replaces metadata with REPLACE, also onto the object itself", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "self.txt", Body: "same bytes", Metadata: { old: "yes" } }));
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "self.txt",
        CopySource: `/${bucket}/self.txt`,
        MetadataDirective: "REPLACE",
        Metadata: { fresh: "1" },
        ContentType: "text/x-new",
      }),
    );
    const get = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "self.txt" }));
    expect(await bodyText(get.Body)).toBe("same bytes");
    expect(get.Metadata).toEqual({ fresh: "1" });
    expect(get.ContentType).toBe("text/x-new");
  });

  it("refuses copying an object onto itself without changes", async () => {
    const err = await s3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: "self.txt", CopySource: `${bucket}/self.txt` })));
    expect(err.name).toBe("InvalidRequest");
  });

  it("evaluates x-amz-copy-source-if-* conditions", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "cond-src", Body: "c" }));
    const err = await s3Error(
      client.send(
        new CopyObjectCommand({ Bucket: bucket, Key: "cond-dst", CopySource: `${bucket}/cond-src`, CopySourceIfMatch: '"nope"' }),
      ),
    );
    expect(err.$metadata.httpStatusCode).toBe(412);
    const err2 = await s3Error(
      client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: "cond-dst",
          CopySource: `${bucket}/cond-src`,
          CopySourceIfNoneMatch: `"${await md5Hex("c")}"`,
        }),
      ),
    );
    expect(err2.$metadata.httpStatusCode).toBe(412);
    const ok = await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: "cond-dst",
        CopySource: `${bucket}/cond-src`,
        CopySourceIfMatch: `"${await md5Hex("c")}"`,
      }),
    );
    expect(ok.CopyObjectResult?.ETag).toBeDefined();
  });

  it("answers NoSuchKey and NoSuchBucket for a missing source", async () => {
    expect((await s3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: "x", CopySource: `${bucket}/absent` })))).name).toBe(
      "NoSuchKey",
    );
    expect(
      (await s3Error(client.send(new CopyObjectCommand({ Bucket: bucket, Key: "x", CopySource: `no-such-bucket-zz/absent` })))).name,
    ).toBe("NoSuchBucket");
  });
});

describe("object ACLs", () => {
  it("answers the owner's FULL_CONTROL and accepts canned private", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "acl.txt", Body: "x", ACL: "private" }));
    const acl = await client.send(new GetObjectAclCommand({ Bucket: bucket, Key: "acl.txt" }));
    expect(acl.Grants).toHaveLength(1);
    expect(acl.Grants![0]!.Permission).toBe("FULL_CONTROL");
    expect(acl.Grants![0]!.Grantee?.ID).toBe(acl.Owner?.ID);
    const ok = await client.send(new PutObjectAclCommand({ Bucket: bucket, Key: "acl.txt", ACL: "private" }));
    expect(ok.$metadata.httpStatusCode).toBe(200);
    const err = await s3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: "acl2.txt", Body: "x", ACL: "public-read" })));
    expect(err.name).toBe("AccessControlListNotSupported");
  });
});
