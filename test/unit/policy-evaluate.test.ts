// Whole-request evaluation: identity, group, boundary and bucket policies together.
import { describe, expect, it } from "vitest";
import {
  evaluate,
  getSystemPolicy,
  SYSTEM_POLICIES,
  validatePolicyDocument,
  type Decision,
  type NamedPolicy,
  type PolicyKind,
  type RequestContext,
  type RequestPrincipal,
} from "../../src/core/policy";

const ACCOUNT = "123456789012";
const aliceArn = `arn:aws:iam::${ACCOUNT}:user/alice`;
const alice: RequestPrincipal = { arn: aliceArn, username: "alice", userid: "AIDAALICE", type: "user", accountId: ACCOUNT };
const bob: RequestPrincipal = {
  arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  username: "bob",
  userid: "AIDABOB",
  type: "user",
  accountId: ACCOUNT,
};
const mallory: RequestPrincipal = {
  arn: "arn:aws:iam::999999999999:user/mallory",
  username: "mallory",
  type: "user",
  accountId: "999999999999",
};
const anonymous: RequestPrincipal = { arn: "", type: "anonymous" };
const deployer: RequestPrincipal = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/s1`, type: "role", accountId: ACCOUNT };
const root: RequestPrincipal = { arn: `arn:aws:iam::${ACCOUNT}:root`, type: "root", accountId: ACCOUNT };

function policy(source: string, statements: object[], kind: PolicyKind = "identity", version: string | null = "2012-10-17"): NamedPolicy {
  const input = version ? { Version: version, Statement: statements } : { Statement: statements };
  const v = validatePolicyDocument(input, { kind });
  if (!v.ok) throw new Error(`${source}: ${JSON.stringify(v.errors)}`);
  return { name: source.split(":").pop() ?? source, source, document: v.policy };
}
const bucketPolicy = (statements: object[]) => policy("bucket-policy", statements, "resource");

const userS3Full = policy("user:alice/inline:s3-all", [{ Sid: "S3All", Effect: "Allow", Action: "s3:*", Resource: "*" }]);
const bobS3Full = policy("user:bob/inline:s3-all", [{ Effect: "Allow", Action: "s3:*", Resource: "*" }]);
const groupRead = policy("group:readers/managed:read", [{ Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" }]);
const groupNoDelete = policy("group:devs/managed:no-delete", [{ Sid: "NoDelete", Effect: "Deny", Action: "s3:Delete*", Resource: "*" }]);
const boundaryRead = policy("user:alice/boundary:read", [{ Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" }]);
const boundaryIam = policy("user:alice/boundary:iam", [{ Effect: "Allow", Action: "iam:*", Resource: "*" }]);
const boundaryNoSecret = policy("user:alice/boundary:no-secret", [
  { Effect: "Allow", Action: "s3:*", Resource: "*" },
  { Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::secret/*" },
]);
const publicRead = bucketPolicy([
  { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::site/*" },
]);
const publicReadAwsStar = bucketPolicy([
  { Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::site/*" },
]);
const aliceMayPut = bucketPolicy([
  { Effect: "Allow", Principal: { AWS: aliceArn }, Action: "s3:PutObject", Resource: "arn:aws:s3:::shared/*" },
]);
const accountMayRead = bucketPolicy([{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "s3:GetObject", Resource: "*" }]);
const rootMayRead = bucketPolicy([
  { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "s3:GetObject", Resource: "*" },
]);
const noDeleteInSite = bucketPolicy([{ Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::site/*" }]);
const vaultOnlyAlice = bucketPolicy([
  { Effect: "Deny", NotPrincipal: { AWS: aliceArn }, Action: "s3:*", Resource: "arn:aws:s3:::vault/*" },
]);
const officeOnly = bucketPolicy([
  {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: "*",
    Condition: { NotIpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] } },
  },
]);
const tlsOnly = bucketPolicy([
  { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
]);
const usersOnly = bucketPolicy([
  { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:PrincipalType": "User" } } },
]);
const serviceOnly = bucketPolicy([
  { Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "*" },
]);
const homeStatements = [
  {
    Sid: "ListOwnPrefix",
    Effect: "Allow",
    Action: "s3:ListBucket",
    Resource: "arn:aws:s3:::home",
    Condition: { StringLike: { "s3:prefix": ["${aws:username}/", "${aws:username}/*"] } },
  },
  { Sid: "OwnObjects", Effect: "Allow", Action: "s3:*Object", Resource: "arn:aws:s3:::home/${aws:username}/*" },
];
const homeDirs = policy("group:staff/managed:home", homeStatements);
const homeDirsNoVersion = policy("group:staff/managed:home-legacy", homeStatements, "identity", null);
const publicHome = bucketPolicy([
  { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/${aws:username}/*" },
]);
const onlyOwnHome = bucketPolicy([
  { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/*" },
  { Effect: "Deny", Principal: "*", Action: "s3:GetObject", NotResource: "arn:aws:s3:::home/${aws:username}/*" },
]);
const trust = policy(
  "role:deployer/trust",
  [{ Effect: "Allow", Principal: { AWS: ["urn:ecs:iam::ns1:user/alice"] }, Action: "sts:AssumeRole", Resource: "*" }],
  "trust",
);
const conditional = (condition: object) =>
  policy("user:alice/inline:conditional", [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: condition }]);

interface Case {
  principal?: RequestPrincipal;
  action?: string;
  resource?: string;
  context?: RequestContext;
  identity?: NamedPolicy[];
  boundary?: NamedPolicy | null;
  bucket?: NamedPolicy;
  expected: Decision["decision"];
  /** "source#index" of each matched statement, in order. */
  matched?: string[];
}

const cases: [string, Case][] = [
  ["no policies: implicit deny", { identity: [], expected: "implicit-deny", matched: [] }],
  ["the root user gets nothing implicitly", { principal: root, identity: [], expected: "implicit-deny" }],
  ["a user policy allows", { identity: [userS3Full], expected: "allowed", matched: ["user:alice/inline:s3-all#0"] }],
  ["a group policy allows", { identity: [groupRead], expected: "allowed", matched: ["group:readers/managed:read#0"] }],
  ["an action outside the allow", { identity: [groupRead], action: "s3:PutObject", expected: "implicit-deny" }],
  [
    "a resource outside the allow",
    {
      identity: [policy("user:alice/inline:one", [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::one/*" }])],
      resource: "arn:aws:s3:::two/k",
      expected: "implicit-deny",
    },
  ],
  [
    "policy actions match case-insensitively",
    { identity: [policy("user:alice/inline:c", [{ Effect: "Allow", Action: "S3:getobject", Resource: "*" }])], expected: "allowed" },
  ],
  [
    "every allowing statement is listed",
    { identity: [userS3Full, groupRead], expected: "allowed", matched: ["user:alice/inline:s3-all#0", "group:readers/managed:read#0"] },
  ],
  [
    "a deny in a group beats an allow in the user",
    {
      identity: [userS3Full, groupNoDelete],
      action: "s3:DeleteObject",
      expected: "explicit-deny",
      matched: ["group:devs/managed:no-delete#0"],
    },
  ],
  [
    "a group deny leaves other actions alone",
    { identity: [userS3Full, groupNoDelete], expected: "allowed", matched: ["user:alice/inline:s3-all#0"] },
  ],
  [
    "a deny in the bucket policy beats an identity allow",
    {
      identity: [userS3Full],
      bucket: noDeleteInSite,
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::site/x",
      expected: "explicit-deny",
      matched: ["bucket-policy#0"],
    },
  ],
  [
    "denies from several policies are all listed",
    {
      identity: [userS3Full, groupNoDelete],
      bucket: noDeleteInSite,
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::site/x",
      expected: "explicit-deny",
      matched: ["group:devs/managed:no-delete#0", "bucket-policy#0"],
    },
  ],
  [
    "a boundary intersects: inside both",
    {
      identity: [userS3Full],
      boundary: boundaryRead,
      expected: "allowed",
      matched: ["user:alice/inline:s3-all#0", "user:alice/boundary:read#0"],
    },
  ],
  [
    "a boundary intersects: outside the boundary",
    { identity: [userS3Full], boundary: boundaryRead, action: "s3:PutObject", expected: "implicit-deny", matched: [] },
  ],
  ["a boundary alone grants nothing", { identity: [], boundary: boundaryRead, expected: "implicit-deny" }],
  ["a null boundary does not limit", { identity: [userS3Full], boundary: null, action: "s3:PutObject", expected: "allowed" }],
  [
    "a deny in the boundary wins",
    {
      identity: [userS3Full],
      boundary: boundaryNoSecret,
      resource: "arn:aws:s3:::secret/x",
      expected: "explicit-deny",
      matched: ["user:alice/boundary:no-secret#1"],
    },
  ],
  [
    "Principal * grants anonymous access",
    {
      principal: anonymous,
      bucket: publicRead,
      resource: "arn:aws:s3:::site/index.html",
      expected: "allowed",
      matched: ["bucket-policy#0"],
    },
  ],
  [
    "Principal * grants only the listed action",
    {
      principal: anonymous,
      bucket: publicRead,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::site/index.html",
      expected: "implicit-deny",
    },
  ],
  [
    "Principal * grants only the listed resource",
    { principal: anonymous, bucket: publicRead, resource: "arn:aws:s3:::private/x", expected: "implicit-deny" },
  ],
  [
    "{AWS: *} grants anonymous access too",
    { principal: anonymous, bucket: publicReadAwsStar, resource: "arn:aws:s3:::site/a", expected: "allowed" },
  ],
  [
    "a principal named by ARN is granted",
    { bucket: aliceMayPut, action: "s3:PutObject", resource: "arn:aws:s3:::shared/x", expected: "allowed", matched: ["bucket-policy#0"] },
  ],
  [
    "another principal is not",
    { principal: bob, bucket: aliceMayPut, action: "s3:PutObject", resource: "arn:aws:s3:::shared/x", expected: "implicit-deny" },
  ],
  ["an account principal grants its users", { principal: bob, bucket: accountMayRead, expected: "allowed" }],
  ["an account root ARN grants the account's roles", { principal: deployer, bucket: rootMayRead, expected: "allowed" }],
  ["an account principal does not grant another account", { principal: mallory, bucket: accountMayRead, expected: "implicit-deny" }],
  ["an account principal does not grant anonymous", { principal: anonymous, bucket: accountMayRead, expected: "implicit-deny" }],
  ["a Service principal never matches a user", { bucket: serviceOnly, action: "s3:PutObject", expected: "implicit-deny" }],
  [
    "Deny with NotPrincipal denies everyone else",
    { principal: bob, identity: [bobS3Full], bucket: vaultOnlyAlice, resource: "arn:aws:s3:::vault/x", expected: "explicit-deny" },
  ],
  [
    "Deny with NotPrincipal exempts the listed principal",
    { identity: [userS3Full], bucket: vaultOnlyAlice, resource: "arn:aws:s3:::vault/x", expected: "allowed" },
  ],
  [
    "a bucket grant naming the user bypasses the boundary",
    {
      identity: [],
      boundary: boundaryIam,
      bucket: aliceMayPut,
      action: "s3:PutObject",
      resource: "arn:aws:s3:::shared/x",
      expected: "allowed",
      matched: ["bucket-policy#0"],
    },
  ],
  [
    "a bucket grant to * is limited by the boundary",
    { identity: [], boundary: boundaryIam, bucket: publicRead, resource: "arn:aws:s3:::site/x", expected: "implicit-deny" },
  ],
  [
    "a bucket grant to * inside the boundary",
    {
      identity: [],
      boundary: boundaryRead,
      bucket: publicRead,
      resource: "arn:aws:s3:::site/x",
      expected: "allowed",
      matched: ["user:alice/boundary:read#0", "bucket-policy#0"],
    },
  ],
  [
    "NotAction allows what it does not list",
    { identity: [policy("user:alice/inline:na", [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }])], expected: "allowed" },
  ],
  [
    "NotAction excludes what it lists",
    {
      identity: [policy("user:alice/inline:na", [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }])],
      action: "iam:CreateUser",
      expected: "implicit-deny",
    },
  ],
  [
    "NotResource allows other resources",
    {
      identity: [policy("user:alice/inline:nr", [{ Effect: "Allow", Action: "s3:*", NotResource: "arn:aws:s3:::secret/*" }])],
      resource: "arn:aws:s3:::public/x",
      expected: "allowed",
    },
  ],
  [
    "NotResource excludes what it lists",
    {
      identity: [policy("user:alice/inline:nr", [{ Effect: "Allow", Action: "s3:*", NotResource: "arn:aws:s3:::secret/*" }])],
      resource: "arn:aws:s3:::secret/x",
      expected: "implicit-deny",
    },
  ],
  [
    "home directory: own object",
    { identity: [homeDirs], resource: "arn:aws:s3:::home/alice/cv.pdf", expected: "allowed", matched: ["group:staff/managed:home#1"] },
  ],
  ["home directory: someone else's object", { identity: [homeDirs], resource: "arn:aws:s3:::home/bob/cv.pdf", expected: "implicit-deny" }],
  [
    "home directory: list own prefix",
    {
      identity: [homeDirs],
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::home",
      context: { "s3:prefix": "alice/" },
      expected: "allowed",
      matched: ["group:staff/managed:home#0"],
    },
  ],
  [
    "home directory: list another prefix",
    {
      identity: [homeDirs],
      action: "s3:ListBucket",
      resource: "arn:aws:s3:::home",
      context: { "s3:prefix": "bob/" },
      expected: "implicit-deny",
    },
  ],
  [
    "home directory: list without a prefix",
    { identity: [homeDirs], action: "s3:ListBucket", resource: "arn:aws:s3:::home", expected: "implicit-deny" },
  ],
  [
    "home directory: the same for bob",
    { principal: bob, identity: [homeDirs], resource: "arn:aws:s3:::home/bob/cv.pdf", expected: "allowed" },
  ],
  [
    "variables are literal text without Version 2012-10-17",
    { identity: [homeDirsNoVersion], resource: "arn:aws:s3:::home/alice/cv.pdf", expected: "implicit-deny" },
  ],
  [
    "... and match literally there",
    { identity: [homeDirsNoVersion], resource: "arn:aws:s3:::home/${aws:username}/cv.pdf", expected: "allowed" },
  ],
  [
    "the context cannot claim another username",
    { identity: [homeDirs], context: { "aws:username": "bob" }, resource: "arn:aws:s3:::home/bob/cv.pdf", expected: "implicit-deny" },
  ],
  [
    "an unresolvable variable does not grant anonymous",
    { principal: anonymous, bucket: publicHome, resource: "arn:aws:s3:::home/alice/x", expected: "implicit-deny" },
  ],
  [
    "Deny with NotResource: own home is readable",
    { bucket: onlyOwnHome, resource: "arn:aws:s3:::home/alice/x", expected: "allowed", matched: ["bucket-policy#0"] },
  ],
  [
    "Deny with NotResource: another home is denied",
    { bucket: onlyOwnHome, resource: "arn:aws:s3:::home/bob/x", expected: "explicit-deny", matched: ["bucket-policy#1"] },
  ],
  [
    "Deny with NotResource fails closed on an unresolvable variable",
    {
      principal: anonymous,
      bucket: onlyOwnHome,
      resource: "arn:aws:s3:::home/alice/x",
      expected: "explicit-deny",
      matched: ["bucket-policy#1"],
    },
  ],
  [
    "IP-restricted bucket: outside the office",
    { identity: [userS3Full], bucket: officeOnly, context: { "aws:SourceIp": "198.51.100.7" }, expected: "explicit-deny" },
  ],
  [
    "IP-restricted bucket: inside over IPv4",
    { identity: [userS3Full], bucket: officeOnly, context: { "aws:SourceIp": "10.20.30.40" }, expected: "allowed" },
  ],
  [
    "IP-restricted bucket: inside over IPv6",
    { identity: [userS3Full], bucket: officeOnly, context: { "aws:SourceIp": "2001:db8:a::1" }, expected: "allowed" },
  ],
  ["IP-restricted bucket: no source IP is denied (fail closed)", { identity: [userS3Full], bucket: officeOnly, expected: "explicit-deny" }],
  [
    "TLS-only bucket: plain HTTP",
    { identity: [userS3Full], bucket: tlsOnly, context: { "aws:SecureTransport": "false" }, expected: "explicit-deny" },
  ],
  ["TLS-only bucket: HTTPS", { identity: [userS3Full], bucket: tlsOnly, context: { "aws:SecureTransport": "true" }, expected: "allowed" }],
  ["aws:PrincipalType comes from the principal: user", { bucket: usersOnly, expected: "allowed" }],
  [
    "aws:PrincipalType comes from the principal: anonymous",
    { principal: anonymous, bucket: usersOnly, context: { "aws:PrincipalType": "User" }, expected: "implicit-deny" },
  ],
  [
    "Allow with StringNotEquals on a missing key does not grant",
    { identity: [conditional({ StringNotEquals: { "s3:x-amz-acl": "public-read" } })], expected: "implicit-deny" },
  ],
  [
    "Allow with StringNotEquals on a present key grants",
    {
      identity: [conditional({ StringNotEquals: { "s3:x-amz-acl": "public-read" } })],
      context: { "s3:x-amz-acl": "private" },
      expected: "allowed",
    },
  ],
  [
    "time-limited grant before expiry",
    {
      identity: [conditional({ DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } })],
      context: { "aws:CurrentTime": "2025-05-01T00:00:00Z" },
      expected: "allowed",
    },
  ],
  [
    "time-limited grant after expiry",
    {
      identity: [conditional({ DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } })],
      context: { "aws:CurrentTime": "2031-05-01T00:00:00Z" },
      expected: "implicit-deny",
    },
  ],
  [
    "a trust policy lets the named user assume the role",
    {
      principal: { ...alice, arn: "urn:ecs:iam::ns1:user/alice" },
      bucket: trust,
      action: "sts:AssumeRole",
      resource: "urn:ecs:iam::ns1:role/deployer",
      expected: "allowed",
    },
  ],
  [
    "a trust policy refuses other users",
    {
      principal: { ...bob, arn: "urn:ecs:iam::ns1:user/bob" },
      bucket: trust,
      action: "sts:AssumeRole",
      resource: "urn:ecs:iam::ns1:role/deployer",
      expected: "implicit-deny",
    },
  ],
];

describe("evaluate", () => {
  it.each(cases)("%s", (_name, c) => {
    const d = evaluate({
      principal: c.principal ?? alice,
      action: c.action ?? "s3:GetObject",
      resource: c.resource ?? "arn:aws:s3:::bucket/key",
      context: c.context ?? {},
      identityPolicies: c.identity ?? [],
      boundary: c.boundary,
      resourcePolicy: c.bucket ?? null,
    });
    expect(d.decision).toBe(c.expected);
    if (c.matched) expect(d.matched.map((m) => `${m.source}#${m.index}`)).toEqual(c.matched);
  });

  it("names the deciding statement in full", () => {
    const d = evaluate({
      principal: alice,
      action: "s3:DeleteObject",
      resource: "arn:aws:s3:::b/k",
      context: {},
      identityPolicies: [userS3Full, groupNoDelete],
    });
    expect(d).toEqual({
      decision: "explicit-deny",
      matched: [{ source: "group:devs/managed:no-delete", policy: "no-delete", sid: "NoDelete", index: 0, effect: "Deny" }],
    });
  });
});

