/**
 * Interoperability with real signers: aws4fetch (header, presigned, UNSIGNED-PAYLOAD, IAM form
 * bodies) and @smithy/signature-v4 (the signer inside the AWS SDK for JavaScript v3), over object
 * keys with every awkward character and query strings with repeated and empty parameters.
 */
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { decodeBody, parseAuth, verify, type VerifyResult } from "../../src/core/sigv4";
import { WebSha256 } from "../helpers/web-sha256";

const AKID = "AKIAEXAMPLEKEY000001";
const SECRET = "s3cr3t/with+odd=chars~and spaces";
const NOW = new Date("2026-11-21T23:30:20Z");
const DATETIME = "20261121T233020Z";

/** The measured key of wire notes §6 plus a few more. */
const KEYS = [
  "k/sp ace+plus~tilde!bang'q(p)*star,comma;semi=eq&amp@at$dollar:colon#hash%%pct^car[b]{c}|pipe`bt\"dq<lt>gt\\bs é漢.txt",
  "plain.txt",
  "dir/sub dir/naïve 文件 🚀.bin",
  "a=b&c=d?e",
  "trailing/slash/",
  "~user/!important(1)*'x'",
];

/** Strict RFC 3986 per segment, as every measured client sends keys. */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()))
    .join("/");
}

async function check(request: Request, secret = SECRET, now = NOW): Promise<VerifyResult> {
  const url = new URL(request.url);
  const parsed = parseAuth(request, url);
  if (parsed === null || parsed instanceof Error) throw new Error(`not parsed: ${String(parsed)}`);
  return verify(parsed, request, url, secret, now);
}

function expectOk(result: VerifyResult): void {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}\n${result.error.details.CanonicalRequest ?? ""}`);
}

describe("aws4fetch", () => {
  const client = new AwsClient({ accessKeyId: AKID, secretAccessKey: SECRET, service: "s3", region: "us-east-1" });

  for (const key of KEYS) {
    it(`header-signed GET of ${JSON.stringify(key)}`, async () => {
      const url = `http://127.0.0.1:8787/bucket/${encodeKey(key)}?x-id=GetObject`;
      const request = await client.sign(url, { method: "GET", aws: { datetime: DATETIME } });
      expectOk(await check(request));
      // The wrong secret fails.
      const wrong = await check(request, SECRET + "x");
      expect(wrong.ok ? null : wrong.error.code).toBe("SignatureDoesNotMatch");
    });

    it(`presigned PUT of ${JSON.stringify(key)} (UNSIGNED-PAYLOAD)`, async () => {
      const url = `http://127.0.0.1:8787/bucket/${encodeKey(key)}?X-Amz-Expires=600`;
      const signed = await client.sign(url, { method: "PUT", aws: { datetime: DATETIME, signQuery: true } });
      const request = new Request(signed.url, { method: "PUT", body: "payload" });
      const result = await check(request);
      expectOk(result);
      if (result.ok && result.auth.version === 4) {
        expect(result.auth.payload).toBe("unsigned");
        expect(result.auth.location).toBe("query");
      }
    });
  }

  it("keys sent without strict encoding (raw !*'() and +) are canonicalised as S3 does", async () => {
    for (const path of ["/bucket/a!b*c'd(e)f", "/bucket/one+two", "/bucket/tilde%7Eescaped"]) {
      const request = await client.sign(`http://127.0.0.1:8787${path}`, { method: "GET", aws: { datetime: DATETIME } });
      expectOk(await check(request));
    }
  });

  it("repeated, empty and valueless query parameters", async () => {
    const url = "http://127.0.0.1:8787/bucket/?list-type=2&prefix=sp%20ace%2Bplus&delimiter=&uploads&a=2&a=1&empty=";
    const request = await client.sign(url, { method: "GET", aws: { datetime: DATETIME } });
    expectOk(await check(request));
  });

  it("a signed PUT body with a hex payload hash, verified while streaming", async () => {
    const body = new TextEncoder().encode("hello world");
    const sha = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    const signed = await client.sign("http://127.0.0.1:8787/bucket/hello.txt", {
      method: "PUT",
      body,
      headers: { "x-amz-content-sha256": sha, "x-amz-meta-note": "a  b   c", "content-md5": "XrY7u+Ae7tCTyyK7j1rNww==" },
      aws: { datetime: DATETIME },
    });
    const result = await check(signed);
    expectOk(result);
    if (!result.ok) return;
    const decoded = decodeBody(signed, result.auth, { checksums: ["CRC32"] });
    expect(await new Response(decoded.body).text()).toBe("hello world");
    const done = await decoded.done;
    expect(done.checksums.MD5?.hex).toBe("5eb63bbbe01eeed093cb22bb8f5acdc3");
    expect(done.checksums.CRC32?.hex).toBe("0d4a1185");
  });

  it("an IAM query-API POST: the body hash is signed, the body stays readable", async () => {
    const iam = new AwsClient({ accessKeyId: AKID, secretAccessKey: SECRET, service: "iam", region: "us-east-1" });
    const form = "Action=CreateUser&UserName=alice&Version=2010-05-08";
    const request = await iam.sign("http://127.0.0.1:8787/", {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
      aws: { datetime: DATETIME },
    });
    const result = await check(request);
    expectOk(result);
    if (result.ok && result.auth.version === 4) expect(result.auth.scope.service).toBe("iam");
    expect(await request.text()).toBe(form);

    const tampered = await iam.sign("http://127.0.0.1:8787/", {
      method: "POST",
      body: form,
      aws: { datetime: DATETIME },
    });
    const forged = new Request(tampered, { body: form.replace("alice", "mallory") });
    const refused = await check(forged);
    expect(refused.ok ? null : refused.error.code).toBe("SignatureDoesNotMatch");
  });

  it("an STS presigned GET (service sts, no X-Amz-Content-Sha256)", async () => {
    const sts = new AwsClient({ accessKeyId: AKID, secretAccessKey: SECRET, service: "sts", region: "us-east-1" });
    const signed = await sts.sign("http://127.0.0.1:8787/?Action=GetCallerIdentity&Version=2011-06-15", {
      method: "GET",
      aws: { datetime: DATETIME, signQuery: true },
    });
    expectOk(await check(new Request(signed.url)));
  });

  it("a session token is carried and returned", async () => {
    const withToken = new AwsClient({
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      sessionToken: "FwoGZXIvYXdzEXAMPLE+/=",
      service: "s3",
      region: "eu-west-1",
    });
    const request = await withToken.sign("http://127.0.0.1:8787/bucket/k", { method: "GET", aws: { datetime: DATETIME } });
    const result = await check(request);
    expectOk(result);
    if (result.ok) expect(result.auth.securityToken).toBe("FwoGZXIvYXdzEXAMPLE+/=");
  });
});

