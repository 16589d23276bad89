import { describe, expect, it } from "vitest";
import { newService, newTenant, settle, unique } from "../helpers/api";
import { expectNotConfigured, newSite, put, seedBucket, visit } from "./helpers";

const domain = (first = "www") => `${first}.${unique("d").toLowerCase()}.example.com`;

describe("static website hosts: Site Not Configured", () => {
  it("answers 404 Site Not Configured without a config, for unknown labels, when disabled and after deletion", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const host = s.endpoints.find((e: { mode: string }) => e.mode === "static-website")!.domain_name;
    await expectNotConfigured(await visit(host, "/"));
    await expectNotConfigured(await visit("zzzzzzzzzz-static.localhost", "/index.html"));
    const head = await visit(host, "/", { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe("");

    const site = await newSite({}, { "index.html": "hello" });
    expect(await (await visit(site.host, "/")).text()).toBe("hello");
    await site.t.api("PATCH", `/${site.uuid}/static-websites/${site.host}`, { enabled: false });
    await expectNotConfigured(await visit(site.host, "/"));
    await site.t.api("PATCH", `/${site.uuid}/static-websites/${site.host}`, { enabled: true });
    expect((await visit(site.host, "/")).status).toBe(200);
    expect((await site.t.api("DELETE", `/${site.uuid}/static-websites/${site.host}`)).status).toBe(204);
    await expectNotConfigured(await visit(site.host, "/"));
  });

  it("stops serving while the service is stopped, and for good once it is deleted", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    await site.t.api("PATCH", `/${site.uuid}`, { configured_status: "stopped" });
    await expectNotConfigured(await visit(site.host, "/"));
    await site.t.api("PATCH", `/${site.uuid}`, { configured_status: "started" });
    expect((await visit(site.host, "/")).status).toBe(200);
    expect((await site.t.api("DELETE", `/${site.uuid}?force=true`)).status).toBe(204);
    await expectNotConfigured(await visit(site.host, "/"));
    expect((await settle(site.t, site.uuid)).at(-1)).toBe("gone");
    await expectNotConfigured(await visit(site.host, "/"));
  });

  it("matches the host case-insensitively, with or without a port", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    expect(await (await visit(site.host.toUpperCase(), "/")).text()).toBe("hello");
    expect(await (await visit(`${site.host}:8787`, "/")).text()).toBe("hello");
  });
});

describe("static website hosts: methods and no S3 API", () => {
  it("answers 405 with Allow to every method but GET and HEAD", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    const t = await newTenant();
    const bare = await newService(t);
    const bareHost = bare.endpoints.find((e: { mode: string }) => e.mode === "static-website")!.domain_name;
    for (const host of [site.host, bareHost]) {
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const r = await visit(host, "/index.html", {
          method,
          body: method === "POST" || method === "PUT" || method === "PATCH" ? "x" : undefined,
        });
        expect(r.status, `${method} ${host}`).toBe(405);
        expect(r.headers.get("allow")).toBe("GET, HEAD");
      }
    }
    expect(await (await visit(site.host, "/")).text()).toBe("hello");
  });

  it("never reaches the S3 API or the control plane on a static host", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    const signed = {
      Authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/europe-1/s3/aws4_request, SignedHeaders=host, Signature=00",
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      "x-amz-date": "20260101T000000Z",
    };
    const list = await visit(site.host, "/?list-type=2", { headers: signed });
    expect(list.status).toBe(200);
    expect(await list.text()).toBe("hello");
    const put = await visit(site.host, "/new.txt", { method: "PUT", headers: signed, body: "x" });
    expect(put.status).toBe(405);
    const api = await visit(site.host, "/1.3/object-storage-2", { headers: site.t.auth });
    expect(api.status).toBe(404);
    expect(api.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect((await visit(site.host, "/healthz")).status).toBe(404);
  });

  it("leaves the API host and service endpoint hosts alone", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    const apiHost = await visit("api.test", "/healthz");
    expect(apiHost.status).toBe(200);
    const label = site.host.split("-static.")[0];
    const endpoint = await visit(`${label}.localhost`, "/");
    expect(await endpoint.text()).not.toBe("hello");
  });
});

