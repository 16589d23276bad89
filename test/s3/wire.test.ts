// The request shapes of s3-client-wire-notes.md §8 that the JS SDK does not produce itself, sent
// hand-signed: query forms, path forms, and the XML bodies of s3cmd, rclone and minio-go.
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketAclCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { md5Hex, newBucket, s3Client, s3Service, s3User, type Keys, type S3Env } from "./helpers";
import { bytes } from "../helpers/bytes";
import { signedFetch } from "./sign";

const MiB = 1024 * 1024;

let e: S3Env;
let keys: Keys & { username: string };
let client: ReturnType<typeof s3Client>["client"];
let bucket: string;
const url = (path: string) => `http://api.test/${bucket}${path}`;

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e);
  ({ client } = s3Client(e, keys));
  bucket = newBucket();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "a/1.txt", Body: "1" }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "b.txt", Body: "2" }));
});

const md5b64 = async (s: string) =>
  btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(s)))));

async function uploadTwoParts(key: string): Promise<{ id: string; etags: string[]; parts: Uint8Array[] }> {
  const id = (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }))).UploadId!;
  const parts = [bytes(5 * MiB, 31), bytes(1000, 32)];
  const etags: string[] = [];
  for (const [i, p] of parts.entries())
    etags.push((await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: id, PartNumber: i + 1, Body: p }))).ETag!);
  return { id, etags, parts };
}

describe("query and path forms", () => {
  it("accepts /b and /b/, an empty delimiter (rclone's ListObjects V1), and ignores x-id", async () => {
    for (const path of ["", "/"]) {
      const res = await signedFetch(keys, "GET", url(`${path}?delimiter=&max-keys=1000&prefix=`));
      expect(res.status).toBe(200);
      const xml = await res.text();
      expect(xml).toContain("<Key>a/1.txt</Key>");
      expect(xml).not.toContain("<CommonPrefixes>");
    }
    const withId = await signedFetch(keys, "GET", url("/b.txt?x-id=GetObject"));
    expect(await withId.text()).toBe("2");
  });

  it("accepts ?uploads and ?uploads=, partNumber and uploadId in either order", async () => {
    const a = await signedFetch(keys, "POST", url("/q1?uploads"));
    const b = await signedFetch(keys, "POST", url("/q2?uploads="));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const id = /<UploadId>([^<]+)<\/UploadId>/.exec(await a.text())![1]!;
    const enc = encodeURIComponent(id);
    const p1 = await signedFetch(keys, "PUT", url(`/q1?partNumber=1&uploadId=${enc}`), { body: "part one" });
    const p2 = await signedFetch(keys, "PUT", url(`/q1?uploadId=${enc}&partNumber=2`), { body: "part two" });
    expect(p1.status).toBe(200);
    expect(p2.status).toBe(200);
    expect(p1.headers.get("etag")).toBe(`"${await md5Hex("part one")}"`);
  });

  it("accepts ?delete and ?delete= with Content-MD5 or a checksum header, without a namespace", async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "d1", Body: "x" }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "d2", Body: "x" }));
    const s3cmdBody = `<?xml version="1.0" encoding="UTF-8"?><Delete><Object><Key>d1</Key></Object></Delete>`;
    const r1 = await signedFetch(keys, "POST", url("/?delete"), {
      body: s3cmdBody,
      headers: { "content-md5": await md5b64(s3cmdBody), "content-type": "application/xml" },
    });
    expect(r1.status).toBe(200);
    expect(await r1.text()).toContain("<Deleted><Key>d1</Key></Deleted>");
    const minioBody = `<Delete><Quiet>false</Quiet><Object><Key>d2</Key></Object></Delete>`;
    const r2 = await signedFetch(keys, "POST", url("?delete="), { body: minioBody, headers: { "x-amz-checksum-crc32": "AAAAAA==" } });
    // The checksum header is verified like any other: a wrong one is BadDigest, not a missing header.
    expect(r2.status).toBe(400);
    expect(await r2.text()).toContain("<Code>BadDigest</Code>");
  });

  it("decodes &quot; &#34; &apos; &amp; &lt; &gt; in keys", async () => {
    const key = `q"uo'te&<>`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
    const body = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>q&#34;uo&apos;te&amp;&lt;&gt;</Key></Object></Delete>`;
    const res = await signedFetch(keys, "POST", url("?delete"), { body, headers: { "content-md5": await md5b64(body) } });
    expect(await res.text()).toContain("<Deleted><Key>q&quot;uo&apos;te&amp;&lt;&gt;</Key></Deleted>");
  });

  it("answers ?location, ?acl, ?policy, ?cors, ?lifecycle, ?requestPayment as s3cmd info expects", async () => {
    const codes = Object.fromEntries(
      await Promise.all(
        ["location", "acl", "policy", "cors", "lifecycle", "requestPayment"].map(
          async (q) => [q, (await signedFetch(keys, "GET", url(`/?${q}`))).status] as const,
        ),
      ),
    );
    expect(codes).toEqual({ location: 200, acl: 200, policy: 404, cors: 404, lifecycle: 404, requestPayment: 200 });
    expect((await signedFetch(keys, "GET", url("/b.txt?acl"))).status).toBe(200);
  });
});

