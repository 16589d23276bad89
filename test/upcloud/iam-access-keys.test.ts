import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findAccessKey, identityPolicies } from "../../src/core/iam/principal";
import { call, BASE, expectProblem, invalidNames, newIamUser, newService, newTenant } from "../helpers/api";
import { principalArn } from "../../src/routes/principals";

describe("IAM access keys", () => {
  it("creates a key (no body or {}), returning the secret exactly once", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const noBody = await call("POST", `${BASE}/${s.uuid}/users/alice/access-keys`, { headers: t.auth });
    expect(noBody.status, noBody.text).toBe(201);
    expect(noBody.json).toEqual({
      access_key_id: expect.stringMatching(/^AKIA[0-9A-F]{16}$/),
      secret_access_key: expect.stringMatching(/^[A-Za-z0-9+/]{40}$/),
      status: "Active",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      last_used_at: "0001-01-01T00:00:00Z",
    });
    const emptyObject = await t.api("POST", `/${s.uuid}/users/alice/access-keys`, {});
    expect(emptyObject.status, emptyObject.text).toBe(201);
    expect(emptyObject.json.access_key_id).not.toBe(noBody.json.access_key_id);
    expect(emptyObject.json.secret_access_key).not.toBe(noBody.json.secret_access_key);

    const secrets = [noBody.json.secret_access_key, emptyObject.json.secret_access_key];
    const ids = [noBody.json.access_key_id, emptyObject.json.access_key_id];
    const later = [
      await t.api("GET", `/${s.uuid}/users/alice/access-keys`),
      await t.api("GET", `/${s.uuid}/users/alice/access-keys/${ids[0]}`),
      await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${ids[1]}`, { status: "Inactive" }),
      await t.api("GET", `/${s.uuid}/users/alice`),
      await t.api("GET", `/${s.uuid}/users`),
      await t.api("GET", `/${s.uuid}`),
      await t.api("GET", ""),
      await t.api("POST", `/${s.uuid}/users/alice/access-keys`),
    ];
    for (const r of later) {
      for (const secret of secrets) expect(r.text).not.toContain(secret);
      expect(r.text).not.toContain("secret_access_key");
    }
    expect((later[0]!.json as { access_key_id: string }[]).map((k) => k.access_key_id)).toEqual(ids);
    expect(Object.keys(later[1]!.json).sort()).toEqual(["access_key_id", "created_at", "last_used_at", "status"]);
  });

  it("stores secrets only sealed with AES-GCM under MASTER_KEY", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const k = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const row = await env.DB.prepare("SELECT * FROM iam_access_keys WHERE access_key_id = ?")
      .bind(k.json.access_key_id)
      .first<Record<string, string>>();
    expect(row).not.toBeNull();
    const dump = JSON.stringify(row);
    expect(dump).not.toContain(k.json.secret_access_key);
    expect(row!.secret_sealed).toMatch(/^k1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
    // A second key with the same plaintext would still seal differently: the IV is random.
    const k2 = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const row2 = await env.DB.prepare("SELECT secret_sealed FROM iam_access_keys WHERE access_key_id = ?")
      .bind(k2.json.access_key_id)
      .first<{ secret_sealed: string }>();
    expect(row2!.secret_sealed.split(".")[1]).not.toBe(row!.secret_sealed!.split(".")[1]);
    // Nothing in the whole database holds either plaintext.
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'iam_%'").all<{
      name: string;
    }>();
    for (const { name } of tables.results) {
      const all = JSON.stringify((await env.DB.prepare(`SELECT * FROM ${name}`).all()).results);
      expect(all).not.toContain(k.json.secret_access_key);
      expect(all).not.toContain(k2.json.secret_access_key);
    }
  });

  it("allows at most 2 keys per user", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const second = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const third = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    expectProblem(third, 400, "INVALID_REQUEST");
    expect(third.json.title).toMatch(/at most|maximum/);
    expect((await t.api("DELETE", `/${s.uuid}/users/alice/access-keys/${second.json.access_key_id}`)).status).toBe(204);
    expect((await t.api("POST", `/${s.uuid}/users/alice/access-keys`)).status).toBe(201);
    expect((await t.api("GET", `/${s.uuid}/users/alice/access-keys`)).json).toHaveLength(2);
  });

  it("keeps the limit when creates race: one key held, two concurrent creates, exactly one wins", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const rs = await Promise.all([1, 2].map(() => t.api("POST", `/${s.uuid}/users/alice/access-keys`)));
    expect(rs.map((r) => r.status).sort()).toEqual([201, 400]);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM iam_access_keys WHERE service_uuid = ?").bind(s.uuid).first<{ n: number }>();
    expect(n!.n).toBe(2);
    // And from zero: of five concurrent creates exactly two succeed.
    await newIamUser(t, s.uuid, "bob");
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => t.api("POST", `/${s.uuid}/users/bob/access-keys`)));
    expect(five.filter((r) => r.status === 201)).toHaveLength(2);
    expect((await t.api("GET", `/${s.uuid}/users/bob/access-keys`)).json).toHaveLength(2);
  });

  it("modifies status, validates it, and deletes keys", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const k = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const id = k.json.access_key_id;
    const off = await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${id}`, { status: "Inactive" });
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ access_key_id: id, status: "Inactive" });
    expect((await t.api("GET", `/${s.uuid}/users/alice/access-keys/${id}`)).json.status).toBe("Inactive");
    expect((await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${id}`, {})).json.status).toBe("Inactive");
    const bad = await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${id}`, { status: "active" });
    expectProblem(bad, 400, "INVALID_REQUEST");
    expect(invalidNames(bad)).toEqual(["status"]);
    expect((await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${id}`, { status: "Active" })).json.status).toBe("Active");

    expectProblem(await t.api("GET", `/${s.uuid}/users/alice/access-keys/AKIA0000000000000000`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(
      await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/AKIA0000000000000000`, { status: "Active" }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    expectProblem(await t.api("GET", `/${s.uuid}/users/nobody/access-keys`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", `/${s.uuid}/users/nobody/access-keys`), 404, "RESOURCE_NOT_FOUND");
    // A key is addressed through its own user only.
    await newIamUser(t, s.uuid, "bob");
    expectProblem(await t.api("GET", `/${s.uuid}/users/bob/access-keys/${id}`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/users/bob/access-keys/${id}`), 404, "RESOURCE_NOT_FOUND");

    expect((await t.api("DELETE", `/${s.uuid}/users/alice/access-keys/${id}`)).status).toBe(204);
    expectProblem(await t.api("DELETE", `/${s.uuid}/users/alice/access-keys/${id}`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/users/alice/access-keys`)).json).toEqual([]);
  });

  it("answers 404 for another tenant's keys", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const k = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const other = await newTenant();
    const path = `/${s.uuid}/users/alice/access-keys/${k.json.access_key_id}`;
    expectProblem(await other.api("GET", path), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await other.api("PATCH", path, { status: "Inactive" }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await other.api("DELETE", path), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", path)).json.status).toBe("Active");
  });
});

describe("IAM principal API for the data plane", () => {
  it("finds a key with its decrypted secret and identity, and records first use", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const user = await newIamUser(t, s.uuid, "alice");
    const k = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    const found = await findAccessKey(env, k.json.access_key_id);
    expect(found).toEqual({
      serviceUuid: s.uuid,
      accountId: t.accountId,
      username: "alice",
      userId: expect.stringMatching(/^AIDA[0-9A-F]{16}$/),
      status: "Active",
      secret: k.json.secret_access_key,
    });
    // The core names no ARN; the spelling every dialect shares is the user's ARN in the body.
    expect(principalArn({ serviceUuid: found!.serviceUuid, type: "user", name: found!.username })).toBe(user.arn);
    expect(await findAccessKey(env, "AKIA0000000000000000")).toBeNull();

    await t.api("PATCH", `/${s.uuid}/users/alice/access-keys/${k.json.access_key_id}`, { status: "Inactive" });
    expect((await findAccessKey(env, k.json.access_key_id))?.status).toBe("Inactive");
  });

  it("stops finding keys once the service is being deleted", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    const k = await t.api("POST", `/${s.uuid}/users/alice/access-keys`);
    expect(await findAccessKey(env, k.json.access_key_id)).not.toBeNull();
    expect((await t.api("DELETE", `/${s.uuid}?force=true`)).status).toBe(204);
    expect(await findAccessKey(env, k.json.access_key_id)).toBeNull();
  });

  it("collects a user's policies: attached (default version), inline, its groups', and its boundary", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await newIamUser(t, s.uuid, "alice");
    await newIamUser(t, s.uuid, "bob");
    const doc = (a: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: a, Resource: "*" }] });
    await t.api("POST", `/${s.uuid}/policies`, { name: "custom", document: doc("s3:ListBucket") });
    await t.api("POST", `/${s.uuid}/policies/custom/versions`, { document: doc("s3:GetObject"), is_default: true });
    await t.api("POST", `/${s.uuid}/users/alice/policies`, { name: "custom" });
    await t.api("POST", `/${s.uuid}/users/alice/policies`, { name: "ECSS3ReadOnlyAccess" });
    await t.api("POST", `/${s.uuid}/users/alice/inline-policies`, { name: "mine", document: doc("s3:PutObject") });
    await t.api("POST", `/${s.uuid}/groups`, { name: "devs" });
    await t.api("POST", `/${s.uuid}/groups`, { name: "ops" });
    await t.api("POST", `/${s.uuid}/groups/devs/users/alice`);
    await t.api("POST", `/${s.uuid}/groups/devs/policies`, { name: "IAMReadOnlyAccess" });
    await t.api("POST", `/${s.uuid}/groups/devs/inline-policies`, { name: "grp", document: doc("s3:DeleteObject") });
    await t.api("POST", `/${s.uuid}/groups/ops/policies`, { name: "ECSDenyAll" });
    await t.api("POST", `/${s.uuid}/users/bob/policies`, { name: "IAMFullAccess" });
    await t.api("PUT", `/${s.uuid}/users/alice/permissions-boundary`, { policy_name: "ECSS3FullAccess" });

    const got = await identityPolicies(env, s.uuid, "alice");
    const summary = got.policies
      .map((p) => [p.source, p.document.Statement[0]!.Action])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
    expect(summary).toEqual([
      ["group:devs/inline:grp", ["s3:DeleteObject"]],
      ["group:devs/managed:IAMReadOnlyAccess", ["iam:Get*", "iam:List*"]],
      ["user:alice/inline:mine", ["s3:PutObject"]],
      ["user:alice/managed:ECSS3ReadOnlyAccess", ["s3:Get*", "s3:List*"]],
      ["user:alice/managed:custom", ["s3:GetObject"]],
    ]);
    expect(got.boundary).toMatchObject({ name: "ECSS3FullAccess", source: "user:alice/boundary:ECSS3FullAccess" });
    expect(got.boundary!.document.Statement[0]!.Action).toEqual(["s3:*"]);
    expect(await identityPolicies(env, s.uuid, "nobody")).toEqual({ policies: [], boundary: null });
    const bob = await identityPolicies(env, s.uuid, "bob");
    expect(bob.policies.map((p) => p.name)).toEqual(["IAMFullAccess"]);
    expect(bob.boundary).toBeNull();
  });
});
