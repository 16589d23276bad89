import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { AwsV4Signer } from "aws4fetch";
import { beforeAll, describe, expect, it } from "vitest";
import { call, newService, newTenant, settle } from "../helpers/api";
import { bodyText, newBucket, s3Client, s3Service, s3User, type Keys, type S3Env, s3Error } from "./helpers";
import { fetchWorker, signedFetch } from "./sign";

let e: S3Env;
let keys: Keys;

beforeAll(async () => {
  e = await s3Service();
  keys = await s3User(e);
});

describe("dispatch", () => {
  it("serves path-style on the service endpoint host", async () => {
    const { client } = s3Client(e, keys, { style: "endpoint-path" });
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "endpoint path" }));
    expect(await bodyText((await client.send(new GetObjectCommand({ Bucket: b, Key: "k" }))).Body)).toBe("endpoint path");
  });

  it("serves virtual-hosted style (<bucket>.<endpoint host>)", async () => {
    const { client, handler } = s3Client(e, keys, { style: "virtual" });
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "dir/v.txt", Body: "virtual" }));
    expect(handler.sent.at(-1)!.url).toBe(`http://${b}.${e.host}/dir/v.txt?x-id=PutObject`);
    expect(await bodyText((await client.send(new GetObjectCommand({ Bucket: b, Key: "dir/v.txt" }))).Body)).toBe("virtual");
    const listed = await client.send(new ListObjectsV2Command({ Bucket: b }));
    expect(listed.Contents!.map((o) => o.Key)).toEqual(["dir/v.txt"]);
  });

  it("leaves the control plane alone on the shared host and on unknown subdomains", async () => {
    const regions = await call("GET", "/1.3/object-storage-2/regions", { headers: e.tenant.auth });
    expect(regions.status).toBe(200);
    const other = await call("GET", "http://unknown-label.localhost/1.3/object-storage-2/regions", { headers: e.tenant.auth });
    expect(other.status).toBe(200);
    expect(other.headers.get("x-amz-request-id")).toBeNull();
  });

  it("leaves requests signed for another service (IAM) to their dialect", async () => {
    const signer = new AwsV4Signer({
      method: "POST",
      url: "http://api.test/",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=ListUsers&Version=2010-05-08",
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      service: "iam",
      region: "us-east-1",
    });
    const s = await signer.sign();
    const res = await fetchWorker(new Request(s.url, { method: "POST", headers: s.headers, body: "Action=ListUsers&Version=2010-05-08" }));
    expect(res.headers.get("server")).not.toBe("Stowage");
    // The AWS Query layer answers it, in IAM's ErrorResponse (AccessDenied: the key has S3 rights only).
    expect(res.headers.get("x-amzn-requestid")).toBeTruthy();
    expect(await res.text()).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
  });

  it("refuses S3 on a stopped service with 403 AccessDenied naming the reason", async () => {
    const t = await newTenant();
    const svc = await newService(t, { configured_status: "stopped" });
    await settle(t, svc.uuid);
    const stopped: S3Env = { tenant: t, service: svc, host: `${svc.uuid}` };
    const k = await s3User(stopped);
    const { client } = s3Client(stopped, k);
    const err = await s3Error(client.send(new ListBucketsCommand({})));
    expect(err.name).toBe("AccessDenied");
    expect(err.message).toMatch(/stopped/);
  });

  it("refuses S3 on a service being deleted", async () => {
    const t = await newTenant();
    const svc = await newService(t);
    const host = svc.endpoints.find((x: { type: string; mode: string }) => x.type === "public" && x.mode === "api")!.domain_name as string;
    const del = await t.api("DELETE", `/${svc.uuid}?force=true`);
    expect(del.status, del.text).toBe(204);
    const res = await fetchWorker(`http://${host}/some-bucket/key`);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/being deleted/);
  });
});

