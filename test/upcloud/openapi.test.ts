import { exports } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import committed from "../../openapi.json";
import type { paths } from "../generated/api";
import { call, newTenant, publicNet, unique } from "../helpers/api";

describe("OpenAPI document and reference", () => {
  it("serves the committed document", async () => {
    const r = await call("GET", "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.json).toEqual(committed);
    expect(r.json.openapi).toBe("3.1.0");
    expect(Object.keys(r.json.paths)).toContain("/1.3/object-storage-2/{service_uuid}");
  });

  it("serves /docs with its script from this Worker, not a CDN", async () => {
    const r = await call("GET", "/docs");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect(r.text).toContain('src="/docs/scalar.js"');
    expect(r.text).not.toMatch(/cdn\.jsdelivr|unpkg\.com/);
    const js = await exports.default.fetch("http://api.test/docs/scalar.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(100_000);
  });

  it("works with a client generated from openapi.json", async () => {
    const t = await newTenant();
    const client = createClient<paths>({
      baseUrl: "http://api.test",
      headers: t.auth,
      fetch: (req: Request) => exports.default.fetch(req),
    });
    const name = unique("gen");
    const created = await client.POST("/1.3/object-storage-2", {
      body: {
        name,
        region: "europe-1",
        configured_status: "started",
        networks: [publicNet as { name: string; type: "public"; family: "IPv4" }],
      },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.name).toBe(name);
    const uuid = created.data!.uuid;
    const got = await client.GET("/1.3/object-storage-2/{service_uuid}", { params: { path: { service_uuid: uuid } } });
    expect(got.data?.operational_state).toBe("pending");
    const label = await client.POST("/1.3/object-storage-2/{service_uuid}/labels", {
      params: { path: { service_uuid: uuid } },
      body: { key: "env", value: "gen" },
    });
    expect(label.data).toEqual({ key: "env", value: "gen" });
    const listed = await client.GET("/1.3/object-storage-2", { params: { query: { label: "env=gen" } } });
    expect(listed.data?.map((s) => s.uuid)).toEqual([uuid]);
    const bad = await client.PATCH("/1.3/object-storage-2/{service_uuid}", {
      params: { path: { service_uuid: uuid } },
      body: { name: "no spaces" },
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ invalid_params: [{ name: "name" }] });
  });
});
