// Grammar validation: valid documents come back normalized; invalid ones name the path and problem.
import { describe, expect, it } from "vitest";
import { formatValidationErrors, policyToJson, validatePolicyDocument, type PolicyKind } from "../../src/core/policy";

const allow = { Effect: "Allow", Action: "s3:GetObject", Resource: "*" };
const doc = (...statements: unknown[]) => ({ Version: "2012-10-17", Statement: statements });
const alice = "arn:aws:iam::123456789012:user/alice";

describe("valid documents", () => {
  it.each<[string, unknown, PolicyKind]>([
    ["a minimal identity policy", doc(allow), "identity"],
    ["Statement as a single object", { Version: "2012-10-17", Statement: allow }, "identity"],
    ["Version 2008-10-17", { Version: "2008-10-17", Statement: [allow] }, "identity"],
    ["no Version", { Statement: [allow] }, "identity"],
    ["an Id", { Version: "2012-10-17", Id: "my-policy", Statement: [allow] }, "identity"],
    ["Lyve Cloud's Managed flag", { Version: "2012-10-17", Statement: [allow], Managed: true }, "identity"],
    ["NotAction and NotResource", doc({ Effect: "Deny", NotAction: ["iam:*"], NotResource: "arn:aws:s3:::b/*" }), "identity"],
    ["wildcards in actions", doc({ Effect: "Allow", Action: ["s3:Get*", "s3:?utObject", "*"], Resource: "*" }), "identity"],
    ["urn:ecs resources", doc({ Effect: "Allow", Action: "s3:*", Resource: "urn:ecs:s3:::bucket/*" }), "identity"],
    ["a bucket policy with Principal *", doc({ ...allow, Principal: "*" }), "resource"],
    ["a bucket policy with AWS principals", doc({ ...allow, Principal: { AWS: [alice, "123456789012", "*"] } }), "resource"],
    ["a bucket policy with a readable Sid", doc({ ...allow, Sid: "Allow public read", Principal: "*" }), "resource"],
    ["a bucket policy with NotPrincipal", doc({ ...allow, Effect: "Deny", NotPrincipal: { AWS: alice } }), "resource"],
    [
      "Service, Federated and CanonicalUser principals",
      doc({
        ...allow,
        Principal: { Service: "s3.amazonaws.com", Federated: "cognito-identity.amazonaws.com", CanonicalUser: "79a59df900b949e5" },
      }),
      "resource",
    ],
    [
      "a trust policy without Resource",
      doc({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "urn:ecs:iam::ns1:user/test-user" } }),
      "trust",
    ],
    [
      "a trust policy with Resource * (UpCloud's form)",
      JSON.parse(
        '{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole","Principal":{"AWS":["urn:ecs:iam::12442a2fbc06434889edb631be2d0968:user/user1"]},"Effect":"Allow","Resource":"*"}]}',
      ),
      "trust",
    ],
    [
      "every condition operator family",
      doc({
        ...allow,
        Condition: {
          StringEquals: { "s3:prefix": "a" },
          "ForAnyValue:StringLikeIfExists": { "aws:TagKeys": ["a*"] },
          NumericLessThan: { "s3:max-keys": 10 },
          DateGreaterThan: { "aws:CurrentTime": "2024-01-01T00:00:00Z" },
          Bool: { "aws:SecureTransport": true },
          BinaryEquals: { "x:b": "QUJD" },
          IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"] },
          ArnLike: { "aws:SourceArn": "arn:aws:s3:::*" },
          Null: { "aws:TokenIssueTime": "true" },
        },
      }),
      "identity",
    ],
  ])("accepts %s", (_name, input, kind) => {
    const r = validatePolicyDocument(input, { kind });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it("accepts JSON text and normalizes lists and condition values", () => {
    const r = validatePolicyDocument(
      '{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}}',
    );
    expect(r).toEqual({
      ok: true,
      policy: {
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: ["*"],
            Condition: { NumericLessThan: { "s3:max-keys": ["10"] }, Bool: { "aws:SecureTransport": ["true"] } },
          },
        ],
      },
    });
  });

  it("defaults to the identity grammar", () => {
    const r = validatePolicyDocument(doc({ ...allow, Principal: "*" }));
    expect(r.ok).toBe(false);
  });

  it("round-trips through policyToJson", () => {
    const r = validatePolicyDocument(doc({ Sid: "A", ...allow, Condition: { StringLike: { "s3:prefix": ["a*"] } } }));
    if (!r.ok) throw new Error("invalid");
    const again = validatePolicyDocument(policyToJson(r.policy));
    expect(again).toEqual(r);
    expect(policyToJson(r.policy)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"],"Condition":{"StringLike":{"s3:prefix":["a*"]}}}]}',
    );
  });
});

