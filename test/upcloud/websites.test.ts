import { describe, expect, it } from "vitest";
import { call, expectProblem, newService, newTenant, privateNet, settle, type Tenant, unique } from "../helpers/api";

const domain = (first = "www") => `${first}.${unique("d").toLowerCase()}.example.com`;
const staticHost = (s: { endpoints: { domain_name: string; mode: string }[] }) =>
  s.endpoints.find((e) => e.mode === "static-website")!.domain_name;

async function staticDomain(t: Tenant, uuid: string, mode = "static-website") {
  const name = domain();
  const r = await t.api("POST", `/${uuid}/custom-domains`, { domain_name: name, type: "public", mode });
  expect(r.status, r.text).toBe(201);
  return name;
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe("static website configs", () => {
  it("creates a config for the primary static domain with the vendor's defaults", async () => {
    const t = await newTenant();
    const s = await newService(t);
    expect(staticHost(s)).toMatch(/^[a-z0-9]{5}-static\.localhost$/);
    const c = await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "my-website" });
    expect(c.status).toBe(201);
    expect(c.json).toEqual({
      domain_name: staticHost(s),
      bucket_name: "my-website",
      bucket_prefix: "",
      index_document: "index.html",
      enabled: true,
      spa_mode: false,
      error_pages: [],
      created_at: expect.stringMatching(TIMESTAMP),
      updated_at: expect.stringMatching(TIMESTAMP),
    });
    expect((await t.api("GET", `/${s.uuid}/static-websites`)).json).toEqual([c.json]);
    expect((await t.api("GET", `/${s.uuid}/static-websites/${staticHost(s)}`)).json).toEqual(c.json);
    expect((await t.api("GET", `/${s.uuid}`)).json.static_websites).toEqual([c.json]);
    // Naming the primary domain explicitly is the same config: 409.
    expectProblem(await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b", domain_name: staticHost(s) }), 409, "CONFLICT");
    expectProblem(await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b" }), 409, "CONFLICT");
  });

  it("creates a config for a static-website custom domain with every field", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = await staticDomain(t, s.uuid);
    const body = {
      domain_name: name,
      bucket_name: "my-website",
      bucket_prefix: "public/",
      index_document: "home.htm",
      spa_mode: true,
      enabled: false,
      error_pages: [
        { status_code: 404, error_document: "errors/404.html" },
        { status_range: { start: 500, end: 599 }, error_document: "errors/5xx.html" },
      ],
    };
    const c = await t.api("POST", `/${s.uuid}/static-websites`, body);
    expect(c.status).toBe(201);
    expect(c.json).toEqual({ ...body, created_at: expect.any(String), updated_at: expect.any(String) });
    expectProblem(await t.api("POST", `/${s.uuid}/static-websites`, { ...body, bucket_name: "other" }), 409, "CONFLICT");
    const list = (await t.api("GET", `/${s.uuid}/static-websites`)).json;
    expect(list.map((w: { domain_name: string }) => w.domain_name)).toEqual([name]);
  });

  it("modifies every field, replaces error pages, keeps domain_name immutable", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const c = (
      await t.api("POST", `/${s.uuid}/static-websites`, {
        bucket_name: "my-website",
        error_pages: [{ status_code: 404, error_document: "404.html" }],
      })
    ).json;
    await new Promise((r) => setTimeout(r, 2));
    const m = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, {
      bucket_name: "my-website-v2",
      bucket_prefix: "dist/",
      index_document: "main.html",
      spa_mode: true,
      enabled: false,
      error_pages: [{ status_range: { start: 400, end: 499 }, error_document: "oops.html" }],
    });
    expect(m.status).toBe(200);
    expect(m.json).toEqual({
      domain_name: staticHost(s),
      bucket_name: "my-website-v2",
      bucket_prefix: "dist/",
      index_document: "main.html",
      spa_mode: true,
      enabled: false,
      error_pages: [{ status_range: { start: 400, end: 499 }, error_document: "oops.html" }],
      created_at: c.created_at,
      updated_at: expect.any(String),
    });
    expect(m.json.updated_at > c.updated_at).toBe(true);
    const partial = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, { enabled: true });
    expect(partial.json).toMatchObject({
      enabled: true,
      spa_mode: true,
      bucket_name: "my-website-v2",
      error_pages: [{ error_document: "oops.html" }],
    });
    const cleared = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, { error_pages: [] });
    expect(cleared.json.error_pages).toEqual([]);
    const same = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, { domain_name: staticHost(s) });
    expect(same.status).toBe(200);
    const moved = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, { domain_name: domain() });
    expectProblem(moved, 400, "INVALID_REQUEST");
    expect(moved.json.invalid_params).toEqual([{ name: "domain_name", reason: expect.stringContaining("immutable") }]);
  });

  it("deletes a config; the domain can be configured again", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b1" });
    const d = await t.api("DELETE", `/${s.uuid}/static-websites/${staticHost(s)}`);
    expect(d.status).toBe(204);
    expect(d.text).toBe("");
    for (const [method, body] of [["GET"], ["PATCH", { enabled: false }], ["DELETE"]] as const) {
      expectProblem(await t.api(method, `/${s.uuid}/static-websites/${staticHost(s)}`, body), 404, "RESOURCE_NOT_FOUND");
    }
    expect((await t.api("GET", `/${s.uuid}/static-websites`)).json).toEqual([]);
    expect((await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b2" })).status).toBe(201);
  });

  it("needs a static-website custom domain of this service", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const other = await newService(t);
    expectProblem(
      await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b", domain_name: domain() }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    const apiMode = await staticDomain(t, s.uuid, "api");
    const r = await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b", domain_name: apiMode });
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(r.json.invalid_params).toEqual([{ name: "domain_name", reason: expect.stringContaining("api mode") }]);
    const foreign = await staticDomain(t, other.uuid);
    expectProblem(await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b", domain_name: foreign }), 404, "RESOURCE_NOT_FOUND");
    expectProblem(
      await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b", domain_name: staticHost(other) }),
      404,
      "RESOURCE_NOT_FOUND",
    );
    const noPublic = await newService(t, { networks: [privateNet()] });
    const np = await t.api("POST", `/${noPublic.uuid}/static-websites`, { bucket_name: "b" });
    expectProblem(np, 400, "INVALID_REQUEST");
    expect(np.json.invalid_params[0].name).toBe("domain_name");
  });

  it("validates every attribute with the vendor's patterns", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const page = (p: Record<string, unknown>) => ({ bucket_name: "b", error_pages: [p] });
    const cases: [Record<string, unknown>, string[]][] = [
      [{}, ["bucket_name"]],
      [{ bucket_name: "" }, ["bucket_name"]],
      [{ bucket_name: "a".repeat(255) }, ["bucket_name"]],
      [{ bucket_name: "has space" }, ["bucket_name"]],
      [{ bucket_name: "b", bucket_prefix: "bad prefix" }, ["bucket_prefix"]],
      [{ bucket_name: "b", bucket_prefix: "p".repeat(1025) }, ["bucket_prefix"]],
      [{ bucket_name: "b", index_document: "" }, ["index_document"]],
      [{ bucket_name: "b", index_document: "index?.html" }, ["index_document"]],
      [{ bucket_name: "b", index_document: "i".repeat(256) }, ["index_document"]],
      [{ bucket_name: "b", spa_mode: "yes" }, ["spa_mode"]],
      [{ bucket_name: "b", enabled: 1 }, ["enabled"]],
      [{ bucket_name: "b", domain_name: "nodots" }, ["domain_name"]],
      [{ bucket_name: "b", error_pages: "404.html" }, ["error_pages"]],
      [
        { bucket_name: "b", error_pages: Array.from({ length: 26 }, () => ({ status_code: 404, error_document: "e.html" })) },
        ["error_pages"],
      ],
      [page({ status_code: 404 }), ["error_pages[0].error_document"]],
      [page({ status_code: 404, error_document: "/404.html" }), ["error_pages[0].error_document"]],
      [page({ status_code: 404, error_document: "e".repeat(256) }), ["error_pages[0].error_document"]],
      [page({ status_code: 399, error_document: "e.html" }), ["error_pages[0].status_code"]],
      [page({ status_code: 600, error_document: "e.html" }), ["error_pages[0].status_code"]],
      [page({ status_code: 404.5, error_document: "e.html" }), ["error_pages[0].status_code"]],
      [page({ error_document: "e.html" }), ["error_pages[0].status_code"]],
      [page({ status_code: 404, status_range: { start: 400, end: 499 }, error_document: "e.html" }), ["error_pages[0].status_range"]],
      [page({ status_range: { start: 500, end: 500 }, error_document: "e.html" }), ["error_pages[0].status_range.end"]],
      [page({ status_range: { start: 500, end: 450 }, error_document: "e.html" }), ["error_pages[0].status_range.end"]],
      [page({ status_range: { start: 300, end: 450 }, error_document: "e.html" }), ["error_pages[0].status_range.start"]],
      [page({ status_range: { start: 500 }, error_document: "e.html" }), ["error_pages[0].status_range.end"]],
    ];
    for (const [body, fields] of cases) {
      const r = await t.api("POST", `/${s.uuid}/static-websites`, body);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(
        r.json.invalid_params.map((p: { name: string }) => p.name),
        JSON.stringify(body).slice(0, 200),
      ).toEqual(fields);
    }
    // The same rules on modify.
    await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b" });
    for (const [body, field] of [
      [{ bucket_name: "has space" }, "bucket_name"],
      [{ error_pages: [{ status_code: 404, error_document: "/x" }] }, "error_pages[0].error_document"],
      [{ spa_mode: null }, "spa_mode"],
    ] as const) {
      const r = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, body);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(r.json.invalid_params[0].name).toBe(field);
    }
    // Limits accepted at their edges.
    const edge = await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, {
      bucket_name: "a".repeat(254),
      bucket_prefix: "p".repeat(1024),
      index_document: "i".repeat(255),
      error_pages: Array.from({ length: 25 }, (_, i) => ({ status_code: 400 + i, error_document: "e".repeat(255) })),
    });
    expect(edge.status, edge.text).toBe(200);
    expect(edge.json.error_pages).toHaveLength(25);
  });

  it("follows a renamed custom domain and goes away with it", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = await staticDomain(t, s.uuid);
    await t.api("POST", `/${s.uuid}/static-websites`, { domain_name: name, bucket_name: "site" });
    const renamed = `new-${name}`;
    expect((await t.api("PATCH", `/${s.uuid}/custom-domains/${name}`, { domain_name: renamed })).status).toBe(200);
    expectProblem(await t.api("GET", `/${s.uuid}/static-websites/${name}`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}/static-websites/${renamed}`)).json.bucket_name).toBe("site");
    expect((await t.api("DELETE", `/${s.uuid}/custom-domains/${renamed}`)).status).toBe(204);
    expect((await t.api("GET", `/${s.uuid}/static-websites`)).json).toEqual([]);
  });

  it("is deleted with its service", async () => {
    const t = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b" });
    expect((await t.api("DELETE", `/${s.uuid}`)).status).toBe(204);
    expectProblem(await t.api("PATCH", `/${s.uuid}/static-websites/${staticHost(s)}`, { enabled: false }), 400, "SERVICE_ERROR");
    expect((await settle(t, s.uuid)).at(-1)).toBe("gone");
    expectProblem(await t.api("GET", `/${s.uuid}/static-websites`), 404, "RESOURCE_NOT_FOUND");
  });

  it("isolates tenants and requires authentication", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const s = await newService(t);
    await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: "b" });
    const host = staticHost(s);
    const paths: [string, string, unknown?][] = [
      ["GET", `/${s.uuid}/static-websites`],
      ["POST", `/${s.uuid}/static-websites`, { bucket_name: "x" }],
      ["GET", `/${s.uuid}/static-websites/${host}`],
      ["PATCH", `/${s.uuid}/static-websites/${host}`, { enabled: false }],
      ["DELETE", `/${s.uuid}/static-websites/${host}`],
    ];
    for (const [method, path, body] of paths) {
      expectProblem(await other.api(method, path, body), 404, "RESOURCE_NOT_FOUND");
      expectProblem(await call(method, `/1.3/object-storage-2${path}`, { body }), 401, "AUTHENTICATION_FAILED");
    }
    expect((await t.api("GET", `/${s.uuid}/static-websites/${host}`)).json.enabled).toBe(true);
  });
});
