import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { expectProblem, lifecycleStub, newIamUser, newService, newTenant, policyDoc, settle, trustDoc, type Tenant } from "../helpers/api";

const IAM_TABLES = [
  "iam_users",
  "iam_access_keys",
  "iam_policies",
  "iam_policy_versions",
  "iam_attachments",
  "iam_inline_policies",
  "iam_groups",
  "iam_group_members",
  "iam_roles",
  "iam_tags",
];

async function iamRowCounts(serviceUuid: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of IAM_TABLES) {
    const r = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE service_uuid = ?`).bind(serviceUuid).first<{ n: number }>();
    out[table] = r!.n;
  }
  return out;
}

/** A service holding at least one row in every IAM table. */
async function populate(t: Tenant, svc: string) {
  await newIamUser(t, svc, "alice");
  expect((await t.api("POST", `/${svc}/users/alice/access-keys`)).status).toBe(201);
  expect((await t.api("PUT", `/${svc}/users/alice/tags`, [{ key: "k", value: "v" }])).status).toBe(200);
  expect((await t.api("POST", `/${svc}/policies`, { name: "p", document: policyDoc("Allow", "s3:*") })).status).toBe(201);
  expect((await t.api("POST", `/${svc}/policies/p/versions`, { document: policyDoc("Deny", "*") })).status).toBe(201);
  expect((await t.api("POST", `/${svc}/users/alice/policies`, { name: "p" })).status).toBe(204);
  expect(
    (await t.api("POST", `/${svc}/users/alice/inline-policies`, { name: "i", document: policyDoc("Allow", "s3:GetObject") })).status,
  ).toBe(201);
  expect((await t.api("POST", `/${svc}/groups`, { name: "g" })).status).toBe(201);
  expect((await t.api("POST", `/${svc}/groups/g/users/alice`)).status).toBe(204);
  expect(
    (
      await t.api("POST", `/${svc}/roles`, {
        name: "r",
        assume_role_policy_document: trustDoc(),
        tags: [{ key: "t" }],
        permissions_boundary: "p",
      })
    ).status,
  ).toBe(201);
}

describe("IAM and the service lifecycle", () => {
  it("refuses to delete a service without force while any user, custom policy, group or role exists", async () => {
    const t = await newTenant();
    const make: [string, (svc: string) => Promise<unknown>][] = [
      ["user", (svc) => newIamUser(t, svc, "u")],
      ["policy", (svc) => t.api("POST", `/${svc}/policies`, { name: "p", document: policyDoc("Allow", "s3:*") })],
      ["group", (svc) => t.api("POST", `/${svc}/groups`, { name: "g" })],
      ["role", (svc) => t.api("POST", `/${svc}/roles`, { name: "r", assume_role_policy_document: trustDoc() })],
    ];
    for (const [, create] of make) {
      const s = await newService(t);
      await create(s.uuid);
      const r = await t.api("DELETE", `/${s.uuid}`);
      expectProblem(r, 400, "SERVICE_ERROR");
      expect(r.json.title).toContain("1 IAM entity");
      expect((await t.api("GET", `/${s.uuid}`)).json.operational_state).toBe("pending");
    }
    const s = await newService(t);
    await populate(t, s.uuid);
    const r = await t.api("DELETE", `/${s.uuid}`);
    expectProblem(r, 400, "SERVICE_ERROR");
    expect(r.json.title).toContain("4 IAM entities");
    // System policies and attachments of them do not count: an otherwise empty service deletes.
    const empty = await newService(t);
    expect((await t.api("GET", `/${empty.uuid}/policies`)).json).toHaveLength(5);
    expect((await t.api("DELETE", `/${empty.uuid}`)).status).toBe(204);
  });

  it("with force, the delete-iam step removes every IAM row before the service row goes", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await settle(t, s.uuid);
    await populate(t, s.uuid);
    const before = await iamRowCounts(s.uuid);
    for (const table of IAM_TABLES) expect(before[table], table).toBeGreaterThan(0);

    expect((await t.api("DELETE", `/${s.uuid}?force=true`)).status).toBe(204);
    // IAM writes are refused while the service is being deleted.
    expectProblem(await t.api("POST", `/${s.uuid}/users`, { username: "late" }), 400, "SERVICE_ERROR");

    let sawIamGoneWithServiceAlive = false;
    while (await runDurableObjectAlarm(lifecycleStub(s.uuid))) {
      const row = await env.DB.prepare("SELECT operational_state FROM services WHERE uuid = ?")
        .bind(s.uuid)
        .first<{ operational_state: string }>();
      if (row?.operational_state === "delete-namespace") {
        expect(Object.values(await iamRowCounts(s.uuid)).every((n) => n === 0)).toBe(true);
        sawIamGoneWithServiceAlive = true;
      }
      if (row?.operational_state === "delete-iam") {
        // Entering delete-iam does not remove anything yet; its step does.
        expect((await iamRowCounts(s.uuid)).iam_users).toBe(1);
      }
    }
    expect(sawIamGoneWithServiceAlive).toBe(true);
    expectProblem(await t.api("GET", `/${s.uuid}`), 404, "RESOURCE_NOT_FOUND");
    expect(Object.values(await iamRowCounts(s.uuid)).every((n) => n === 0)).toBe(true);
  });

  it("cascades: removing a service row directly removes its IAM rows too", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await populate(t, s.uuid);
    await env.DB.prepare("DELETE FROM services WHERE uuid = ?").bind(s.uuid).run();
    expect(Object.values(await iamRowCounts(s.uuid)).every((n) => n === 0)).toBe(true);
  });

  it("keeps each service's IAM namespace separate", async () => {
    const t = await newTenant();
    const a = await newService(t);
    const b = await newService(t);
    await populate(t, a.uuid);
    expect((await t.api("GET", `/${b.uuid}/users`)).json).toEqual([]);
    expect((await t.api("GET", `/${b.uuid}/groups`)).json).toEqual([]);
    expect((await t.api("GET", `/${b.uuid}/roles`)).json).toEqual([]);
    expect((await t.api("GET", `/${b.uuid}/policies`)).json).toHaveLength(5);
    expectProblem(await t.api("POST", `/${b.uuid}/users/alice/access-keys`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", `/${b.uuid}/groups/g/users/alice`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("POST", `/${b.uuid}/users/x/policies`, { name: "p" }), 404, "RESOURCE_NOT_FOUND");
    await newIamUser(t, b.uuid, "x");
    // A custom policy of service a is unknown in service b.
    expectProblem(await t.api("POST", `/${b.uuid}/users/x/policies`, { name: "p" }), 404, "RESOURCE_NOT_FOUND");
  });
});
