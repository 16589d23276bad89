/** Every way parseAuth and verify refuse a request, with the S3 error code each must produce. */
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import { AuthError, checkScope, parseAuth, verify, type ParsedAuth, type VerifyResult } from "../../src/core/sigv4";

const AKID = "AKIAEXAMPLEKEY000001";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DATETIME = "20261121T233020Z";
const NOW = new Date("2026-11-21T23:30:20Z");
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const SIG = "f".repeat(64);
const client = new AwsClient({ accessKeyId: AKID, secretAccessKey: SECRET, service: "s3", region: "us-east-1" });

function parse(request: Request): ParsedAuth | null | AuthError {
  return parseAuth(request, new URL(request.url));
}

function parseError(request: Request): AuthError {
  const result = parse(request);
  if (!(result instanceof AuthError)) throw new Error(`expected an AuthError, got ${JSON.stringify(result)}`);
  return result;
}

async function check(request: Request, now = NOW, secret = SECRET): Promise<VerifyResult> {
  const parsed = parse(request);
  if (parsed === null || parsed instanceof AuthError) throw new Error(`not parsed: ${String(parsed)}`);
  return verify(parsed, request, new URL(request.url), secret, now);
}

async function refusal(request: Request, now = NOW, secret = SECRET): Promise<AuthError> {
  const result = await check(request, now, secret);
  if (result.ok) throw new Error("expected a refusal");
  return result.error;
}

function v4(authorization: string, headers: Record<string, string> = {}): Request {
  return new Request("http://127.0.0.1:8787/bucket/key", {
    headers: { "x-amz-date": DATETIME, "x-amz-content-sha256": EMPTY, authorization, ...headers },
  });
}

const CRED = `Credential=${AKID}/20261121/us-east-1/s3/aws4_request`;

