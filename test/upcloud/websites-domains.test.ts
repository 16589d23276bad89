import { describe, expect, it } from "vitest";
import { call, expectProblem, newService, newTenant, privateNet, publicNet, settle, unique } from "../helpers/api";

/** A fresh domain per test: domains are unique across all services. */
const domain = (first = "objects") => `${first}.${unique("d").toLowerCase()}.example.com`;

describe("custom domains", () => {
  it("attaches, lists, gets, renames and deletes a domain", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = domain();
    const a = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name, type: "public" });
    expect(a.status).toBe(201);
    expect(a.headers.get("content-type")).toMatch(/^application\/json/);
    expect(a.json).toEqual({ domain_name: name, type: "public", mode: "api" });
    const site = domain("static");
    expect((await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: site, type: "public", mode: "static-website" })).status).toBe(
      201,
    );

    const list = await t.api("GET", `/${s.uuid}/custom-domains`);
    expect(list.status).toBe(200);
    expect(list.json).toEqual([
      { domain_name: name, type: "public", mode: "api" },
      { domain_name: site, type: "public", mode: "static-website" },
    ]);
    expect((await t.api("GET", `/${s.uuid}/custom-domains/${name}`)).json).toEqual({ domain_name: name, type: "public", mode: "api" });

    const renamed = name.replace("objects.", "obj.");
    const m = await t.api("PATCH", `/${s.uuid}/custom-domains/${name}`, { domain_name: renamed, type: "public" });
    expect(m.status).toBe(200);
    expect(m.json).toEqual({ domain_name: renamed, type: "public", mode: "api" });
    expectProblem(await t.api("GET", `/${s.uuid}/custom-domains/${name}`), 404, "RESOURCE_NOT_FOUND");

    const d = await t.api("DELETE", `/${s.uuid}/custom-domains/${renamed}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    expectProblem(await t.api("GET", `/${s.uuid}/custom-domains/${renamed}`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/custom-domains/${renamed}`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("PATCH", `/${s.uuid}/custom-domains/${renamed}`, { type: "public" }), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/custom-domains`)).json).toEqual([{ domain_name: site, type: "public", mode: "static-website" }]);
  });

  it("folds case: a domain is stored and found in lower case", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = domain();
    const a = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name.toUpperCase(), type: "public" });
    expect(a.json.domain_name).toBe(name);
    expect((await t.api("GET", `/${s.uuid}/custom-domains/${name.toUpperCase()}`)).status).toBe(200);
  });

  it("shows domains in the service body: custom_domains and extra endpoints", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const api = domain();
    const web = domain("www");
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: api, type: "public", mode: "api" });
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: web, type: "public", mode: "static-website" });
    const svc = (await t.api("GET", `/${s.uuid}`)).json;
    expect(svc.custom_domains).toEqual([
      { domain_name: api, type: "public", mode: "api" },
      { domain_name: web, type: "public", mode: "static-website" },
    ]);
    const label = s.endpoints[0]!.domain_name.split(".")[0];
    expect(svc.endpoints.map((e: { domain_name: string; mode: string }) => [e.domain_name, e.mode])).toEqual([
      [`${label}.localhost`, "api"],
      [`${label}-static.localhost`, "static-website"],
      [api, "api"],
      [web, "static-website"],
    ]);
    expect(svc.state_messages).toEqual([]);
    // Listed the same way by the service list.
    const listed = (await t.api("GET", "?limit=100")).json.find((x: { uuid: string }) => x.uuid === s.uuid);
    expect(listed!.custom_domains).toEqual(svc.custom_domains);
    // A stopped service has no endpoints at all, custom domains included.
    const stopped = await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped" });
    expect(stopped.json.endpoints).toEqual([]);
    expect(stopped.json.custom_domains).toHaveLength(2);
  });

  it("records failed DNS verification as a state message until the domain verifies", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await settle(t, s.uuid);
    const bad = domain("unverified");
    const a = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: bad, type: "public" });
    expect(a.status).toBe(201);
    const svc = (await t.api("GET", `/${s.uuid}`)).json;
    expect(svc.state_messages).toEqual([
      {
        code: "failed_custom_domain_verification",
        message: expect.stringContaining(bad),
        operational_state: "running",
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(svc.state_messages[0]!.message).toContain(`${s.endpoints[0]!.domain_name}`);
    // Renaming to a name that verifies clears it; the message is derived, so lifecycle steps keep it while it applies.
    const good = bad.replace("unverified.", "verified.");
    expect((await t.api("PATCH", `/${s.uuid}/custom-domains/${bad}`, { domain_name: good })).status).toBe(200);
    expect((await t.api("GET", `/${s.uuid}`)).json.state_messages).toEqual([]);
    const back = await t.api("PATCH", `/${s.uuid}/custom-domains/${good}`, { domain_name: bad });
    expect(back.status).toBe(200);
    await t.api("POST", `/${s.uuid}/networks`, privateNet());
    const states = await settle(t, s.uuid);
    expect(states.at(-1)).toBe("running");
    const after = (await t.api("GET", `/${s.uuid}`)).json.state_messages;
    expect(after.map((m: { code: string }) => m.code)).toEqual(["failed_custom_domain_verification"]);
    expect((await t.api("DELETE", `/${s.uuid}/custom-domains/${bad}`)).status).toBe(204);
    expect((await t.api("GET", `/${s.uuid}`)).json.state_messages).toEqual([]);
  });

  it("validates domain_name, type and mode, naming the field", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const cases: [unknown, string][] = [
      [{ domain_name: "localhost", type: "public" }, "domain_name"],
      [{ domain_name: "a.b.c.d.e.example.com", type: "public" }, "domain_name"],
      [{ domain_name: "-bad.example.com", type: "public" }, "domain_name"],
      [{ domain_name: "under_score.example.com", type: "public" }, "domain_name"],
      [{ domain_name: "trailing.example.com.", type: "public" }, "domain_name"],
      [{ domain_name: "10.0.0.1", type: "public" }, "domain_name"],
      [{ domain_name: `${"a".repeat(64)}.example.com`, type: "public" }, "domain_name"],
      [{ domain_name: 42, type: "public" }, "domain_name"],
      [{ type: "public" }, "domain_name"],
      [{ domain_name: domain() }, "type"],
      [{ domain_name: domain(), type: "private" }, "type"],
      [{ domain_name: domain(), type: "public", mode: "website" }, "mode"],
      [{ domain_name: "x.localhost", type: "public" }, "domain_name"],
      [{ domain_name: `abcde-static.localhost`, type: "public" }, "domain_name"],
    ];
    for (const [body, field] of cases) {
      const r = await t.api("POST", `/${s.uuid}/custom-domains`, body);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(
        r.json.invalid_params.map((p: { name: string }) => p.name),
        JSON.stringify(body),
      ).toEqual([field]);
    }
    const five = await t.api("POST", `/${s.uuid}/custom-domains`, {
      domain_name: `a.b.${unique("c").toLowerCase()}.example.com`,
      type: "public",
    });
    expect(five.status).toBe(201);
    const two = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: `${unique("apex").toLowerCase()}.com`, type: "public" });
    expect(two.status).toBe(201);
    const raw = await t.api("POST", `/${s.uuid}/custom-domains`, undefined, { "Content-Type": "application/json" });
    expectProblem(raw, 400, "INVALID_REQUEST");
  });

  it("keeps mode immutable and validates modifications", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = domain();
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name, type: "public", mode: "static-website" });
    const change = await t.api("PATCH", `/${s.uuid}/custom-domains/${name}`, { mode: "api" });
    expectProblem(change, 400, "INVALID_REQUEST");
    expect(change.json.invalid_params).toEqual([{ name: "mode", reason: expect.stringContaining("immutable") }]);
    const same = await t.api("PATCH", `/${s.uuid}/custom-domains/${name}`, { mode: "static-website", type: "public" });
    expect(same.status).toBe(200);
    expect(same.json.mode).toBe("static-website");
    for (const [body, field] of [
      [{ domain_name: "nodots" }, "domain_name"],
      [{ type: "private" }, "type"],
      [{ domain_name: "x.localhost" }, "domain_name"],
    ] as const) {
      const r = await t.api("PATCH", `/${s.uuid}/custom-domains/${name}`, body);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(r.json.invalid_params[0].name).toBe(field);
    }
  });

  it("allows at most 5 domains per service", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const names = Array.from({ length: 5 }, (_, i) => domain(`d${i}`));
    const made = await Promise.all(names.map((n) => t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: n, type: "public" })));
    expect(made.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const sixth = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain("d6"), type: "public" });
    expectProblem(sixth, 400, "INVALID_REQUEST");
    expect(sixth.json.invalid_params).toEqual([{ name: "domain_name", reason: "a service can have at most 5 custom domains" }]);
  });

  it("never lets concurrent attaches exceed the limit", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const rs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain(`c${i}`), type: "public" })),
    );
    expect(rs.filter((r) => r.status === 201)).toHaveLength(5);
    expect(rs.filter((r) => r.status === 400)).toHaveLength(3);
    expect((await t.api("GET", `/${s.uuid}/custom-domains`)).json).toHaveLength(5);
  });

  it("routes a hostname to one service only: 409 across services and tenants", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const s1 = await newService(t);
    const s2 = await newService(t);
    const s3 = await newService(other);
    const name = domain();
    expect((await t.api("POST", `/${s1.uuid}/custom-domains`, { domain_name: name, type: "public" })).status).toBe(201);
    expectProblem(await t.api("POST", `/${s1.uuid}/custom-domains`, { domain_name: name, type: "public" }), 409, "CONFLICT");
    expectProblem(await t.api("POST", `/${s2.uuid}/custom-domains`, { domain_name: name, type: "public" }), 409, "CONFLICT");
    expectProblem(
      await other.api("POST", `/${s3.uuid}/custom-domains`, { domain_name: name.toUpperCase(), type: "public" }),
      409,
      "CONFLICT",
    );
    const mine = domain("mine");
    await t.api("POST", `/${s2.uuid}/custom-domains`, { domain_name: mine, type: "public" });
    expectProblem(await t.api("PATCH", `/${s2.uuid}/custom-domains/${mine}`, { domain_name: name }), 409, "CONFLICT");
  });

  it("requires a public network", async () => {
    const t = await newTenant();
    const s = await newService(t, { networks: [privateNet()] });
    const r = await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain(), type: "public" });
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(r.json.invalid_params).toEqual([{ name: "domain_name", reason: expect.stringContaining("public network") }]);
    const s2 = await newService(t);
    const name = domain();
    await t.api("POST", `/${s2.uuid}/custom-domains`, { domain_name: name, type: "public" });
    expect((await t.api("DELETE", `/${s2.uuid}/networks/${publicNet.name}`)).status).toBe(204);
    // Still listed, but no endpoint rides on a public endpoint that is gone.
    const svc = (await t.api("GET", `/${s2.uuid}`)).json;
    expect(svc.custom_domains).toHaveLength(1);
    expect(svc.endpoints).toEqual([]);
    expectProblem(await t.api("PATCH", `/${s2.uuid}/custom-domains/${name}`, {}), 400, "INVALID_REQUEST");
  });

  it("is gone with its service", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = domain();
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name, type: "public" });
    expect((await t.api("DELETE", `/${s.uuid}`)).status).toBe(204);
    expectProblem(await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain(), type: "public" }), 400, "SERVICE_ERROR");
    expect((await settle(t, s.uuid)).at(-1)).toBe("gone");
    // The name is free again once the service is deleted.
    const s2 = await newService(t);
    expect((await t.api("POST", `/${s2.uuid}/custom-domains`, { domain_name: name, type: "public" })).status).toBe(201);
  });

  it("lists every host name of the service with its state (GET /domains)", async () => {
    const t = await newTenant();
    const s = await newService(t, { networks: [publicNet, privateNet()] });
    const label = s.endpoints[0]!.domain_name.split(".")[0];
    const web = domain("www");
    const bad = domain("unverified");
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: web, type: "public", mode: "static-website" });
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: bad, type: "public" });
    await t.api("POST", `/${s.uuid}/static-websites`, { domain_name: web, bucket_name: "site" });
    const r = await t.api("GET", `/${s.uuid}/domains`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      domains: [
        { domain: `${label}.localhost`, type: "public", active: true, static_website_configured: false },
        { domain: `${label}-private.localhost`, type: "private", active: true, static_website_configured: false },
        { domain: `${label}-static.localhost`, type: "public", active: true, static_website_configured: false },
        { domain: web, type: "custom", active: true, static_website_configured: true },
        { domain: bad, type: "custom", active: false, static_website_configured: false },
      ],
    });
    await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped" });
    const stopped = (await t.api("GET", `/${s.uuid}/domains`)).json.domains;
    expect(stopped.map((d: { active: boolean }) => d.active)).toEqual([false, false, false, false, false]);
    const other = await newTenant();
    expectProblem(await other.api("GET", `/${s.uuid}/domains`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await call("GET", `/1.3/object-storage-2/${s.uuid}/domains`), 401, "AUTHENTICATION_FAILED");
  });

  it("isolates tenants and requires authentication", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const s = await newService(t);
    const name = domain();
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name, type: "public" });
    const paths: [string, string, unknown?][] = [
      ["GET", `/${s.uuid}/custom-domains`],
      ["POST", `/${s.uuid}/custom-domains`, { domain_name: domain(), type: "public" }],
      ["GET", `/${s.uuid}/custom-domains/${name}`],
      ["PATCH", `/${s.uuid}/custom-domains/${name}`, { type: "public" }],
      ["DELETE", `/${s.uuid}/custom-domains/${name}`],
    ];
    for (const [method, path, body] of paths) {
      expectProblem(await other.api(method, path, body), 404, "RESOURCE_NOT_FOUND");
      expectProblem(await call(method, `/1.3/object-storage-2${path}`, { body }), 401, "AUTHENTICATION_FAILED");
    }
    expect((await t.api("GET", `/${s.uuid}/custom-domains/${name}`)).status).toBe(200);
  });
});