describe("CompleteMultipartUpload bodies of every client", () => {
  it("s3cmd: no namespace, PartNumber first, unquoted ETags", async () => {
    const { id, etags } = await uploadTwoParts("s3cmd.bin");
    const body = `<CompleteMultipartUpload>${etags.map((t, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${t.replaceAll('"', "")}</ETag></Part>`).join("")}</CompleteMultipartUpload>`;
    const res = await signedFetch(keys, "POST", url(`/s3cmd.bin?uploadId=${encodeURIComponent(id)}`), { body });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<ETag>&quot;[0-9a-f]{32}-2&quot;<\/ETag>/);
  });

  it("rclone: &#34;-escaped ETags", async () => {
    const { id, etags } = await uploadTwoParts("rclone.bin");
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${etags
      .map((t, i) => `<Part><ETag>${t.replaceAll('"', "&#34;")}</ETag><PartNumber>${i + 1}</PartNumber></Part>`)
      .join("")}</CompleteMultipartUpload>`;
    const res = await signedFetch(keys, "POST", url(`/rclone.bin?uploadId=${encodeURIComponent(id)}`), { body });
    expect(res.status).toBe(200);
  });

  it("botocore / JS SDK: XML declaration, &quot; ETags, checksum elements before or after PartNumber", async () => {
    const { id, etags } = await uploadTwoParts("sdk.bin");
    const body = `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>${etags[0]!.replaceAll('"', "&quot;")}</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><PartNumber>1</PartNumber></Part><Part><ETag>${etags[1]}</ETag><PartNumber>2</PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`;
    const res = await signedFetch(keys, "POST", url(`/sdk.bin?uploadId=${encodeURIComponent(id)}`), {
      body,
      headers: { "content-type": "application/xml" },
    });
    // The upload has no checksum algorithm, so the part checksums are not compared.
    expect(res.status).toBe(200);
  });
});

describe("owners", () => {
  it("shows one Owner ID and DisplayName per IAM user in ListBuckets, fetch-owner listings, ACLs and multipart listings", async () => {
    const owner = (await client.send(new ListBucketsCommand({}))).Owner!;
    expect(owner.DisplayName).toBe(keys.username);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, FetchOwner: true }));
    expect(listed.Contents![0]!.Owner).toEqual(owner);
    expect((await client.send(new GetBucketAclCommand({ Bucket: bucket }))).Owner).toEqual(owner);
    await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "owned" }));
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "owned" }));
    expect(uploads.Uploads![0]!.Owner).toEqual(owner);
    expect(uploads.Uploads![0]!.Initiator).toEqual(owner);
  });
});
