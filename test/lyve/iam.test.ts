import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteUserCommand,
  DetachUserPolicyCommand,
  EntityAlreadyExistsException,
  GetAccessKeyLastUsedCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMServiceException,
  InvalidInputException,
  LimitExceededException,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListEntitiesForPolicyCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListUsersCommand,
  MalformedPolicyDocumentException,
  NoSuchEntityException,
  SetDefaultPolicyVersionCommand,
  UnmodifiableEntityException,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { s3Service, s3User, type Keys, type S3Env } from "../s3/helpers";
import { query, queryError } from "../query/helpers";
import { doc, email, iam, sdkError } from "./helpers";

let e: S3Env;
let admin: Keys & { username: string };
let account: string;

beforeAll(async () => {
  e = await s3Service();
  admin = await s3User(e, { policies: ["IAMFullAccess"] });
  const me = await iam(admin).send(new GetUserCommand({}));
  account = me.User!.Arn!.split(":")[4]!;
});

const S3_READ = doc({ Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" });

describe("users", () => {
  it("creates a user named by its email, gets it, and refuses a second one and a name that is no email", async () => {
    const name = email();
    const out = await iam(admin).send(new CreateUserCommand({ UserName: name }));
    expect(out.User).toMatchObject({ UserName: name, Path: "/", Arn: `arn:aws:iam::${account}:user/${name}` });
    expect(out.User!.UserId).toMatch(/^AIDA[0-9A-F]{16}$/);
    expect(out.User!.CreateDate).toBeInstanceOf(Date);
    const got = await iam(admin).send(new GetUserCommand({ UserName: name }));
    expect(got.User).toMatchObject({ UserName: name, UserId: out.User!.UserId, Arn: out.User!.Arn });

    const dup = await sdkError(iam(admin).send(new CreateUserCommand({ UserName: name })), EntityAlreadyExistsException);
    expect(dup.$metadata.httpStatusCode).toBe(409);
    const bad = await sdkError(iam(admin).send(new CreateUserCommand({ UserName: "not-an-email" })), InvalidInputException);
    expect(bad.message).toMatch(/email/);
    const missing = await sdkError(iam(admin).send(new GetUserCommand({ UserName: email() })), NoSuchEntityException);
    expect(missing.$metadata.httpStatusCode).toBe(404);
  });

  it("GetUser without UserName answers the caller", async () => {
    const out = await iam(admin).send(new GetUserCommand({}));
    expect(out.User).toMatchObject({ UserName: admin.username, Arn: `arn:aws:iam::${account}:user/${admin.username}` });
  });

  it("lists users in pages with Marker and IsTruncated", async () => {
    const names = [email("page"), email("page"), email("page")];
    for (const n of names) await iam(admin).send(new CreateUserCommand({ UserName: n }));
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out = await iam(admin).send(new ListUsersCommand({ MaxItems: 2, Marker: marker }));
      expect(out.Users!.length).toBeLessThanOrEqual(2);
      seen.push(...out.Users!.map((u) => u.UserName!));
      marker = out.IsTruncated ? out.Marker : undefined;
      if (out.IsTruncated) expect(out.Marker).toBeTruthy();
      pages++;
    } while (marker);
    expect(pages).toBeGreaterThanOrEqual(2);
    for (const n of [...names, admin.username]) expect(seen).toContain(n);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    const none = await iam(admin).send(new ListUsersCommand({ PathPrefix: "/other/" }));
    expect(none.Users).toEqual([]);
    const bad = await sdkError(iam(admin).send(new ListUsersCommand({ MaxItems: 0 })), IAMServiceException);
    expect(bad.name).toBe("ValidationError");
  });

  it("deletes a user only once its keys and policies are gone, never itself", async () => {
    const name = email();
    await iam(admin).send(new CreateUserCommand({ UserName: name }));
    const key = await iam(admin).send(new CreateAccessKeyCommand({ UserName: name }));
    await iam(admin).send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: "arn:aws:iam::aws:policy/ECSS3ReadOnlyAccess" }));
    const held = await sdkError(iam(admin).send(new DeleteUserCommand({ UserName: name })), DeleteConflictException);
    expect(held.message).toMatch(/access key/);
    await iam(admin).send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: key.AccessKey!.AccessKeyId }));
    await sdkError(iam(admin).send(new DeleteUserCommand({ UserName: name })), DeleteConflictException);
    await iam(admin).send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: "arn:aws:iam::aws:policy/ECSS3ReadOnlyAccess" }));
    const out = await iam(admin).send(new DeleteUserCommand({ UserName: name }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    await sdkError(iam(admin).send(new GetUserCommand({ UserName: name })), NoSuchEntityException);
    await sdkError(iam(admin).send(new DeleteUserCommand({ UserName: name })), NoSuchEntityException);

    const self = await sdkError(iam(admin).send(new DeleteUserCommand({ UserName: admin.username })), DeleteConflictException);
    expect(self.message).toMatch(/itself/);
    await iam(admin).send(new GetUserCommand({ UserName: admin.username }));
  });
});

