// The S3 data plane with STS temporary credentials (x-amz-security-token / X-Amz-Security-Token),
// driven by @aws-sdk/client-s3: the role's policies ∩ the session policy ∩ the role's boundary.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetSessionTokenCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsV4Signer } from "aws4fetch";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { issueSession } from "../../src/core/iam/sessions";
import { unique } from "../helpers/api";
import { bodyText, customPolicy, newBucket, s3Client, s3Error, s3Service, s3User, WorkerHandler, type Keys, type S3Env } from "./helpers";

type Creds = Keys & { sessionToken: string };

let e: S3Env;
let alice: Keys & { username: string };
let account: string;
let bucket: string;

const sts = (k: Keys) =>
  new STSClient({ region: "us-east-1", endpoint: "http://api.test", credentials: k, requestHandler: new WorkerHandler(), maxAttempts: 1 });

async function role(opts: { policies?: string[]; boundary?: string } = {}): Promise<string> {
  const name = unique("role");
  const trust = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:user/${alice.username}` }, Action: "sts:AssumeRole" }],
  };
  const r = await e.tenant.api("POST", `/${e.service.uuid}/roles`, {
    name,
    assume_role_policy_document: JSON.stringify(trust),
    ...(opts.boundary ? { permissions_boundary: opts.boundary } : {}),
  });
  expect(r.status, r.text).toBe(201);
  for (const p of opts.policies ?? ["ECSS3FullAccess"]) {
    const a = await e.tenant.api("POST", `/${e.service.uuid}/roles/${name}/policies`, { name: p });
    expect(a.status, a.text).toBe(204);
  }
  return name;
}

async function assume(roleName: string, policy?: object): Promise<Creds> {
  const out = await sts(alice).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/${roleName}`,
      RoleSessionName: "s3-test",
      ...(policy ? { Policy: JSON.stringify(policy) } : {}),
    }),
  );
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

beforeAll(async () => {
  e = await s3Service();
  alice = await s3User(e, { policies: [] });
  const { GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
  account = (await sts(alice).send(new GetCallerIdentityCommand({}))).Account!;
  const admin = await s3User(e);
  bucket = newBucket();
  const { client } = s3Client(e, admin);
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: "seed.txt", Body: "seed" }));
});

describe("S3 with assumed-role credentials", () => {
  it("works through @aws-sdk/client-s3 with the role's permissions (the user itself has none)", async () => {
    const creds = await assume(await role());
    const { client, handler } = s3Client(e, creds);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: "by-role.txt", Body: "hello" }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: "by-role.txt" }));
    expect(await bodyText(got.Body)).toBe("hello");
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(list.Contents!.map((o) => o.Key)).toContain("by-role.txt");
    expect(handler.sent[0]!.headers["x-amz-security-token"]).toBe(creds.sessionToken);
    // The user's own key still has no S3 rights.
    expect((await s3Error(s3Client(e, alice).client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" })))).name).toBe(
      "AccessDenied",
    );
  });

  it("is limited by the session policy and by the role's boundary", async () => {
    const readOnly = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
    const limited = s3Client(e, await assume(await role(), readOnly)).client;
    expect(await bodyText((await limited.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" }))).Body)).toBe("seed");
    const denied = await s3Error(limited.send(new PutObjectCommand({ Bucket: bucket, Key: "no.txt", Body: "x" })));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);

    const boundary = await customPolicy(e, {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
    });
    const bounded = s3Client(e, await assume(await role({ boundary }))).client;
    expect((await bounded.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBeGreaterThan(0);
    expect((await s3Error(bounded.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" })))).name).toBe("AccessDenied");
  });

  it("honours a presigned URL carrying X-Amz-Security-Token", async () => {
    const creds = await assume(await role());
    const signer = new AwsV4Signer({
      method: "GET",
      url: `http://api.test/${bucket}/seed.txt`,
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      sessionToken: creds.sessionToken,
      service: "s3",
      region: "us-east-1",
      signQuery: true,
    });
    const s = await signer.sign();
    expect(s.url.searchParams.get("X-Amz-Security-Token")).toBe(creds.sessionToken);
    const res = await exports.default.fetch(new Request(s.url));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.text()).toBe("seed");
  });

  it("answers InvalidToken for a tampered token, ExpiredToken for an expired one", async () => {
    const name = await role();
    const creds = await assume(name);
    const t = creds.sessionToken;
    const tampered = { ...creds, sessionToken: t.slice(0, -6) + (t.at(-6) === "A" ? "B" : "A") + t.slice(-5) };
    const bad = await s3Error(s3Client(e, tampered).client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" })));
    expect(bad.name).toBe("InvalidToken");
    expect(bad.$metadata.httpStatusCode).toBe(400);

    const row = await env.DB.prepare("SELECT id FROM iam_roles WHERE service_uuid = ? AND name = ?")
      .bind(e.service.uuid, name)
      .first<{ id: string }>();
    const old = await issueSession(
      env,
      { svc: e.service.uuid, acct: e.tenant.accountId, kind: "role", name, pid: row!.id, sess: "old", src: alice.accessKeyId },
      900,
      new Date(Date.now() - 3600_000),
    );
    const expired = await s3Error(
      s3Client(e, {
        accessKeyId: old.accessKeyId,
        secretAccessKey: old.secretAccessKey,
        sessionToken: old.sessionToken,
      } as Keys).client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" })),
    );
    expect(expired.name).toBe("ExpiredToken");
    expect(expired.$metadata.httpStatusCode).toBe(400);
  });

  it("stops working once the role is deleted", async () => {
    const name = await role();
    const { client } = s3Client(e, await assume(name));
    expect((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" }))).$metadata.httpStatusCode).toBe(200);
    expect((await e.tenant.api("DELETE", `/${e.service.uuid}/roles/${name}/policies/ECSS3FullAccess`)).status).toBe(204);
    expect((await e.tenant.api("DELETE", `/${e.service.uuid}/roles/${name}`)).status).toBe(204);
    expect((await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" })))).name).toBe("InvalidToken");
  });
});

describe("S3 with GetSessionToken credentials", () => {
  it("has the user's own permissions", async () => {
    const reader = await s3User(e, { policies: ["ECSS3ReadOnlyAccess"] });
    const c = (await sts(reader).send(new GetSessionTokenCommand({}))).Credentials!;
    const { client } = s3Client(e, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    } as Keys);
    expect(await bodyText((await client.send(new GetObjectCommand({ Bucket: bucket, Key: "seed.txt" }))).Body)).toBe("seed");
    expect((await s3Error(client.send(new PutObjectCommand({ Bucket: bucket, Key: "no.txt", Body: "x" })))).name).toBe("AccessDenied");
  });
});