describe("parseAuth", () => {
  it("treats a request without credentials as anonymous", () => {
    expect(parse(new Request("http://127.0.0.1:8787/bucket/key?list-type=2"))).toBeNull();
  });

  it("accepts both ', ' and ',' between the Authorization elements", () => {
    for (const sep of [", ", ","]) {
      const parsed = parse(v4(`AWS4-HMAC-SHA256 ${CRED}${sep}SignedHeaders=host;x-amz-date${sep}Signature=${SIG}`));
      expect(parsed).toMatchObject({ version: 4, accessKeyId: AKID, signedHeaders: ["host", "x-amz-date"] });
    }
  });

  it("refuses another Authorization scheme", () => {
    const error = parseError(new Request("http://x/", { headers: { authorization: "Bearer abc" } }));
    expect([error.code, error.status]).toEqual(["InvalidArgument", 400]);
  });

  it("refuses two auth mechanisms at once", () => {
    const request = new Request(`http://x/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256`, {
      headers: { authorization: `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}` },
    });
    expect(parseError(request).code).toBe("InvalidArgument");
    expect(parseError(new Request("http://x/b/k?AWSAccessKeyId=A&X-Amz-Signature=1")).code).toBe("InvalidArgument");
  });

  it.each([
    ["missing Signature", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host`],
    ["missing SignedHeaders", `AWS4-HMAC-SHA256 ${CRED}, Signature=${SIG}`],
    ["missing Credential", `AWS4-HMAC-SHA256 SignedHeaders=host, Signature=${SIG}`],
    ["credential with four parts", `AWS4-HMAC-SHA256 Credential=${AKID}/20261121/us-east-1/s3, SignedHeaders=host, Signature=${SIG}`],
    [
      "credential not ending in aws4_request",
      `AWS4-HMAC-SHA256 Credential=${AKID}/20261121/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=${SIG}`,
    ],
    [
      "credential date not 8 digits",
      `AWS4-HMAC-SHA256 Credential=${AKID}/2026-11-21/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${SIG}`,
    ],
    ["signature not hex", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${"z".repeat(64)}`],
    ["short signature", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=abc`],
    ["unknown element", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}, Extra=1`],
    ["empty SignedHeaders", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=, Signature=${SIG}`],
    ["garbage element", `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}, junk`],
    ["another AWS4 algorithm", `AWS4-HMAC-SHA512 ${CRED}, SignedHeaders=host, Signature=${SIG}`],
  ])("refuses a malformed SigV4 header: %s", (_, authorization) => {
    const error = parseError(v4(authorization));
    expect([error.code, error.status]).toEqual(["AuthorizationHeaderMalformed", 400]);
  });

  it("refuses a credential date other than the x-amz-date day", () => {
    const error = parseError(v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`, { "x-amz-date": "20261122T000000Z" }));
    expect(error.code).toBe("AuthorizationHeaderMalformed");
  });

  it("requires a valid date", () => {
    const noDate = new Request("http://x/b/k", {
      headers: { "x-amz-content-sha256": EMPTY, authorization: `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}` },
    });
    expect(parseError(noDate).code).toBe("AccessDenied");
    expect(
      parseError(v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`, { "x-amz-date": "20261321T000000Z" })).code,
    ).toBe("AccessDenied");
  });

  it("requires x-amz-content-sha256 for S3 and validates its value", () => {
    const missing = new Request("http://x/b/k", {
      headers: { "x-amz-date": DATETIME, authorization: `AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}` },
    });
    expect(parseError(missing).code).toBe("InvalidRequest");
    const bad = parseError(v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`, { "x-amz-content-sha256": "abc" }));
    expect(bad.code).toBe("InvalidArgument");
    const v4a = parseError(
      v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`, {
        "x-amz-content-sha256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
      }),
    );
    expect(v4a.code).toBe("NotImplemented");
  });

  it("answers SigV4A with NotImplemented", () => {
    const error = parseError(v4(`AWS4-ECDSA-P256-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`));
    expect([error.code, error.status]).toEqual(["NotImplemented", 501]);
  });

  const presigned = (params: Record<string, string>) =>
    new Request(`http://127.0.0.1:8787/bucket/key?${new URLSearchParams(params).toString()}`);
  const good = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": `${AKID}/20261121/us-east-1/s3/aws4_request`,
    "X-Amz-Date": DATETIME,
    "X-Amz-Expires": "3600",
    "X-Amz-SignedHeaders": "host",
    "X-Amz-Signature": SIG,
  };

  it("parses a well-formed presigned URL", () => {
    expect(parse(presigned(good))).toMatchObject({ version: 4, location: "query", expiresSeconds: 3600 });
  });

  it.each([
    ["X-Amz-Expires over 7 days", { "X-Amz-Expires": "604801" }],
    ["negative X-Amz-Expires", { "X-Amz-Expires": "-1" }],
    ["non-numeric X-Amz-Expires", { "X-Amz-Expires": "soon" }],
    ["unknown algorithm", { "X-Amz-Algorithm": "AWS4-HMAC-SHA1" }],
    ["malformed X-Amz-Date", { "X-Amz-Date": "2026-11-21T23:30:20Z" }],
    ["malformed credential", { "X-Amz-Credential": `${AKID}/20261121/us-east-1` }],
    ["credential date other than X-Amz-Date", { "X-Amz-Credential": `${AKID}/20261120/us-east-1/s3/aws4_request` }],
    ["short signature", { "X-Amz-Signature": "abc" }],
    ["empty signed headers", { "X-Amz-SignedHeaders": "" }],
  ])("refuses a presigned URL with %s", (_, change) => {
    const error = parseError(presigned({ ...good, ...change }));
    expect([error.code, error.status]).toEqual(["AuthorizationQueryParametersError", 400]);
  });

  it.each(["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"])(
    "refuses a presigned URL without %s",
    (name) => {
      const params: Record<string, string> = { ...good };
      delete params[name];
      expect(parseError(presigned(params)).code).toBe("AuthorizationQueryParametersError");
    },
  );

  it("accepts exactly 7 days", () => {
    expect(parse(presigned({ ...good, "X-Amz-Expires": "604800" }))).toMatchObject({ expiresSeconds: 604800 });
  });

  it("refuses a repeated presigned parameter", () => {
    const url = `http://x/b/k?${new URLSearchParams(good).toString()}&X-Amz-Signature=${SIG}`;
    expect(parseError(new Request(url)).code).toBe("AuthorizationQueryParametersError");
  });

  it("refuses malformed SigV2", () => {
    const noColon = new Request("http://x/b/k", { headers: { authorization: `AWS ${AKID}`, date: NOW.toUTCString() } });
    expect(parseError(noColon).code).toBe("InvalidArgument");
    const noDate = new Request("http://x/b/k", { headers: { authorization: `AWS ${AKID}:abc=` } });
    expect(parseError(noDate).code).toBe("AccessDenied");
    expect(parseError(new Request(`http://x/b/k?AWSAccessKeyId=${AKID}&Signature=abc`)).code).toBe("AccessDenied");
    expect(parseError(new Request(`http://x/b/k?AWSAccessKeyId=${AKID}&Signature=abc&Expires=tomorrow`)).code).toBe("AccessDenied");
  });
});

