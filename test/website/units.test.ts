import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { dohVerifier, domainVerifier, staticVerifier, type FetchFn } from "../../src/core/websites/dns";
import { reverifyCustomDomains, serviceForCustomApiDomain } from "../../src/core/websites/domains";
import { customDomains } from "../../src/schema/website.tables";
import { db } from "../../src/storage/db";
import { eq } from "drizzle-orm";
import { classifyHost } from "../../src/core/endpoints";
import { hostNameProblem } from "../../src/schema/website";
import { guessContentType, parseRange, preconditionStatus, rangeBounds, satisfiable } from "../../src/routes/website/http";
import { decodePath, errorDocumentFor, hasExtension, planPath } from "../../src/routes/website/paths";
import { newService, newTenant, privateNet, unique } from "../helpers/api";

const keys = (path: string, rules = { prefix: "", indexDocument: "index.html", spaMode: false }) => {
  const p = planPath(path, rules);
  return p.ok ? p.candidates.map((c) => (c.redirect ? `${c.key} -> ${c.redirect}` : c.key)) : null;
};

describe("paths", () => {
  it("plans keys for directories, files, extensionless paths and SPA mode", () => {
    expect(keys("/")).toEqual(["index.html"]);
    expect(keys("/a/b/")).toEqual(["a/b/index.html"]);
    expect(keys("/app.js")).toEqual(["app.js"]);
    expect(keys("/about")).toEqual(["about", "about.html", "about/index.html -> /about/"]);
    expect(keys("/x", { prefix: "p/", indexDocument: "i.htm", spaMode: false })).toEqual(["p/x", "p/x.html", "p/x/i.htm -> /x/"]);
    const spa = { prefix: "p/", indexDocument: "index.html", spaMode: true };
    expect(keys("/deep/route", spa)).toEqual(["p/index.html"]);
    expect(keys("/dir/", spa)).toEqual(["p/dir/index.html", "p/index.html"]);
    expect(keys("/", spa)).toEqual(["p/index.html"]);
    expect(keys("/main.css", spa)).toEqual(["p/main.css"]);
  });

  it("decodes percent-escapes and refuses climbing, malformed and control characters", () => {
    expect(decodePath("/a%20b/c%2Fd")).toBe("a b/c/d");
    expect(decodePath("//double")).toBe("double");
    for (const bad of ["/..%2Fx", "/a/%2E%2E%2Fx", "/%2e%2fx", "/%E0%A4%A", "/a%0Ab"]) expect(decodePath(bad), bad).toBeNull();
  });

  it("knows an extension when it sees one", () => {
    expect(["a.js", "photo.min.png", "x.y"].map(hasExtension)).toEqual([true, true, true]);
    expect(["README", ".well-known", "trailing.", ""].map(hasExtension)).toEqual([false, false, false, false]);
  });

  it("picks the error page: exact code before ranges, first range in list order", () => {
    const pages = [
      { status_range: { start: 400, end: 499 }, error_document: "4xx.html" },
      { status_code: 404, error_document: "404.html" },
      { status_range: { start: 400, end: 410 }, error_document: "never.html" },
      { status_range: { start: 500, end: 599 }, error_document: "5xx.html" },
    ];
    expect(errorDocumentFor(pages, 404)).toBe("404.html");
    expect(errorDocumentFor(pages, 403)).toBe("4xx.html");
    expect(errorDocumentFor(pages, 500)).toBe("5xx.html");
    expect(errorDocumentFor([{ status_code: 404, error_document: "x" }], 403)).toBeNull();
    expect(errorDocumentFor([], 404)).toBeNull();
  });
});

describe("http helpers", () => {
  it("parses single byte ranges and bounds them", () => {
    expect(parseRange("bytes=0-9")).toEqual({ offset: 0, length: 10 });
    expect(parseRange("bytes=5-")).toEqual({ offset: 5 });
    expect(parseRange("bytes=-4")).toEqual({ suffix: 4 });
    for (const h of [null, "", "bytes=-", "bytes=-0", "bytes=9-5", "bytes=0-1,3-4", "lines=0-1"])
      expect(parseRange(h), String(h)).toBeNull();
    expect(rangeBounds({ offset: 5, length: 100 }, 10)).toEqual({ start: 5, end: 9 });
    expect(rangeBounds({ suffix: 100 }, 10)).toEqual({ start: 0, end: 9 });
    expect(satisfiable({ offset: 10 }, 10)).toBe(false);
    expect(satisfiable({ suffix: 1 }, 0)).toBe(false);
  });

  it("evaluates preconditions in RFC 9110 order", () => {
    const obj = { httpEtag: '"abc"', uploaded: new Date("2026-01-01T00:00:00.500Z") } as R2Object;
    const h = (o: Record<string, string>) => new Headers(o);
    expect(preconditionStatus(obj, h({}))).toBe(200);
    expect(preconditionStatus(obj, h({ "if-none-match": '"abc"' }))).toBe(304);
    expect(preconditionStatus(obj, h({ "if-none-match": "*" }))).toBe(304);
    expect(preconditionStatus(obj, h({ "if-none-match": '"x"', "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT" }))).toBe(200);
    expect(preconditionStatus(obj, h({ "if-modified-since": "Thu, 01 Jan 2026 00:00:00 GMT" }))).toBe(304);
    expect(preconditionStatus(obj, h({ "if-modified-since": "Wed, 31 Dec 2025 23:59:59 GMT" }))).toBe(200);
    expect(preconditionStatus(obj, h({ "if-match": '"x"', "if-none-match": '"abc"' }))).toBe(412);
    expect(preconditionStatus(obj, h({ "if-match": 'W/"abc"' }))).toBe(412);
    expect(preconditionStatus(obj, h({ "if-unmodified-since": "Wed, 31 Dec 2025 00:00:00 GMT" }))).toBe(412);
    expect(preconditionStatus(obj, h({ "if-match": '"abc"', "if-unmodified-since": "Wed, 31 Dec 2025 00:00:00 GMT" }))).toBe(200);
  });

  it("guesses content types by extension", () => {
    expect(guessContentType("a/b/index.html")).toBe("text/html; charset=utf-8");
    expect(guessContentType("app.JS")).toBe("text/javascript; charset=utf-8");
    expect(guessContentType("noext")).toBe("application/octet-stream");
  });
});