describe("access keys", () => {
  it("issues keys that sign requests at once, lists, deactivates and deletes them", async () => {
    const name = email();
    await iam(admin).send(new CreateUserCommand({ UserName: name }));
    const made = await iam(admin).send(new CreateAccessKeyCommand({ UserName: name }));
    expect(made.AccessKey).toMatchObject({ UserName: name, Status: "Active" });
    expect(made.AccessKey!.AccessKeyId).toMatch(/^AKIA[0-9A-F]{16}$/);
    expect(made.AccessKey!.SecretAccessKey).toHaveLength(40);
    const keys = { accessKeyId: made.AccessKey!.AccessKeyId!, secretAccessKey: made.AccessKey!.SecretAccessKey! };

    // A user with no policy may still manage its own keys (Lyve's User role).
    const own = await iam(keys).send(new ListAccessKeysCommand({}));
    expect(own.AccessKeyMetadata![0]!.UserName).toBe(name);
    expect(own.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([keys.accessKeyId]);
    expect(own.IsTruncated).toBe(false);
    const second = await iam(keys).send(new CreateAccessKeyCommand({}));
    expect(second.AccessKey!.UserName).toBe(name);
    const limit = await sdkError(iam(admin).send(new CreateAccessKeyCommand({ UserName: name })), LimitExceededException);
    expect(limit.$metadata.httpStatusCode).toBe(409);

    const last = await iam(admin).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keys.accessKeyId }));
    expect(last.UserName).toBe(name);
    expect(last.AccessKeyLastUsed).toMatchObject({ ServiceName: "N/A", Region: "N/A" });
    await sdkError(iam(admin).send(new GetAccessKeyLastUsedCommand({ AccessKeyId: "AKIA0000000000000000" })), NoSuchEntityException);

    await iam(admin).send(new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: keys.accessKeyId, Status: "Inactive" }));
    const listed = await iam(admin).send(new ListAccessKeysCommand({ UserName: name }));
    expect(listed.AccessKeyMetadata!.find((k) => k.AccessKeyId === keys.accessKeyId)!.Status).toBe("Inactive");
    const inactive = await sdkError(iam(keys).send(new ListAccessKeysCommand({})), IAMServiceException);
    expect(inactive.name).toBe("InvalidClientTokenId");

    await iam(admin).send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: keys.accessKeyId }));
    const after = await iam(admin).send(new ListAccessKeysCommand({ UserName: name }));
    expect(after.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([second.AccessKey!.AccessKeyId]);
    await sdkError(iam(admin).send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: keys.accessKeyId })), NoSuchEntityException);
  });
});

