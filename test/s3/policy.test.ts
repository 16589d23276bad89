import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { bodyText, customPolicy, newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "./helpers";
import { fetchWorker } from "./sign";

let e: S3Env;
let admin: ReturnType<typeof s3Client>["client"];
let bucket: string;

beforeAll(async () => {
  e = await s3Service();
  ({ client: admin } = s3Client(e, await s3User(e)));
  bucket = newBucket();
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const k of ["public/a.txt", "private/b.txt"]) await admin.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
});

async function denied(p: Promise<unknown>): Promise<void> {
  const err = await s3Error(p);
  expect(err.name).toBe("AccessDenied");
  expect(err.$metadata.httpStatusCode).toBe(403);
}

describe("identity policies decide every request", () => {
  it("a user without policies may do nothing", async () => {
    const { client } = s3Client(e, await s3User(e, { policies: [] }));
    await denied(client.send(new ListBucketsCommand({})));
    await denied(client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })));
  });

  it("ECSS3ReadOnlyAccess reads and lists but cannot write, delete or create", async () => {
    const { client } = s3Client(e, await s3User(e, { policies: ["ECSS3ReadOnlyAccess"] }));
    await client.send(new ListBucketsCommand({}));
    await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(await bodyText((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }))).Body)).toBe("public/a.txt");
    await denied(client.send(new PutObjectCommand({ Bucket: bucket, Key: "x", Body: "x" })));
    await denied(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "public/a.txt" })));
    await denied(client.send(new CreateBucketCommand({ Bucket: newBucket() })));
  });

  it("a custom policy limits objects and listing prefixes (s3:prefix condition)", async () => {
    const name = await customPolicy(e, {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucket}/public/*` },
        {
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: `arn:aws:s3:::${bucket}`,
          Condition: { StringLike: { "s3:prefix": "public/*" } },
        },
      ],
    });
    const { client } = s3Client(e, await s3User(e, { policies: [name] }));
    await client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    await denied(client.send(new GetObjectCommand({ Bucket: bucket, Key: "private/b.txt" })));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "public/" }));
    expect(listed.Contents!.map((o) => o.Key)).toEqual(["public/a.txt"]);
    await denied(client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "private/" })));
    await denied(client.send(new ListObjectsV2Command({ Bucket: bucket })));
  });

  it("an explicit deny wins over full access, per key in DeleteObjects", async () => {
    const keys = await s3User(e, {
      inline: {
        nodelete: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "s3:DeleteObject", Resource: `arn:aws:s3:::${bucket}/private/*` }],
        },
      },
    });
    const { client } = s3Client(e, keys);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "public/tmp.txt", Body: "t" }));
    await denied(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: "private/b.txt" })));
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "public/tmp.txt" }, { Key: "private/b.txt" }] } }),
    );
    expect(out.Deleted!.map((d) => d.Key)).toEqual(["public/tmp.txt"]);
    expect(out.Errors).toEqual([expect.objectContaining({ Key: "private/b.txt", Code: "AccessDenied" })]);
    await admin.send(new GetObjectCommand({ Bucket: bucket, Key: "private/b.txt" }));
  });

  it("policies attached to a group apply to its members", async () => {
    const keys = await s3User(e, { policies: [] });
    const group = `g${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    expect((await e.tenant.api("POST", `/${e.service.uuid}/groups`, { name: group })).status).toBe(201);
    expect((await e.tenant.api("POST", `/${e.service.uuid}/groups/${group}/policies`, { name: "ECSS3ReadOnlyAccess" })).status).toBe(204);
    const { client } = s3Client(e, keys);
    await denied(client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })));
    expect((await e.tenant.api("POST", `/${e.service.uuid}/groups/${group}/users/${keys.username}`)).status).toBe(204);
    expect(await bodyText((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }))).Body)).toBe("public/a.txt");
    await denied(client.send(new PutObjectCommand({ Bucket: bucket, Key: "z", Body: "z" })));
  });

  it("a permissions boundary caps full access", async () => {
    const { client } = s3Client(e, await s3User(e, { policies: ["ECSS3FullAccess"], boundary: "ECSS3ReadOnlyAccess" }));
    await client.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }));
    await denied(client.send(new PutObjectCommand({ Bucket: bucket, Key: "y", Body: "y" })));
  });
});

describe("bucket policies", () => {
  it('admit anonymous reads where Principal is "*", on the endpoint host path-style and virtual-hosted', async () => {
    const b = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: b }));
    await admin.send(new PutObjectCommand({ Bucket: b, Key: "site/index.html", Body: "<h1>hi</h1>", ContentType: "text/html" }));
    const path = `http://${e.host}/${b}/site/index.html`;
    const before = await fetchWorker(path);
    expect(before.status).toBe(403);
    expect(await before.text()).toContain("<Code>AccessDenied</Code>");
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: b,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${b}/*`] }],
        }),
      }),
    );
    const got = await fetchWorker(path);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("text/html");
    expect(await got.text()).toBe("<h1>hi</h1>");
    const vhost = await fetchWorker(`http://${b}.${e.host}/site/index.html`);
    expect(vhost.status).toBe(200);
    expect(await vhost.text()).toBe("<h1>hi</h1>");
    // Only what the policy grants: no anonymous listing, writes, or response overrides.
    expect((await fetchWorker(`http://${e.host}/${b}/`)).status).toBe(403);
    expect((await fetchWorker(path, { method: "PUT", body: "x" })).status).toBe(403);
    const override = await fetchWorker(`${path}?response-content-type=text/plain`);
    expect(override.status).toBe(400);
    // The SDK without credentials sees the same.
    const { client: anon } = s3Client(e, null, { style: "endpoint-path" });
    expect(await bodyText((await anon.send(new GetObjectCommand({ Bucket: b, Key: "site/index.html" }))).Body)).toBe("<h1>hi</h1>");
    await denied(anon.send(new ListBucketsCommand({})));
  });

  it("grant a user with no identity policy what they name it for", async () => {
    const b = newBucket();
    await admin.send(new CreateBucketCommand({ Bucket: b }));
    const keys = await s3User(e, { policies: [] });
    const user = await e.tenant.api("GET", `/${e.service.uuid}/users/${keys.username}`);
    const userArn = (user.json as { arn: string }).arn;
    expect(userArn).toMatch(/:user\//);
    await admin.send(
      new PutBucketPolicyCommand({
        Bucket: b,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { AWS: userArn }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${b}/*` }],
        }),
      }),
    );
    const { client } = s3Client(e, keys);
    await client.send(new PutObjectCommand({ Bucket: b, Key: "granted", Body: "ok" }));
    await denied(client.send(new GetObjectCommand({ Bucket: b, Key: "granted" })));
  });
});

describe("tenant isolation", () => {
  it("a key of one service never reaches another service's bucket of the same name", async () => {
    const other = await s3Service();
    const otherKeys = await s3User(other);
    const { client: otherClient } = s3Client(other, otherKeys);
    await otherClient.send(new CreateBucketCommand({ Bucket: bucket }));
    await otherClient.send(new PutObjectCommand({ Bucket: bucket, Key: "public/a.txt", Body: "other tenant's bytes" }));
    // Same bucket and key names, each key sees its own service's data.
    expect(await bodyText((await admin.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }))).Body)).toBe("public/a.txt");
    expect(await bodyText((await otherClient.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" }))).Body)).toBe(
      "other tenant's bytes",
    );
    // On the other service's endpoint host, this service's key does not exist.
    const { client: wrongHost } = s3Client(
      other,
      { accessKeyId: (await s3User(e)).accessKeyId, secretAccessKey: "irrelevant-secret" },
      { style: "endpoint-path" },
    );
    const err = await s3Error(wrongHost.send(new GetObjectCommand({ Bucket: bucket, Key: "public/a.txt" })));
    expect(err.name).toBe("InvalidAccessKeyId");
    const names = (await otherClient.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name);
    expect(names).toEqual([bucket]);
  });
});
