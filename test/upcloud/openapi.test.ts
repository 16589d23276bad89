/// <reference types="vite/client" />
import { exports } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import committed from "../../openapi.json";
import type { paths } from "../generated/api";
import { COMBINED, DOCUMENTS } from "../../src/routes/documents";
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

  it("/docs switches between the dialects' documents and turns off everything that needs the network", async () => {
    const r = await call("GET", "/docs");
    const config = JSON.parse(/Scalar\.createApiReference\('#app', (\{[\s\S]*?\n\s*\})\)/.exec(r.text)![1]!);
    expect(config.sources).toEqual(
      DOCUMENTS.map((d, i) => ({
        title: d.info.title,
        slug: d.id,
        url: `/openapi/${d.id}.json`,
        default: i === 0,
        agent: { disabled: true },
      })),
    );
    expect(config).toMatchObject({
      withDefaultFonts: false,
      proxyUrl: "",
      agent: { disabled: true },
      showDeveloperTools: "never",
      telemetry: false,
    });
    expect(config.customCss).toContain('a[href^="https://www.scalar.com"]');
    // The page itself names no other origin than the ones its CSS hides.
    const origins = [...r.text.matchAll(/https?:\/\/[^\s"'()<>]+/g)].map((m) => m[0]);
    expect(origins.filter((u) => !/^https:\/\/(www\.scalar\.com|scalar\.com|github\.com\/scalar|discord\.gg)/.test(u))).toEqual([]);
    for (const s of config.sources) expect((await call("GET", s.url)).status).toBe(200);
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

const committedDocs = import.meta.glob("../../openapi/*.json", { eager: true, import: "default" }) as Record<string, any>;
const routeSources = import.meta.glob("/src/routes/**/*.ts", { eager: true, query: "?raw", import: "default" }) as Record<string, string>;

const sameJson = (a: unknown, b: unknown) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);
const docOf = (id: string) => committedDocs[`../../openapi/${id}.json`];
const operations = (doc: any) =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, id: op.operationId as string | undefined })),
  );

describe("one document per dialect", () => {
  it("serves /openapi/<id>.json for every dialect, equal to the committed openapi/<id>.json, and nothing else", async () => {
    expect(Object.keys(committedDocs).sort()).toEqual(DOCUMENTS.map((d) => `../../openapi/${d.id}.json`).sort());
    for (const d of DOCUMENTS) {
      const r = await call("GET", `/openapi/${d.id}.json`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual(docOf(d.id));
      expect(r.json.info.title).toBe(d.info.title);
      expect(Object.keys(r.json.paths).every((p) => p.startsWith(d.mount))).toBe(true);
    }
    expect((await call("GET", "/openapi/nosuch.json")).status).toBe(404);
  });

  it("/openapi.json is the UpCloud and operator documents together", () => {
    const parts = COMBINED.ids.map(docOf);
    expect(operations(committed)).toEqual(parts.flatMap(operations));
    expect(Object.keys(committed.components.schemas).sort()).toEqual(
      [...new Set(parts.flatMap((p) => Object.keys(p.components.schemas)))].sort(),
    );
    expect(committed.components.securitySchemes).toEqual(Object.assign({}, ...parts.map((p) => p.components.securitySchemes)));
  });

  it("counts 106 operations, every one with an operationId", () => {
    const all = DOCUMENTS.flatMap((d) => operations(docOf(d.id)));
    expect(all).toHaveLength(106);
    expect(all.filter((o) => !o.id)).toEqual([]);
  });

  it("names operations and components by the rule of src/routes/documents.ts", () => {
    const ids = DOCUMENTS.flatMap((d) => operations(docOf(d.id)).map((o) => o.id!));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const canonical = DOCUMENTS.find((d) => d.prefix === "")!;
    for (const d of DOCUMENTS) {
      const doc = docOf(d.id);
      if (d.prefix) {
        expect(d.prefix).toMatch(/^[a-z][a-zA-Z0-9]*$/);
        expect(operations(doc).filter((o) => !new RegExp(`^${d.prefix}[A-Z]`).test(o.id!))).toEqual([]);
        const Prefix = d.prefix.charAt(0).toUpperCase() + d.prefix.slice(1);
        const shared = docOf(canonical.id).components.schemas;
        const unprefixed = Object.keys(doc.components.schemas).filter(
          (name) => !new RegExp(`^${Prefix}[A-Z]`).test(name) && !sameJson(shared[name], doc.components.schemas[name]),
        );
        expect(unprefixed, `${d.id}: components neither prefixed ${Prefix} nor shared with ${canonical.id}`).toEqual([]);
      }
    }
    // A component name in two documents is the same schema, so documents can be merged.
    const seen = new Map<string, unknown>();
    for (const d of DOCUMENTS) {
      for (const [name, schema] of Object.entries(docOf(d.id).components.schemas)) {
        if (seen.has(name)) expect(schema, `component ${name} differs between documents`).toEqual(seen.get(name));
        else seen.set(name, schema);
      }
    }
  });

  it("writes every operationId as one literal in src/routes (`grep -rn '\"<id>\"' src/routes` finds it)", () => {
    expect(Object.keys(routeSources).length).toBeGreaterThan(20);
    const bad: string[] = [];
    for (const d of DOCUMENTS) {
      for (const { id } of operations(docOf(d.id))) {
        const hits = Object.entries(routeSources).flatMap(([file, text]) => (text.split(`"${id}"`).length - 1 ? [file] : []));
        const count = Object.values(routeSources).reduce((n, text) => n + text.split(`"${id}"`).length - 1, 0);
        if (count !== 1) bad.push(`${id}: ${count} literal(s) in ${hits.join(", ") || "no file"}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
