import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { buckets } from "../../src/schema/tables";
import { db } from "../../src/storage/db";
import { newSite, publicReadPolicy, put, setPolicy, visit } from "./helpers";

const FILES = {
  "index.html": "root index",
  "about.html": "about page",
  LICENSE: "license text",
  "docs/index.html": "docs index",
  "docs/guide.html": "guide",
  "style.css": "body{}",
  "hello world.txt": "spaced",
  "café.html": "accented",
  "errors/404.html": "custom not found",
  "errors/4xx.html": "custom client error",
};

describe("static website: paths to keys", () => {
  it("serves index documents for / and paths ending in /", async () => {
    const s = await newSite({}, FILES);
    const root = await visit(s.host, "/");
    expect(root.status).toBe(200);
    expect(await root.text()).toBe("root index");
    expect(await (await visit(s.host, "/docs/")).text()).toBe("docs index");
    expect(await (await visit(s.host, "/?utm=x")).text()).toBe("root index");
    expect((await visit(s.host, "/nothing-here/")).status).toBe(404);
  });

  it("uses the configured index_document", async () => {
    const s = await newSite({ index_document: "home.htm" }, { "home.htm": "home", "index.html": "not this", "sub/home.htm": "sub home" });
    expect(await (await visit(s.host, "/")).text()).toBe("home");
    expect(await (await visit(s.host, "/sub/")).text()).toBe("sub home");
  });

  it("serves files as-is and tries <path>.html for extensionless paths (spa_mode off)", async () => {
    const s = await newSite({}, FILES);
    expect(await (await visit(s.host, "/style.css")).text()).toBe("body{}");
    expect(await (await visit(s.host, "/about")).text()).toBe("about page");
    expect(await (await visit(s.host, "/about.html")).text()).toBe("about page");
    expect(await (await visit(s.host, "/docs/guide")).text()).toBe("guide");
    expect(await (await visit(s.host, "/LICENSE")).text()).toBe("license text");
    expect((await visit(s.host, "/missing")).status).toBe(404);
    expect((await visit(s.host, "/missing.js")).status).toBe(404);
  });

  it("redirects a directory named without its slash", async () => {
    const s = await newSite({}, FILES);
    const r = await visit(s.host, "/docs?x=1", { redirect: "manual" });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/docs/?x=1");
  });

  it("percent-decodes paths", async () => {
    const s = await newSite({}, FILES);
    expect(await (await visit(s.host, "/hello%20world.txt")).text()).toBe("spaced");
    expect(await (await visit(s.host, "/caf%C3%A9.html")).text()).toBe("accented");
    expect(await (await visit(s.host, "/caf%C3%A9")).text()).toBe("accented");
    expect(await (await visit(s.host, "/%61bout")).text()).toBe("about page");
  });

  it("maps paths under bucket_prefix and never above it", async () => {
    const s = await newSite(
      { bucket_prefix: "public/" },
      { "public/index.html": "public index", "public/a/b.html": "deep", "secret.txt": "top secret", "public/x/..html": "dots" },
    );
    expect(await (await visit(s.host, "/")).text()).toBe("public index");
    expect(await (await visit(s.host, "/a/b")).text()).toBe("deep");
    expect((await visit(s.host, "/secret.txt")).status).toBe(404);
    for (const path of [
      "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/a%2F..%2F..%2Fsecret.txt",
      "/a/.%2e%2fsecret.txt",
      "/%ZZ",
      "/a%00b",
    ]) {
      const r = await visit(s.host, path);
      expect(r.status, path).toBe(400);
      expect(await r.text()).not.toContain("top secret");
    }
    // The URL parser resolves dot segments (literal or encoded as whole segments) before we see them: still inside the prefix.
    for (const path of ["/a/../../secret.txt", "/%2e%2e/secret.txt", "/a/%2E%2E/%2e%2e/secret.txt"]) {
      const r = await visit(s.host, path);
      expect(r.status, path).toBe(404);
      expect(await r.text()).not.toContain("top secret");
    }
    // A prefix without its trailing slash names the same folder.
    const s2 = await newSite({ bucket_prefix: "dist" }, { "dist/index.html": "dist index", "distx/index.html": "wrong" });
    expect(await (await visit(s2.host, "/")).text()).toBe("dist index");
  });
});

describe("static website: SPA mode", () => {
  it("serves index_document with 200 for extensionless paths and files as-is", async () => {
    const s = await newSite({ spa_mode: true }, { ...FILES, "app/index.html": "app index" });
    for (const path of ["/", "/dashboard", "/users/42/settings", "/about"]) {
      const r = await visit(s.host, path);
      expect(r.status, path).toBe(200);
      expect(await r.text(), path).toBe("root index");
    }
    expect(await (await visit(s.host, "/style.css")).text()).toBe("body{}");
    expect(await (await visit(s.host, "/about.html")).text()).toBe("about page");
    expect((await visit(s.host, "/missing.js")).status).toBe(404);
    // Directories keep their own index; one without falls back to the app.
    expect(await (await visit(s.host, "/app/")).text()).toBe("app index");
    expect(await (await visit(s.host, "/nope/")).text()).toBe("root index");
  });

  it("uses index_document under the prefix", async () => {
    const s = await newSite({ spa_mode: true, bucket_prefix: "build/", index_document: "app.html" }, { "build/app.html": "the app" });
    expect(await (await visit(s.host, "/deep/link")).text()).toBe("the app");
  });
});

