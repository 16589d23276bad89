import { describe, expect, it } from "vitest";
import { ADMIN, BASE, call, expectProblem, newTenant, unique } from "../helpers/api";

describe("operator API", () => {
  it("requires the admin token", async () => {
    expectProblem(await call("GET", "/admin/v1/accounts"), 401, "AUTHENTICATION_FAILED");
    expectProblem(
      await call("GET", "/admin/v1/accounts", { headers: { Authorization: "Bearer not-the-admin-token" } }),
      401,
      "AUTHENTICATION_FAILED",
    );
    const t = await newTenant();
    expectProblem(await call("GET", "/admin/v1/accounts", { headers: t.auth }), 401, "AUTHENTICATION_FAILED");
  });

  it("answers unknown paths with its 404 and wrong methods with 405 and Allow", async () => {
    expectProblem(await call("GET", "/admin/v1/nothing", { headers: ADMIN }), 404, "RESOURCE_NOT_FOUND");
    const wrong = await call("DELETE", "/admin/v1/accounts", { headers: ADMIN });
    expectProblem(wrong, 405, "METHOD_NOT_ALLOWED");
    expect(wrong.headers.get("allow")).toBe("POST, GET, HEAD");
    // The operator realm is Bearer only.
    expect((await call("GET", "/admin/v1/accounts")).headers.get("www-authenticate")).toBe('Bearer realm="stowage-operator"');
  });

  it("creates, lists, gets and disables accounts; names are unique and validated", async () => {
    const name = unique("acct");
    const c = await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name } });
    expect(c.status).toBe(201);
    expect(c.json).toMatchObject({ name, status: "active", parent_id: null });
    expect(JSON.stringify(c.json)).not.toMatch(/password/);
    expectProblem(await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name } }), 409, "CONFLICT");
    const bad = await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name: "no spaces allowed" } });
    expect(bad.json.invalid_params).toEqual([{ name: "name", reason: expect.any(String) }]);
    const weak = await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name: unique("a"), password: "short" } });
    expect(weak.json.invalid_params).toEqual([{ name: "password", reason: "must be 8-256 characters" }]);
    expect((await call("GET", `/admin/v1/accounts/${c.json.id}`, { headers: ADMIN })).json).toEqual(c.json);
    const list = await call("GET", "/admin/v1/accounts?limit=1000", { headers: ADMIN });
    expect(list.json.map((a: { id: string }) => a.id)).toContain(c.json.id);
    expectProblem(await call("GET", "/admin/v1/accounts/nope", { headers: ADMIN }), 404, "RESOURCE_NOT_FOUND");
    const child = await call("POST", "/admin/v1/accounts", { headers: ADMIN, body: { name: unique("child"), parent_id: c.json.id } });
    expect(child.json.parent_id).toBe(c.json.id);
  });

  it("issues tokens shown once, stores only hashes, lists and revokes them", async () => {
    const t = await newTenant();
    const issued = await call("POST", `/admin/v1/accounts/${t.accountId}/tokens`, { headers: ADMIN, body: { name: "ci" } });
    expect(issued.status).toBe(201);
    const token: string = issued.json.token;
    expect(token).toMatch(/^ucat_[0-9a-z]{24,}$/);
    expect((await call("GET", BASE, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    const list = await call("GET", `/admin/v1/accounts/${t.accountId}/tokens`, { headers: ADMIN });
    expect(list.text).not.toContain(token);
    expect(list.json.map((x: { name: string }) => x.name).sort()).toEqual(["ci", "tests"]);
    const { env } = await import("cloudflare:workers");
    const rows = await env.DB.prepare("SELECT * FROM api_tokens WHERE account_id = ?").bind(t.accountId).all();
    expect(JSON.stringify(rows.results)).not.toContain(token);
    expect((await call("DELETE", `/admin/v1/accounts/${t.accountId}/tokens/${issued.json.id}`, { headers: ADMIN })).status).toBe(204);
    expectProblem(await call("GET", BASE, { headers: { Authorization: `Bearer ${token}` } }), 401, "AUTHENTICATION_FAILED");
    expectProblem(
      await call("DELETE", `/admin/v1/accounts/${t.accountId}/tokens/${issued.json.id}`, { headers: ADMIN }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    const past = await call("POST", `/admin/v1/accounts/${t.accountId}/tokens`, {
      headers: ADMIN,
      body: { name: "old", expires_at: "2001-01-01T00:00:00Z" },
    });
    expect(past.json.invalid_params[0].name).toBe("expires_at");
  });

  it("sets and clears Basic passwords", async () => {
    const t = await newTenant();
    const basic = { Authorization: `Basic ${btoa(`${t.name}:a-new-password`)}` };
    expectProblem(await call("GET", BASE, { headers: basic }), 401, "AUTHENTICATION_FAILED");
    await call("PATCH", `/admin/v1/accounts/${t.accountId}`, { headers: ADMIN, body: { password: "a-new-password" } });
    expect((await call("GET", BASE, { headers: basic })).status).toBe(200);
    await call("PATCH", `/admin/v1/accounts/${t.accountId}`, { headers: ADMIN, body: { password: null } });
    expectProblem(await call("GET", BASE, { headers: basic }), 401, "AUTHENTICATION_FAILED");
  });
});