describe("errors", () => {
  let bucket: string;
  beforeAll(async () => {
    bucket = newBucket();
    const { client } = s3Client(e, keys);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });

  it("answers S3's XML error with Code, Message, Resource and RequestId matching x-amz-request-id", async () => {
    const res = await signedFetch(keys, "GET", `http://api.test/${bucket}/missing%20key`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/xml");
    const id = res.headers.get("x-amz-request-id")!;
    expect(id).toMatch(/^[0-9A-F]{16}$/);
    const xml = await res.text();
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message><Key>missing key<\/Key>/,
    );
    expect(xml).toContain(`<Resource>/${bucket}/missing%20key</Resource>`);
    expect(xml).toContain(`<RequestId>${id}</RequestId>`);
  });

  it("answers HEAD errors without a body, and every response carries x-amz-request-id", async () => {
    const res = await signedFetch(keys, "HEAD", `http://api.test/${bucket}/missing`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("");
    expect(res.headers.get("x-amz-request-id")).toBeTruthy();
    const ok = await signedFetch(keys, "GET", `http://api.test/${bucket}?list-type=2`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-amz-request-id")).toBeTruthy();
  });

  it("answers MalformedXML for a broken body, and MethodNotAllowed for unknown methods", async () => {
    const body = "<Delete><Object><Key>a</Key></Object";
    const md5 = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("MD5", new TextEncoder().encode(body)))));
    const res = await signedFetch(keys, "POST", `http://api.test/${bucket}?delete`, { body, headers: { "content-md5": md5 } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>MalformedXML</Code>");
    const patch = await signedFetch(keys, "PATCH", `http://api.test/${bucket}/k`);
    expect(patch.status).toBe(405);
  });

  it("refuses DeleteObjects without Content-MD5 or a checksum header", async () => {
    const res = await signedFetch(keys, "POST", `http://api.test/${bucket}?delete=`, {
      body: "<Delete><Object><Key>a</Key></Object></Delete>",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>InvalidRequest</Code>");
  });

  it("answers a malformed Authorization header with S3's error", async () => {
    const res = await fetchWorker(`http://api.test/${bucket}`, {
      headers: { Authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20260101/us-east-1/s3/aws4_request" },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("<Code>AuthorizationHeaderMalformed</Code>");
  });
});

describe("api-mode custom domains", () => {
  it("serve the S3 API of their service, path-style and virtual-hosted; static-website domains do not", async () => {
    const domain = `${newBucket()}.example.com`;
    const r = await e.tenant.api("POST", `/${e.service.uuid}/custom-domains`, { domain_name: domain, type: "public", mode: "api" });
    expect(r.status, r.text).toBe(201);
    const path = s3Client({ ...e, host: domain }, keys, { style: "endpoint-path" }).client;
    const b = newBucket();
    await path.send(new CreateBucketCommand({ Bucket: b }));
    await path.send(new PutObjectCommand({ Bucket: b, Key: "via-custom", Body: "custom domain" }));
    const { client: virtual, handler } = s3Client({ ...e, host: domain }, keys, { style: "virtual" });
    expect(await bodyText((await virtual.send(new GetObjectCommand({ Bucket: b, Key: "via-custom" }))).Body)).toBe("custom domain");
    expect(handler.sent.at(-1)!.url).toContain(`http://${b}.${domain}/via-custom`);
    // The same bucket through the service's own endpoint: one storage.
    const own = s3Client(e, keys, { style: "endpoint-path" }).client;
    expect(await bodyText((await own.send(new GetObjectCommand({ Bucket: b, Key: "via-custom" }))).Body)).toBe("custom domain");

    const site = `${newBucket()}.example.com`;
    expect(
      (await e.tenant.api("POST", `/${e.service.uuid}/custom-domains`, { domain_name: site, type: "public", mode: "static-website" }))
        .status,
    ).toBe(201);
    const err = await s3Error(
      s3Client({ ...e, host: site }, keys, { style: "endpoint-path" }).client.send(new ListObjectsV2Command({ Bucket: b })),
    );
    expect(err.$metadata.httpStatusCode).not.toBe(200);
    // An unknown domain is not S3 either: it reaches the control plane's 404.
    const unknown = await call("GET", `http://nobody-${newBucket()}.example.org/${b}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  });
});
