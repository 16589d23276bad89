import { describe, expect, it } from "vitest";
import { call, BASE, expectProblem, invalidNames, newIamUser, newService, newTenant, policyDoc } from "../helpers/api";

describe("IAM users", () => {
  it("creates, lists, gets and deletes users with the vendor's shapes", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const c = await t.api("POST", `/${s.uuid}/users`, { username: "example_user" });
    expect(c.status, c.text).toBe(201);
    expect(c.headers.get("content-type")).toMatch(/^application\/json/);
    expect(c.json).toEqual({
      username: "example_user",
      arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:user/example_user`,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      access_keys: [],
      policies: [],
      tags: [],
    });
    const other = await newIamUser(t, s.uuid, "a.b+c=d,e@f-g_h");
    expect(other.username).toBe("a.b+c=d,e@f-g_h");

    const list = await t.api("GET", `/${s.uuid}/users`);
    expect(list.status).toBe(200);
    expect(list.json.map((u: { username: string }) => u.username)).toEqual(["example_user", "a.b+c=d,e@f-g_h"]);

    const g = await t.api("GET", `/${s.uuid}/users/example_user`);
    expect(g.status).toBe(200);
    expect(g.json).toEqual(c.json);

    const d = await t.api("DELETE", `/${s.uuid}/users/example_user`);
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    expectProblem(await t.api("GET", `/${s.uuid}/users/example_user`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/users/example_user`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/users`)).json).toHaveLength(1);
  });

  it("validates usernames and refuses duplicates and the reserved name", async () => {
    const t = await newTenant();
    const s = await newService(t);
    for (const username of ["", "x".repeat(65), "has space", "slash/no", "é"]) {
      const r = await t.api("POST", `/${s.uuid}/users`, { username });
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(invalidNames(r)).toContain("username");
    }
    expect((await t.api("POST", `/${s.uuid}/users`, { username: "x".repeat(64) })).status).toBe(201);
    const reserved = await t.api("POST", `/${s.uuid}/users`, { username: "_upcloud-internal-user" });
    expectProblem(reserved, 400, "INVALID_REQUEST");
    expect(reserved.json.invalid_params).toEqual([{ name: "username", reason: expect.stringContaining("reserved") }]);
    expectProblem(await t.api("POST", `/${s.uuid}/users`, {}), 400, "INVALID_REQUEST");
    expectProblem(await t.api("POST", `/${s.uuid}/users`, { username: 7 }), 400, "INVALID_REQUEST");
    const bad = await call("POST", `${BASE}/${s.uuid}/users`, { headers: { ...t.auth, "Content-Type": "application/json" }, raw: "{nope" });
    expectProblem(bad, 400, "INVALID_REQUEST");

    await newIamUser(t, s.uuid, "dup");
    const dup = await t.api("POST", `/${s.uuid}/users`, { username: "dup" });
    expectProblem(dup, 409, "CONFLICT");
    // The same name in another service is fine: one namespace per service.
    const s2 = await newService(t);
    await newIamUser(t, s2.uuid, "dup");
  });

  it("keeps names unique when two creates race", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const rs = await Promise.all([1, 2, 3].map(() => t.api("POST", `/${s.uuid}/users`, { username: "racer" })));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect((await t.api("GET", `/${s.uuid}/users`)).json).toHaveLength(1);
  });

  it("refuses to delete a user with keys, policies, inline policies or groups, naming what remains", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "busy");
    const key = await t.api("POST", `/${s.uuid}/users/busy/access-keys`);
    expect((await t.api("POST", `/${s.uuid}/users/busy/policies`, { name: "ECSS3FullAccess" })).status).toBe(204);
    expect(
      (await t.api("POST", `/${s.uuid}/users/busy/inline-policies`, { name: "inl", document: policyDoc("Allow", "s3:GetObject") })).status,
    ).toBe(201);
    expect((await t.api("POST", `/${s.uuid}/groups`, { name: "devs" })).status).toBe(201);
    expect((await t.api("POST", `/${s.uuid}/groups/devs/users/busy`)).status).toBe(204);
    expect((await t.api("PUT", `/${s.uuid}/users/busy/tags`, [{ key: "team", value: "a" }])).status).toBe(200);

    const steps: [string, string][] = [
      [`/${s.uuid}/users/busy/access-keys/${key.json.access_key_id}`, "1 access key"],
      [`/${s.uuid}/users/busy/policies/ECSS3FullAccess`, "1 attached policy"],
      [`/${s.uuid}/users/busy/inline-policies/inl`, "1 inline policy"],
      [`/${s.uuid}/groups/devs/users/busy`, "1 group membership"],
    ];
    for (const [path, held] of steps) {
      const r = await t.api("DELETE", `/${s.uuid}/users/busy`);
      expectProblem(r, 400, "SERVICE_ERROR");
      expect(r.json.title).toContain(held);
      expect((await t.api("DELETE", path)).status).toBe(204);
    }
    // Tags and a boundary do not block; they go with the user.
    expect((await t.api("PUT", `/${s.uuid}/users/busy/permissions-boundary`, { policy_name: "ECSDenyAll" })).status).toBe(200);
    expect((await t.api("DELETE", `/${s.uuid}/users/busy`)).status).toBe(204);
    await newIamUser(t, s.uuid, "busy");
    expect((await t.api("GET", `/${s.uuid}/users/busy/tags`)).json).toEqual([]);
    expect((await t.api("GET", `/${s.uuid}/users/busy`)).json.permissions_boundary).toBeUndefined();
  });

  it("fills the service body's users, with keys (no secrets) and policies", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const s2 = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    await newIamUser(t, s2.uuid, "bob");
    const key = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    await t.api("POST", `/${s.uuid}/users/alice/policies`, { name: "ECSS3ReadOnlyAccess" });
    const svc = await t.api("GET", `/${s.uuid}`);
    expect(svc.json.users).toEqual([
      {
        username: "alice",
        arn: `urn:ecs:iam::${s.uuid.replaceAll("-", "")}:user/alice`,
        created_at: expect.any(String),
        access_keys: [
          {
            access_key_id: key.json.access_key_id,
            status: "Active",
            created_at: key.json.created_at,
            last_used_at: "0001-01-01T00:00:00Z",
          },
        ],
        policies: [{ name: "ECSS3ReadOnlyAccess", arn: "urn:ecs:iam:::policy/ECSS3ReadOnlyAccess" }],
        tags: [],
      },
    ]);
    const list = await t.api("GET", "?sort=created_at");
    const byUuid = new Map(list.json.map((x) => [x.uuid, x.users!.map((u) => u.username)] as [string, string[]]));
    expect(byUuid.get(s.uuid)).toEqual(["alice"]);
    expect(byUuid.get(s2.uuid)).toEqual(["bob"]);
    expect(svc.text).not.toContain(key.json.secret_access_key);
    expect(list.text).not.toContain(key.json.secret_access_key);
  });

  it("answers 404 for another tenant's service and for unknown services", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const other = await newTenant();
    for (const [m, p, b] of [
      ["GET", `/${s.uuid}/users`],
      ["POST", `/${s.uuid}/users`, { username: "mallory" }],
      ["GET", `/${s.uuid}/users/alice`],
      ["DELETE", `/${s.uuid}/users/alice`],
      ["GET", `/${s.uuid}/users/alice/access-keys`],
      ["POST", `/${s.uuid}/users/alice/access-keys`],
      ["POST", `/${s.uuid}/users/alice/policies`, { name: "ECSS3FullAccess" }],
      ["GET", `/${s.uuid}/policies`],
      ["GET", `/${s.uuid}/groups`],
      ["GET", `/${s.uuid}/roles`],
      [
        "POST",
        `/${s.uuid}/policy-simulations`,
        { principal: { type: "user", name: "alice" }, actions: ["s3:GetObject"], resources: ["*"] },
      ],
    ] as [string, string, unknown?][]) {
      expectProblem(await other.api(m, p, b), 404, "RESOURCE_NOT_FOUND");
    }
    expectProblem(await t.api("GET", `/12345678-0000-4000-8000-000000000000/users`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/users`)).json.map((u: { username: string }) => u.username)).toEqual(["alice"]);
  });

  it("requires authentication", async () => {
    const t = await newTenant();
    const s = await newService(t);
    expectProblem(await call("GET", `${BASE}/${s.uuid}/users`), 401, "AUTHENTICATION_FAILED");
    expectProblem(
      await call("GET", `${BASE}/${s.uuid}/users`, { headers: { Authorization: "Bearer ucat_wrong" } }),
      401,
      "AUTHENTICATION_FAILED",
    );
  });
});