describe("verify", () => {
  const signedGet = (headers: Record<string, string> = {}) =>
    client.sign("http://127.0.0.1:8787/bucket/key?x-id=GetObject", {
      method: "GET",
      headers: { "x-amz-content-sha256": EMPTY, ...headers },
      aws: { datetime: DATETIME },
    });

  it("accepts the untouched request", async () => {
    expect((await check(await signedGet())).ok).toBe(true);
  });

  it("refuses the wrong secret without revealing either secret", async () => {
    const error = await refusal(await signedGet(), NOW, "another-secret");
    expect([error.code, error.status]).toEqual(["SignatureDoesNotMatch", 403]);
    expect(error.details.StringToSign).toContain("AWS4-HMAC-SHA256\n20261121T233020Z\n20261121/us-east-1/s3/aws4_request\n");
    expect(error.details.CanonicalRequest).toContain("GET\n/bucket/key\nx-id=GetObject\n");
    const everything = JSON.stringify([error.message, error.details]);
    expect(everything).not.toContain("another-secret");
    expect(everything).not.toContain(SECRET);
  });

  it("refuses a tampered signed header", async () => {
    const signed = await signedGet({ "x-amz-meta-color": "blue" });
    const headers = new Headers(signed.headers);
    headers.set("x-amz-meta-color", "red");
    expect((await refusal(new Request(signed.url, { headers }))).code).toBe("SignatureDoesNotMatch");
  });

  it("refuses a changed method, path or query", async () => {
    const signed = await signedGet();
    expect((await refusal(new Request(signed.url, { method: "DELETE", headers: signed.headers }))).code).toBe("SignatureDoesNotMatch");
    expect((await refusal(new Request(signed.url.replace("/key", "/kez"), { headers: signed.headers }))).code).toBe(
      "SignatureDoesNotMatch",
    );
    expect((await refusal(new Request(signed.url + "&versionId=1", { headers: signed.headers }))).code).toBe("SignatureDoesNotMatch");
    expect((await refusal(new Request(signed.url.replace("127.0.0.1", "localhost"), { headers: signed.headers }))).code).toBe(
      "SignatureDoesNotMatch",
    );
  });

  it("refuses an x-amz-* header added after signing, and a request whose host is not signed", async () => {
    const signed = await signedGet();
    const headers = new Headers(signed.headers);
    headers.set("x-amz-acl", "public-read");
    const added = await refusal(new Request(signed.url, { headers }));
    expect([added.code, added.details.HeadersNotSigned]).toEqual(["AccessDenied", "x-amz-acl"]);

    const noHost = await refusal(v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=${SIG}`));
    expect([noHost.code, noHost.details.HeadersNotSigned]).toEqual(["AccessDenied", "host"]);
  });

  it("allows 15 minutes of clock skew each way, and no more", async () => {
    const request = await signedGet();
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    expect((await check(request, at(15 * 60_000))).ok).toBe(true);
    expect((await check(request, at(-15 * 60_000))).ok).toBe(true);
    const late = await refusal(request, at(15 * 60_000 + 1000));
    expect([late.code, late.status]).toEqual(["RequestTimeTooSkewed", 403]);
    expect(late.details.ServerTime).toBe("20261121T234521Z");
    expect((await refusal(request, at(-15 * 60_000 - 1000))).code).toBe("RequestTimeTooSkewed");
  });

  it("refuses an expired presigned URL and one dated in the future", async () => {
    const signed = await client.sign("http://127.0.0.1:8787/bucket/key?X-Amz-Expires=60", {
      method: "GET",
      aws: { datetime: DATETIME, signQuery: true },
    });
    const request = new Request(signed.url);
    expect((await check(request, new Date(NOW.getTime() + 60_000))).ok).toBe(true);
    const expired = await refusal(request, new Date(NOW.getTime() + 61_000));
    expect([expired.code, expired.message]).toEqual(["AccessDenied", "Request has expired"]);
    const early = await refusal(request, new Date(NOW.getTime() - 16 * 60_000));
    expect([early.code, early.message]).toEqual(["AccessDenied", "Request is not valid yet"]);
    // A presigned URL is not bound by the 15-minute skew within its validity.
    const week = await client.sign("http://127.0.0.1:8787/bucket/key?X-Amz-Expires=604800", {
      method: "GET",
      aws: { datetime: DATETIME, signQuery: true },
    });
    expect((await check(new Request(week.url), new Date(NOW.getTime() + 6 * 86_400_000))).ok).toBe(true);
  });

  it("refuses a presigned URL whose signature was altered", async () => {
    const signed = await client.sign("http://127.0.0.1:8787/bucket/key?X-Amz-Expires=60", {
      method: "GET",
      aws: { datetime: DATETIME, signQuery: true },
    });
    const url = new URL(signed.url);
    const sig = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", (sig[0] === "a" ? "b" : "a") + sig.slice(1));
    expect((await refusal(new Request(url))).code).toBe("SignatureDoesNotMatch");
  });

  it("requires x-amz-decoded-content-length and x-amz-trailer for streaming payloads", async () => {
    const noLength = await client.sign("http://127.0.0.1:8787/bucket/key", {
      method: "PUT",
      body: "x",
      headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
      aws: { datetime: DATETIME },
    });
    const missing = await refusal(noLength);
    expect([missing.code, missing.status]).toEqual(["MissingContentLength", 411]);

    const noTrailer = await client.sign("http://127.0.0.1:8787/bucket/key", {
      method: "PUT",
      body: "x",
      headers: {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": "1",
      },
      aws: { datetime: DATETIME },
    });
    expect((await refusal(noTrailer)).code).toBe("InvalidRequest");
  });

  it("refuses SigV2 with the wrong secret, outside the skew, or expired", async () => {
    const date = NOW.toUTCString();
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
    const sign = async (s: string) =>
      btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(s)))));
    const signature = await sign(`GET\n\n\n${date}\n/bucket/key`);
    const request = new Request("http://127.0.0.1:8787/bucket/key", {
      headers: { date, authorization: `AWS ${AKID}:${signature}` },
    });
    expect((await check(request)).ok).toBe(true);
    expect((await refusal(request, NOW, "wrong")).code).toBe("SignatureDoesNotMatch");
    expect((await refusal(request, new Date(NOW.getTime() + 16 * 60_000))).code).toBe("RequestTimeTooSkewed");

    const expires = Math.floor(NOW.getTime() / 1000) + 60;
    const querySig = await sign(`GET\n\n\n${expires}\n/bucket/key`);
    const url = `http://127.0.0.1:8787/bucket/key?AWSAccessKeyId=${AKID}&Expires=${expires}&Signature=${encodeURIComponent(querySig)}`;
    expect((await check(new Request(url), new Date((expires - 1) * 1000))).ok).toBe(true);
    const expired = await refusal(new Request(url), new Date((expires + 1) * 1000));
    expect([expired.code, expired.message]).toEqual(["AccessDenied", "Request has expired"]);
    // Content-Type is part of the SigV2 string to sign: an uploader adding one breaks the URL.
    const withType = new Request(url, { headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect((await refusal(withType, new Date((expires - 1) * 1000))).code).toBe("SignatureDoesNotMatch");
  });

  it("never echoes a session token in the SignatureDoesNotMatch details", async () => {
    const token = "IQoJb3JpZ2luX2VjEXAMPLE+token/with=chars";
    const withToken = new AwsClient({
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      sessionToken: token,
      service: "s3",
      region: "us-east-1",
    });
    const header = await withToken.sign("http://127.0.0.1:8787/bucket/key", { method: "GET", aws: { datetime: DATETIME } });
    const query = await withToken.sign("http://127.0.0.1:8787/bucket/key?X-Amz-Expires=60", {
      method: "GET",
      aws: { datetime: DATETIME, signQuery: true },
    });
    for (const request of [header, new Request(query.url)]) {
      const error = await refusal(request, NOW, "wrong-secret");
      expect(error.code).toBe("SignatureDoesNotMatch");
      expect(error.details.CanonicalRequest).toContain("REDACTED");
      expect(JSON.stringify(error.details)).not.toContain(token);
      expect(JSON.stringify(error.details)).not.toContain(encodeURIComponent(token));
    }
  });
});

describe("checkScope", () => {
  it("reports a wrong region or service in S3's words, and null when the scope matches", () => {
    const header = parse(v4(`AWS4-HMAC-SHA256 ${CRED}, SignedHeaders=host, Signature=${SIG}`));
    if (header === null || header instanceof AuthError || header.version !== 4) throw new Error("not parsed");
    expect(checkScope(header, { region: "us-east-1", service: "s3" })).toBeNull();
    const region = checkScope(header, { region: "eu-central-1" });
    expect([region?.code, region?.message]).toEqual([
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'eu-central-1'",
    ]);
    expect(region?.details.Region).toBe("eu-central-1");
    expect(checkScope(header, { service: "iam" })?.code).toBe("AuthorizationHeaderMalformed");

    const url = `http://x/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AKID}%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${DATETIME}&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${SIG}`;
    const query = parse(new Request(url));
    if (query === null || query instanceof AuthError || query.version !== 4) throw new Error("not parsed");
    expect(checkScope(query, { region: "auto" })?.code).toBe("AuthorizationQueryParametersError");
  });
});
