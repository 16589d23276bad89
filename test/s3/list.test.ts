import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "./helpers";

let e: S3Env;
let client: ReturnType<typeof s3Client>["client"];
let bucket: string;

const KEYS = ["a.txt", "b/1.txt", "b/2.txt", "b/c/3.txt", "d/4.txt", "e f+g.txt", "z.txt"];

beforeAll(async () => {
  e = await s3Service();
  ({ client } = s3Client(e, await s3User(e)));
  bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const k of KEYS) await client.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
});

describe("ListObjectsV2", () => {
  it("lists everything in key order with sizes and ETags", async () => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(out.Contents!.map((o) => o.Key)).toEqual([...KEYS].sort());
    expect(out.KeyCount).toBe(KEYS.length);
    expect(out.IsTruncated).toBe(false);
    expect(out.Contents![0]!.Size).toBe("a.txt".length);
    expect(out.Contents![0]!.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(out.Contents![0]!.Owner).toBeUndefined();
  });

  it("rolls keys up into CommonPrefixes with a delimiter and a prefix", async () => {
    const top = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/" }));
    expect(top.Contents!.map((o) => o.Key)).toEqual(["a.txt", "e f+g.txt", "z.txt"]);
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["b/", "d/"]);
    expect(top.KeyCount).toBe(5);
    const inB = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", Prefix: "b/" }));
    expect(inB.Contents!.map((o) => o.Key)).toEqual(["b/1.txt", "b/2.txt"]);
    expect(inB.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["b/c/"]);
  });

  it("pages with max-keys and continuation tokens, counting prefixes as keys", async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: "/", MaxKeys: 2, ContinuationToken: token }));
      expect((out.Contents?.length ?? 0) + (out.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      seen.push(...(out.Contents ?? []).map((o) => o.Key!), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix!));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["a.txt", "b/", "d/", "e f+g.txt", "z.txt"]);
  });

  it("starts after start-after and reports fetch-owner owners", async () => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: "b/2.txt", FetchOwner: true }));
    expect(out.Contents!.map((o) => o.Key)).toEqual(["b/c/3.txt", "d/4.txt", "e f+g.txt", "z.txt"]);
    expect(out.StartAfter).toBe("b/2.txt");
    expect(out.Contents![0]!.Owner?.ID).toBeTruthy();
  });

  it("percent-encodes keys with encoding-type=url and says so", async () => {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "e", EncodingType: "url" }));
    expect(out.EncodingType).toBe("url");
    // The SDK hands back what the server wrote; botocore decodes it because EncodingType is echoed.
    expect(out.Contents!.map((o) => decodeURIComponent(o.Key!))).toEqual(["e f+g.txt"]);
    expect(out.Contents![0]!.Key).toBe("e%20f%2Bg.txt");
  });

  it("refuses a bad continuation token and a bad max-keys with InvalidArgument", async () => {
    expect((await s3Error(client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: "%%%garbage" })))).name).toBe(
      "InvalidArgument",
    );
    expect((await s3Error(client.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: -1 })))).name).toBe("InvalidArgument");
  });

  it("answers NoSuchBucket for an unknown bucket", async () => {
    expect((await s3Error(client.send(new ListObjectsV2Command({ Bucket: newBucket() })))).name).toBe("NoSuchBucket");
  });
});

describe("ListObjects (V1)", () => {
  it("pages with marker / NextMarker and an empty delimiter means none (rclone)", async () => {
    const first = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 3, Delimiter: "/" }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents!.map((o) => o.Key)).toEqual(["a.txt"]);
    expect(first.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["b/", "d/"]);
    expect(first.NextMarker).toBe("d/");
    // A marker that is a common prefix skips everything under it.
    const second = await client.send(new ListObjectsCommand({ Bucket: bucket, MaxKeys: 3, Delimiter: "/", Marker: first.NextMarker }));
    expect(second.Contents!.map((o) => o.Key)).toEqual(["e f+g.txt", "z.txt"]);
    expect(second.CommonPrefixes).toBeUndefined();
    expect(second.IsTruncated).toBe(false);
    const all = await client.send(new ListObjectsCommand({ Bucket: bucket, Delimiter: "", MaxKeys: 1000, Prefix: "" }));
    expect(all.Contents!.map((o) => o.Key)).toEqual([...KEYS].sort());
    expect(all.Contents![0]!.Owner?.ID).toBeTruthy();
  });
});

describe("ListObjectVersions", () => {
  it("answers every object as its only version, null and latest", async () => {
    const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: "b/" }));
    expect(out.Versions!.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ["b/1.txt", "null", true],
      ["b/2.txt", "null", true],
      ["b/c/3.txt", "null", true],
    ]);
    expect(out.DeleteMarkers).toBeUndefined();
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 2 }));
    expect(page.IsTruncated).toBe(true);
    const next = await client.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        MaxKeys: 10,
        KeyMarker: page.NextKeyMarker,
        VersionIdMarker: page.NextVersionIdMarker,
      }),
    );
    expect(next.Versions!.map((v) => v.Key)).toEqual([...KEYS].sort().slice(2));
  });
});

describe("DeleteObjects", () => {
  it("deletes listed keys with per-key results, VersionId null and missing keys included", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    for (const k of ["x1", "x2", "x3"]) await client.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
    const out = await client.send(
      new DeleteObjectsCommand({
        Bucket: b,
        BypassGovernanceRetention: true,
        Delete: { Objects: [{ Key: "x1" }, { Key: "x2", VersionId: "null" }, { Key: "never-there" }, { Key: "x3", VersionId: "v123" }] },
      }),
    );
    expect(out.Deleted!.map((d) => d.Key).sort()).toEqual(["never-there", "x1", "x2"]);
    expect(out.Deleted!.find((d) => d.Key === "x2")!.VersionId).toBe("null");
    expect(out.Errors).toEqual([expect.objectContaining({ Key: "x3", Code: "NoSuchVersion" })]);
    const err = await s3Error(client.send(new HeadObjectCommand({ Bucket: b, Key: "x1" })));
    expect(err.$metadata.httpStatusCode).toBe(404);
    await client.send(new HeadObjectCommand({ Bucket: b, Key: "x3" }));
  });

  it("answers only errors in Quiet mode", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "q", Body: "q" }));
    const out = await client.send(new DeleteObjectsCommand({ Bucket: b, Delete: { Quiet: true, Objects: [{ Key: "q" }] } }));
    expect(out.Deleted).toBeUndefined();
    expect(out.Errors).toBeUndefined();
  });

  it("refuses more than 1000 keys with MalformedXML", async () => {
    const objects = Array.from({ length: 1001 }, (_, i) => ({ Key: `k${i}` }));
    const err = await s3Error(client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } })));
    expect(err.name).toBe("MalformedXML");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});