describe("static website: error pages", () => {
  it("replaces a 404 by exact code, keeping the status", async () => {
    const s = await newSite({ error_pages: [{ status_code: 404, error_document: "errors/404.html" }] }, FILES);
    const r = await visit(s.host, "/missing");
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toBe("text/html");
    expect(await r.text()).toBe("custom not found");
    const head = await visit(s.host, "/missing", { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(head.headers.get("content-length")).toBe(String("custom not found".length));
    expect(await head.text()).toBe("");
  });

  it("matches ranges, prefers an exact code, and falls back to the generated page", async () => {
    const s = await newSite(
      {
        error_pages: [
          { status_range: { start: 400, end: 499 }, error_document: "errors/4xx.html" },
          { status_code: 404, error_document: "errors/404.html" },
        ],
      },
      FILES,
    );
    expect(await (await visit(s.host, "/missing")).text()).toBe("custom not found");
    const bad = await visit(s.host, "/..%2fx");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("custom client error");
    // 403 (not public) is in the range too.
    await setPolicy(s.uuid, s.bucket, publicReadPolicy(s.bucket, `arn:aws:s3:::${s.bucket}/errors/*`));
    const denied = await visit(s.host, "/about");
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe("custom client error");
  });

  it("reads error documents relative to bucket_prefix, then from the bucket root", async () => {
    const s = await newSite(
      {
        bucket_prefix: "site/",
        error_pages: [
          { status_code: 404, error_document: "404.html" },
          { status_code: 400, error_document: "shared/400.html" },
        ],
      },
      { "site/404.html": "prefixed 404", "shared/400.html": "root 400" },
    );
    expect(await (await visit(s.host, "/missing")).text()).toBe("prefixed 404");
    expect(await (await visit(s.host, "/..%2f")).text()).toBe("root 400");
  });

  it("serves the generated page when the error document is missing or not public", async () => {
    const s = await newSite({ error_pages: [{ status_code: 404, error_document: "errors/gone.html" }] }, FILES);
    const r = await visit(s.host, "/missing");
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("404 Not Found");
    const s2 = await newSite(
      { error_pages: [{ status_code: 404, error_document: "private/404.html" }] },
      { ...FILES, "private/404.html": "hidden" },
    );
    await setPolicy(
      s2.uuid,
      s2.bucket,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${s2.bucket}/*` },
          { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${s2.bucket}/private/*` },
        ],
      }),
    );
    const r2 = await visit(s2.host, "/missing");
    expect(r2.status).toBe(404);
    expect(await r2.text()).not.toContain("hidden");
  });
});

describe("static website: public read through the bucket policy", () => {
  it("answers 403 without a policy, for keys the policy does not cover, and on explicit deny", async () => {
    const s = await newSite({}, FILES);
    await setPolicy(s.uuid, s.bucket, null);
    const none = await visit(s.host, "/");
    expect(none.status).toBe(403);
    expect(await none.text()).not.toContain("root index");
    // 403, not 404, for missing keys too: a private bucket does not reveal what exists.
    expect((await visit(s.host, "/missing")).status).toBe(403);

    await setPolicy(s.uuid, s.bucket, publicReadPolicy(s.bucket, `arn:aws:s3:::${s.bucket}/docs/*`));
    expect((await visit(s.host, "/docs/")).status).toBe(200);
    expect((await visit(s.host, "/about.html")).status).toBe(403);

    await setPolicy(
      s.uuid,
      s.bucket,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${s.bucket}/*` },
          { Effect: "Deny", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${s.bucket}/style.css` },
        ],
      }),
    );
    expect((await visit(s.host, "/style.css")).status).toBe(403);
    expect((await visit(s.host, "/about.html")).status).toBe(200);
  });

  it("does not count grants to named principals or other actions as public", async () => {
    const s = await newSite({}, FILES);
    await setPolicy(
      s.uuid,
      s.bucket,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::123456789012:user/alice" },
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${s.bucket}/*`,
          },
          { Effect: "Allow", Principal: "*", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${s.bucket}` },
        ],
      }),
    );
    expect((await visit(s.host, "/")).status).toBe(403);
    await setPolicy(s.uuid, s.bucket, "not json");
    expect((await visit(s.host, "/")).status).toBe(403);
  });

  it("honours policy conditions on the request (aws:SecureTransport)", async () => {
    const s = await newSite({}, FILES);
    await setPolicy(
      s.uuid,
      s.bucket,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: `arn:aws:s3:::${s.bucket}/*`,
            Condition: { Bool: { "aws:SecureTransport": "true" } },
          },
        ],
      }),
    );
    expect((await visit(s.host, "/")).status).toBe(403);
  });

  it("answers 404 when the bucket does not exist or is being deleted", async () => {
    const s = await newSite({}, FILES);
    const r = await s.t.api("PATCH", `/${s.uuid}/static-websites/${s.host}`, { bucket_name: "no-such-bucket" });
    expect(r.status).toBe(200);
    expect((await visit(s.host, "/")).status).toBe(404);
    await put(s.uuid, "no-such-bucket", "index.html", "orphan bytes");
    expect(await (await visit(s.host, "/")).text()).not.toContain("orphan bytes");
    await s.t.api("PATCH", `/${s.uuid}/static-websites/${s.host}`, { bucket_name: s.bucket });
    expect((await visit(s.host, "/")).status).toBe(200);
    await db(env)
      .update(buckets)
      .set({ deletedAt: new Date().toISOString() })
      .where(and(eq(buckets.serviceUuid, s.uuid), eq(buckets.name, s.bucket)));
    expect((await visit(s.host, "/")).status).toBe(404);
  });
});