describe("IAM user tags and permissions boundary", () => {
  it("replaces, reads and deletes tags", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    expect((await t.api("GET", `/${s.uuid}/users/u/tags`)).json).toEqual([]);
    const put = await t.api("PUT", `/${s.uuid}/users/u/tags`, [{ key: "department", value: "Finance" }, { key: "flag" }]);
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual([{ key: "department", value: "Finance" }, { key: "flag" }]);
    expect((await t.api("GET", `/${s.uuid}/users/u/tags`)).json).toEqual(put.json);
    expect((await t.api("GET", `/${s.uuid}/users/u`)).json.tags).toEqual(put.json);
    const again = await t.api("PUT", `/${s.uuid}/users/u/tags`, [{ key: "school", value: "University of Helsinki" }]);
    expect(again.json).toEqual([{ key: "school", value: "University of Helsinki" }]);
    expect((await t.api("DELETE", `/${s.uuid}/users/u/tags/school`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/users/u/tags/school`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/users/u/tags`)).json).toEqual([]);
  });

  it("validates tags: array body, 50 at most, unique keys, allowed characters", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    const obj = await t.api("PUT", `/${s.uuid}/users/u/tags`, { key: "a", value: "b" });
    expectProblem(obj, 400, "INVALID_REQUEST");
    const many = await t.api(
      "PUT",
      `/${s.uuid}/users/u/tags`,
      Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, value: "v" })),
    );
    expectProblem(many, 400, "INVALID_REQUEST");
    expect(
      (
        await t.api(
          "PUT",
          `/${s.uuid}/users/u/tags`,
          Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: "v" })),
        )
      ).status,
    ).toBe(200);
    const dup = await t.api("PUT", `/${s.uuid}/users/u/tags`, [{ key: "a" }, { key: "a", value: "x" }]);
    expectProblem(dup, 400, "INVALID_REQUEST");
    expect(invalidNames(dup)).toEqual(["[1].key"]);
    const chars = await t.api("PUT", `/${s.uuid}/users/u/tags`, [
      { key: "bad#key", value: "ok" },
      { key: "ok", value: "bad<value>" },
    ]);
    expect(invalidNames(chars)).toEqual(["[0].key", "[1].value"]);
    expectProblem(await t.api("PUT", `/${s.uuid}/users/nobody/tags`, []), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("GET", `/${s.uuid}/users/nobody/tags`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/users/u/tags`)).json).toHaveLength(50);
  });

  it("sets a boundary answering a bare JSON string, and deletes it", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "u");
    await t.api("POST", `/${s.uuid}/policies`, { name: "cap", document: policyDoc("Allow", "s3:Get*") });
    const put = await t.api("PUT", `/${s.uuid}/users/u/permissions-boundary`, { policy_name: "cap" });
    expect(put.status).toBe(200);
    expect(put.headers.get("content-type")).toMatch(/^application\/json/);
    expect(put.text).toBe('"cap"');
    expect((await t.api("GET", `/${s.uuid}/users/u`)).json.permissions_boundary).toBe("cap");
    expect((await t.api("PUT", `/${s.uuid}/users/u/permissions-boundary`, { policy_name: "ECSS3ReadOnlyAccess" })).text).toBe(
      '"ECSS3ReadOnlyAccess"',
    );
    expectProblem(await t.api("PUT", `/${s.uuid}/users/u/permissions-boundary`, { policy_name: "missing" }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("PUT", `/${s.uuid}/users/nobody/permissions-boundary`, { policy_name: "cap" }), 404, "RESOURCE_NOT_FOUND");
    const bad = await t.api("PUT", `/${s.uuid}/users/u/permissions-boundary`, { name: "cap" });
    expect(invalidNames(bad)).toEqual(["policy_name"]);
    expect((await t.api("GET", `/${s.uuid}/users/u`)).json.permissions_boundary).toBe("ECSS3ReadOnlyAccess");
    expect((await t.api("DELETE", `/${s.uuid}/users/u/permissions-boundary`)).status).toBe(204);
    expect((await t.api("GET", `/${s.uuid}/users/u`)).json.permissions_boundary).toBeUndefined();
    expectProblem(await t.api("DELETE", `/${s.uuid}/users/u/permissions-boundary`), 404, "RESOURCE_NOT_FOUND");
  });
});