describe("invalid JSON", () => {
  it.each([
    ['{"Version": }', 12],
    ['{"Statement": [],}', 17],
    ["", 0],
    ["not json", 0],
    ['{"Statement": [{"Effect": "Allow"]}', 33],
    ['{"Statement": "\\x"}', 16],
    ['{"a": 1} trailing', 9],
  ])("%j fails at position %i", (text, position) => {
    expect(validatePolicyDocument(text)).toEqual({ ok: false, errors: [{ path: "", message: `invalid JSON at position ${position}` }] });
  });
});

describe("invalid documents", () => {
  const s = (extra: Record<string, unknown>, omit: string[] = []) => {
    const st: Record<string, unknown> = { ...allow, ...extra };
    for (const k of omit) delete st[k];
    return st;
  };
  it.each<[string, unknown, PolicyKind, string, string]>([
    ["not an object", [], "identity", "", "policy document must be a JSON object"],
    ["a JSON string", '"policy"', "identity", "", "policy document must be a JSON object"],
    ["missing Statement", { Version: "2012-10-17" }, "identity", "", "missing Statement"],
    ["empty Statement", doc(), "identity", "Statement", "must contain at least one statement"],
    ["Statement a string", { Statement: "allow all" }, "identity", "Statement", "must be an object or an array of objects"],
    ["unknown top-level key", { Statement: [allow], Foo: 1 }, "identity", "", 'unknown key "Foo"'],
    [
      "miscased top-level key",
      { Statement: [allow], statement: [allow] },
      "identity",
      "",
      'unknown key "statement" (did you mean "Statement"?)',
    ],
    ["bad Version", { Version: "2020-01-01", Statement: [allow] }, "identity", "Version", 'must be "2012-10-17" or "2008-10-17"'],
    ["Id not a string", { Id: 7, Statement: [allow] }, "identity", "Id", "must be a string"],
    ["Managed not a boolean", { Managed: "yes", Statement: [allow] }, "identity", "Managed", "must be true or false"],
    ["statement not an object", doc(allow, "x"), "identity", "Statement[1]", "must be an object"],
    ["lower-case Effect", doc(allow, s({ Effect: "allow" })), "identity", "Statement[1].Effect", 'must be "Allow" or "Deny"'],
    ["missing Effect", doc(s({}, ["Effect"])), "identity", "Statement[0]", "missing Effect"],
    ["missing Action", doc(s({}, ["Action"])), "identity", "Statement[0]", "missing Action or NotAction"],
    ["Action and NotAction", doc(s({ NotAction: "iam:*" })), "identity", "Statement[0]", "has both Action and NotAction"],
    ["missing Resource", doc(s({}, ["Resource"])), "identity", "Statement[0]", "missing Resource or NotResource"],
    [
      "missing Resource in a bucket policy",
      doc(s({ Principal: "*" }, ["Resource"])),
      "resource",
      "Statement[0]",
      "missing Resource or NotResource",
    ],
    ["Resource and NotResource", doc(s({ NotResource: "*" })), "identity", "Statement[0]", "has both Resource and NotResource"],
    [
      "action without a service",
      doc(s({ Action: "s3" })),
      "identity",
      "Statement[0].Action",
      '"s3" is not a valid action (expected "service:Action" or "*")',
    ],
    [
      "bad action inside an array",
      doc(s({ Action: ["s3:GetObject", "s3:Get Object"] })),
      "identity",
      "Statement[0].Action[1]",
      '"s3:Get Object" is not a valid action (expected "service:Action" or "*")',
    ],
    ["empty Action array", doc(s({ Action: [] })), "identity", "Statement[0].Action", "must not be an empty array"],
    ["Action a number", doc(s({ Action: 5 })), "identity", "Statement[0].Action", "must be a string or an array of strings"],
    ["Action element a number", doc(s({ Action: ["s3:GetObject", 5] })), "identity", "Statement[0].Action[1]", "must be a string"],
    [
      "resource not an ARN",
      doc(s({ Resource: "my-bucket" })),
      "identity",
      "Statement[0].Resource",
      '"my-bucket" is not a valid resource (expected an ARN or "*")',
    ],
    [
      "NotResource not an ARN",
      doc(s({ NotResource: ["arn:aws:s3:::"] }, ["Resource"])),
      "identity",
      "Statement[0].NotResource[0]",
      '"arn:aws:s3:::" is not a valid resource (expected an ARN or "*")',
    ],
    [
      "Principal in an identity policy",
      doc(s({ Principal: "*" })),
      "identity",
      "Statement[0].Principal",
      "not allowed in an identity policy",
    ],
    ["missing Principal in a bucket policy", doc(allow), "resource", "Statement[0]", "missing Principal or NotPrincipal"],
    ["missing Principal in a trust policy", doc(allow), "trust", "Statement[0]", "missing Principal or NotPrincipal"],
    [
      "Principal and NotPrincipal",
      doc(s({ Principal: "*", NotPrincipal: "*" })),
      "resource",
      "Statement[0]",
      "has both Principal and NotPrincipal",
    ],
    [
      "NotPrincipal in a trust policy",
      doc(s({ NotPrincipal: { AWS: alice } })),
      "trust",
      "Statement[0].NotPrincipal",
      "not allowed in a trust policy",
    ],
    [
      "Principal a plain word",
      doc(s({ Principal: "everyone" })),
      "resource",
      "Statement[0].Principal",
      'must be "*" or an object such as {"AWS": "<arn>"}',
    ],
    ["empty Principal object", doc(s({ Principal: {} })), "resource", "Statement[0].Principal", "must name at least one principal"],
    [
      "unknown principal type",
      doc(s({ Principal: { User: alice } })),
      "resource",
      "Statement[0].Principal.User",
      "unknown principal type (expected AWS, Service, Federated, CanonicalUser)",
    ],
    [
      "wildcard inside a principal ARN",
      doc(s({ Principal: { AWS: "arn:aws:iam::123456789012:user/*" } })),
      "resource",
      "Statement[0].Principal.AWS",
      'wildcards are not allowed in a principal except "*" on its own',
    ],
    [
      "bad AWS principal in an array",
      doc(s({ Principal: { AWS: [alice, "alice smith"] } })),
      "resource",
      "Statement[0].Principal.AWS[1]",
      '"alice smith" is not an ARN or account ID',
    ],
    [
      "Sid with punctuation in an identity policy",
      doc(s({ Sid: "allow-read" })),
      "identity",
      "Statement[0].Sid",
      "must contain only letters and digits",
    ],
    ["Sid not a string", doc(s({ Sid: 1 })), "identity", "Statement[0].Sid", "must be a string"],
    ["duplicate Sid", doc(s({ Sid: "A" }), s({ Sid: "A" })), "identity", "Statement[1].Sid", 'duplicate Sid "A"'],
    ["unknown statement key", doc(s({ Actions: "s3:*" })), "identity", "Statement[0]", 'unknown key "Actions"'],
    [
      "miscased statement key",
      doc(s({ condition: {} })),
      "identity",
      "Statement[0]",
      'unknown key "condition" (did you mean "Condition"?)',
    ],
    [
      "Condition not an object",
      doc(s({ Condition: [] })),
      "identity",
      "Statement[0].Condition",
      "must be an object mapping operators to {key: value} objects",
    ],
    [
      "unknown operator",
      doc(s({ Condition: { StringEqualz: { "s3:prefix": "a" } } })),
      "identity",
      "Statement[0].Condition",
      'unknown operator "StringEqualz"',
    ],
    [
      "miscased operator",
      doc(s({ Condition: { stringequals: { "s3:prefix": "a" } } })),
      "identity",
      "Statement[0].Condition",
      'unknown operator "stringequals" (did you mean "StringEquals"?)',
    ],
    [
      "unknown qualifier",
      doc(s({ Condition: { "ForSomeValues:StringEquals": { "s3:prefix": "a" } } })),
      "identity",
      "Statement[0].Condition",
      'unknown qualifier "ForSomeValues" (expected "ForAnyValue" or "ForAllValues")',
    ],
    [
      "NullIfExists",
      doc(s({ Condition: { NullIfExists: { "s3:prefix": "true" } } })),
      "identity",
      "Statement[0].Condition",
      '"Null" does not take the IfExists suffix',
    ],
    [
      "operator without keys",
      doc(s({ Condition: { StringEquals: {} } })),
      "identity",
      "Statement[0].Condition.StringEquals",
      "must be an object mapping condition keys to values",
    ],
    [
      "condition key without a prefix",
      doc(s({ Condition: { StringEquals: { username: "a" } } })),
      "identity",
      "Statement[0].Condition.StringEquals",
      '"username" is not a condition key (expected "service:name")',
    ],
    [
      "condition value null",
      doc(s({ Condition: { StringEquals: { "s3:prefix": null } } })),
      "identity",
      "Statement[0].Condition.StringEquals.s3:prefix",
      "must be a string, number or boolean",
    ],
    [
      "condition value an empty array",
      doc(s({ Condition: { StringEquals: { "s3:prefix": [] } } })),
      "identity",
      "Statement[0].Condition.StringEquals.s3:prefix",
      "must not be an empty array",
    ],
    [
      "numeric value not a number",
      doc(s({ Condition: { NumericLessThan: { "s3:max-keys": "ten" } } })),
      "identity",
      "Statement[0].Condition.NumericLessThan.s3:max-keys",
      '"ten" is not a number',
    ],
    [
      "date value not a date",
      doc(s({ Condition: { DateLessThan: { "aws:CurrentTime": ["2024-01-01", "yesterday"] } } })),
      "identity",
      "Statement[0].Condition.DateLessThan.aws:CurrentTime[1]",
      '"yesterday" is not an ISO 8601 date or epoch seconds',
    ],
    [
      "date value 31 February",
      doc(s({ Condition: { DateLessThan: { "aws:CurrentTime": "2024-02-31" } } })),
      "identity",
      "Statement[0].Condition.DateLessThan.aws:CurrentTime",
      '"2024-02-31" is not an ISO 8601 date or epoch seconds',
    ],
    [
      "Bool value not a boolean",
      doc(s({ Condition: { Bool: { "aws:SecureTransport": "yes" } } })),
      "identity",
      "Statement[0].Condition.Bool.aws:SecureTransport",
      '"yes" must be "true" or "false"',
    ],
    [
      "IPv4 octet out of range",
      doc(s({ Condition: { IpAddress: { "aws:SourceIp": "300.1.1.1/8" } } })),
      "identity",
      "Statement[0].Condition.IpAddress.aws:SourceIp",
      '"300.1.1.1/8" is not an IPv4 or IPv6 address or CIDR block',
    ],
    [
      "IPv4 prefix too long",
      doc(s({ Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/33" } } })),
      "identity",
      "Statement[0].Condition.NotIpAddress.aws:SourceIp",
      '"10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR block',
    ],
    [
      "IPv6 with two ::",
      doc(s({ Condition: { IpAddress: { "aws:SourceIp": "2001::db8::1" } } })),
      "identity",
      "Statement[0].Condition.IpAddress.aws:SourceIp",
      '"2001::db8::1" is not an IPv4 or IPv6 address or CIDR block',
    ],
    [
      "binary value not base64",
      doc(s({ Condition: { BinaryEquals: { "x:b": "not base64!" } } })),
      "identity",
      "Statement[0].Condition.BinaryEquals.x:b",
      '"not base64!" is not base64',
    ],
  ])("rejects %s", (_name, input, kind, path, message) => {
    const r = validatePolicyDocument(input, { kind });
    expect(r).toEqual({ ok: false, errors: [{ path, message }] });
  });

  it("reports every problem, and formats them for an error response", () => {
    const r = validatePolicyDocument(doc({ Effect: "Permit", Action: "s3", Resource: "*" }, { Effect: "Allow", Resource: "*" }));
    if (r.ok) throw new Error("expected errors");
    expect(formatValidationErrors(r.errors)).toBe(
      'Statement[0].Effect: must be "Allow" or "Deny"; ' +
        'Statement[0].Action: "s3" is not a valid action (expected "service:Action" or "*"); ' +
        "Statement[1]: missing Action or NotAction",
    );
  });
});
