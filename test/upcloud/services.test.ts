import { describe, expect, it } from "vitest";
import { expectProblem, newService, newTenant, privateNet, publicNet, settle, unique } from "../helpers/api";

describe("services: create and get", () => {
  it("creates a service with every field of the spec and reads it back", async () => {
    const t = await newTenant();
    const name = unique("svc");
    const r = await t.api("POST", "", {
      name,
      region: "europe-1",
      configured_status: "started",
      termination_protection: false,
      networks: [publicNet, privateNet()],
      labels: [{ key: "env", value: "staging" }],
    });
    expect(r.status, r.text).toBe(201);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const s = r.json;
    expect(s.uuid).toMatch(/^12[0-9a-f]{6}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(s).toMatchObject({
      name,
      region: "europe-1",
      configured_status: "started",
      operational_state: "pending",
      termination_protection: false,
      networks: [publicNet, privateNet()],
      labels: [{ key: "env", value: "staging" }],
      custom_domains: [],
      static_websites: [],
      users: [],
      usage: { total_objects: 0, total_size_bytes: 0 },
      state_messages: [],
    });
    expect(s.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(s.updated_at).toBe(s.created_at);
    const [pub, priv, stat] = s.endpoints;
    expect(pub!.domain_name).toMatch(/^[a-z0-9]{5}\.localhost$/);
    expect(pub).toMatchObject({
      type: "public",
      mode: "api",
      iam_url: `http://${pub!.domain_name}:8787/iam`,
      sts_url: `http://${pub!.domain_name}:8787/sts`,
    });
    const label = pub!.domain_name.split(".")[0];
    expect(priv).toMatchObject({ domain_name: `${label}-private.localhost`, type: "private", mode: "api" });
    expect(stat).toEqual({ domain_name: `${label}-static.localhost`, type: "public", mode: "static-website" });

    const g = await t.api("GET", `/${s.uuid}`);
    expect(g.status).toBe(200);
    expect(g.json).toEqual(s);
  });

  it("names every invalid field", async () => {
    const t = await newTenant();
    const r = await t.api("POST", "", {
      name: "bad name!",
      region: "europe-1",
      configured_status: "running",
      networks: [
        { name: "n", type: "private", family: "IPv4" },
        { name: "n", type: "public", family: "IPv6" },
      ],
      labels: [
        { key: "_hidden", value: "x" },
        { key: "k", value: "y" },
      ],
    });
    expectProblem(r, 400, "INVALID_REQUEST");
    const names = r.json.invalid_params.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(["configured_status", "labels[0].key", "labels[1].key", "name"]);
  });

  it("checks network rules the schema cannot (duplicates, uuid by type, IPv6)", async () => {
    const t = await newTenant();
    const r = await t.api("POST", "", {
      name: unique("svc"),
      region: "europe-1",
      configured_status: "started",
      networks: [
        { name: "n", type: "private", family: "IPv4" },
        { name: "n", type: "public", family: "IPv6", uuid: "03aa7245-2ff9-49c8-9f0e-7ca0270d71a4" },
      ],
    });
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(r.json.invalid_params).toEqual([
      { name: "networks[0].uuid", reason: "is required for private networks" },
      { name: "networks[1].name", reason: expect.stringContaining("unique") },
      { name: "networks[1].family", reason: expect.stringContaining("IPv6") },
      { name: "networks[1].uuid", reason: "must be omitted for public networks" },
    ]);
  });

  it("limits networks to 8 and labels to 255, with label value characters checked", async () => {
    const t = await newTenant();
    const nets = Array.from({ length: 9 }, (_, i) => ({ name: `n${i}`, type: "public", family: "IPv4" }));
    expectProblem(
      await t.api("POST", "", { name: unique("s"), region: "europe-1", configured_status: "started", networks: nets }),
      400,
      "INVALID_REQUEST",
    );
    const labels = Array.from({ length: 256 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    const r = await t.api("POST", "", { name: unique("s"), region: "europe-1", configured_status: "started", labels });
    expectProblem(r, 400, "INVALID_REQUEST");
    expect(r.json.invalid_params[0].name).toBe("labels");
    const ctrl = await t.api("POST", "", {
      name: unique("s"),
      region: "europe-1",
      configured_status: "started",
      labels: [{ key: "ok", value: "tab\there" }],
    });
    expect(ctrl.json.invalid_params).toEqual([{ name: "labels[0].value", reason: expect.any(String) }]);
    const fine = await t.api("POST", "", {
      name: unique("s"),
      region: "europe-1",
      configured_status: "started",
      labels: [{ key: "a b", value: "Ünïcode — ok! €" }],
    });
    expect(fine.status).toBe(201);
  });

  it("rejects an unknown region, a duplicate name, malformed JSON and the wrong content type", async () => {
    const t = await newTenant();
    // The body names the region, so an unknown one is a validation error (404 is for the URL's resource).
    const mars = await t.api("POST", "", { name: unique("s"), region: "mars-1", configured_status: "started" });
    expectProblem(mars, 400, "INVALID_REQUEST");
    expect(mars.json.invalid_params.map((p: { name: string }) => p.name)).toEqual(["region"]);
    const s = await newService(t);
    const dup = await t.api("POST", "", { name: s.name, region: "europe-1", configured_status: "started" });
    expectProblem(dup, 409, "CONFLICT");
    const other = await newTenant();
    expect((await other.api("POST", "", { name: s.name, region: "europe-1", configured_status: "started" })).status).toBe(201);

    const { call, BASE } = await import("../helpers/api");
    const bad = await call("POST", BASE, { headers: { ...t.auth, "Content-Type": "application/json" }, raw: "{not json" });
    expectProblem(bad, 400, "INVALID_REQUEST");
    const form = await call("POST", BASE, { headers: { ...t.auth, "Content-Type": "text/plain" }, raw: "name=x" });
    expectProblem(form, 400, "INVALID_REQUEST");
    const wrongType = await t.api("POST", "", { name: 5, region: "europe-1", configured_status: "started", termination_protection: "yes" });
    expectProblem(wrongType, 400, "INVALID_REQUEST");
    expect(wrongType.json.invalid_params.map((p: { name: string }) => p.name).sort()).toEqual(["name", "termination_protection"]);
  });
});

describe("services: list", () => {
  it("pages, sorts and filters by labels", async () => {
    const t = await newTenant();
    const a = await newService(t, {
      name: "alpha",
      labels: [
        { key: "env", value: "staging" },
        { key: "team", value: "x" },
      ],
    });
    const b = await newService(t, { name: "bravo", labels: [{ key: "env", value: "prod" }] });
    const c = await newService(t, { name: "charlie", region: "apac-1" });

    const all = await t.api("GET", "?sort=service_name");
    expect(all.json.map((s: { name: string }) => s.name)).toEqual(["alpha", "bravo", "charlie"]);
    const desc = await t.api("GET", "?sort=-service_name");
    expect(desc.json.map((s: { name: string }) => s.name)).toEqual(["charlie", "bravo", "alpha"]);
    const region = await t.api("GET", "?sort=-region_name");
    expect(region.json[2]!.uuid).toBe(c.uuid);
    const page = await t.api("GET", "?sort=service_name&limit=1&offset=1");
    expect(page.json.map((s: { uuid: string }) => s.uuid)).toEqual([b.uuid]);
    expect((await t.api("GET", "?limit=0")).json).toEqual([]);

    const byCreated = await t.api("GET", "");
    expect(byCreated.json).toHaveLength(3);
    const times = byCreated.json.map((s: { created_at: string }) => s.created_at);
    expect([...times].sort().reverse()).toEqual(times);

    const exists = await t.api("GET", "?label=env&sort=service_name");
    expect(exists.json.map((s: { uuid: string }) => s.uuid)).toEqual([a.uuid, b.uuid]);
    const exact = await t.api("GET", "?label=env%3Dstaging");
    expect(exact.json.map((s: { uuid: string }) => s.uuid)).toEqual([a.uuid]);
    const both = await t.api("GET", "?label=env&label=team%3Dx");
    expect(both.json.map((s: { uuid: string }) => s.uuid)).toEqual([a.uuid]);
    expect((await t.api("GET", "?label=env%3Dprod&label=team")).json).toEqual([]);
  });

  it("defaults to 10 entries and validates query values", async () => {
    const t = await newTenant();
    for (let i = 0; i < 11; i++) await newService(t, { networks: [] });
    expect((await t.api("GET", "")).json).toHaveLength(10);
    expect((await t.api("GET", "?limit=100")).json).toHaveLength(11);
    for (const q of ["limit=101", "limit=-1", "limit=abc", "offset=-1", "sort=name", "sort=+created_at"]) {
      const r = await t.api("GET", `?${q}`);
      expectProblem(r, 400, "INVALID_REQUEST");
      expect(r.json.invalid_params[0].name).toBe(q.split("=")[0]);
    }
  });
});

describe("services: replace and modify", () => {
  it("PUT replaces the whole configuration; omitted lists become empty", async () => {
    const t = await newTenant();
    const s = await newService(t, { labels: [{ key: "env", value: "a" }] });
    const r = await t.api("PUT", `/${s.uuid}`, { name: "renamed", configured_status: "started", networks: [publicNet] });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ name: "renamed", labels: [], networks: [publicNet], termination_protection: false });
    const missing = await t.api("PUT", `/${s.uuid}`, { configured_status: "started" });
    expectProblem(missing, 400, "INVALID_REQUEST");
    expect(missing.json.invalid_params).toEqual([{ name: "name", reason: expect.any(String) }]);
  });

  it("PATCH follows JSON Merge Patch: absent unchanged, null removes, arrays replaced whole", async () => {
    const t = await newTenant();
    const s = await newService(t, {
      labels: [
        { key: "aa", value: "1" },
        { key: "bb", value: "2" },
      ],
      termination_protection: true,
    });
    const name = await t.api("PATCH", `/${s.uuid}`, { name: "patched" });
    expect(name.json).toMatchObject({ name: "patched", labels: s.labels, networks: s.networks, termination_protection: true });
    const arr = await t.api("PATCH", `/${s.uuid}`, { labels: [{ key: "cc", value: "3" }] });
    expect(arr.json.labels).toEqual([{ key: "cc", value: "3" }]);
    const nul = await t.api("PATCH", `/${s.uuid}`, { labels: null, termination_protection: null });
    expect(nul.json).toMatchObject({ labels: [], termination_protection: false, name: "patched" });
    const merge = await t.api("PATCH", `/${s.uuid}`, { networks: null }, { "Content-Type": "application/merge-patch+json" });
    expect(merge.status).toBe(200);
    expect(merge.json.networks).toEqual([]);
    expect(merge.json.endpoints).toEqual([]);
  });

  it("refuses to stop a protected service and to rename onto a taken name", async () => {
    const t = await newTenant();
    const s = await newService(t, { termination_protection: true });
    const other = await newService(t);
    expectProblem(await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped" }), 400, "SERVICE_ERROR");
    expectProblem(await t.api("PATCH", `/${s.uuid}`, { name: other.name }), 409, "CONFLICT");
    const both = await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped", termination_protection: false });
    expect(both.status).toBe(200);
    expect(both.json).toMatchObject({ configured_status: "stopped", operational_state: "pending", endpoints: [] });
  });

  it("never loses an update when PATCHes race", async () => {
    const t = await newTenant();
    const s = await newService(t, { labels: [] });
    await Promise.all([
      t.api("POST", `/${s.uuid}/labels`, { key: "l1", value: "1" }),
      t.api("POST", `/${s.uuid}/labels`, { key: "l2", value: "2" }),
      t.api("PATCH", `/${s.uuid}`, { name: "raced" }),
      t.api("POST", `/${s.uuid}/labels`, { key: "l3", value: "3" }),
      t.api("PATCH", `/${s.uuid}`, { termination_protection: true }),
    ]);
    const g = await t.api("GET", `/${s.uuid}`);
    expect(g.json.name).toBe("raced");
    expect(g.json.termination_protection).toBe(true);
    expect(g.json.labels.map((l: { key: string }) => l.key).sort()).toEqual(["l1", "l2", "l3"]);
  });
});

describe("services: tenancy and auth", () => {
  it("hides other tenants' services behind 404", async () => {
    const owner = await newTenant();
    const intruder = await newTenant();
    const s = await newService(owner);
    for (const [m, body] of [
      ["GET"],
      ["PATCH", { name: "x" }],
      ["PUT", { name: "x", configured_status: "started" }],
      ["DELETE"],
    ] as const) {
      expectProblem(await intruder.api(m, `/${s.uuid}`, body), 404, "RESOURCE_NOT_FOUND");
    }
    expectProblem(await intruder.api("GET", `/${s.uuid}/labels`), 404, "RESOURCE_NOT_FOUND");
    expect((await intruder.api("GET", "")).json).toEqual([]);
    expect((await owner.api("GET", `/${s.uuid}`)).json.name).toBe(s.name);
  });

  it("answers 401 without or with bad credentials, accepts Basic, and 403 for a disabled account", async () => {
    const { call, BASE, ADMIN } = await import("../helpers/api");
    const t = await newTenant();
    expectProblem(await call("GET", BASE), 401, "AUTHENTICATION_FAILED");
    expectProblem(await call("GET", BASE, { headers: { Authorization: "Bearer ucat_wrong" } }), 401, "AUTHENTICATION_FAILED");
    expectProblem(await call("GET", BASE, { headers: { Authorization: "Digest abc" } }), 401, "AUTHENTICATION_FAILED");
    const basic = (u: string, p: string) => ({ Authorization: `Basic ${btoa(`${u}:${p}`)}` });
    expect((await call("GET", BASE, { headers: basic(t.name, t.password) })).status).toBe(200);
    expectProblem(await call("GET", BASE, { headers: basic(t.name, "wrong password") }), 401, "AUTHENTICATION_FAILED");
    expect((await call("PATCH", `/admin/v1/accounts/${t.accountId}`, { headers: ADMIN, body: { status: "disabled" } })).status).toBe(200);
    expectProblem(await call("GET", BASE, { headers: t.auth }), 403, "FORBIDDEN");
    expectProblem(await call("GET", BASE, { headers: basic(t.name, t.password) }), 403, "FORBIDDEN");
  });

  it("answers unknown routes with a 404 problem", async () => {
    const t = await newTenant();
    expectProblem(await t.api("GET", "/regions/nowhere"), 404, "RESOURCE_NOT_FOUND");
    const { call } = await import("../helpers/api");
    expectProblem(await call("GET", "/no/such/route"), 404, "RESOURCE_NOT_FOUND");
  });
});

describe("services: embedded custom domains and static websites", () => {
  it("accepts bodies that repeat the current lists and refuses changes with the field named", async () => {
    const t = await newTenant();
    const created = await t.api("POST", "", {
      name: unique("svc"),
      region: "europe-1",
      configured_status: "started",
      networks: [publicNet],
      custom_domains: [],
    });
    expect(created.status).toBe(201);
    const s = created.json;
    const withDomain = await t.api("POST", "", {
      name: unique("svc"),
      region: "europe-1",
      configured_status: "started",
      custom_domains: [{ domain_name: "objects.example.com", type: "public" }],
    });
    expectProblem(withDomain, 400, "INVALID_REQUEST");
    expect(withDomain.json.invalid_params[0].name).toBe("custom_domains");

    const domain = `${unique("x")}.example.com`;
    expect((await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: domain, type: "public" })).status).toBe(201);
    const g = (await t.api("GET", `/${s.uuid}`)).json;
    // Echoing the GET body back on PUT is fine.
    const put = await t.api("PUT", `/${s.uuid}`, {
      name: g.name,
      configured_status: "started",
      networks: g.networks,
      custom_domains: g.custom_domains,
      static_websites: g.static_websites,
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json.custom_domains).toEqual(g.custom_domains);
    const drop = await t.api("PATCH", `/${s.uuid}`, { custom_domains: null });
    expectProblem(drop, 400, "INVALID_REQUEST");
    expect(drop.json.invalid_params).toEqual([{ name: "custom_domains", reason: expect.stringContaining("/custom-domains") }]);
    const site = await t.api("PATCH", `/${s.uuid}`, { static_websites: [{ domain_name: "new.example.com", bucket_name: "b" }] });
    expect(site.json.invalid_params[0].name).toBe("static_websites");
    expect((await t.api("GET", `/${s.uuid}`)).json.custom_domains).toEqual(g.custom_domains);
  });
});
