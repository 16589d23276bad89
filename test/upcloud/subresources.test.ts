import { describe, expect, it } from "vitest";
import { expectProblem, newService, newTenant, privateNet, publicNet } from "../helpers/api";

describe("regions", () => {
  it("lists regions and gets one", async () => {
    const t = await newTenant();
    const list = await t.api("GET", "/regions");
    expect(list.status).toBe(200);
    const eu = list.json.find((r: { name: string }) => r.name === "europe-1");
    expect(eu!.primary_zone).toBe("fi-hel2");
    expect(eu!.zones).toContainEqual({ name: "fi-hel2" });
    expect((await t.api("GET", "/regions/europe-1")).json).toEqual(eu);
    expectProblem(await t.api("GET", "/regions/nowhere-9"), 404, "RESOURCE_NOT_FOUND");
  });
});

describe("labels", () => {
  it("creates, lists, gets, renames, modifies and deletes labels", async () => {
    const t = await newTenant();
    const s = await newService(t, { labels: [{ key: "env", value: "prod" }] });
    const c = await t.api("POST", `/${s.uuid}/labels`, { key: "team", value: "storage" });
    expect(c.status).toBe(201);
    expect(c.json).toEqual({ key: "team", value: "storage" });
    expect((await t.api("GET", `/${s.uuid}/labels`)).json).toEqual([
      { key: "env", value: "prod" },
      { key: "team", value: "storage" },
    ]);
    expect((await t.api("GET", `/${s.uuid}/labels/team`)).json).toEqual({ key: "team", value: "storage" });
    const ren = await t.api("PATCH", `/${s.uuid}/labels/team`, { key: "squad" });
    expect(ren.json).toEqual({ key: "squad", value: "storage" });
    expect((await t.api("PATCH", `/${s.uuid}/labels/squad`, { value: null })).json).toEqual({ key: "squad", value: "" });
    expect((await t.api("DELETE", `/${s.uuid}/labels/squad`)).status).toBe(204);
    expectProblem(await t.api("GET", `/${s.uuid}/labels/squad`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/labels/squad`), 404, "RESOURCE_NOT_FOUND");
    expect((await t.api("GET", `/${s.uuid}`)).json.labels).toEqual([{ key: "env", value: "prod" }]);
  });

  it("validates keys and refuses duplicates", async () => {
    const t = await newTenant();
    const s = await newService(t, {
      labels: [
        { key: "env", value: "prod" },
        { key: "other", value: "" },
      ],
    });
    expectProblem(await t.api("POST", `/${s.uuid}/labels`, { key: "env", value: "x" }), 409, "CONFLICT");
    expectProblem(await t.api("PATCH", `/${s.uuid}/labels/env`, { key: "other" }), 409, "CONFLICT");
    for (const key of ["x", "_private", "k".repeat(33), "tab\tkey"]) {
      const r = await t.api("POST", `/${s.uuid}/labels`, { key, value: "v" });
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(r.json.invalid_params[0].name).toBe("key");
    }
    const long = await t.api("POST", `/${s.uuid}/labels`, { key: "ok-key", value: "v".repeat(256) });
    expect(long.json.invalid_params[0].name).toBe("value");
    const missing = await t.api("POST", `/${s.uuid}/labels`, { key: "ok-key" });
    expect(missing.json.invalid_params[0].name).toBe("value");
  });
});

describe("networks", () => {
  it("creates, lists, gets and deletes networks", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const c = await t.api("POST", `/${s.uuid}/networks`, privateNet("priv-1"));
    expect(c.status).toBe(201);
    expect(c.json).toEqual(privateNet("priv-1"));
    expect((await t.api("GET", `/${s.uuid}/networks`)).json).toEqual([publicNet, privateNet("priv-1")]);
    expect((await t.api("GET", `/${s.uuid}/networks/priv-1`)).json).toEqual(privateNet("priv-1"));
    const svc = (await t.api("GET", `/${s.uuid}`)).json;
    expect(svc.endpoints.map((e: { type: string; mode: string }) => `${e.type}/${e.mode}`)).toEqual([
      "public/api",
      "private/api",
      "public/static-website",
    ]);
    expect((await t.api("DELETE", `/${s.uuid}/networks/public-net`)).status).toBe(204);
    expect((await t.api("GET", `/${s.uuid}`)).json.endpoints.map((e: { type: string }) => e.type)).toEqual(["private"]);
    expectProblem(await t.api("GET", `/${s.uuid}/networks/public-net`), 404, "RESOURCE_NOT_FOUND");
    expectProblem(await t.api("DELETE", `/${s.uuid}/networks/public-net`), 404, "RESOURCE_NOT_FOUND");
  });

  it("validates networks and enforces uniqueness and the limit of 8", async () => {
    const t = await newTenant();
    const s = await newService(t);
    expectProblem(await t.api("POST", `/${s.uuid}/networks`, publicNet), 409, "CONFLICT");
    const noUuid = await t.api("POST", `/${s.uuid}/networks`, { name: "p", type: "private", family: "IPv4" });
    expectProblem(noUuid, 400, "INVALID_REQUEST");
    expect(noUuid.json.invalid_params).toEqual([{ name: "uuid", reason: "is required for private networks" }]);
    const bad = await t.api("POST", `/${s.uuid}/networks`, { name: "has space", type: "lan", family: "IPv4" });
    expect(bad.json.invalid_params.map((p: { name: string }) => p.name).sort()).toEqual(["name", "type"]);
    for (let i = 1; i < 8; i++) expect((await t.api("POST", `/${s.uuid}/networks`, privateNet(`p${i}`))).status).toBe(201);
    const ninth = await t.api("POST", `/${s.uuid}/networks`, privateNet("p9"));
    expectProblem(ninth, 400, "INVALID_REQUEST");
    expect(ninth.json.title).toMatch(/at most 8/);
  });
});
