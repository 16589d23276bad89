/**
 * Published AWS test vectors: the SigV4 examples of the S3 API reference (header, query,
 * chunked upload, chunked upload with a signed trailer) and the SigV2 examples of
 * "Signing and Authenticating REST Requests".
 */
import { describe, expect, it } from "vitest";
import { decodeBody, parseAuth, verify, type BodyResult, type DecodedBody, type ParsedAuth, type VerifyResult } from "../../src/core/sigv4";
import { concat } from "../helpers/bytes";

const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const T2013 = new Date("2013-05-24T00:00:00Z");

/** `done` settles once the body has been consumed, so read it (ignoring its error) first. */
async function drained(decoded: DecodedBody): Promise<BodyResult> {
  await new Response(decoded.body).arrayBuffer().catch(() => undefined);
  return decoded.done;
}

function parsed(request: Request): ParsedAuth {
  const result = parseAuth(request, new URL(request.url));
  if (result === null || result instanceof Error) throw new Error(`not parsed: ${String(result)}`);
  return result;
}

async function check(request: Request, now: Date, bucket?: string): Promise<VerifyResult> {
  const options = bucket === undefined ? {} : { virtualHostedBucket: bucket };
  return verify(parsed(request), request, new URL(request.url), SECRET, now, options);
}

function v4Header(signedHeaders: string, signature: string): string {
  return `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=${signedHeaders},Signature=${signature}`;
}

describe("SigV4 header examples (S3 API reference)", () => {
  it("GET Object with a Range", async () => {
    const request = new Request("https://examplebucket.s3.amazonaws.com/test.txt", {
      headers: {
        range: "bytes=0-9",
        "x-amz-content-sha256": EMPTY,
        "x-amz-date": "20130524T000000Z",
        authorization: v4Header(
          "host;range;x-amz-content-sha256;x-amz-date",
          "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ),
      },
    });
    const result = await check(request, T2013);
    expect(result.ok).toBe(true);
    if (result.ok && result.auth.version === 4) {
      expect(result.auth.accessKeyId).toBe(AKID);
      expect(result.auth.scope).toEqual({ date: "20130524", region: "us-east-1", service: "s3" });
      expect(result.auth.payload).toBe("sha256");
      expect(result.auth.contentSha256).toBe(EMPTY);
    }
  });

  it("PUT Object: signed payload, `$` in the key, Date and storage class signed; body verified", async () => {
    const body = "Welcome to Amazon S3.";
    const sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const make = (payload: string) =>
      new Request("https://examplebucket.s3.amazonaws.com/test%24file.text", {
        method: "PUT",
        body: payload,
        headers: {
          date: "Fri, 24 May 2013 00:00:00 GMT",
          "x-amz-date": "20130524T000000Z",
          "x-amz-storage-class": "REDUCED_REDUNDANCY",
          "x-amz-content-sha256": sha,
          authorization: v4Header(
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
          ),
        },
      });
    const good = make(body);
    const result = await check(good, T2013);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const decoded = decodeBody(good, result.auth);
    expect(await new Response(decoded.body).text()).toBe(body);
    expect((await decoded.done).length).toBe(21);

    // Same headers, different bytes: the signature still matches, the payload hash does not.
    const tampered = make("Welcome to Amazon S4.");
    const again = await check(tampered, T2013);
    expect(again.ok).toBe(true);
    if (!again.ok) return;
    const bad = decodeBody(tampered, again.auth);
    await expect(new Response(bad.body).text()).rejects.toMatchObject({ code: "XAmzContentSHA256Mismatch" });
    await expect(bad.done).rejects.toMatchObject({ code: "XAmzContentSHA256Mismatch", status: 400 });
  });

  it("GET Bucket lifecycle (valueless sub-resource)", async () => {
    const request = new Request("https://examplebucket.s3.amazonaws.com/?lifecycle", {
      headers: {
        "x-amz-content-sha256": EMPTY,
        "x-amz-date": "20130524T000000Z",
        authorization: v4Header("host;x-amz-content-sha256;x-amz-date", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
      },
    });
    expect((await check(request, T2013)).ok).toBe(true);
  });

  it("GET Bucket (List Objects) with two sorted query parameters", async () => {
    const request = new Request("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {
      headers: {
        "x-amz-content-sha256": EMPTY,
        "x-amz-date": "20130524T000000Z",
        authorization: v4Header("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
      },
    });
    expect((await check(request, T2013)).ok).toBe(true);
    // The query is signed: change a parameter and the same signature fails.
    const changed = new Request(request.url.replace("prefix=J", "prefix=K"), { headers: request.headers });
    const result = await check(changed, T2013);
    expect(result.ok ? null : result.error.code).toBe("SignatureDoesNotMatch");
  });
});

describe("SigV4 presigned URL example", () => {
  const url =
    "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

  it("verifies within its validity and reports when it expires", async () => {
    const result = await check(new Request(url), new Date("2013-05-24T23:59:59Z"));
    expect(result.ok).toBe(true);
    if (result.ok && result.auth.version === 4) {
      expect(result.auth.location).toBe("query");
      expect(result.auth.payload).toBe("unsigned");
      expect(result.auth.expiresAt?.toISOString()).toBe("2013-05-25T00:00:00.000Z");
    }
  });

  it("is refused one second after X-Amz-Date + X-Amz-Expires", async () => {
    const result = await check(new Request(url), new Date("2013-05-25T00:00:01Z"));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("AccessDenied");
      expect(result.error.message).toBe("Request has expired");
      expect(result.error.status).toBe(403);
    }
  });
});

function chunkedBody(signatures: string[], sizes: number[], tail: string): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  sizes.forEach((size, i) => {
    parts.push(encoder.encode(`${size.toString(16)};chunk-signature=${signatures[i]}\r\n`));
    if (size > 0) parts.push(new Uint8Array(size).fill(0x61));
    parts.push(encoder.encode(size > 0 ? "\r\n" : ""));
  });
  parts.push(encoder.encode(tail));
  return concat(parts);
}