/** What the SDK's querystring builder sends. */
function queryString(query: Record<string, string | string[] | null>): string {
  const esc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (Array.isArray(value)) for (const v of value) parts.push(`${esc(key)}=${esc(v)}`);
    else if (value === null || value === undefined) parts.push(esc(key));
    else parts.push(`${esc(key)}=${esc(value)}`);
  }
  return parts.length ? "?" + parts.join("&") : "";
}

function toFetch(signed: HttpRequest, body?: string): Request {
  const url = `${signed.protocol}//${signed.hostname}:${signed.port}${signed.path}${queryString(signed.query as Record<string, string | string[] | null>)}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== "host") headers.set(name, value);
  return new Request(url, { method: signed.method, headers, ...(body === undefined ? {} : { body }) });
}

describe("@smithy/signature-v4 (AWS SDK for JavaScript v3)", () => {
  const signer = new SignatureV4({
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    region: "us-east-1",
    service: "s3",
    sha256: WebSha256,
    uriEscapePath: false,
    applyChecksum: true,
  });

  function s3Request(key: string, query: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    return new HttpRequest({
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 8787,
      path: `/bucket/${encodeKey(key)}`,
      query,
      headers: { host: "127.0.0.1:8787", ...headers },
    });
  }

  for (const key of KEYS) {
    it(`header-signed GET of ${JSON.stringify(key)} with repeated and empty query values`, async () => {
      const request = s3Request(
        key,
        { "x-id": "GetObject", "response-content-disposition": 'attachment; filename="a b.txt"', multi: ["b", "a", ""], empty: "" },
        {
          "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          "amz-sdk-request": "attempt=1;   max=3",
          "x-amz-checksum-mode": "ENABLED",
        },
      );
      const signed = (await signer.sign(request, { signingDate: NOW })) as HttpRequest;
      expectOk(await check(toFetch(signed)));
    });

    it(`presigned GET of ${JSON.stringify(key)} as the S3 presigner builds it`, async () => {
      const request = s3Request(
        key,
        { "x-id": "GetObject" },
        {
          "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
          "x-amz-checksum-mode": "ENABLED",
        },
      );
      const signed = (await signer.presign(request, { signingDate: NOW, expiresIn: 900 })) as HttpRequest;
      const fetchRequest = toFetch(signed);
      expect(new URL(fetchRequest.url).searchParams.get("X-Amz-Content-Sha256")).toBe("UNSIGNED-PAYLOAD");
      const result = await check(fetchRequest);
      expectOk(result);
      const expired = await check(fetchRequest, SECRET, new Date(NOW.getTime() + 901_000));
      expect(expired.ok ? null : expired.error.message).toBe("Request has expired");
    });
  }

  it("an STS POST signed the generic way (double-encoded path, hashed body)", async () => {
    const sts = new SignatureV4({
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
      region: "us-east-1",
      service: "sts",
      sha256: WebSha256,
    });
    const body = "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A123%3Arole%2Fx&RoleSessionName=s&Version=2011-06-15";
    const request = new HttpRequest({
      method: "POST",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 8787,
      path: "/",
      headers: { host: "127.0.0.1:8787", "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    const signed = (await sts.sign(request, { signingDate: NOW })) as HttpRequest;
    const fetchRequest = toFetch(signed, body);
    const result = await check(fetchRequest);
    expectOk(result);
    if (result.ok && result.auth.version === 4) expect(result.auth.scope.service).toBe("sts");
  });
});