describe("SYSTEM_POLICIES", () => {
  const system = (name: string): NamedPolicy => {
    const p = getSystemPolicy(name);
    if (!p) throw new Error(`no system policy ${name}`);
    return { name, source: `user:alice/managed:${name}`, document: p.document };
  };
  const decide = (names: string[], action: string) =>
    evaluate({ principal: alice, action, resource: "arn:aws:s3:::b/k", context: {}, identityPolicies: names.map(system) }).decision;

  it("lists the five built-ins with their vendor descriptions", () => {
    expect(SYSTEM_POLICIES.map((p) => [p.name, p.description])).toEqual([
      ["ECSDenyAll", "Deny all access."],
      ["ECSS3FullAccess", "Provides full access to all buckets."],
      ["ECSS3ReadOnlyAccess", "Provides read only access to all buckets."],
      ["IAMFullAccess", "Provides full access to IAM."],
      ["IAMReadOnlyAccess", "Provides read only access to IAM."],
    ]);
  });

  it("stores the documents as the vendor API shows them", () => {
    expect(getSystemPolicy("ECSDenyAll")?.json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Action":["*"],"Effect":"Deny","Resource":"*"}]}',
    );
    expect(getSystemPolicy("ECSS3FullAccess")?.json).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
    );
    expect(getSystemPolicy("NoSuchPolicy")).toBeUndefined();
  });

  it.each<[string[], string, Decision["decision"]]>([
    [["ECSS3FullAccess"], "s3:PutObject", "allowed"],
    [["ECSS3FullAccess"], "iam:CreateUser", "implicit-deny"],
    [["ECSS3ReadOnlyAccess"], "s3:GetObject", "allowed"],
    [["ECSS3ReadOnlyAccess"], "s3:ListBucket", "allowed"],
    [["ECSS3ReadOnlyAccess"], "s3:PutObject", "implicit-deny"],
    [["ECSDenyAll", "ECSS3FullAccess"], "s3:GetObject", "explicit-deny"],
    [["ECSDenyAll"], "iam:GetUser", "explicit-deny"],
    [["IAMFullAccess"], "iam:CreateUser", "allowed"],
    [["IAMFullAccess"], "sts:AssumeRole", "allowed"],
    [["IAMFullAccess"], "s3:GetObject", "implicit-deny"],
    [["IAMReadOnlyAccess"], "iam:GetUser", "allowed"],
    [["IAMReadOnlyAccess"], "iam:ListAccessKeys", "allowed"],
    [["IAMReadOnlyAccess"], "iam:CreateUser", "implicit-deny"],
  ])("%j decides %s: %s", (names, action, expected) => {
    expect(decide(names, action)).toBe(expected);
  });
});