describe("policies and versions", () => {
  const arnOf = (name: string) => `arn:aws:iam::${account}:policy/${name}`;

  it("creates, reads, versions, attaches and deletes a policy under AWS's rules", async () => {
    const name = `p-${crypto.randomUUID().slice(0, 8)}`;
    const made = await iam(admin).send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: S3_READ, Description: "reads" }));
    expect(made.Policy).toMatchObject({
      PolicyName: name,
      Arn: arnOf(name),
      Path: "/",
      DefaultVersionId: "v1",
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(made.Policy!.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    const arn = arnOf(name);
    const got = await iam(admin).send(new GetPolicyCommand({ PolicyArn: arn }));
    expect(got.Policy).toMatchObject({ PolicyName: name, PolicyId: made.Policy!.PolicyId, Description: "reads" });

    const v2doc = doc({ Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "*" });
    const v2 = await iam(admin).send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: v2doc, SetAsDefault: true }));
    expect(v2.PolicyVersion).toMatchObject({ VersionId: "v2", IsDefaultVersion: true });
    const read = await iam(admin).send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: "v2" }));
    expect(decodeURIComponent(read.PolicyVersion!.Document!)).toBe(v2doc);
    const versions = await iam(admin).send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(versions.Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ["v1", false],
      ["v2", true],
    ]);
    await iam(admin).send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" }));
    expect((await iam(admin).send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe("v1");
    await sdkError(iam(admin).send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: "v9" })), NoSuchEntityException);
    const dflt = await sdkError(
      iam(admin).send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v1" })),
      DeleteConflictException,
    );
    expect(dflt.message).toMatch(/default/);

    const user = email();
    await iam(admin).send(new CreateUserCommand({ UserName: user }));
    await iam(admin).send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    const attached = await iam(admin).send(new ListAttachedUserPoliciesCommand({ UserName: user }));
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: name, PolicyArn: arn }]);
    const entities = await iam(admin).send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }));
    expect(entities.PolicyUsers!.map((u) => u.UserName)).toEqual([user]);
    expect(entities.PolicyUsers![0]!.UserId).toMatch(/^AIDA/);
    expect(entities.PolicyGroups).toEqual([]);
    expect(entities.PolicyRoles).toEqual([]);
    expect((await iam(admin).send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, EntityFilter: "Role" }))).PolicyUsers).toEqual([]);
    expect(
      (await iam(admin).send(new ListPoliciesCommand({ Scope: "Local", OnlyAttached: true }))).Policies!.map((p) => p.PolicyName),
    ).toContain(name);

    const inUse = await sdkError(iam(admin).send(new DeletePolicyCommand({ PolicyArn: arn })), DeleteConflictException);
    expect(inUse.message).toMatch(/attach/);
    await iam(admin).send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: arn }));
    await sdkError(iam(admin).send(new DetachUserPolicyCommand({ UserName: user, PolicyArn: arn })), NoSuchEntityException);
    const versioned = await sdkError(iam(admin).send(new DeletePolicyCommand({ PolicyArn: arn })), DeleteConflictException);
    expect(versioned.message).toMatch(/versions/);
    await iam(admin).send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: "v2" }));
    await iam(admin).send(new DeletePolicyCommand({ PolicyArn: arn }));
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: arn })), NoSuchEntityException);
  });

  it("lists AWS's policies under arn:aws:iam::aws:policy/ and the service's own, by Scope, in pages", async () => {
    const names = [0, 1, 2].map((i) => `list-${i}-${crypto.randomUUID().slice(0, 6)}`);
    for (const n of names) await iam(admin).send(new CreatePolicyCommand({ PolicyName: n, PolicyDocument: S3_READ }));
    const aws = await iam(admin).send(new ListPoliciesCommand({ Scope: "AWS" }));
    expect(aws.Policies!.map((p) => p.Arn)).toContain("arn:aws:iam::aws:policy/IAMFullAccess");
    expect(aws.Policies!.every((p) => p.Arn!.startsWith("arn:aws:iam::aws:policy/"))).toBe(true);
    const all: string[] = [];
    let marker: string | undefined;
    do {
      const out = await iam(admin).send(new ListPoliciesCommand({ Scope: "Local", MaxItems: 2, Marker: marker }));
      all.push(...out.Policies!.map((p) => p.PolicyName!));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    expect(all).toEqual(expect.arrayContaining(names));
    expect(all).not.toContain("IAMFullAccess");
    const sys = await iam(admin).send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/IAMReadOnlyAccess" }));
    expect(sys.Policy).toMatchObject({ PolicyName: "IAMReadOnlyAccess", DefaultVersionId: "v1" });
    const doc1 = await iam(admin).send(new GetPolicyVersionCommand({ PolicyArn: sys.Policy!.Arn, VersionId: "v1" }));
    expect(JSON.parse(decodeURIComponent(doc1.PolicyVersion!.Document!)).Statement[0].Action).toContain("iam:Get*");
    const ro = await sdkError(iam(admin).send(new DeletePolicyCommand({ PolicyArn: sys.Policy!.Arn })), UnmodifiableEntityException);
    expect(ro.$metadata.httpStatusCode).toBe(400);
  });

  it("answers typed errors for bad documents, ARNs and other accounts' policies", async () => {
    const malformed = await sdkError(
      iam(admin).send(new CreatePolicyCommand({ PolicyName: "bad", PolicyDocument: '{"Statement":[{"Effect":"Maybe"}]}' })),
      MalformedPolicyDocumentException,
    );
    expect(malformed.$metadata.httpStatusCode).toBe(400);
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: "not-an-arn" })), InvalidInputException);
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::000000000001:policy/x" })), NoSuchEntityException);
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: arnOf("IAMFullAccess") })), NoSuchEntityException);
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/NoSuch" })), NoSuchEntityException);
    await sdkError(iam(admin).send(new GetPolicyCommand({ PolicyArn: arnOf("never-made") })), NoSuchEntityException);
  });
});