describe("SigV4 chunked upload example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD)", () => {
  const signatures = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ];
  const make = (body: Uint8Array) =>
    new Request("https://s3.amazonaws.com/examplebucket/chunkObject.txt", {
      method: "PUT",
      body,
      headers: {
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "content-length": String(body.length),
        authorization: v4Header(
          "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
          "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
      },
    });

  it("verifies the seed signature and every chunk signature", async () => {
    const body = chunkedBody(signatures, [65536, 1024, 0], "\r\n");
    expect(body.length).toBe(66824); // the Content-Length AWS publishes
    const request = make(body);
    const result = await check(request, T2013);
    expect(result.ok).toBe(true);
    if (!result.ok || result.auth.version !== 4) return;
    expect(result.auth.seedSignature).toBe("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    expect(result.auth.decodedContentLength).toBe(66560);
    const decoded = decodeBody(request, result.auth, { checksums: ["MD5"] });
    expect(decoded.length).toBe(66560);
    const bytes = new Uint8Array(await new Response(decoded.body).arrayBuffer());
    expect(bytes.length).toBe(66560);
    expect(bytes.every((b) => b === 0x61)).toBe(true);
    const done = await decoded.done;
    expect(done.length).toBe(66560);
    expect(done.checksums.MD5?.hex).toMatch(/^[0-9a-f]{32}$/);
  });

  it("refuses a chunk whose data was changed", async () => {
    const body = chunkedBody(signatures, [65536, 1024, 0], "\r\n");
    body[66000] = 0x62;
    const request = make(body);
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    const decoded = decodeBody(request, result.auth);
    await expect(new Response(decoded.body).arrayBuffer()).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
    await expect(decoded.done).rejects.toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
  });

  it("refuses the chunks signed in the wrong order", async () => {
    const swapped = [signatures[1]!, signatures[0]!, signatures[2]!];
    const request = make(chunkedBody(swapped, [65536, 1024, 0], "\r\n"));
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    await expect(drained(decodeBody(request, result.auth))).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });
});

describe("SigV4 chunked upload with a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER)", () => {
  const signatures = [
    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
  ];
  const trailerSignature = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435";
  const make = (tail: string) =>
    new Request("https://s3.amazonaws.com/examplebucket/chunkObject.txt", {
      method: "PUT",
      body: chunkedBody(signatures, [65536, 1024, 0], tail),
      headers: {
        "x-amz-date": "20130524T000000Z",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560",
        "x-amz-trailer": "x-amz-checksum-crc32c",
        authorization: v4Header(
          "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
          "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        ),
      },
    });

  it("verifies chunks, the trailer signature and the CRC32C trailer", async () => {
    const request = make(`x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`);
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    const decoded = decodeBody(request, result.auth);
    expect((await new Response(decoded.body).arrayBuffer()).byteLength).toBe(66560);
    const done = await decoded.done;
    expect(done.trailers).toEqual({ "x-amz-checksum-crc32c": "sOO8/Q==" });
    expect(done.checksums.CRC32C?.base64).toBe("sOO8/Q==");
  });

  it("accepts the body exactly as the documentation prints it (no final empty line)", async () => {
    const request = make(`x-amz-checksum-crc32c:sOO8/Q==\nx-amz-trailer-signature:${trailerSignature}\r\n`);
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    await expect(drained(decodeBody(request, result.auth))).resolves.toMatchObject({ length: 66560 });
  });

  it("refuses a changed trailer value even before its checksum is compared", async () => {
    const request = make(`x-amz-checksum-crc32c:AAAAAA==\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`);
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    await expect(drained(decodeBody(request, result.auth))).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });

  it("refuses a missing trailer signature", async () => {
    const request = make(`x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n`);
    const result = await check(request, T2013);
    if (!result.ok) throw result.error;
    await expect(drained(decodeBody(request, result.auth))).rejects.toMatchObject({ code: "SignatureDoesNotMatch" });
  });
});

describe("SigV2 examples (Signing and Authenticating REST Requests)", () => {
  const v2 = (signature: string) => `AWS ${AKID}:${signature}`;

  it("Object GET, virtual-hosted", async () => {
    const request = new Request("https://johnsmith.s3.amazonaws.com/photos/puppy.jpg", {
      headers: { date: "Tue, 27 Mar 2007 19:36:42 +0000", authorization: v2("bWq2s1WEIj+Ydj0vQ697zp+IXMU=") },
    });
    const result = await check(request, new Date("2007-03-27T19:36:42Z"), "johnsmith");
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.auth).toMatchObject({ version: 2, accessKeyId: AKID, payload: "unsigned" });
    // Without the bucket the canonicalized resource differs.
    const pathStyle = await check(request, new Date("2007-03-27T19:36:42Z"));
    expect(pathStyle.ok ? null : pathStyle.error.code).toBe("SignatureDoesNotMatch");
  });

  it("Object GET, the same request path-style", async () => {
    const request = new Request("https://s3.amazonaws.com/johnsmith/photos/puppy.jpg", {
      headers: { date: "Tue, 27 Mar 2007 19:36:42 +0000", authorization: v2("bWq2s1WEIj+Ydj0vQ697zp+IXMU=") },
    });
    expect((await check(request, new Date("2007-03-27T19:36:42Z"))).ok).toBe(true);
  });

  it("Object PUT with Content-Type", async () => {
    const request = new Request("https://johnsmith.s3.amazonaws.com/photos/puppy.jpg", {
      method: "PUT",
      body: "x",
      headers: {
        "content-type": "image/jpeg",
        date: "Tue, 27 Mar 2007 21:15:45 +0000",
        authorization: v2("MyyxeRY7whkBe+bq8fHCL/2kKUg="),
      },
    });
    expect((await check(request, new Date("2007-03-27T21:15:45Z"), "johnsmith")).ok).toBe(true);
  });

  it("List: ordinary query parameters are not signed", async () => {
    const request = new Request("https://johnsmith.s3.amazonaws.com/?prefix=photos&max-keys=50&marker=puppy", {
      headers: { date: "Tue, 27 Mar 2007 19:42:41 +0000", authorization: v2("htDYFYduRNen8P9ZfE/s9SuKy0U=") },
    });
    expect((await check(request, new Date("2007-03-27T19:42:41Z"), "johnsmith")).ok).toBe(true);
  });

  it("Fetch ?acl: sub-resources are signed", async () => {
    const request = new Request("https://johnsmith.s3.amazonaws.com/?acl", {
      headers: { date: "Tue, 27 Mar 2007 19:44:46 +0000", authorization: v2("c2WLPFtWHVgbEmeEG93a4cG37dM=") },
    });
    expect((await check(request, new Date("2007-03-27T19:44:46Z"), "johnsmith")).ok).toBe(true);
    const other = new Request("https://johnsmith.s3.amazonaws.com/?policy", { headers: request.headers });
    const result = await check(other, new Date("2007-03-27T19:44:46Z"), "johnsmith");
    expect(result.ok ? null : result.error.code).toBe("SignatureDoesNotMatch");
  });

  it("Delete with x-amz-date taking precedence over Date", async () => {
    const request = new Request("https://s3.amazonaws.com/johnsmith/photos/puppy.jpg", {
      method: "DELETE",
      headers: {
        date: "Tue, 27 Mar 2007 21:20:27 +0000",
        "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
        authorization: v2("lx3byBScXR6KzyMaifNkardMwNk="),
      },
    });
    expect((await check(request, new Date("2007-03-27T21:20:26Z"))).ok).toBe(true);
  });

  it("Upload to a CNAME bucket with amz headers, one of them repeated", async () => {
    const headers = new Headers({
      "content-type": "application/x-download",
      "content-md5": "4gJE4saaMU4BqNR0kLY+lw==",
      date: "Tue, 27 Mar 2007 21:06:08 +0000",
      "x-amz-acl": "public-read",
      "X-Amz-Meta-FileChecksum": "0x02661779",
      "X-Amz-Meta-ChecksumAlgorithm": "crc32",
      authorization: v2("ilyl83RwaSoYIEdixDQcA4OnAnc="),
    });
    headers.append("X-Amz-Meta-ReviewedBy", "joe@johnsmith.net");
    headers.append("X-Amz-Meta-ReviewedBy", "jane@johnsmith.net");
    const request = new Request("https://static.johnsmith.net/db-backup.dat.gz", { method: "PUT", body: "x", headers });
    expect((await check(request, new Date("2007-03-27T21:06:08Z"), "static.johnsmith.net")).ok).toBe(true);
  });

  it("List all my buckets", async () => {
    const request = new Request("https://s3.amazonaws.com/", {
      headers: { date: "Wed, 28 Mar 2007 01:29:59 +0000", authorization: v2("qGdzdERIC03wnaRNKh6OqZehG9s=") },
    });
    expect((await check(request, new Date("2007-03-28T01:29:59Z"))).ok).toBe(true);
  });

  it("Unicode keys, signed over the path exactly as sent (lower-case escapes)", async () => {
    const request = new Request("https://s3.amazonaws.com/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re", {
      headers: { date: "Wed, 28 Mar 2007 01:49:49 +0000", authorization: v2("DNEZGsoieTZ92F3bUfSPQcbGmlM=") },
    });
    expect((await check(request, new Date("2007-03-28T01:49:49Z"))).ok).toBe(true);
  });

  it("Query string authentication", async () => {
    const url =
      "https://johnsmith.s3.amazonaws.com/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE" +
      "&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620";
    const ok = await check(new Request(url), new Date(1175139620 * 1000), "johnsmith");
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.auth).toMatchObject({ version: 2, location: "query" });
    const late = await check(new Request(url), new Date(1175139621 * 1000), "johnsmith");
    expect(late.ok ? null : [late.error.code, late.error.message]).toEqual(["AccessDenied", "Request has expired"]);
  });
});
