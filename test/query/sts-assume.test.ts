// STS AssumeRole and GetSessionToken through @aws-sdk/client-sts: the trust policy, durations,
// session policies, and temporary credentials honoured (and refused) by the STS endpoint itself.
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, STSServiceException } from "@aws-sdk/client-sts";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { issueSession } from "../../src/core/iam/sessions";
import { unique } from "../helpers/api";
import { s3Service, s3User, WorkerHandler, type Keys, type S3Env } from "../s3/helpers";
import { query, queryError } from "./helpers";

type Creds = Keys & { sessionToken?: string };

const sts = (k: Creds, endpoint = "http://api.test") =>
  new STSClient({ region: "eu-west-1", endpoint, credentials: k, requestHandler: new WorkerHandler(), maxAttempts: 1 });

async function stsError(p: Promise<unknown>): Promise<STSServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof STSServiceException) return err;
    throw err;
  }
  throw new Error("expected an STS error");
}

let e: S3Env;
let alice: Keys & { username: string };
let account: string;

/** A role made through the UpCloud dialect (the one IAM namespace). */
async function role(
  trust: object,
  opts: { max?: number; policies?: string[]; name?: string } = {},
): Promise<{ name: string; arn: string }> {
  const name = opts.name ?? unique("role");
  const r = await e.tenant.api("POST", `/${e.service.uuid}/roles`, {
    name,
    assume_role_policy_document: JSON.stringify(trust),
    ...(opts.max ? { max_session_duration: opts.max } : {}),
  });
  expect(r.status, r.text).toBe(201);
  for (const p of opts.policies ?? []) {
    const a = await e.tenant.api("POST", `/${e.service.uuid}/roles/${name}/policies`, { name: p });
    expect(a.status, a.text).toBe(204);
  }
  return { name, arn: `arn:aws:iam::${account}:role/${name}` };
}

const trusting = (principal: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
});

beforeAll(async () => {
  e = await s3Service();
  alice = await s3User(e, { policies: [] });
  account = (await sts(alice).send(new GetCallerIdentityCommand({}))).Account!;
});

