import { describe, expect, it } from "vitest";
import { expectProblem, invalidNames, newIamUser, newService, newTenant, policyDoc } from "../helpers/api";

describe("IAM groups", () => {
  it("creates, lists, gets and deletes groups", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const c = await t.api("POST", `/${s.uuid}/groups`, { name: "test-group" });
    expect(c.status, c.text).toBe(201);
    expect(c.json).toEqual({
      name: "test-group",
      arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:group/test-group`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    await t.api("POST", `/${s.uuid}/groups`, { name: "another" });
    expect((await t.api("GET", `/${s.uuid}/groups`)).json.map((g: { name: string }) => g.name)).toEqual(["another", "test-group"]);
    expect((await t.api("GET", `/${s.uuid}/groups/test-group`)).json).toEqual(c.json);
    expectProblem(await t.api("POST", `/${s.uuid}/groups`, { name: "test-group" }), 409, "CONFLICT");
    expect(invalidNames(await t.api("POST", `/${s.uuid}/groups`, { name: "no spaces" }))).toEqual(["name"]);
    expect(invalidNames(await t.api("POST", `/${s.uuid}/groups`, { name: "g".repeat(129) }))).toEqual(["name"]);
    expect((await t.api("POST", `/${s.uuid}/groups`, { name: "g".repeat(128) })).status).toBe(201);
    expect((await t.api("DELETE", `/${s.uuid}/groups/test-group`)).status).toBe(204);
    expectProblem(await t.api("GET", `/${s.uuid}/groups/test-group`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/test-group`), 404, "RESOURCE_NOT_FOUND");
  });

  it("adds and removes members (POST answering 204, idempotent), limited to 10 groups per user", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    await t.api("POST", `/${s.uuid}/groups`, { name: "g" });
    const add = await t.api("POST", `/${s.uuid}/groups/g/users/u`);
    expect(add.status).toBe(204);
    expect(add.text).toBe("");
    expect((await t.api("POST", `/${s.uuid}/groups/g/users/u`)).status).toBe(204);
    expectProblem(await t.api("POST", `/${s.uuid}/groups/g/users/nobody`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", `/${s.uuid}/groups/nogroup/users/u`), 404, "RESOURCE_NOT_FOUND");

    for (let i = 1; i < 10; i++) {
      await t.api("POST", `/${s.uuid}/groups`, { name: `g${i}` });
      expect((await t.api("POST", `/${s.uuid}/groups/g${i}/users/u`)).status).toBe(204);
    }
    await t.api("POST", `/${s.uuid}/groups`, { name: "eleventh" });
    const over = await t.api("POST", `/${s.uuid}/groups/eleventh/users/u`);
    expectProblem(over, 400, "INVALID_REQUEST");
    expect(over.json.title).toContain("10 groups");

    expect((await t.api("DELETE", `/${s.uuid}/groups/g/users/u`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/g/users/u`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/g/users/nobody`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("POST", `/${s.uuid}/groups/eleventh/users/u`)).status).toBe(204);
  });

  it("attaches and detaches policies, creates inline policies, and refuses to delete a non-empty group", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    await t.api("POST", `/${s.uuid}/groups`, { name: "g" });
    await t.api("POST", `/${s.uuid}/policies`, { name: "custom", document: policyDoc("Allow", "s3:ListBucket") });
    expect((await t.api("POST", `/${s.uuid}/groups/g/policies`, { name: "custom" })).status).toBe(204);
    expect((await t.api("POST", `/${s.uuid}/groups/g/policies`, { name: "ECSS3FullAccess" })).status).toBe(204);
    expect((await t.api("POST", `/${s.uuid}/groups/g/policies`, { name: "custom" })).status).toBe(204);
    expectProblem(await t.api("POST", `/${s.uuid}/groups/g/policies`, { name: "missing" }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", `/${s.uuid}/groups/nogroup/policies`, { name: "custom" }), 404, "RESOURCE_NOT_FOUND");
    expect(invalidNames(await t.api("POST", `/${s.uuid}/groups/g/policies`, {}))).toEqual(["name"]);
    expect((await t.api("GET", `/${s.uuid}/groups/g/policies`)).json).toEqual([
      { name: "custom", arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:policy/custom` },
      { name: "ECSS3FullAccess", arn: "urn:ecs:iam:::policy/ECSS3FullAccess" },
    ]);

    const doc = policyDoc("Allow", "sts:AssumeRole");
    const inl = await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, { name: "sample-policy", document: doc });
    expect(inl.status, inl.text).toBe(201);
    expect(inl.json).toEqual({ name: "sample-policy", document: encodeURIComponent(doc) });
    expectProblem(await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, { name: "sample-policy", document: doc }), 409, "CONFLICT");
    expect((await t.api("GET", `/${s.uuid}/groups/g/inline-policies`)).json).toEqual([inl.json]);
    expect((await t.api("GET", `/${s.uuid}/groups/g/inline-policies/sample-policy`)).json).toEqual(inl.json);
    expectProblem(await t.api("GET", `/${s.uuid}/groups/g/inline-policies/other`), 404, "RESOURCE_NOT_FOUND");
    const badInline = await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, {
      name: "x",
      document: JSON.stringify({ Statement: [{ Effect: "Allow" }] }),
    });
    expect(invalidNames(badInline)).toEqual(["document", "document"]);

    await t.api("POST", `/${s.uuid}/groups/g/users/u`);
    const refused = await t.api("DELETE", `/${s.uuid}/groups/g`);
    expectProblem(refused, 400, "SERVICE_ERROR");
    expect(refused.json.title).toMatch(/1 member, 2 attached policies, 1 inline policy/);

    await t.api("DELETE", `/${s.uuid}/groups/g/users/u`);
    expect((await t.api("DELETE", `/${s.uuid}/groups/g/policies/custom`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/g/policies/custom`), 404, "RESOURCE_NOT_FOUND");
    await t.api("DELETE", `/${s.uuid}/groups/g/policies/ECSS3FullAccess`);
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/g`), 400, "SERVICE_ERROR");
    expect((await t.api("DELETE", `/${s.uuid}/groups/g/inline-policies/sample-policy`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/groups/g/inline-policies/sample-policy`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("DELETE", `/${s.uuid}/groups/g`)).status).toBe(204);
  });

  it("limits attached managed policies to 20 per principal", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    for (let i = 0; i < 20; i++) {
      await t.api("POST", `/${s.uuid}/policies`, { name: `p${i}`, document: policyDoc("Allow", "s3:GetObject") });
      expect((await t.api("POST", `/${s.uuid}/users/u/policies`, { name: `p${i}` })).status).toBe(204);
    }
    // Re-attaching one already there is still fine at the limit.
    expect((await t.api("POST", `/${s.uuid}/users/u/policies`, { name: "p3" })).status).toBe(204);
    const over = await t.api("POST", `/${s.uuid}/users/u/policies`, { name: "ECSDenyAll" });
    expectProblem(over, 400, "INVALID_REQUEST");
    expect((await t.api("GET", `/${s.uuid}/users/u/policies`)).json).toHaveLength(20);
  });

  it("limits inline policies to 20 per principal and checks their names", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/groups`, { name: "g" });
    const doc = policyDoc("Allow", "s3:GetObject");
    for (let i = 0; i < 20; i++)
      expect((await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, { name: `i${i}`, document: doc })).status).toBe(201);
    const over = await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, { name: "i20", document: doc });
    expectProblem(over, 400, "INVALID_REQUEST");
    expect(over.json.title).toContain("20 inline policies");
    expect(invalidNames(await t.api("POST", `/${s.uuid}/groups/g/inline-policies`, { name: "bad/name", document: doc }))).toEqual(["name"]);
    expectProblem(
      await t.api("POST", `/${s.uuid}/groups/nogroup/inline-policies`, { name: "x", document: doc }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    expectProblem(await t.api("GET", `/${s.uuid}/groups/nogroup/inline-policies`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/groups/g/inline-policies`)).json).toHaveLength(20);
  });
});
