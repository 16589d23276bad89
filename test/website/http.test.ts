import { describe, expect, it } from "vitest";
import { newSite, put, visit } from "./helpers";

const BODY = "0123456789abcdefghij"; // 20 bytes

async function siteWithFile() {
  const s = await newSite();
  const obj = await put(s.uuid, s.bucket, "data.txt", BODY, {
    contentType: "text/plain; charset=utf-8",
    cacheControl: "public, max-age=60",
    contentLanguage: "en",
  });
  await put(s.uuid, s.bucket, "untyped.css", "a{}");
  await put(s.uuid, s.bucket, "index.html", "<h1>hi</h1>");
  return { ...s, etag: obj!.httpEtag, uploaded: obj!.uploaded };
}

describe("static website: object headers", () => {
  it("sends Content-Type, Cache-Control, ETag, Last-Modified and Content-Length from the object", async () => {
    const s = await siteWithFile();
    const r = await visit(s.host, "/data.txt");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.headers.get("cache-control")).toBe("public, max-age=60");
    expect(r.headers.get("content-language")).toBe("en");
    expect(r.headers.get("etag")).toBe(s.etag);
    expect(r.headers.get("last-modified")).toBe(s.uploaded.toUTCString());
    expect(r.headers.get("content-length")).toBe("20");
    expect(r.headers.get("accept-ranges")).toBe("bytes");
    expect(await r.text()).toBe(BODY);
  });

  it("guesses Content-Type for objects stored without one", async () => {
    const s = await siteWithFile();
    expect((await visit(s.host, "/untyped.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
  });

  it("answers HEAD with the headers and no body", async () => {
    const s = await siteWithFile();
    const r = await visit(s.host, "/data.txt", { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-length")).toBe("20");
    expect(r.headers.get("etag")).toBe(s.etag);
    expect(await r.text()).toBe("");
    expect((await visit(s.host, "/missing.txt", { method: "HEAD" })).status).toBe(404);
  });
});

describe("static website: conditional requests", () => {
  it("answers 304 to a matching If-None-Match, 200 otherwise", async () => {
    const s = await siteWithFile();
    const hit = await visit(s.host, "/data.txt", { headers: { "If-None-Match": s.etag } });
    expect(hit.status).toBe(304);
    expect(hit.headers.get("etag")).toBe(s.etag);
    expect(hit.headers.get("cache-control")).toBe("public, max-age=60");
    expect(await hit.text()).toBe("");
    expect((await visit(s.host, "/data.txt", { headers: { "If-None-Match": `"other", ${s.etag}` } })).status).toBe(304);
    expect((await visit(s.host, "/data.txt", { headers: { "If-None-Match": `W/${s.etag}` } })).status).toBe(304);
    expect((await visit(s.host, "/data.txt", { method: "HEAD", headers: { "If-None-Match": s.etag } })).status).toBe(304);
    const miss = await visit(s.host, "/data.txt", { headers: { "If-None-Match": '"stale"' } });
    expect(miss.status).toBe(200);
    expect(await miss.text()).toBe(BODY);
    // Index documents are objects like any other.
    const index = await visit(s.host, "/");
    expect((await visit(s.host, "/", { headers: { "If-None-Match": index.headers.get("etag")! } })).status).toBe(304);
  });

  it("answers 304 to If-Modified-Since and 412 to a failing If-Match", async () => {
    const s = await siteWithFile();
    const later = new Date(s.uploaded.getTime() + 60_000).toUTCString();
    const earlier = new Date(s.uploaded.getTime() - 60_000).toUTCString();
    expect((await visit(s.host, "/data.txt", { headers: { "If-Modified-Since": later } })).status).toBe(304);
    expect((await visit(s.host, "/data.txt", { headers: { "If-Modified-Since": earlier } })).status).toBe(200);
    expect((await visit(s.host, "/data.txt", { headers: { "If-Match": '"nope"' } })).status).toBe(412);
    expect((await visit(s.host, "/data.txt", { headers: { "If-Match": s.etag } })).status).toBe(200);
  });
});

describe("static website: ranges", () => {
  it("answers 206 with Content-Range for bytes=a-b, a- and -n", async () => {
    const s = await siteWithFile();
    const cases: [string, string, string][] = [
      ["bytes=0-4", "bytes 0-4/20", "01234"],
      ["bytes=10-", "bytes 10-19/20", "abcdefghij"],
      ["bytes=-3", "bytes 17-19/20", "hij"],
      ["bytes=15-99", "bytes 15-19/20", "fghij"],
    ];
    for (const [range, contentRange, body] of cases) {
      const r = await visit(s.host, "/data.txt", { headers: { Range: range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get("content-range"), range).toBe(contentRange);
      expect(r.headers.get("content-length"), range).toBe(String(body.length));
      expect(r.headers.get("etag")).toBe(s.etag);
      expect(await r.text(), range).toBe(body);
    }
  });

  it("answers 416 for a range past the end and ignores malformed or multiple ranges", async () => {
    const s = await siteWithFile();
    const r = await visit(s.host, "/data.txt", { headers: { Range: "bytes=20-30" } });
    expect(r.status).toBe(416);
    expect(r.headers.get("content-range")).toBe("bytes */20");
    for (const range of ["bytes=0-1,4-5", "items=0-1", "bytes=5-2"]) {
      const full = await visit(s.host, "/data.txt", { headers: { Range: range } });
      expect(full.status, range).toBe(200);
      expect(await full.text()).toBe(BODY);
    }
  });

  it("serves the whole object when If-Range no longer matches", async () => {
    const s = await siteWithFile();
    const ok = await visit(s.host, "/data.txt", { headers: { Range: "bytes=0-1", "If-Range": s.etag } });
    expect(ok.status).toBe(206);
    expect(await ok.text()).toBe("01");
    const stale = await visit(s.host, "/data.txt", { headers: { Range: "bytes=0-1", "If-Range": '"old"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(BODY);
  });

  it("streams large objects", async () => {
    const s = await siteWithFile();
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    await put(s.uuid, s.bucket, "big.bin", big);
    const r = await visit(s.host, "/big.bin");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/octet-stream");
    expect(r.headers.get("content-length")).toBe(String(big.length));
    const got = new Uint8Array(await r.arrayBuffer());
    expect(got.length).toBe(big.length);
    expect(got[big.length - 1]).toBe(big[big.length - 1]);
    const tail = await visit(s.host, "/big.bin", { headers: { Range: `bytes=${big.length - 2}-` } });
    expect([...new Uint8Array(await tail.arrayBuffer())]).toEqual([big[big.length - 2], big[big.length - 1]]);
  });
});
