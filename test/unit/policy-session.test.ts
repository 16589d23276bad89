// Session policies (STS AssumeRole's Policy / PolicyArns) limit like a permissions boundary.
import { describe, expect, it } from "vitest";
import { evaluate, validatePolicyDocument, type NamedPolicy, type PolicyKind, type RequestPrincipal } from "../../src/core/policy";

const ACCOUNT = "123456789012";
const session: RequestPrincipal = { arn: `arn:aws:iam::${ACCOUNT}:role/deployer`, userid: "AROAX:s1", type: "role", accountId: ACCOUNT };

function policy(source: string, statements: object[], kind: PolicyKind = "identity"): NamedPolicy {
  const v = validatePolicyDocument({ Version: "2012-10-17", Statement: statements }, { kind });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { name: source, source, document: v.policy };
}

const s3All = policy("role", [{ Effect: "Allow", Action: "s3:*", Resource: "*" }]);
const readOnly = policy("session", [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]);
const obj = "arn:aws:s3:::b/k";

const decide = (action: string, sessionPolicies: NamedPolicy[] | null, extra: Partial<Parameters<typeof evaluate>[0]> = {}) =>
  evaluate({ principal: session, action, resource: obj, context: {}, identityPolicies: [s3All], sessionPolicies, ...extra }).decision;

describe("session policies", () => {
  it("intersect with the identity policies", () => {
    expect(decide("s3:GetObject", null)).toBe("allowed");
    expect(decide("s3:PutObject", null)).toBe("allowed");
    expect(decide("s3:GetObject", [readOnly])).toBe("allowed");
    expect(decide("s3:PutObject", [readOnly])).toBe("implicit-deny");
  });

  it("never grant on their own, and an empty list allows nothing", () => {
    expect(
      evaluate({
        principal: session,
        action: "s3:GetObject",
        resource: obj,
        context: {},
        identityPolicies: [],
        sessionPolicies: [readOnly],
      }).decision,
    ).toBe("implicit-deny");
    expect(decide("s3:GetObject", [])).toBe("implicit-deny");
  });

  it("deny explicitly, and list the statements that allowed", () => {
    const deny = policy("no-get", [{ Effect: "Deny", Action: "s3:GetObject", Resource: "*" }]);
    expect(decide("s3:GetObject", [readOnly, deny])).toBe("explicit-deny");
    const d = evaluate({
      principal: session,
      action: "s3:GetObject",
      resource: obj,
      context: {},
      identityPolicies: [s3All],
      sessionPolicies: [readOnly],
    });
    expect(d.matched.map((m) => m.source).sort()).toEqual(["role", "session"]);
  });

  it("limit a bucket policy reaching the session through its account, not one naming its ARN", () => {
    const viaAccount = policy(
      "bucket",
      [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "s3:PutObject", Resource: "*" }],
      "resource",
    );
    const direct = policy(
      "bucket",
      [{ Effect: "Allow", Principal: { AWS: session.arn }, Action: "s3:PutObject", Resource: "*" }],
      "resource",
    );
    expect(decide("s3:PutObject", [readOnly], { identityPolicies: [], resourcePolicy: viaAccount })).toBe("implicit-deny");
    expect(decide("s3:PutObject", [readOnly], { identityPolicies: [], resourcePolicy: direct })).toBe("allowed");
  });
});
