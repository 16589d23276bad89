import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectProblem, invalidNames, newService, newTenant, policyDoc, trustDoc } from "../helpers/api";

describe("IAM roles", () => {
  it("creates a role with every field and reads it back", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/policies`, { name: "test-policy", document: policyDoc("Allow", "s3:*") });
    const trust = trustDoc("urn:ecs:iam::ns1:user/test-user");
    const c = await t.api("POST", `/${s.uuid}/roles`, {
      name: "test-role",
      assume_role_policy_document: trust,
      description: "A test role.",
      max_session_duration: 7200,
      permissions_boundary: "test-policy",
      tags: [
        { key: "department", value: "Finance" },
        { key: "school", value: "University of Helsinki" },
      ],
    });
    expect(c.status, c.text).toBe(201);
    expect(c.json).toEqual({
      name: "test-role",
      arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:role/test-role`,
      description: "A test role.",
      assume_role_policy_document: encodeURIComponent(trust),
      max_session_duration: 7200,
      permissions_boundary: "test-policy",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      inline_policies: [],
      policies: [],
      tags: [
        { key: "department", value: "Finance" },
        { key: "school", value: "University of Helsinki" },
      ],
    });
    expect((await t.api("GET", `/${s.uuid}/roles/test-role`)).json).toEqual(c.json);
    expect((await t.api("GET", `/${s.uuid}/roles`)).json).toEqual([c.json]);

    const plain = await t.api("POST", `/${s.uuid}/roles`, { name: "plain", assume_role_policy_document: encodeURIComponent(trust) });
    expect(plain.status, plain.text).toBe(201);
    expect(plain.json).toMatchObject({ description: "", max_session_duration: 3600, tags: [] });
    expect(plain.json.permissions_boundary).toBeUndefined();
    expect(plain.json.assume_role_policy_document).toBe(encodeURIComponent(trust));
  });

  it("validates names, documents, session durations, tags and boundaries", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const trust = trustDoc();
    const r = await t.api("POST", `/${s.uuid}/roles`, {
      name: "bad name",
      assume_role_policy_document: trust,
      max_session_duration: 899,
      description: "d".repeat(1001),
    });
    expect(invalidNames(r)).toEqual(["description", "max_session_duration", "name"]);
    for (const n of [899, 43201, 1000.5])
      expect(
        invalidNames(await t.api("POST", `/${s.uuid}/roles`, { name: "r", assume_role_policy_document: trust, max_session_duration: n })),
      ).toEqual(["max_session_duration"]);
    for (const n of [900, 43200])
      expect(
        (await t.api("POST", `/${s.uuid}/roles`, { name: `r${n}`, assume_role_policy_document: trust, max_session_duration: n })).status,
      ).toBe(201);
    const reserved = await t.api("POST", `/${s.uuid}/roles`, { name: "_upcloud-internal-role", assume_role_policy_document: trust });
    expect(invalidNames(reserved)).toEqual(["name"]);
    expect(invalidNames(await t.api("POST", `/${s.uuid}/roles`, { name: "r" }))).toEqual(["assume_role_policy_document"]);
    // A trust policy must name its principals; an identity-style document is not one.
    const noPrincipal = await t.api("POST", `/${s.uuid}/roles`, {
      name: "r",
      assume_role_policy_document: policyDoc("Allow", "sts:AssumeRole"),
    });
    expectProblem(noPrincipal, 400, "INVALID_REQUEST");
    expect(noPrincipal.json.invalid_params).toEqual([
      { name: "assume_role_policy_document", reason: "Statement[0]: missing Principal or NotPrincipal" },
    ]);
    const tooMany = await t.api("POST", `/${s.uuid}/roles`, {
      name: "r",
      assume_role_policy_document: trust,
      tags: Array.from({ length: 51 }, (_, i) => ({ key: `k${i}` })),
    });
    expect(invalidNames(tooMany)).toEqual(["tags"]);
    const dupTags = await t.api("POST", `/${s.uuid}/roles`, {
      name: "r",
      assume_role_policy_document: trust,
      tags: [{ key: "a" }, { key: "a" }],
    });
    expect(invalidNames(dupTags)).toEqual(["tags[1].key"]);
    expectProblem(
      await t.api("POST", `/${s.uuid}/roles`, { name: "r", assume_role_policy_document: trust, permissions_boundary: "missing" }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    expectProblem(await t.api("GET", `/${s.uuid}/roles/r`), 404, "RESOURCE_NOT_FOUND");
    // Nothing half-written: a refused role leaves no tags behind.
    const tags = await env.DB.prepare("SELECT count(*) AS n FROM iam_tags WHERE service_uuid = ?").bind(s.uuid).first<{ n: number }>();
    expect(tags!.n).toBe(0);

    const ok = await t.api("POST", `/${s.uuid}/roles`, {
      name: "r",
      assume_role_policy_document: trust,
      permissions_boundary: "ECSS3ReadOnlyAccess",
      tags: [{ key: "a", value: "1" }],
    });
    expect(ok.status).toBe(201);
    const dup = await t.api("POST", `/${s.uuid}/roles`, { name: "r", assume_role_policy_document: trust, tags: [{ key: "b" }] });
    expectProblem(dup, 409, "CONFLICT");
    expect((await t.api("GET", `/${s.uuid}/roles/r/tags`)).json).toEqual([{ key: "a", value: "1" }]);
  });

  it("updates description and session duration, and replaces the trust policy", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/roles`, { name: "r", assume_role_policy_document: trustDoc(), description: "old" });
    const u = await t.api("PATCH", `/${s.uuid}/roles/r`, { description: "New Description", max_session_duration: 3900 });
    expect(u.status).toBe(200);
    expect(u.json).toMatchObject({ description: "New Description", max_session_duration: 3900 });
    expect((await t.api("PATCH", `/${s.uuid}/roles/r`, {})).json).toMatchObject({
      description: "New Description",
      max_session_duration: 3900,
    });
    expect(invalidNames(await t.api("PATCH", `/${s.uuid}/roles/r`, { max_session_duration: 50000 }))).toEqual(["max_session_duration"]);
    expectProblem(await t.api("PATCH", `/${s.uuid}/roles/nope`, { description: "x" }), 404, "RESOURCE_NOT_FOUND");

    const next = trustDoc("urn:ecs:iam::ns1:user/someone-else");
    const put = await t.api("PUT", `/${s.uuid}/roles/r/assume-role-policy`, { document: next });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ document: encodeURIComponent(next) });
    expect((await t.api("GET", `/${s.uuid}/roles/r`)).json.assume_role_policy_document).toBe(encodeURIComponent(next));
    const bad = await t.api("PUT", `/${s.uuid}/roles/r/assume-role-policy`, {
      document: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", NotPrincipal: { AWS: "*" } }] }),
    });
    expect(bad.json.invalid_params).toEqual([{ name: "document", reason: "Statement[0].NotPrincipal: not allowed in a trust policy" }]);
    expectProblem(await t.api("PUT", `/${s.uuid}/roles/nope/assume-role-policy`, { document: next }), 404, "RESOURCE_NOT_FOUND");
  });

  it("manages attached and inline policies, boundary and tags, and refuses to delete a role with policies", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/roles`, { name: "r", assume_role_policy_document: trustDoc(), tags: [{ key: "t" }] });
    expect((await t.api("POST", `/${s.uuid}/roles/r/policies`, { name: "ECSS3ReadOnlyAccess" })).status).toBe(204);
    expect(
      (await t.api("POST", `/${s.uuid}/roles/r/inline-policies`, { name: "InlinePolicy", document: policyDoc("Allow", "s3:PutObject") }))
        .status,
    ).toBe(201);
    expect((await t.api("PUT", `/${s.uuid}/roles/r/permissions-boundary`, { policy_name: "ECSS3FullAccess" })).text).toBe(
      '"ECSS3FullAccess"',
    );
    expect(
      (
        await t.api("PUT", `/${s.uuid}/roles/r/tags`, [
          { key: "tag1", value: "key1" },
          { key: "tag2", value: "key2" },
        ])
      ).status,
    ).toBe(200);
    const g = await t.api("GET", `/${s.uuid}/roles/r`);
    expect(g.json).toMatchObject({
      inline_policies: [{ name: "InlinePolicy" }],
      policies: [{ name: "ECSS3ReadOnlyAccess", arn: "urn:ecs:iam:::policy/ECSS3ReadOnlyAccess" }],
      permissions_boundary: "ECSS3FullAccess",
      tags: [
        { key: "tag1", value: "key1" },
        { key: "tag2", value: "key2" },
      ],
    });
    expect((await t.api("GET", `/${s.uuid}/roles/r/policies`)).json).toEqual(g.json.policies);
    expect((await t.api("GET", `/${s.uuid}/roles/r/inline-policies`)).json.map((p: { name: string }) => p.name)).toEqual(["InlinePolicy"]);
    expect((await t.api("DELETE", `/${s.uuid}/roles/r/tags/tag1`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/roles/r/tags/tag1`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("GET", `/${s.uuid}/roles/nope/tags`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(
      await t.api("PUT", `/${s.uuid}/roles/nope/permissions-boundary`, { policy_name: "ECSDenyAll" }),
      404,
      "RESOURCE_NOT_FOUND",
    );

    const refused = await t.api("DELETE", `/${s.uuid}/roles/r`);
    expectProblem(refused, 400, "SERVICE_ERROR");
    expect(refused.json.title).toContain("1 attached policy, 1 inline policy");
    await t.api("DELETE", `/${s.uuid}/roles/r/policies/ECSS3ReadOnlyAccess`);
    await t.api("DELETE", `/${s.uuid}/roles/r/inline-policies/InlinePolicy`);
    expect((await t.api("DELETE", `/${s.uuid}/roles/r`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/roles/r`), 404, "RESOURCE_NOT_FOUND");
    const tags = await env.DB.prepare("SELECT count(*) AS n FROM iam_tags WHERE service_uuid = ?").bind(s.uuid).first<{ n: number }>();
    expect(tags!.n).toBe(0);
  });
});