describe("host names", () => {
  it("validates DNS names", () => {
    expect(hostNameProblem("example.com", 2, 5)).toBeNull();
    expect(hostNameProblem("a.b.c.d.example.com", 2, 5)).toMatch(/2 to 5 parts/);
    expect(hostNameProblem("xn--bcher-kva.example", 2, 5)).toBeNull();
    expect(hostNameProblem("a-.example.com", 2, 5)).toMatch(/not a valid DNS label/);
    expect(hostNameProblem("1.2.3.4", 2, 5)).toMatch(/not a number/);
    expect(hostNameProblem(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`, 2, 5)).toMatch(/253/);
  });

  it("classifies hosts without a query for the API host, endpoints and literals", () => {
    expect(classifyHost(env, "abc12-static.localhost")).toEqual({ kind: "primary", host: "abc12-static.localhost", label: "abc12" });
    expect(classifyHost(env, "ABC12-STATIC.LOCALHOST.")).toMatchObject({ kind: "primary", label: "abc12" });
    for (const h of ["abc12.localhost", "bucket.abc12-static.localhost", "localhost", "127.0.0.1", "[::1]", "foo.workers.dev", "nodots"])
      expect(classifyHost(env, h), h).toBeNull();
    expect(classifyHost(env, "www.example.com")).toEqual({ kind: "custom", host: "www.example.com" });
  });
});

describe("DNS verification", () => {
  const expected = { domain: "objects.example.com", target: "zzzzz.stowage.example", acmeTarget: "_acme-challenge.zzzzz.stowage.example" };

  /** A DoH endpoint answering from a table: "name type" → record data. */
  function fakeDoh(records: Record<string, string[]>, seen: string[] = []): FetchFn {
    return async (url, init) => {
      const u = new URL(url);
      expect(u.origin + u.pathname).toBe("https://cloudflare-dns.com/dns-query");
      expect(new Headers(init.headers).get("accept")).toBe("application/dns-json");
      const name = u.searchParams.get("name")!;
      const type = u.searchParams.get("type")!;
      seen.push(`${name} ${type}`);
      const data = records[`${name} ${type}`];
      const code = type === "CNAME" ? 5 : 1;
      return Response.json(data ? { Status: 0, Answer: data.map((d) => ({ name: `${name}.`, type: code, data: d })) } : { Status: 3 });
    };
  }

  it("verifies a CNAME to the endpoint plus the _acme-challenge CNAME", async () => {
    const seen: string[] = [];
    const v = dohVerifier(
      fakeDoh(
        {
          "objects.example.com CNAME": ["ZZZZZ.stowage.example."],
          "_acme-challenge.objects.example.com CNAME": ["_acme-challenge.zzzzz.stowage.example."],
        },
        seen,
      ),
    );
    expect(await v.verify(expected)).toEqual({ verified: true });
    expect(seen).toEqual(["objects.example.com CNAME", "_acme-challenge.objects.example.com CNAME"]);
  });

  it("accepts a flattened apex that shares an address with the endpoint", async () => {
    const v = dohVerifier(
      fakeDoh({
        "objects.example.com A": ["192.0.2.7"],
        "zzzzz.stowage.example A": ["192.0.2.7", "192.0.2.8"],
        "_acme-challenge.objects.example.com CNAME": ["_acme-challenge.zzzzz.stowage.example."],
      }),
    );
    expect(await v.verify(expected)).toEqual({ verified: true });
  });

  it("says which record is missing or wrong", async () => {
    const wrong = dohVerifier(fakeDoh({ "objects.example.com CNAME": ["elsewhere.example.net."] }));
    expect(await wrong.verify(expected)).toEqual({
      verified: false,
      reason: "CNAME objects.example.com must point to zzzzz.stowage.example (found elsewhere.example.net)",
    });
    const noAcme = dohVerifier(fakeDoh({ "objects.example.com CNAME": ["zzzzz.stowage.example."] }));
    expect(await noAcme.verify(expected)).toEqual({
      verified: false,
      reason: "CNAME _acme-challenge.objects.example.com must point to _acme-challenge.zzzzz.stowage.example (found no CNAME record)",
    });
  });

  it("treats transport failures as unverified, never as an error", async () => {
    const down = dohVerifier(async () => new Response("nope", { status: 502 }));
    expect(await down.verify(expected)).toMatchObject({ verified: false, reason: expect.stringContaining("DNS lookup") });
    const servfail = dohVerifier(async () => Response.json({ Status: 2 }));
    expect((await servfail.verify(expected)).verified).toBe(false);
    const thrown = dohVerifier(async () => {
      throw new TypeError("network");
    });
    expect((await thrown.verify(expected)).verified).toBe(false);
  });

  it("has a deterministic static resolver chosen by DNS_RESOLVER", async () => {
    expect(await staticVerifier.verify(expected)).toEqual({ verified: true });
    expect((await staticVerifier.verify({ ...expected, domain: "unverified-shop.example.com" })).verified).toBe(false);
    expect((await staticVerifier.verify({ ...expected, domain: "www.unverified.example.com" })).verified).toBe(true);
    expect(domainVerifier(env)).toBe(staticVerifier);
    expect(domainVerifier({ ...env, DNS_RESOLVER: "doh" })).not.toBe(staticVerifier);
    expect(() => domainVerifier({ ...env, DNS_RESOLVER: "dig" })).toThrow(/DNS_RESOLVER/);
  });
});

describe("api-mode custom domains for the S3 dispatch", () => {
  it("finds the service of a verified api domain, path-style and virtual-hosted", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const name = `objects.${unique("d").toLowerCase()}.example.com`;
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: name, type: "public", mode: "api" });
    expect(await serviceForCustomApiDomain(env, name)).toEqual({ serviceUuid: s.uuid, bucket: null });
    expect(await serviceForCustomApiDomain(env, name.toUpperCase() + ".")).toEqual({ serviceUuid: s.uuid, bucket: null });
    expect(await serviceForCustomApiDomain(env, `photos.${name}`)).toEqual({ serviceUuid: s.uuid, bucket: "photos" });
    expect(await serviceForCustomApiDomain(env, `my.dotted.bucket.${name}`)).toEqual({ serviceUuid: s.uuid, bucket: "my.dotted.bucket" });
    expect(await serviceForCustomApiDomain(env, `other.${unique("d").toLowerCase()}.example.com`)).toBeNull();
    expect(await serviceForCustomApiDomain(env, "localhost")).toBeNull();
  });

  it("ignores static-website and unverified domains, stopped services and services without public access", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const web = `www.${unique("d").toLowerCase()}.example.com`;
    const bad = `unverified.${unique("d").toLowerCase()}.example.com`;
    const api = `objects.${unique("d").toLowerCase()}.example.com`;
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: web, type: "public", mode: "static-website" });
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: bad, type: "public", mode: "api" });
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: api, type: "public", mode: "api" });
    expect(await serviceForCustomApiDomain(env, web)).toBeNull();
    expect(await serviceForCustomApiDomain(env, bad)).toBeNull();
    expect(await serviceForCustomApiDomain(env, api)).not.toBeNull();
    await t.api("PATCH", `/${s.uuid}`, { configured_status: "stopped" });
    expect(await serviceForCustomApiDomain(env, api)).toBeNull();
    await t.api("PATCH", `/${s.uuid}`, { configured_status: "started", networks: [privateNet()] });
    expect(await serviceForCustomApiDomain(env, api)).toBeNull();
  });
});

describe("re-verification (for the lifecycle's setup-dns step)", () => {
  it("checks every domain of a service again and records the result", async () => {
    const t = await newTenant();
    const s = await newService(t);
    const good = `www.${unique("d").toLowerCase()}.example.com`;
    const bad = `unverified.${unique("d").toLowerCase()}.example.com`;
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: good, type: "public" });
    await t.api("POST", `/${s.uuid}/custom-domains`, { domain_name: bad, type: "public" });
    // As if DNS had been broken for `good` at the last check.
    await db(env)
      .update(customDomains)
      .set({ verification: "failed", verificationDetail: "stale" })
      .where(eq(customDomains.domainName, good));
    expect((await t.api("GET", `/${s.uuid}`)).json.state_messages[0].message).toContain(good);
    await reverifyCustomDomains(env, s.uuid);
    const rows = await db(env).select().from(customDomains).where(eq(customDomains.serviceUuid, s.uuid)).all();
    expect(Object.fromEntries(rows.map((r) => [r.domainName, r.verification]))).toEqual({ [good]: "verified", [bad]: "failed" });
    const msg = (await t.api("GET", `/${s.uuid}`)).json.state_messages[0].message;
    expect(msg).toContain(bad);
    expect(msg).not.toContain(good);
    await reverifyCustomDomains(env, "12000000-0000-0000-0000-000000000000");
  });
});
