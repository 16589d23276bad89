import { describe, expect, it } from "vitest";
import { expectProblem, invalidNames, newIamUser, newService, newTenant, policyDoc, type Tenant } from "../helpers/api";

async function simulate(t: Tenant, svc: string, body: unknown) {
  return t.api("POST", `/${svc}/policy-simulations`, body);
}

const decisions = (r: { json: any }) =>
  r.json.results.map((x: { action: string; resource: string; decision: string }) => `${x.action} ${x.resource} ${x.decision}`);

describe("policy simulation", () => {
  it("answers per action and resource with the deciding statements", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    await t.api("POST", `/${s.uuid}/users/alice/inline-policies`, {
      name: "reports",
      document: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "ReadReports", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: "arn:aws:s3:::bucket/reports/*" },
          { Sid: "NoDeletes", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" },
        ],
      }),
    });
    const r = await simulate(t, s.uuid, {
      principal: { type: "user", name: "alice" },
      actions: ["s3:GetObject", "s3:DeleteObject", "s3:ListBucket"],
      resources: ["arn:aws:s3:::bucket/reports/q1.csv", "arn:aws:s3:::bucket/private/x"],
    });
    expect(r.status, r.text).toBe(200);
    expect(decisions(r)).toEqual([
      "s3:GetObject arn:aws:s3:::bucket/reports/q1.csv allowed",
      "s3:GetObject arn:aws:s3:::bucket/private/x implicit-deny",
      "s3:DeleteObject arn:aws:s3:::bucket/reports/q1.csv explicit-deny",
      "s3:DeleteObject arn:aws:s3:::bucket/private/x explicit-deny",
      "s3:ListBucket arn:aws:s3:::bucket/reports/q1.csv implicit-deny",
      "s3:ListBucket arn:aws:s3:::bucket/private/x implicit-deny",
    ]);
    expect(r.json.results[0]!.matched_statements).toEqual([
      { source: "user:alice/inline:reports", policy: "reports", sid: "ReadReports", index: 0, effect: "Allow" },
    ]);
    expect(r.json.results[2]!.matched_statements).toEqual([
      { source: "user:alice/inline:reports", policy: "reports", sid: "NoDeletes", index: 1, effect: "Deny" },
    ]);
    expect(r.json.results[1]!.matched_statements).toEqual([]);
  });

  it("includes group policies, lets an explicit deny anywhere win, and applies the boundary", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "bob");
    await t.api("POST", `/${s.uuid}/groups`, { name: "readers" });
    await t.api("POST", `/${s.uuid}/groups/readers/users/bob`);
    await t.api("POST", `/${s.uuid}/groups/readers/policies`, { name: "ECSS3FullAccess" });
    const base = { principal: { type: "user", name: "bob" }, actions: ["s3:GetObject", "s3:PutObject", "iam:GetUser"], resources: ["*"] };
    expect(decisions(await simulate(t, s.uuid, base))).toEqual([
      "s3:GetObject * allowed",
      "s3:PutObject * allowed",
      "iam:GetUser * implicit-deny",
    ]);
    const viaGroup = await simulate(t, s.uuid, base);
    expect(viaGroup.json.results[0]!.matched_statements[0]).toMatchObject({
      source: "group:readers/managed:ECSS3FullAccess",
      effect: "Allow",
    });

    await t.api("PUT", `/${s.uuid}/users/bob/permissions-boundary`, { policy_name: "ECSS3ReadOnlyAccess" });
    const bounded = await simulate(t, s.uuid, base);
    expect(decisions(bounded)).toEqual(["s3:GetObject * allowed", "s3:PutObject * implicit-deny", "iam:GetUser * implicit-deny"]);
    expect(bounded.json.results[0]!.matched_statements.map((m: { source: string }) => m.source)).toEqual([
      "group:readers/managed:ECSS3FullAccess",
      "user:bob/boundary:ECSS3ReadOnlyAccess",
    ]);

    await t.api("POST", `/${s.uuid}/users/bob/policies`, { name: "ECSDenyAll" });
    const denied = await simulate(t, s.uuid, base);
    expect(decisions(denied)).toEqual(["s3:GetObject * explicit-deny", "s3:PutObject * explicit-deny", "iam:GetUser * explicit-deny"]);
    expect(denied.json.results[0]!.matched_statements).toEqual([
      { source: "user:bob/managed:ECSDenyAll", policy: "ECSDenyAll", index: 0, effect: "Deny" },
    ]);
  });

  it("uses the default version of custom policies and evaluates conditions against the given context", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "carol");
    await t.api("POST", `/${s.uuid}/policies`, {
      name: "office",
      document: policyDoc("Allow", "s3:GetObject", "arn:aws:s3:::b/${aws:username}/*", {
        Condition: { IpAddress: { "aws:SourceIp": "203.0.113.0/24" } },
      }),
    });
    await t.api("POST", `/${s.uuid}/users/carol/policies`, { name: "office" });
    const ask = (context?: Record<string, string>) =>
      simulate(t, s.uuid, {
        principal: { type: "user", name: "carol" },
        actions: ["s3:GetObject"],
        resources: ["arn:aws:s3:::b/carol/f", "arn:aws:s3:::b/dave/f"],
        ...(context ? { context } : {}),
      });
    expect(decisions(await ask({ "aws:SourceIp": "203.0.113.9" }))).toEqual([
      "s3:GetObject arn:aws:s3:::b/carol/f allowed",
      "s3:GetObject arn:aws:s3:::b/dave/f implicit-deny",
    ]);
    expect(decisions(await ask({ "aws:SourceIp": "198.51.100.1" }))).toEqual([
      "s3:GetObject arn:aws:s3:::b/carol/f implicit-deny",
      "s3:GetObject arn:aws:s3:::b/dave/f implicit-deny",
    ]);
    // A missing condition key never turns the conditional Allow into an unconditional one.
    expect(decisions(await ask())).toEqual([
      "s3:GetObject arn:aws:s3:::b/carol/f implicit-deny",
      "s3:GetObject arn:aws:s3:::b/dave/f implicit-deny",
    ]);

    await t.api("POST", `/${s.uuid}/policies/office/versions`, { document: policyDoc("Deny", "s3:*"), is_default: true });
    expect(decisions(await ask({ "aws:SourceIp": "203.0.113.9" }))[0]).toBe("s3:GetObject arn:aws:s3:::b/carol/f explicit-deny");
    await t.api("PATCH", `/${s.uuid}/policies/office`, { version_id: "v1" });
    expect(decisions(await ask({ "aws:SourceIp": "203.0.113.9" }))[0]).toBe("s3:GetObject arn:aws:s3:::b/carol/f allowed");
  });

  it("simulates roles and an optional resource policy", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const trust = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "*" } }] });
    await t.api("POST", `/${s.uuid}/roles`, { name: "writer", assume_role_policy_document: trust });
    await t.api("POST", `/${s.uuid}/roles/writer/inline-policies`, {
      name: "put",
      document: policyDoc("Allow", "s3:PutObject", "arn:aws:s3:::b/*"),
    });
    const body = {
      principal: { type: "role", name: "writer" },
      actions: ["s3:PutObject", "s3:GetObject"],
      resources: ["arn:aws:s3:::b/k"],
    };
    expect(decisions(await simulate(t, s.uuid, body))).toEqual([
      "s3:PutObject arn:aws:s3:::b/k allowed",
      "s3:GetObject arn:aws:s3:::b/k implicit-deny",
    ]);
    const roleArn = `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:role/writer`;
    const bucketPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "ReadForWriter", Effect: "Allow", Principal: { AWS: [roleArn] }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
        { Sid: "NoPuts", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*" },
      ],
    });
    const r = await simulate(t, s.uuid, { ...body, resource_policy: encodeURIComponent(bucketPolicy) });
    expect(decisions(r)).toEqual(["s3:PutObject arn:aws:s3:::b/k explicit-deny", "s3:GetObject arn:aws:s3:::b/k allowed"]);
    expect(r.json.results[1]!.matched_statements).toEqual([
      { source: "resource-policy", policy: "resource-policy", sid: "ReadForWriter", index: 0, effect: "Allow" },
    ]);
    const badPolicy = await simulate(t, s.uuid, { ...body, resource_policy: policyDoc("Allow", "s3:GetObject") });
    expect(badPolicy.json.invalid_params).toEqual([{ name: "resource_policy", reason: "Statement[0]: missing Principal or NotPrincipal" }]);
  });

  it("validates the request and 404s for unknown principals", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    expectProblem(
      await simulate(t, s.uuid, { principal: { type: "user", name: "nobody" }, actions: ["s3:GetObject"], resources: ["*"] }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    expectProblem(
      await simulate(t, s.uuid, { principal: { type: "role", name: "alice" }, actions: ["s3:GetObject"], resources: ["*"] }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    const shape = await simulate(t, s.uuid, { principal: { type: "group", name: "" }, actions: [], resources: "x", context: { k: 5 } });
    expectProblem(shape, 400, "INVALID_REQUEST");
    expect(invalidNames(shape)).toEqual(["actions", "context.k", "principal.name", "principal.type", "resources"]);
    const values = await simulate(t, s.uuid, {
      principal: { type: "user", name: "alice" },
      actions: ["s3:Get*", "GetObject"],
      resources: ["bucket/key", "*"],
    });
    expect(invalidNames(values)).toEqual(["actions[0]", "actions[1]", "resources[0]"]);
    const pairs = await simulate(t, s.uuid, {
      principal: { type: "user", name: "alice" },
      actions: Array.from({ length: 40 }, (_, i) => `s3:Action${i}`),
      resources: Array.from({ length: 30 }, (_, i) => `arn:aws:s3:::b${i}`),
    });
    expect(invalidNames(pairs)).toEqual(["actions"]);
    const ok = await simulate(t, s.uuid, {
      principal: { type: "user", name: "alice" },
      actions: ["s3:GetObject"],
      resources: ["*"],
      context: { "aws:SourceIp": ["1.2.3.4"] },
    });
    expect(decisions(ok)).toEqual(["s3:GetObject * implicit-deny"]);
  });

  it("is documented in the OpenAPI document", async () => {
    const { call } = await import("../helpers/api");
    const doc = await call("GET", "/openapi.json");
    expect(doc.status).toBe(200);
    const op = doc.json.paths["/1.3/object-storage-2/{service_uuid}/policy-simulations"]?.post;
    expect(op?.operationId).toBe("simulatePolicies");
    expect(Object.keys(op.responses)).toContain("200");
  });
});
