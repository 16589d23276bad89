import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketAclCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketRequestPaymentCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { runBucketPurge, type BucketPurgeMessageT } from "../../src/core/buckets/queue";
import { PURGE_DELAY_SECONDS } from "../../src/core/s3/buckets";
import { newBucket, s3Client, s3Service, s3User, type S3Env, s3Error } from "./helpers";

let e: S3Env;
let client: ReturnType<typeof s3Client>["client"];

beforeAll(async () => {
  e = await s3Service();
  ({ client } = s3Client(e, await s3User(e)));
});

describe("CreateBucket", () => {
  it("creates a bucket that is a row of the service's buckets table", async () => {
    const b = newBucket();
    const out = await client.send(new CreateBucketCommand({ Bucket: b }));
    expect(out.Location).toBe(`/${b}`);
    const row = await env.DB.prepare("SELECT service_uuid, name, deleted_at FROM buckets WHERE service_uuid = ? AND name = ?")
      .bind(e.service.uuid, b)
      .first();
    expect(row).toMatchObject({ service_uuid: e.service.uuid, name: b, deleted_at: null });
  });

  it("accepts a CreateBucketConfiguration body and canned private ACL", async () => {
    const b = newBucket();
    await client.send(
      new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: { LocationConstraint: "eu-west-1" }, ACL: "private" }),
    );
    await client.send(new HeadBucketCommand({ Bucket: b }));
  });

  it("answers BucketAlreadyOwnedByYou (409) for an existing bucket of the service", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const err = await s3Error(client.send(new CreateBucketCommand({ Bucket: b })));
    expect(err.name).toBe("BucketAlreadyOwnedByYou");
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it("answers BucketAlreadyExists (409) while a deleted bucket of that name awaits its purge", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await env.DB.prepare("UPDATE buckets SET deleted_at = ? WHERE service_uuid = ? AND name = ?")
      .bind(new Date().toISOString(), e.service.uuid, b)
      .run();
    const err = await s3Error(client.send(new CreateBucketCommand({ Bucket: b })));
    expect(err.name).toBe("BucketAlreadyExists");
    expect(err.$metadata.httpStatusCode).toBe(409);
  });

  it.each(["ab", "a".repeat(64), "Upper", "under_score", "-start", "end-", "two..dots", "192.168.1.1", "xn--punycode", "name-s3alias"])(
    "refuses %s with InvalidBucketName",
    async (name) => {
      const err = await s3Error(client.send(new CreateBucketCommand({ Bucket: name })));
      expect(err.name).toBe("InvalidBucketName");
      expect(err.$metadata.httpStatusCode).toBe(400);
    },
  );

  it("refuses malformed CreateBucketConfiguration XML", async () => {
    const b = newBucket();
    const { client: raw } = s3Client(e, await s3User(e));
    raw.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { body: unknown }).body = "<CreateBucketConfiguration><Loc";
        return next(args);
      },
      { step: "build" },
    );
    const err = await s3Error(raw.send(new CreateBucketCommand({ Bucket: b })));
    expect(err.name).toBe("MalformedXML");
  });
});

describe("ListBuckets / HeadBucket / GetBucketLocation", () => {
  it("lists the service's live buckets with a stable owner", async () => {
    const b1 = newBucket();
    const b2 = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b1 }));
    await client.send(new CreateBucketCommand({ Bucket: b2 }));
    await env.DB.prepare("UPDATE buckets SET deleted_at = ? WHERE service_uuid = ? AND name = ?")
      .bind(new Date().toISOString(), e.service.uuid, b2)
      .run();
    const out = await client.send(new ListBucketsCommand({}));
    const names = out.Buckets!.map((b) => b.Name);
    expect(names).toContain(b1);
    expect(names).not.toContain(b2);
    expect(out.Owner?.ID).toBeTruthy();
    const again = await client.send(new ListBucketsCommand({}));
    expect(again.Owner).toEqual(out.Owner);
    const acl = await client.send(new GetBucketAclCommand({ Bucket: b1 }));
    expect(acl.Owner).toEqual(out.Owner);
  });

  it("answers HeadBucket 200 / 404 and a deleted bucket is invisible", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const ok = await client.send(new HeadBucketCommand({ Bucket: b }));
    expect(ok.$metadata.httpStatusCode).toBe(200);
    // Deleted through the control plane (its purge waits in the queue): S3 sees it gone at once.
    const del = await e.tenant.api("DELETE", `/${e.service.uuid}/buckets/${b}`);
    expect(del.status, del.text).toBe(204);
    const err = await s3Error(client.send(new HeadBucketCommand({ Bucket: b })));
    expect(err.$metadata.httpStatusCode).toBe(404);
    const err2 = await s3Error(client.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "x" })));
    expect(err2.name).toBe("NoSuchBucket");
  });

  it("answers the service's region as the location", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const out = await client.send(new GetBucketLocationCommand({ Bucket: b }));
    expect(out.LocationConstraint).toBe("europe-1");
  });
});

