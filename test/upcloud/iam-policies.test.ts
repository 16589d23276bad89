import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectProblem, invalidNames, newIamUser, newService, newTenant, policyDoc } from "../helpers/api";

const SYSTEM = ["ECSDenyAll", "ECSS3FullAccess", "ECSS3ReadOnlyAccess", "IAMFullAccess", "IAMReadOnlyAccess"];

describe("IAM managed policies", () => {
  it("lists the five system policies in every service", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const r = await t.api("GET", `/${s.uuid}/policies`);
    expect(r.status).toBe(200);
    expect(r.json.map((p: { name: string }) => p.name)).toEqual(SYSTEM);
    for (const p of r.json) {
      expect(p).toEqual({
        name: p.name,
        arn: `urn:ecs:iam:::policy/${p.name}`,
        description: expect.any(String),
        default_version_id: "v1",
        attachment_count: 0,
        system: true,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
    }
    const g = await t.api("GET", `/${s.uuid}/policies/ECSS3FullAccess`);
    expect(g.status).toBe(200);
    expect(JSON.parse(decodeURIComponent(g.json.document!))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
    });
    const v = await t.api("GET", `/${s.uuid}/policies/ECSDenyAll/versions`);
    expect(v.json).toEqual([
      { version_id: "v1", document: expect.any(String), is_default: true, created_at: expect.any(String), create_date: expect.any(String) },
    ]);
    expect((await t.api("GET", `/${s.uuid}/policies/ECSDenyAll/versions/v1`)).status).toBe(200);
    expectProblem(await t.api("GET", `/${s.uuid}/policies/ECSDenyAll/versions/v2`), 404, "RESOURCE_NOT_FOUND");
  });

  it("creates a custom policy from raw or percent-encoded JSON and returns it percent-encoded", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const raw = policyDoc("Allow", ["s3:GetObject"], "arn:aws:s3:::bucket/*");
    const c = await t.api("POST", `/${s.uuid}/policies`, { name: "example-policy", description: "example-description", document: raw });
    expect(c.status, c.text).toBe(201);
    expect(c.json).toEqual({
      name: "example-policy",
      arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:policy/example-policy`,
      description: "example-description",
      document: encodeURIComponent(raw),
      default_version_id: "v1",
      attachment_count: 0,
      system: false,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    // The vendor's own example: percent-encoded, spaces included.
    const vendor =
      "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%20%22Statement%22%3A%20%5B%7B%22Action%22%3A%20%5B%22iam%3AGetUser%22%5D%2C%20%22Resource%22%3A%20%22%2A%22%2C%20%22Effect%22%3A%20%22Allow%22%2C%20%22Sid%22%3A%20%22editor%22%7D%5D%7D";
    const e = await t.api("POST", `/${s.uuid}/policies`, { name: "encoded", document: vendor });
    expect(e.status, e.text).toBe(201);
    expect(decodeURIComponent(e.json.document!)).toBe(decodeURIComponent(vendor));
    expect(e.json.description).toBe("");
    // "+" for space, as the vendor writes its system documents.
    const plus = await t.api("POST", `/${s.uuid}/policies`, {
      name: "plus",
      document:
        "%7B%0A++%22Statement%22%3A+%5B%7B%22Effect%22%3A+%22Deny%22%2C%22Action%22%3A+%22*%22%2C%22Resource%22%3A+%22*%22%7D%5D%7D",
    });
    expect(plus.status, plus.text).toBe(201);

    const g = await t.api("GET", `/${s.uuid}/policies/example-policy`);
    expect(g.json).toEqual(c.json);
    const list = await t.api("GET", `/${s.uuid}/policies`);
    expect(list.json.map((p: { name: string }) => p.name)).toEqual([...SYSTEM, "encoded", "example-policy", "plus"]);
    expect(list.json.every((p: object) => !("document" in p))).toBe(true);
  });

  it("rejects invalid documents with precise errors under `document`", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const cases: [unknown, RegExp][] = [
      ["{not json", /invalid JSON at position 1/],
      [
        JSON.stringify({ Statement: [{ Effect: "Permit", Action: "s3:GetObject", Resource: "*" }] }),
        /Statement\[0\]\.Effect: must be "Allow" or "Deny"/,
      ],
      [JSON.stringify({ Statement: [{ Effect: "Allow", Resource: "*" }] }), /Statement\[0\]: missing Action or NotAction/],
      [JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] }), /Statement\[0\]: missing Resource or NotResource/],
      [
        JSON.stringify({
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Condition: { StringEqualz: { "aws:username": "a" } } }],
        }),
        /StringEqualz/,
      ],
      [
        JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*", Principal: "*" }] }),
        /Principal: not allowed in an identity policy/,
      ],
      ["%E0%A4%A", /percent-encoding/],
      ["[]", /JSON object/],
    ];
    for (const [document, reason] of cases) {
      const r = await t.api("POST", `/${s.uuid}/policies`, { name: "p", document });
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(r.json.invalid_params.length).toBeGreaterThan(0);
      expect(r.json.invalid_params.every((p: { name: string }) => p.name === "document")).toBe(true);
      expect(r.json.invalid_params.map((p: { reason: string }) => p.reason).join("; ")).toMatch(reason);
    }
    const two = await t.api("POST", `/${s.uuid}/policies`, {
      name: "p",
      document: JSON.stringify({ Statement: [{ Effect: "Nope", Action: "bad", Resource: "*" }] }),
    });
    expect(two.json.invalid_params).toHaveLength(2);
    const big = await t.api("POST", `/${s.uuid}/policies`, {
      name: "p",
      document: JSON.stringify({ Id: "x".repeat(6200), Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }),
    });
    expect(big.json.invalid_params).toEqual([{ name: "document", reason: expect.stringContaining("6144") }]);
    const fields = await t.api("POST", `/${s.uuid}/policies`, { name: "bad name", document: 5, description: "d".repeat(1001) });
    expect(invalidNames(fields)).toEqual(["description", "document", "name"]);
    expectProblem(
      await t.api("POST", `/${s.uuid}/policies`, { name: "x".repeat(129), document: policyDoc("Allow", "s3:*") }),
      400,
      "INVALID_REQUEST",
    );
    expect((await t.api("POST", `/${s.uuid}/policies`, { name: "x".repeat(128), document: policyDoc("Allow", "s3:*") })).status).toBe(201);
    expect((await t.api("GET", `/${s.uuid}/policies`)).json).toHaveLength(6);
  });

  it("refuses duplicate names, system names, and changes to system policies", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:*") });
    expectProblem(await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:*") }), 409, "CONFLICT");
    expectProblem(
      await t.api("POST", `/${s.uuid}/policies`, { name: "ECSS3FullAccess", document: policyDoc("Allow", "s3:*") }),
      409,
      "CONFLICT",
    );
    expectProblem(await t.api("DELETE", `/${s.uuid}/policies/ECSS3FullAccess`), 400, "SERVICE_ERROR");
    expectProblem(
      await t.api("POST", `/${s.uuid}/policies/ECSS3FullAccess/versions`, { document: policyDoc("Allow", "s3:*") }),
      400,
      "SERVICE_ERROR",
    );
    expectProblem(await t.api("PATCH", `/${s.uuid}/policies/ECSS3FullAccess`, { version_id: "v1" }), 400, "SERVICE_ERROR");
    expectProblem(await t.api("DELETE", `/${s.uuid}/policies/ECSS3FullAccess/versions/v1`), 400, "SERVICE_ERROR");
    expectProblem(await t.api("GET", `/${s.uuid}/policies/nope`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/policies/nope`), 404, "RESOURCE_NOT_FOUND");
  });

  it("counts attachments and refuses to delete a policy in use", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    await t.api("POST", `/${s.uuid}/groups`, { name: "g" });
    await t.api("POST", `/${s.uuid}/roles`, {
      name: "r",
      assume_role_policy_document: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "*" } }] }),
    });
    await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:*") });
    for (const path of [`/users/u/policies`, `/groups/g/policies`, `/roles/r/policies`]) {
      expect((await t.api("POST", `/${s.uuid}${path}`, { name: "p" })).status).toBe(204);
      expect((await t.api("POST", `/${s.uuid}${path}`, { name: "ECSS3ReadOnlyAccess" })).status).toBe(204);
    }
    expect((await t.api("GET", `/${s.uuid}/policies/p`)).json.attachment_count).toBe(3);
    const list = await t.api("GET", `/${s.uuid}/policies`);
    const counts = Object.fromEntries(list.json.map((p: { name: string; attachment_count: number }) => [p.name, p.attachment_count]));
    expect(counts).toEqual({ ECSDenyAll: 0, ECSS3FullAccess: 0, ECSS3ReadOnlyAccess: 3, IAMFullAccess: 0, IAMReadOnlyAccess: 0, p: 3 });
    expect((await t.api("GET", `/${s.uuid}/policies/ECSS3ReadOnlyAccess`)).json.attachment_count).toBe(3);

    const refused = await t.api("DELETE", `/${s.uuid}/policies/p`);
    expectProblem(refused, 400, "SERVICE_ERROR");
    expect(refused.json.title).toContain("3 attachments");
    for (const path of [`/users/u/policies/p`, `/groups/g/policies/p`, `/roles/r/policies/p`])
      expect((await t.api("DELETE", `/${s.uuid}${path}`)).status).toBe(204);
    expect((await t.api("GET", `/${s.uuid}/policies/p`)).json.attachment_count).toBe(0);

    // A permissions boundary is a use too.
    await t.api("PUT", `/${s.uuid}/roles/r/permissions-boundary`, { policy_name: "p" });
    const boundary = await t.api("DELETE", `/${s.uuid}/policies/p`);
    expectProblem(boundary, 400, "SERVICE_ERROR");
    expect(boundary.json.title).toContain("permissions boundary");
    await t.api("DELETE", `/${s.uuid}/roles/r/permissions-boundary`);
    expect((await t.api("DELETE", `/${s.uuid}/policies/p`)).status).toBe(204);
    expectProblem(await t.api("GET", `/${s.uuid}/policies/p`), 404, "RESOURCE_NOT_FOUND");
    const versions = await env.DB.prepare("SELECT count(*) AS n FROM iam_policy_versions WHERE service_uuid = ?")
      .bind(s.uuid)
      .first<{ n: number }>();
    expect(versions!.n).toBe(0);
  });
});

