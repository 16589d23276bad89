import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { purgeBucket } from "../../src/core/buckets/purge";
import { md5Hex, newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "./helpers";
import { bytes } from "../helpers/bytes";

const MiB = 1024 * 1024;

let e: S3Env;
let client: ReturnType<typeof s3Client>["client"];
let bucket: string;

beforeAll(async () => {
  e = await s3Service();
  ({ client } = s3Client(e, await s3User(e)));
  bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
});

function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** S3's multipart ETag: MD5 of the concatenated binary part MD5s, dash, part count. */
async function multipartEtag(parts: Uint8Array[]): Promise<string> {
  const md5s = await Promise.all(parts.map((p) => md5Hex(p)));
  const joined = new Uint8Array(md5s.flatMap((h) => [...hexToBytes(h)]));
  return `"${await md5Hex(joined)}-${parts.length}"`;
}

async function start(key: string, extra: Record<string, unknown> = {}) {
  const out = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...extra }));
  expect(out.Bucket).toBe(bucket);
  expect(out.Key).toBe(key);
  return out.UploadId!;
}

describe("multipart upload", () => {
  it("assembles an object from 5 MiB parts; part ETags are MD5s, the object's md5-of-md5s-N", async () => {
    const key = "big/assembled.bin";
    const parts = [bytes(5 * MiB, 11), bytes(5 * MiB, 12), bytes(MiB + 123, 13)];
    const id = await start(key, { ContentType: "application/x-assembled", Metadata: { origin: "test" } });
    // Uploaded out of order, as the aws CLI does.
    const etags: string[] = [];
    for (const n of [2, 3, 1]) {
      const out = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: n, Body: parts[n - 1] }));
      expect(out.ETag).toBe(`"${await md5Hex(parts[n - 1]!)}"`);
      etags[n - 1] = out.ETag!;
    }
    const listed = await client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id }));
    expect(listed.Parts!.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([
      [1, 5 * MiB, etags[0]],
      [2, 5 * MiB, etags[1]],
      [3, MiB + 123, etags[2]],
    ]);
    expect(listed.Initiator?.ID).toBeTruthy();
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
      }),
    );
    expect(done.ETag).toBe(await multipartEtag(parts));
    expect(done.Key).toBe(key);
    expect(done.Location).toContain(`/${bucket}/big/assembled.bin`);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.ContentLength).toBe(11 * MiB + 123);
    expect(head.ContentType).toBe("application/x-assembled");
    expect(head.Metadata).toEqual({ origin: "test" });
    const tail = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${10 * MiB - 2}-${10 * MiB + 1}` }));
    expect(new Uint8Array(await tail.Body!.transformToByteArray())).toEqual(
      new Uint8Array([...parts[1]!.slice(-2), ...parts[2]!.slice(0, 2)]),
    );
    // The upload is gone once completed.
    expect((await s3Error(client.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: id })))).name).toBe("NoSuchUpload");
  });

  it("refuses parts out of order (InvalidPartOrder), unknown parts or ETags (InvalidPart), small parts (EntityTooSmall)", async () => {
    const key = "bad-complete";
    const id = await start(key);
    const p1 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: 1, Body: bytes(1024, 1) }));
    const p2 = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: 2, Body: bytes(1024, 2) }));
    const complete = (Parts: { ETag?: string; PartNumber: number }[]) =>
      s3Error(client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: id, MultipartUpload: { Parts } })));
    expect(
      (
        await complete([
          { ETag: p2.ETag, PartNumber: 2 },
          { ETag: p1.ETag, PartNumber: 1 },
        ])
      ).name,
    ).toBe("InvalidPartOrder");
    expect(
      (
        await complete([
          { ETag: p1.ETag, PartNumber: 1 },
          { ETag: p2.ETag, PartNumber: 3 },
        ])
      ).name,
    ).toBe("InvalidPart");
    expect((await complete([{ ETag: '"00000000000000000000000000000000"', PartNumber: 1 }])).name).toBe("InvalidPart");
    const small = await complete([
      { ETag: p1.ETag, PartNumber: 1 },
      { ETag: p2.ETag, PartNumber: 2 },
    ]);
    expect(small.name).toBe("EntityTooSmall");
    expect(small.$metadata.httpStatusCode).toBe(400);
    // A single small part is a valid (last) part.
    const ok = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: id,
        MultipartUpload: { Parts: [{ ETag: p1.ETag, PartNumber: 1 }] },
      }),
    );
    expect(ok.ETag).toBe(await multipartEtag([bytes(1024, 1)]));
  });

  it("refuses a bad part number and an unknown upload id", async () => {
    const id = await start("pn");
    const err = await s3Error(
      client.send(new UploadPartCommand({ Bucket: bucket, Key: "pn", UploadId: id, PartNumber: 10001, Body: "x" })),
    );
    expect(err.name).toBe("InvalidArgument");
    const missing = await s3Error(
      client.send(new UploadPartCommand({ Bucket: bucket, Key: "pn", UploadId: "nope", PartNumber: 1, Body: "x" })),
    );
    expect(missing.name).toBe("NoSuchUpload");
    expect(missing.$metadata.httpStatusCode).toBe(404);
    // An upload id is bound to its key.
    const other = await s3Error(
      client.send(new UploadPartCommand({ Bucket: bucket, Key: "other-key", UploadId: id, PartNumber: 1, Body: "x" })),
    );
    expect(other.name).toBe("NoSuchUpload");
  });

  it("aborts an upload (204) so its parts are gone", async () => {
    const id = await start("aborted");
    await client.send(new UploadPartCommand({ Bucket: bucket, Key: "aborted", UploadId: id, PartNumber: 1, Body: "x" }));
    const out = await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted", UploadId: id }));
    expect(out.$metadata.httpStatusCode).toBe(204);
    expect((await s3Error(client.send(new ListPartsCommand({ Bucket: bucket, Key: "aborted", UploadId: id })))).name).toBe("NoSuchUpload");
    expect((await s3Error(client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: "aborted", UploadId: id })))).name).toBe(
      "NoSuchUpload",
    );
  });

  it("echoes and keeps part checksums of an upload with a checksum algorithm", async () => {
    const id = await start("cs-mp", { ChecksumAlgorithm: "CRC32" });
    const part = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "cs-mp",
        UploadId: id,
        PartNumber: 1,
        Body: "Hello world\n123\n",
        ChecksumAlgorithm: "CRC32",
      }),
    );
    expect(part.ChecksumCRC32).toBe("uWvPlg==");
    const listed = await client.send(new ListPartsCommand({ Bucket: bucket, Key: "cs-mp", UploadId: id }));
    expect(listed.Parts![0]!.ChecksumCRC32).toBe("uWvPlg==");
    const bad = await s3Error(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: "cs-mp",
          UploadId: id,
          MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1, ChecksumCRC32: "AAAAAA==" }] },
        }),
      ),
    );
    expect(bad.name).toBe("InvalidPart");
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "cs-mp",
        UploadId: id,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1, ChecksumCRC32: "uWvPlg==" }] },
      }),
    );
  });

  it("copies ranges of an object into parts (UploadPartCopy)", async () => {
    const source = bytes(6 * MiB, 21);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "copy-src.bin", Body: source }));
    const id = await start("copy-dst.bin");
    const first = await client.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "copy-dst.bin",
        UploadId: id,
        PartNumber: 1,
        CopySource: `${bucket}/copy-src.bin`,
        CopySourceRange: `bytes=0-${5 * MiB - 1}`,
      }),
    );
    expect(first.CopyPartResult?.ETag).toBe(`"${await md5Hex(source.slice(0, 5 * MiB))}"`);
    const second = await client.send(
      new UploadPartCopyCommand({
        Bucket: bucket,
        Key: "copy-dst.bin",
        UploadId: id,
        PartNumber: 2,
        CopySource: `${bucket}/copy-src.bin`,
        CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}`,
      }),
    );
    const bad = await s3Error(
      client.send(
        new UploadPartCopyCommand({
          Bucket: bucket,
          Key: "copy-dst.bin",
          UploadId: id,
          PartNumber: 3,
          CopySource: `${bucket}/copy-src.bin`,
          CopySourceRange: `bytes=0-${7 * MiB}`,
        }),
      ),
    );
    expect(bad.name).toBe("InvalidRange");
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: "copy-dst.bin",
        UploadId: id,
        MultipartUpload: {
          Parts: [
            { ETag: first.CopyPartResult!.ETag, PartNumber: 1 },
            { ETag: second.CopyPartResult!.ETag, PartNumber: 2 },
          ],
        },
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "copy-dst.bin" }));
    const data = new Uint8Array(await got.Body!.transformToByteArray());
    expect(data.length).toBe(source.length);
    expect(await md5Hex(data)).toBe(await md5Hex(source));
  });
});