describe("DeleteBucket", () => {
  it("deletes an empty bucket (204) and refuses a non-empty one (409 BucketNotEmpty)", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "x" }));
    const err = await s3Error(client.send(new DeleteBucketCommand({ Bucket: b })));
    expect(err.name).toBe("BucketNotEmpty");
    expect(err.$metadata.httpStatusCode).toBe(409);
    await client.send(new DeleteObjectCommand({ Bucket: b, Key: "k" }));
    const sent: { body: unknown; delaySeconds?: number }[] = [];
    vi.spyOn(env.JOBS, "send").mockImplementation(async (body: unknown, opts?: QueueSendOptions) => {
      sent.push({ body, delaySeconds: opts?.delaySeconds });
      return undefined as never;
    });
    const ok = await client.send(new DeleteBucketCommand({ Bucket: b }));
    vi.restoreAllMocks();
    expect(ok.$metadata.httpStatusCode).toBe(204);
    // Gone for S3 at once; the purge comes once no isolate can still hold the bucket in its cache.
    expect((await s3Error(client.send(new HeadBucketCommand({ Bucket: b })))).$metadata.httpStatusCode).toBe(404);
    expect(sent).toEqual([{ body: { kind: "bucket-purge", service_uuid: e.service.uuid, bucket: b }, delaySeconds: PURGE_DELAY_SECONDS }]);
    // Until then the name is taken (as on AWS, re-creating a just-deleted name can fail for a while).
    expect((await s3Error(client.send(new CreateBucketCommand({ Bucket: b })))).name).toBe("BucketAlreadyExists");
    expect(await runBucketPurge(sent[0]!.body as BucketPurgeMessageT, env)).toBeUndefined();
    const row = await env.DB.prepare("SELECT 1 FROM buckets WHERE service_uuid = ? AND name = ?").bind(e.service.uuid, b).first();
    expect(row).toBeNull();
    await client.send(new CreateBucketCommand({ Bucket: b }));
  });

  it("answers NoSuchBucket (404) for an unknown bucket", async () => {
    const err = await s3Error(client.send(new DeleteBucketCommand({ Bucket: newBucket() })));
    expect(err.name).toBe("NoSuchBucket");
    expect(err.$metadata.httpStatusCode).toBe(404);
  });
});

describe("bucket policy", () => {
  const policyFor = (b: string) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${b}/*` }],
    });

  it("puts, gets and deletes a policy; none answers NoSuchBucketPolicy", async () => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const none = await s3Error(client.send(new GetBucketPolicyCommand({ Bucket: b })));
    expect(none.name).toBe("NoSuchBucketPolicy");
    expect(none.$metadata.httpStatusCode).toBe(404);
    const put = await client.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policyFor(b) }));
    expect(put.$metadata.httpStatusCode).toBe(204);
    const got = await client.send(new GetBucketPolicyCommand({ Bucket: b }));
    expect(JSON.parse(got.Policy!)).toEqual(JSON.parse(policyFor(b)));
    const del = await client.send(new DeleteBucketPolicyCommand({ Bucket: b }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect((await s3Error(client.send(new GetBucketPolicyCommand({ Bucket: b })))).name).toBe("NoSuchBucketPolicy");
  });

  it.each([
    ["not JSON", "{nope"],
    [
      "a missing Principal",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::B/*" }] }),
    ],
    [
      "another bucket's resource",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::other/*" }],
      }),
    ],
    [
      "a non-S3 action",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: "*", Action: "iam:ListUsers", Resource: "arn:aws:s3:::B/*" }],
      }),
    ],
  ])("refuses a policy with %s (MalformedPolicy)", async (_what, doc) => {
    const b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
    const err = await s3Error(
      client.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc.replaceAll("arn:aws:s3:::B/", `arn:aws:s3:::${b}/`) })),
    );
    expect(err.name).toBe("MalformedPolicy");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });
});

describe("bucket sub-resources clients probe", () => {
  let b: string;
  beforeAll(async () => {
    b = newBucket();
    await client.send(new CreateBucketCommand({ Bucket: b }));
  });

  it("answers ACLs with the owner's FULL_CONTROL and accepts canned private", async () => {
    const acl = await client.send(new GetBucketAclCommand({ Bucket: b }));
    expect(acl.Grants?.[0]?.Permission).toBe("FULL_CONTROL");
    expect(acl.Grants?.[0]?.Grantee?.ID).toBe(acl.Owner?.ID);
    await client.send(new PutBucketAclCommand({ Bucket: b, ACL: "private" }));
    const err = await s3Error(client.send(new PutBucketAclCommand({ Bucket: b, ACL: "public-read" })));
    expect(err.name).toBe("AccessControlListNotSupported");
  });

  it("answers versioning as never enabled and request payment as BucketOwner", async () => {
    const v = await client.send(new GetBucketVersioningCommand({ Bucket: b }));
    expect(v.Status).toBeUndefined();
    const p = await client.send(new GetBucketRequestPaymentCommand({ Bucket: b }));
    expect(p.Payer).toBe("BucketOwner");
  });

  it("answers S3's does-not-exist errors for CORS and lifecycle, and NotImplemented for writes", async () => {
    expect((await s3Error(client.send(new GetBucketCorsCommand({ Bucket: b })))).name).toBe("NoSuchCORSConfiguration");
    expect((await s3Error(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b })))).name).toBe(
      "NoSuchLifecycleConfiguration",
    );
    const err = await s3Error(client.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } })));
    expect(err.$metadata.httpStatusCode).toBe(501);
    expect(err.name).toBe("NotImplemented");
  });
});