describe("AssumeRole", () => {
  it("answers ASIA credentials with a session token, 900 s by default, and the assumed-role user", async () => {
    const r = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const before = Date.now();
    const out = await sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "jim" }));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.SecretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(c.SessionToken!.length).toBeGreaterThan(100);
    const exp = c.Expiration!.getTime();
    expect(exp).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 899_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 901_000);
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${account}:assumed-role/${r.name}/jim`);
    expect(out.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[0-9A-F]+:jim$/);
    expect(out.PackedPolicySize).toBeUndefined();

    const temp: Creds = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const me = await sts(temp).send(new GetCallerIdentityCommand({}));
    expect(me).toMatchObject({ Account: account, Arn: out.AssumedRoleUser!.Arn, UserId: out.AssumedRoleUser!.AssumedRoleId });
  });

  it("accepts the UpCloud spelling of the role ARN and of the trusted principal", async () => {
    const upcloudAccount = e.service.uuid.replaceAll("-", "");
    const r = await role(trusting(`urn:ecs:iam::${upcloudAccount}:user/${alice.username}`));
    const out = await sts(alice).send(
      new AssumeRoleCommand({ RoleArn: `urn:ecs:iam::${upcloudAccount}:role/${r.name}`, RoleSessionName: "s1" }),
    );
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${account}:assumed-role/${r.name}/s1`);
  });

  it("with a trust policy naming the account, needs sts:AssumeRole in the caller's own policies", async () => {
    const r = await role(trusting(`arn:aws:iam::${account}:root`));
    const denied = await stsError(sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1" })));
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:iam::${account}:user/${alice.username} is not authorized to perform: sts:AssumeRole on resource: ${r.arn}`,
    );
    const bob = await s3User(e, {
      policies: [],
      inline: { assume: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: r.arn }] } },
    });
    const out = await sts(bob).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1" }));
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA/);
  });

  it("answers AccessDenied, alike, for a role that does not trust the caller, an unknown role, another account, and an explicit deny", async () => {
    const other = await role(trusting(`arn:aws:iam::${account}:user/someone-else`));
    const mine = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const denier = await s3User(e, {
      policies: [],
      inline: { no: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "sts:*", Resource: "*" }] } },
    });
    const cases: [Keys, string][] = [
      [alice, other.arn],
      [alice, `arn:aws:iam::${account}:role/no-such-role`],
      [alice, `arn:aws:iam::000000000001:role/${mine.name}`],
      [denier, mine.arn],
    ];
    for (const [k, arn] of cases) {
      const err = await stsError(sts(k).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: "s1" })));
      expect(err.name, arn).toBe("AccessDenied");
      expect(err.message).toContain(`is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    }
    // The explicit deny is the trusted user's own policy: trust alone does not override it.
    const trustsDenier = await role(trusting(`arn:aws:iam::${account}:user/${denier.username}`));
    const err = await stsError(sts(denier).send(new AssumeRoleCommand({ RoleArn: trustsDenier.arn, RoleSessionName: "s1" })));
    expect(err.name).toBe("AccessDenied");
  });

  it("checks DurationSeconds against 900-43200 and the role's maximum", async () => {
    const r = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`), { max: 7200 });
    for (const d of [899, 43201]) {
      const err = await stsError(sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", DurationSeconds: d })));
      expect(err.name).toBe("ValidationError");
      expect(err.$metadata.httpStatusCode).toBe(400);
      expect(err.message).toContain("durationSeconds");
    }
    const tooLong = await stsError(
      sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", DurationSeconds: 7201 })),
    );
    expect(tooLong.message).toBe("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    const out = await sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", DurationSeconds: 7200 }));
    expect(Math.abs(out.Credentials!.Expiration!.getTime() - Date.now() - 7200_000)).toBeLessThan(5_000);
  });

  it("validates RoleSessionName, RoleArn and the session policy", async () => {
    const r = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const bad = [
      { RoleArn: r.arn, RoleSessionName: "x" },
      { RoleArn: r.arn, RoleSessionName: "has space" },
      { RoleArn: "arn:short", RoleSessionName: "s1" },
    ];
    for (const input of bad) {
      const err = await stsError(sts(alice).send(new AssumeRoleCommand(input)));
      expect(err.name, JSON.stringify(input)).toBe("ValidationError");
    }
    const malformed = await stsError(
      sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", Policy: '{"Statement":[{"Effect":"Maybe"}]}' })),
    );
    expect(malformed.name).toBe("MalformedPolicyDocumentException"); // the SDK's class for AWS's MalformedPolicyDocument
    const big = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${"b".repeat(2100)}/*` }],
    });
    expect((await stsError(sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", Policy: big })))).name).toBe(
      "ValidationError",
    );
    const unknown = await stsError(
      sts(alice).send(
        new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "s1", PolicyArns: [{ arn: `arn:aws:iam::${account}:policy/nope` }] }),
      ),
    );
    expect(unknown.name).toBe("InvalidParameterValue");
    const missing = await query(alice, { Action: "AssumeRole", Version: "2011-06-15", RoleArn: r.arn });
    expect(missing.status).toBe(400);
    expect(queryError(await missing.text())).toMatchObject({ code: "MissingParameter" });
  });

  it("reports PackedPolicySize when session policies are given", async () => {
    const r = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const out = await sts(alice).send(
      new AssumeRoleCommand({
        RoleArn: r.arn,
        RoleSessionName: "s1",
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }),
        PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ECSS3ReadOnlyAccess" }],
      }),
    );
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThanOrEqual(100);
  });

  it("chains roles for at most an hour", async () => {
    const first = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const a = (await sts(alice).send(new AssumeRoleCommand({ RoleArn: first.arn, RoleSessionName: "one" }))).Credentials!;
    const temp = { accessKeyId: a.AccessKeyId!, secretAccessKey: a.SecretAccessKey!, sessionToken: a.SessionToken! };
    const second = await role(trusting(first.arn), { max: 43200 });
    const long = await stsError(
      sts(temp).send(new AssumeRoleCommand({ RoleArn: second.arn, RoleSessionName: "two", DurationSeconds: 7200 })),
    );
    expect(long.message).toBe("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
    const out = await sts(temp).send(new AssumeRoleCommand({ RoleArn: second.arn, RoleSessionName: "two", DurationSeconds: 3600 }));
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${account}:assumed-role/${second.name}/two`);
  });
});

describe("temporary credentials on the STS endpoint", () => {
  async function assumed(): Promise<{ creds: Creds; role: { name: string; arn: string } }> {
    const r = await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`));
    const c = (await sts(alice).send(new AssumeRoleCommand({ RoleArn: r.arn, RoleSessionName: "tmp" }))).Credentials!;
    return { creds: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, role: r };
  }

  it("refuses a tampered token, a token for another key id, and a missing token as InvalidClientTokenId", async () => {
    const { creds } = await assumed();
    const t = creds.sessionToken!;
    const flipped = t.slice(0, -6) + (t.at(-6) === "A" ? "B" : "A") + t.slice(-5);
    const other = await assumed();
    const variants: Creds[] = [
      { ...creds, sessionToken: flipped },
      { ...creds, sessionToken: "not-a-token" },
      { ...creds, sessionToken: other.creds.sessionToken! },
      { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    ];
    for (const v of variants) {
      const err = await stsError(sts(v).send(new GetCallerIdentityCommand({})));
      expect(err.name).toBe("InvalidClientTokenId");
      expect(err.$metadata.httpStatusCode).toBe(403);
    }
  });

  it("refuses a wrong secret with a good token as SignatureDoesNotMatch", async () => {
    const { creds } = await assumed();
    const err = await stsError(sts({ ...creds, secretAccessKey: "x".repeat(40) }).send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe("SignatureDoesNotMatch");
  });

  it("answers ExpiredToken once the session has expired", async () => {
    const { role: r } = await assumed();
    const roleRow = await env.DB.prepare("SELECT id FROM iam_roles WHERE service_uuid = ? AND name = ?")
      .bind(e.service.uuid, r.name)
      .first<{ id: string }>();
    const issued = await issueSession(
      env,
      { svc: e.service.uuid, acct: e.tenant.accountId, kind: "role", name: r.name, pid: roleRow!.id, sess: "old", src: alice.accessKeyId },
      900,
      new Date(Date.now() - 901_000),
    );
    const err = await stsError(
      sts({ accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken }).send(
        new GetCallerIdentityCommand({}),
      ),
    );
    expect(err.name).toBe("ExpiredToken");
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("stops working when the role is deleted, and does not come back with a new role of the same name", async () => {
    const { creds, role: r } = await assumed();
    expect((await sts(creds).send(new GetCallerIdentityCommand({}))).Arn).toContain(r.name);
    const del = await e.tenant.api("DELETE", `/${e.service.uuid}/roles/${r.name}`);
    expect(del.status, del.text).toBe(204);
    expect((await stsError(sts(creds).send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
    await role(trusting(`arn:aws:iam::${account}:user/${alice.username}`), { name: r.name });
    expect((await stsError(sts(creds).send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });

  it("is refused on another service's endpoint host", async () => {
    const { creds } = await assumed();
    const other = await s3Service();
    expect((await stsError(sts(creds, `http://${other.host}`).send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
    expect((await sts(creds, `http://${e.host}`).send(new GetCallerIdentityCommand({}))).Account).toBe(account);
  });
});

describe("GetSessionToken", () => {
  it("answers the user's own temporary credentials, 12 hours by default, up to 36", async () => {
    const out = await sts(alice).send(new GetSessionTokenCommand({}));
    const c = out.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA/);
    expect(Math.abs(c.Expiration!.getTime() - Date.now() - 43200_000)).toBeLessThan(5_000);
    const temp = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    const me = await sts(temp).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe(`arn:aws:iam::${account}:user/${alice.username}`);
    expect(me.UserId).toMatch(/^AIDA/);
    const long = await sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    expect(Math.abs(long.Credentials!.Expiration!.getTime() - Date.now() - 129600_000)).toBeLessThan(5_000);
    expect((await stsError(sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 129601 })))).name).toBe("ValidationError");
    const again = await stsError(sts(temp).send(new GetSessionTokenCommand({})));
    expect(again.name).toBe("AccessDenied");
    expect(again.message).toBe("Cannot call GetSessionToken with session credentials");
  });

  it("dies with the access key that asked for it", async () => {
    const bob = await s3User(e, { policies: [] });
    const c = (await sts(bob).send(new GetSessionTokenCommand({}))).Credentials!;
    const temp = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
    expect((await sts(temp).send(new GetCallerIdentityCommand({}))).Arn).toContain(bob.username);
    const del = await e.tenant.api("DELETE", `/${e.service.uuid}/users/${bob.username}/access-keys/${bob.accessKeyId}`);
    expect(del.status, del.text).toBe(204);
    expect((await stsError(sts(temp).send(new GetCallerIdentityCommand({})))).name).toBe("InvalidClientTokenId");
  });
});