describe("IAM policy versions", () => {
  it("creates versions v2..v5, switches the default, and caps at 5", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:GetObject") });
    const deny = policyDoc("Deny", "*");
    const v2 = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: deny, is_default: true });
    expect(v2.status, v2.text).toBe(201);
    expect(v2.json).toEqual({
      version_id: "v2",
      document: encodeURIComponent(deny),
      is_default: true,
      created_at: expect.stringMatching(/Z$/),
      create_date: v2.json.created_at,
    });
    expect((await t.api("GET", `/${s.uuid}/policies/p`)).json).toMatchObject({
      default_version_id: "v2",
      document: encodeURIComponent(deny),
    });
    const v3 = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: encodeURIComponent(policyDoc("Allow", "s3:PutObject")) });
    expect(v3.json).toMatchObject({ version_id: "v3", is_default: false });
    await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: deny, is_default: false });
    await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: deny });
    const sixth = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: deny });
    expectProblem(sixth, 400, "INVALID_REQUEST");
    expect(sixth.json.title).toContain("5 versions");

    const list = await t.api("GET", `/${s.uuid}/policies/p/versions`);
    expect(list.json.map((v: { version_id: string; is_default: boolean }) => [v.version_id, v.is_default])).toEqual([
      ["v5", false],
      ["v4", false],
      ["v3", false],
      ["v2", true],
      ["v1", false],
    ]);
    const get = await t.api("GET", `/${s.uuid}/policies/p/versions/v3`);
    expect(get.json).toEqual(v3.json);

    const patched = await t.api("PATCH", `/${s.uuid}/policies/p`, { version_id: "v3" });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ name: "p", default_version_id: "v3", document: v3.json.document });
    expect((await t.api("GET", `/${s.uuid}/policies/p/versions/v3`)).json.is_default).toBe(true);
    expect((await t.api("GET", `/${s.uuid}/policies/p/versions/v2`)).json.is_default).toBe(false);

    // The default cannot go; others can, and ids are never reused.
    expectProblem(await t.api("DELETE", `/${s.uuid}/policies/p/versions/v3`), 400, "SERVICE_ERROR");
    expect((await t.api("DELETE", `/${s.uuid}/policies/p/versions/v1`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/policies/p/versions/v1`), 404, "RESOURCE_NOT_FOUND");
    const v6 = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: deny });
    expect(v6.json.version_id).toBe("v6");
  });

  it("validates version ids and documents, and 404s for unknown ones", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:GetObject") });
    const badId = await t.api("PATCH", `/${s.uuid}/policies/p`, { version_id: "2" });
    expect(invalidNames(badId)).toEqual(["version_id"]);
    expectProblem(await t.api("PATCH", `/${s.uuid}/policies/p`, { version_id: "v9" }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("PATCH", `/${s.uuid}/policies/p`, {}), 400, "INVALID_REQUEST");
    expectProblem(await t.api("PATCH", `/${s.uuid}/policies/nope`, { version_id: "v1" }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("GET", `/${s.uuid}/policies/p/versions/v9`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("GET", `/${s.uuid}/policies/p/versions/latest`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("GET", `/${s.uuid}/policies/nope/versions`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(
      await t.api("POST", `/${s.uuid}/policies/nope/versions`, { document: policyDoc("Allow", "s3:*") }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    const badDoc = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: "{}", is_default: "yes" });
    expect(invalidNames(badDoc)).toEqual(["is_default"]);
    const badGrammar = await t.api("POST", `/${s.uuid}/policies/p/versions`, { document: "{}" });
    expect(badGrammar.json.invalid_params).toEqual([{ name: "document", reason: "missing Statement" }]);
    expect((await t.api("GET", `/${s.uuid}/policies/p/versions`)).json).toHaveLength(1);
  });

  it("keeps at most 5 versions and distinct ids when creates race", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/policies`, { name: "p", document: policyDoc("Allow", "s3:GetObject") });
    const rs = await Promise.all(
      Array.from({ length: 7 }, () => t.api("POST", `/${s.uuid}/policies/p/versions`, { document: policyDoc("Deny", "*") })),
    );
    const ok = rs.filter((r) => r.status === 201);
    expect(ok).toHaveLength(4);
    expect(new Set(ok.map((r) => r.json.version_id)).size).toBe(4);
    expect(rs.filter((r) => r.status === 400)).toHaveLength(3);
    expect((await t.api("GET", `/${s.uuid}/policies/p/versions`)).json.map((v: { version_id: string }) => v.version_id)).toEqual([
      "v5",
      "v4",
      "v3",
      "v2",
      "v1",
    ]);
  });
});