describe("static website hosts: custom domains", () => {
  it("serves a verified static-website custom domain and its own config", async () => {
    const site = await newSite({}, { "index.html": "primary", "other/index.html": "custom" });
    const name = domain();
    expect(
      (await site.t.api("POST", `/${site.uuid}/custom-domains`, { domain_name: name, type: "public", mode: "static-website" })).status,
    ).toBe(201);
    // Attached but not configured yet.
    await expectNotConfigured(await visit(name, "/"));
    const c = await site.t.api("POST", `/${site.uuid}/static-websites`, {
      domain_name: name,
      bucket_name: site.bucket,
      bucket_prefix: "other/",
    });
    expect(c.status).toBe(201);
    expect(await (await visit(name, "/")).text()).toBe("custom");
    expect(await (await visit(site.host, "/")).text()).toBe("primary");
    expect((await visit(name, "/", { method: "POST" })).status).toBe(405);
    // Renamed: the new name serves, the old one is nobody's.
    const renamed = `new-${name}`;
    await site.t.api("PATCH", `/${site.uuid}/custom-domains/${name}`, { domain_name: renamed });
    expect(await (await visit(renamed, "/")).text()).toBe("custom");
    expect(await (await visit(name, "/")).text()).not.toBe("custom");
    // Detached: the config goes with it.
    await site.t.api("DELETE", `/${site.uuid}/custom-domains/${renamed}`);
    expect(await (await visit(renamed, "/")).text()).not.toBe("custom");
  });

  it("does not serve an unverified domain", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    const name = domain("unverified");
    await site.t.api("POST", `/${site.uuid}/custom-domains`, { domain_name: name, type: "public", mode: "static-website" });
    await site.t.api("POST", `/${site.uuid}/static-websites`, { domain_name: name, bucket_name: site.bucket });
    await expectNotConfigured(await visit(name, "/"));
    // Once DNS verifies (here: renamed to a name the static resolver verifies) it serves.
    const fixed = name.replace("unverified.", "verified.");
    await site.t.api("PATCH", `/${site.uuid}/custom-domains/${name}`, { domain_name: fixed });
    expect(await (await visit(fixed, "/")).text()).toBe("hello");
  });

  it("leaves api-mode custom domains to the S3 dispatch", async () => {
    const site = await newSite({}, { "index.html": "hello" });
    const name = domain("objects");
    await site.t.api("POST", `/${site.uuid}/custom-domains`, { domain_name: name, type: "public", mode: "api" });
    const r = await visit(name, "/");
    expect(await r.text()).not.toContain("Site Not Configured");
    expect(r.headers.get("content-type") ?? "").not.toMatch(/^text\/html/);
  });
});

describe("static website hosts: tenant isolation", () => {
  it("serves only the service's own bucket, even when another service has one of the same name", async () => {
    const a = await newSite({}, { "index.html": "site A" });
    const other = await newTenant();
    const b = await newService(other);
    await seedBucket(b.uuid, a.bucket);
    await put(b.uuid, a.bucket, "index.html", "site B");
    await put(b.uuid, a.bucket, "only-b.html", "B only");
    expect(await (await visit(a.host, "/")).text()).toBe("site A");
    expect((await visit(a.host, "/only-b.html")).status).toBe(404);
    // B's own config on the same bucket name serves B's bytes.
    const cfg = await other.api("POST", `/${b.uuid}/static-websites`, { bucket_name: a.bucket });
    expect(await (await visit(cfg.json.domain_name, "/")).text()).toBe("site B");
    // A config naming a bucket only another service has serves nothing.
    const c = await newTenant();
    const cs = await newService(c);
    const ccfg = await c.api("POST", `/${cs.uuid}/static-websites`, { bucket_name: a.bucket });
    const r = await visit(ccfg.json.domain_name, "/");
    expect(r.status).toBe(404);
    expect(await r.text()).not.toMatch(/site [AB]/);
    // Its own private bucket of that name stays private: A's public policy is not C's.
    await seedBucket(cs.uuid, a.bucket, null);
    await put(cs.uuid, a.bucket, "index.html", "site C");
    const own = await visit(ccfg.json.domain_name, "/");
    expect(own.status).toBe(403);
    expect(await own.text()).not.toContain("site C");
  });
});