describe("ListMultipartUploads", () => {
  it("lists uploads in progress by key, with prefix, delimiter and paging", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const ids: Record<string, string> = {};
    for (const k of ["logs/a", "logs/b", "photos/x/1", "readme"]) {
      ids[k] = (await client.send(new CreateMultipartUploadCommand({ Bucket: b, Key: k }))).UploadId!;
    }
    const all = await client.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(all.Uploads!.map((u) => [u.Key, u.UploadId])).toEqual(Object.entries(ids));
    expect(all.Uploads![0]!.Initiator?.ID).toBe(all.Uploads![0]!.Owner?.ID);
    const rolled = await client.send(new ListMultipartUploadsCommand({ Bucket: b, Delimiter: "/" }));
    expect(rolled.Uploads!.map((u) => u.Key)).toEqual(["readme"]);
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix)).toEqual(["logs/", "photos/"]);
    const prefixed = await client.send(new ListMultipartUploadsCommand({ Bucket: b, Prefix: "logs/" }));
    expect(prefixed.Uploads!.map((u) => u.Key)).toEqual(["logs/a", "logs/b"]);
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: b, MaxUploads: 2 }));
    expect(page.IsTruncated).toBe(true);
    const rest = await client.send(
      new ListMultipartUploadsCommand({ Bucket: b, KeyMarker: page.NextKeyMarker, UploadIdMarker: page.NextUploadIdMarker }),
    );
    expect(rest.Uploads!.map((u) => u.Key)).toEqual(["photos/x/1", "readme"]);
    // Deleting the (object-less) bucket aborts what is in progress (its purge, run here rather
    // than after the queue's delay, frees the name).
    await client.send(new DeleteBucketCommand({ Bucket: b }));
    expect(await purgeBucket(env, e.service.uuid, b)).toEqual({ state: "done" });
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const after = await client.send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(after.Uploads).toBeUndefined();
  });
});