describe("authorization by the policy engine", () => {
  it("refuses IAM to a user with only S3 rights, but lets it manage its own keys", async () => {
    const s3only = await s3User(e, { policies: ["ECSS3FullAccess"] });
    const denied = await sdkError(iam(s3only).send(new ListUsersCommand({})), IAMServiceException);
    expect(denied.name).toBe("AccessDenied");
    expect(denied.$metadata.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: arn:aws:iam::${account}:user/${s3only.username} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${account}:user/ because no identity-based policy allows the iam:ListUsers action`,
    );
    const other = await sdkError(iam(s3only).send(new CreateAccessKeyCommand({ UserName: admin.username })), IAMServiceException);
    expect(other.name).toBe("AccessDenied");
    await sdkError(iam(s3only).send(new CreateUserCommand({ UserName: email() })), IAMServiceException);
    const own = await iam(s3only).send(new ListAccessKeysCommand({}));
    expect(own.AccessKeyMetadata!.map((k) => k.AccessKeyId)).toEqual([s3only.accessKeyId]);
    const me = await iam(s3only).send(new GetUserCommand({}));
    expect(me.User!.UserName).toBe(s3only.username);
  });

  it("grants exactly what a policy allows, on the ARNs it names, and an explicit deny wins over self-service", async () => {
    const reader = await s3User(e, {
      policies: [],
      inline: {
        lister: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "iam:ListUsers", Resource: `arn:aws:iam::${account}:user/*` },
            { Effect: "Allow", Action: "iam:GetUser", Resource: `arn:aws:iam::${account}:user/${admin.username}` },
            { Effect: "Deny", Action: "iam:CreateAccessKey", Resource: "*" },
          ],
        },
      },
    });
    const users = await iam(reader).send(new ListUsersCommand({}));
    expect(users.Users!.map((u) => u.UserName)).toContain(reader.username);
    await iam(reader).send(new GetUserCommand({ UserName: admin.username }));
    const notNamed = await sdkError(iam(reader).send(new GetUserCommand({ UserName: email() })), IAMServiceException);
    expect(notNamed.name).toBe("AccessDenied");
    const deny = await sdkError(iam(reader).send(new CreateAccessKeyCommand({})), IAMServiceException);
    expect(deny.name).toBe("AccessDenied");
    expect(deny.message).toMatch(/with an explicit deny in an identity-based policy$/);
  });

  it("authorizes before it looks: an unknown user answers AccessDenied to a caller without rights", async () => {
    const s3only = await s3User(e, { policies: ["ECSS3FullAccess"] });
    const err = await sdkError(iam(s3only).send(new DeleteUserCommand({ UserName: email() })), IAMServiceException);
    expect(err.name).toBe("AccessDenied");
  });
});

describe("bad input on the wire", () => {
  it.each([
    [{ Action: "CreateUser", Version: "2010-05-08" }, 400, "MissingParameter"],
    [{ Action: "CreateUser", Version: "2011-06-15", UserName: "a@b.co" }, 400, "InvalidParameterValue"],
    [{ Action: "ListUsers", Version: "2010-05-08", MaxItems: "x" }, 400, "ValidationError"],
    [{ Action: "ListUsers", Version: "2010-05-08", Marker: "%%%" }, 400, "ValidationError"],
    [{ Action: "UpdateAccessKey", Version: "2010-05-08", AccessKeyId: "AKIA1", Status: "Paused" }, 400, "ValidationError"],
    [{ Action: "ListPolicies", Version: "2010-05-08", Scope: "Everything" }, 400, "ValidationError"],
    [{ Action: "ListPolicies", Version: "2010-05-08", OnlyAttached: "maybe" }, 400, "ValidationError"],
    [{ Action: "CreatePolicy", Version: "2010-05-08", PolicyName: "p", PolicyDocument: "{" }, 400, "MalformedPolicyDocument"],
    [{ Action: "CreateUser", Version: "2010-05-08", UserName: "x".repeat(65) }, 400, "ValidationError"],
  ])("%o → %i %s", async (params, status, code) => {
    const res = await query(admin, params as Record<string, string>, { service: "iam" });
    expect(res.status).toBe(status);
    const xml = await res.text();
    expect(xml).toContain('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
    expect(queryError(xml)).toMatchObject({ type: "Sender", code, requestId: res.headers.get("x-amzn-RequestId") });
  });

  it("answers a result-less action with only ResponseMetadata", async () => {
    const name = email();
    await iam(admin).send(new CreateUserCommand({ UserName: name }));
    const res = await query(admin, { Action: "DeleteUser", Version: "2010-05-08", UserName: name }, { service: "iam" });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(
      /<DeleteUserResponse xmlns="https:\/\/iam.amazonaws.com\/doc\/2010-05-08\/"><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DeleteUserResponse>$/,
    );
  });
});
