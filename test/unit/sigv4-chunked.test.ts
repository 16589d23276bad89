/**
 * aws-chunked bodies: the decoder fed at every split point, the wire captures of the client notes
 * (§4), trailers with checksums, every framing failure, and what a consumer (R2) sees when a check
 * fails. Chunk and trailer signatures are produced here with WebCrypto directly, independently of
 * the module under test.
 */
import { env } from "cloudflare:workers";
import { AwsClient } from "aws4fetch";
import { describe, expect, it } from "vitest";
import {
  AuthError,
  AwsChunkedDecoder,
  decodeBody,
  parseAuth,
  readBody,
  verify,
  type ChunkSigning,
  type VerifiedAuth,
} from "../../src/core/sigv4";
import { concat } from "../helpers/bytes";

const AKID = "AKIAEXAMPLEKEY000001";
const SECRET = "test-secret/with+chars=";
const DATETIME = "20261121T233020Z";
const NOW = new Date("2026-11-21T23:30:20Z");
const SCOPE = "20261121/us-east-1/s3/aws4_request";
const EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const enc = new TextEncoder();

// ---- independent signing helpers ----

async function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const sha256 = async (b: Uint8Array | string) =>
  hex(new Uint8Array(await crypto.subtle.digest("SHA-256", typeof b === "string" ? enc.encode(b) : b)));
const hexToBase64 = (h: string) => btoa(String.fromCharCode(...h.match(/../g)!.map((x) => parseInt(x, 16))));

async function rawSigningKey(): Promise<Uint8Array> {
  let key = await hmac(enc.encode("AWS4" + SECRET), "20261121");
  for (const part of ["us-east-1", "s3", "aws4_request"]) key = await hmac(key, part);
  return key;
}

async function chunkSignature(prev: string, data: Uint8Array): Promise<string> {
  const sts = ["AWS4-HMAC-SHA256-PAYLOAD", DATETIME, SCOPE, prev, EMPTY, await sha256(data)].join("\n");
  return hex(await hmac(await rawSigningKey(), sts));
}

async function trailerSignature(prev: string, canonical: string): Promise<string> {
  const sts = ["AWS4-HMAC-SHA256-TRAILER", DATETIME, SCOPE, prev, await sha256(canonical)].join("\n");
  return hex(await hmac(await rawSigningKey(), sts));
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

type Mode = "signed" | "signed-trailer" | "unsigned-trailer";

/** Frames `chunks` as aws-chunked; `seed` is the request signature for the signed modes. */
async function frame(mode: Mode, chunks: Uint8Array[], seed: string, trailers: Array<[string, string]> = []): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let prev = seed;
  for (const data of [...chunks, new Uint8Array(0)]) {
    if (mode === "unsigned-trailer") {
      parts.push(enc.encode(`${data.length.toString(16)}\r\n`));
    } else {
      prev = await chunkSignature(prev, data);
      parts.push(enc.encode(`${data.length.toString(16)};chunk-signature=${prev}\r\n`));
    }
    if (data.length > 0) parts.push(data, enc.encode("\r\n"));
  }
  const canonical = trailers.map(([n, v]) => `${n}:${v}\n`).join("");
  parts.push(enc.encode(trailers.map(([n, v]) => `${n}:${v}\r\n`).join("")));
  if (mode === "signed-trailer") {
    parts.push(enc.encode(`x-amz-trailer-signature:${await trailerSignature(prev, canonical)}\r\n`));
  }
  parts.push(enc.encode("\r\n"));
  return concat(parts);
}

const client = new AwsClient({ accessKeyId: AKID, secretAccessKey: SECRET, service: "s3", region: "us-east-1" });

const CONTENT_SHA: Record<Mode, string> = {
  signed: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
  "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
};

/** Signs the headers of a streaming PUT; returns the seed signature and a request factory. */
async function streamingPut(mode: Mode, decodedLength: number, extra: Record<string, string> = {}) {
  const signed = await client.sign("http://127.0.0.1:8787/bucket/obj.bin?x-id=PutObject", {
    method: "PUT",
    headers: {
      "x-amz-content-sha256": CONTENT_SHA[mode],
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(decodedLength),
      ...extra,
    },
    aws: { datetime: DATETIME },
  });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.get("authorization")!)![1]!;
  const make = (pieces: Uint8Array[]) => {
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i < pieces.length) controller.enqueue(pieces[i++]!);
        else controller.close();
      },
    });
    return new Request(signed.url, { method: "PUT", headers: signed.headers, body });
  };
  return { seed, make };
}

async function verified(request: Request): Promise<VerifiedAuth> {
  const url = new URL(request.url);
  const parsed = parseAuth(request, url);
  if (parsed === null || parsed instanceof AuthError) throw new Error(String(parsed));
  const result = await verify(parsed, request, url, SECRET, NOW);
  if (!result.ok) throw result.error;
  return result.auth;
}

/** Reads the decoded body; returns the text or the AuthError code it failed with. */
async function decodeAll(
  request: Request,
  auth: VerifiedAuth | null,
): Promise<{ text?: string; code?: string; trailers?: Record<string, string>; checksums?: Record<string, string> }> {
  const decoded = decodeBody(request, auth);
  try {
    const text = await new Response(decoded.body).text();
    const done = await decoded.done;
    const checksums = Object.fromEntries(Object.entries(done.checksums).map(([k, v]) => [k, v.base64]));
    return { text, trailers: { ...done.trailers }, checksums };
  } catch (error) {
    await decoded.done.catch(() => undefined);
    if (error instanceof AuthError) return { code: error.code };
    throw error;
  }
}

async function signing(seed: string): Promise<ChunkSigning> {
  const signingKey = await crypto.subtle.importKey("raw", await rawSigningKey(), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return { signingKey, amzDate: DATETIME, credentialScope: SCOPE, seedSignature: seed };
}

async function decodePieces(decoder: AwsChunkedDecoder, pieces: Uint8Array[]) {
  const out: Uint8Array[] = [];
  for (const piece of pieces) await decoder.push(piece, async (d) => void out.push(d.slice()));
  const trailers = await decoder.end();
  return { text: new TextDecoder().decode(concat(out)), trailers };
}

// ---- tests ----

const DATA = ["hello, ", "aws-chunked ", "world\n"].map((s) => enc.encode(s));
const TEXT = "hello, aws-chunked world\n";

describe("AwsChunkedDecoder at every split point", () => {
  it("signed chunks, split in two at every offset and fed one byte at a time", async () => {
    const seed = "a".repeat(64);
    const body = await frame("signed", DATA, seed);
    const options = { trailers: false, declaredTrailers: [], decodedLength: TEXT.length };
    for (let k = 0; k <= body.length; k++) {
      const decoder = new AwsChunkedDecoder({ ...options, signing: await signing(seed) });
      const { text } = await decodePieces(decoder, [body.subarray(0, k), body.subarray(k)]);
      expect(text, `split at ${k}`).toBe(TEXT);
    }
    const bytewise = new AwsChunkedDecoder({ ...options, signing: await signing(seed) });
    expect(
      (
        await decodePieces(
          bytewise,
          [...body].map((b) => new Uint8Array([b])),
        )
      ).text,
    ).toBe(TEXT);
  });

  it("signed chunks with a signed trailer, split at every offset", async () => {
    const seed = "b".repeat(64);
    const trailer: Array<[string, string]> = [["x-amz-checksum-crc32", "gq27EQ=="]];
    const body = await frame("signed-trailer", DATA, seed, trailer);
    for (let k = 0; k <= body.length; k += 1) {
      const decoder = new AwsChunkedDecoder({
        signing: await signing(seed),
        trailers: true,
        declaredTrailers: ["x-amz-checksum-crc32"],
        decodedLength: TEXT.length,
      });
      const result = await decodePieces(decoder, [body.subarray(0, k), body.subarray(k)]);
      expect(result, `split at ${k}`).toEqual({ text: TEXT, trailers: { "x-amz-checksum-crc32": "gq27EQ==" } });
    }
  });

  it("the unsigned capture of wire notes §4, split at every pair of offsets", async () => {
    const body = enc.encode("19\r\nhello, aws-chunked world\n\r\n0\r\nx-amz-checksum-crc32:gq27EQ==\r\n\r\n");
    for (let a = 0; a <= body.length; a++) {
      for (let b = a; b <= body.length; b += 3) {
        const decoder = new AwsChunkedDecoder({
          signing: null,
          trailers: true,
          declaredTrailers: ["x-amz-checksum-crc32"],
          decodedLength: 25,
        });
        const result = await decodePieces(decoder, [body.subarray(0, a), body.subarray(a, b), body.subarray(b)]);
        expect(result.text, `splits ${a},${b}`).toBe(TEXT);
        expect(result.trailers).toEqual({ "x-amz-checksum-crc32": "gq27EQ==" });
      }
    }
  });
});

describe("decodeBody with aws-chunked requests", () => {
  it("STREAMING-UNSIGNED-PAYLOAD-TRAILER exactly as botocore sends it (wire notes §4), CRC32 verified", async () => {
    const { make } = await streamingPut("unsigned-trailer", 25, {
      "x-amz-trailer": "x-amz-checksum-crc32",
      "x-amz-sdk-checksum-algorithm": "CRC32",
    });
    const wire = "19\r\nhello, aws-chunked world\n\r\n0\r\nx-amz-checksum-crc32:gq27EQ==\r\n\r\n";
    const request = make([enc.encode(wire)]);
    const auth = await verified(request);
    expect(auth.version === 4 && auth.payload).toBe("streaming-unsigned-trailer");
    const result = await decodeAll(request, auth);
    expect(result).toMatchObject({ text: TEXT, trailers: { "x-amz-checksum-crc32": "gq27EQ==" } });
    expect(result.checksums?.CRC32).toBe("gq27EQ==");

    const wrong = make([enc.encode(wire.replace("gq27EQ==", "gq27EA=="))]);
    expect((await decodeAll(wrong, await verified(wrong))).code).toBe("BadDigest");
  });

  it("the JS SDK's writes arrive in separate reads (one HTTP chunk per write)", async () => {
    const { make } = await streamingPut("unsigned-trailer", 25, { "x-amz-trailer": "x-amz-checksum-crc32" });
    const pieces = ["19\r\n", "hello, aws-chunked world\n", "\r\n", "0\r\n", "x-amz-checksum-crc32:gq27EQ==\r\n", "\r\n"];
    const request = make(pieces.map((p) => enc.encode(p)));
    expect((await decodeAll(request, await verified(request))).text).toBe(TEXT);
  });

  const HELLO = enc.encode("hello world");
  const KNOWN: Array<[string, string]> = [
    ["x-amz-checksum-crc32", hexToBase64("0d4a1185")],
    ["x-amz-checksum-crc32c", hexToBase64("c99465aa")],
    ["x-amz-checksum-sha256", hexToBase64("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")],
    ["x-amz-checksum-sha1", hexToBase64("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")],
  ];

  for (const [name, value] of KNOWN) {
    it(`verifies a ${name} trailer (known value of "hello world") and refuses a wrong one`, async () => {
      const { make } = await streamingPut("unsigned-trailer", 11, { "x-amz-trailer": name });
      const good = make([await frame("unsigned-trailer", [HELLO], "", [[name, value]])]);
      expect(await decodeAll(good, await verified(good))).toMatchObject({ text: "hello world", trailers: { [name]: value } });
      const zero = hexToBase64("00".repeat(atob(value).length));
      const bad = make([await frame("unsigned-trailer", [HELLO], "", [[name, zero]])]);
      expect((await decodeAll(bad, await verified(bad))).code).toBe("BadDigest");
    });
  }

  it("signed chunks with a signed trailer, end to end", async () => {
    const { seed, make } = await streamingPut("signed-trailer", 11, { "x-amz-trailer": "x-amz-checksum-crc32c" });
    const body = await frame("signed-trailer", [HELLO.subarray(0, 5), HELLO.subarray(5)], seed, [
      ["x-amz-checksum-crc32c", hexToBase64("c99465aa")],
    ]);
    const request = make([body]);
    expect((await decodeAll(request, await verified(request))).text).toBe("hello world");
  });

  it("minio-go: signed chunks of 64 KiB, no Content-Encoding header", async () => {
    const data = randomBytes(150_000);
    const signed = await client.sign("http://127.0.0.1:8787/bucket/big.bin", {
      method: "PUT",
      headers: { "x-amz-content-sha256": CONTENT_SHA.signed, "x-amz-decoded-content-length": "150000" },
      aws: { datetime: DATETIME },
    });
    const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.get("authorization")!)![1]!;
    const chunks = [data.subarray(0, 65536), data.subarray(65536, 131072), data.subarray(131072)];
    const body = await frame("signed", chunks, seed);
    const request = new Request(signed.url, { method: "PUT", headers: signed.headers, body });
    const auth = await verified(request);
    const decoded = decodeBody(request, auth, { checksums: ["SHA256"] });
    const out = new Uint8Array(await new Response(decoded.body).arrayBuffer());
    expect(out).toEqual(data);
    expect((await decoded.done).checksums.SHA256?.hex).toBe(await sha256(data));
  });

  describe("refusals", () => {
    const cases: Array<[string, (seed: string) => Promise<Uint8Array>, string]> = [
      [
        "a changed data byte",
        async (seed) => {
          const body = await frame("signed", DATA, seed);
          body[body.indexOf(0x61)] = 0x62; // first "a" of "aws-chunked"
          return body;
        },
        "SignatureDoesNotMatch",
      ],
      [
        "a missing chunk signature",
        async (seed) =>
          enc.encode(new TextDecoder().decode(await frame("signed", DATA, seed)).replace(/;chunk-signature=[0-9a-f]{64}/, "")),
        "SignatureDoesNotMatch",
      ],
      [
        "a malformed chunk signature",
        async (seed) =>
          enc.encode(
            new TextDecoder().decode(await frame("signed", DATA, seed)).replace(/chunk-signature=[0-9a-f]{2}/, "chunk-signature=XY"),
          ),
        "SignatureDoesNotMatch",
      ],
      [
        "a wrong final (zero-length) chunk signature",
        async (seed) => {
          const text = new TextDecoder().decode(await frame("signed", DATA, seed));
          return enc.encode(text.replace(/0;chunk-signature=[0-9a-f]{64}/, `0;chunk-signature=${"0".repeat(64)}`));
        },
        "SignatureDoesNotMatch",
      ],
      ["a truncated body", async (seed) => (await frame("signed", DATA, seed)).subarray(0, 120), "IncompleteBody"],
      [
        "no final chunk",
        async (seed) => {
          const text = new TextDecoder().decode(await frame("signed", DATA, seed));
          return enc.encode(text.slice(0, text.lastIndexOf("0;chunk-signature")));
        },
        "IncompleteBody",
      ],
      [
        "a non-hex chunk size",
        async (seed) => enc.encode(new TextDecoder().decode(await frame("signed", DATA, seed)).replace(/^7;/, "7z;")),
        "IncompleteBody",
      ],
      [
        "chunk data not followed by CRLF",
        async (seed) => enc.encode(new TextDecoder().decode(await frame("signed", DATA, seed)).replace("hello, \r\n", "hello, XX")),
        "IncompleteBody",
      ],
      ["data after the end", async (seed) => concat([await frame("signed", DATA, seed), enc.encode("junk")]), "IncompleteBody"],
      [
        "trailers in a mode without trailers",
        async (seed) => {
          const text = new TextDecoder().decode(await frame("signed", DATA, seed));
          return enc.encode(text.slice(0, -2) + "x-amz-checksum-crc32:gq27EQ==\r\n\r\n");
        },
        "IncompleteBody",
      ],
    ];
    for (const [name, build, code] of cases) {
      it(`refuses ${name} with ${code}`, async () => {
        const { seed, make } = await streamingPut("signed", TEXT.length);
        const request = make([await build(seed)]);
        expect((await decodeAll(request, await verified(request))).code).toBe(code);
      });
    }

    it("refuses a body shorter or longer than x-amz-decoded-content-length", async () => {
      for (const declared of [TEXT.length + 1, TEXT.length - 1]) {
        const { seed, make } = await streamingPut("signed", declared);
        const request = make([await frame("signed", DATA, seed)]);
        expect((await decodeAll(request, await verified(request))).code, `declared ${declared}`).toBe("IncompleteBody");
      }
    });

    it("refuses an undeclared trailer, a missing declared trailer and a malformed checksum trailer", async () => {
      const { make } = await streamingPut("unsigned-trailer", TEXT.length, { "x-amz-trailer": "x-amz-checksum-crc32" });
      const undeclared = make([await frame("unsigned-trailer", DATA, "", [["x-amz-checksum-crc32c", "AAAAAA=="]])]);
      expect((await decodeAll(undeclared, await verified(undeclared))).code).toBe("MalformedTrailerError");
      const missing = make([await frame("unsigned-trailer", DATA, "", [])]);
      expect((await decodeAll(missing, await verified(missing))).code).toBe("MalformedTrailerError");
      const malformed = make([await frame("unsigned-trailer", DATA, "", [["x-amz-checksum-crc32", "not base64!"]])]);
      expect((await decodeAll(malformed, await verified(malformed))).code).toBe("InvalidRequest");
    });

    it("refuses a signed-trailer body whose trailer signature is wrong", async () => {
      const { seed, make } = await streamingPut("signed-trailer", TEXT.length, { "x-amz-trailer": "x-amz-checksum-crc32" });
      const text = new TextDecoder().decode(await frame("signed-trailer", DATA, seed, [["x-amz-checksum-crc32", "gq27EQ=="]]));
      const request = make([enc.encode(text.replace(/x-amz-trailer-signature:[0-9a-f]{4}/, "x-amz-trailer-signature:0000"))]);
      expect((await decodeAll(request, await verified(request))).code).toBe("SignatureDoesNotMatch");
    });
  });

  it("never hands a consumer the complete body when the last check fails", async () => {
    const { seed, make } = await streamingPut("signed", TEXT.length);
    const text = new TextDecoder().decode(await frame("signed", DATA, seed));
    const body = enc.encode(text.replace(/0;chunk-signature=[0-9a-f]{64}/, `0;chunk-signature=${"0".repeat(64)}`));
    // Every data chunk is genuine; only the final zero-length chunk's signature is wrong.
    const request = make([...body].map((b) => new Uint8Array([b])));
    const reader = decodeBody(request, await verified(request)).body.getReader();
    let received = 0;
    let failure: unknown = null;
    for (;;) {
      try {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
      } catch (error) {
        failure = error;
        break;
      }
    }
    expect(failure).toBeInstanceOf(AuthError);
    expect(received).toBeLessThan(TEXT.length);
  });

  it("R2: a verified upload is stored, a tampered one leaves nothing behind", async () => {
    const data = enc.encode("x".repeat(70_000));
    const chunks = [data.subarray(0, 65536), data.subarray(65536)];
    const put = async (key: string, tamper: boolean) => {
      const { seed, make } = await streamingPut("signed", data.length);
      const body = await frame("signed", chunks, seed);
      if (tamper) body[body.length - 100] = 0x79; // inside the last data chunk
      const request = make([body.subarray(0, 40_000), body.subarray(40_000)]);
      const decoded = decodeBody(request, await verified(request));
      const stored = env.OBJECTS.put(key, decoded.body.pipeThrough(new FixedLengthStream(decoded.length!)));
      return Promise.all([stored, decoded.done]);
    };
    const [object] = await put("sigv4-test/good", false);
    expect(object?.size).toBe(70_000);
    expect(await (await env.OBJECTS.get("sigv4-test/good"))?.text()).toBe("x".repeat(70_000));

    await expect(put("sigv4-test/bad", true)).rejects.toBeDefined();
    expect(await env.OBJECTS.head("sigv4-test/bad")).toBeNull();
  });

  it("an anonymous unsigned-trailer upload decodes; an anonymous signed-chunk upload is refused", async () => {
    const headers = {
      "x-amz-content-sha256": CONTENT_SHA["unsigned-trailer"],
      "x-amz-decoded-content-length": "25",
      "x-amz-trailer": "x-amz-checksum-crc32",
    };
    const body = "19\r\nhello, aws-chunked world\n\r\n0\r\nx-amz-checksum-crc32:gq27EQ==\r\n\r\n";
    const anonymous = new Request("http://127.0.0.1:8787/public/k", { method: "PUT", headers, body });
    expect((await decodeAll(anonymous, null)).text).toBe(TEXT);
    const signedMode = new Request("http://127.0.0.1:8787/public/k", {
      method: "PUT",
      headers: { ...headers, "x-amz-content-sha256": CONTENT_SHA.signed },
      body,
    });
    expect((await decodeAll(signedMode, null)).code).toBe("InvalidRequest");
  });
});

describe("decodeBody with plain bodies", () => {
  const put = (headers: Record<string, string>, body = "hello world") =>
    client.sign("http://127.0.0.1:8787/bucket/k", { method: "PUT", body, headers, aws: { datetime: DATETIME } });

  it("UNSIGNED-PAYLOAD passes through; Content-MD5 and x-amz-checksum-* headers are verified", async () => {
    const plain = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" });
    expect((await decodeAll(plain, await verified(plain))).text).toBe("hello world");

    const good = await put({
      "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
      "content-md5": hexToBase64("5eb63bbbe01eeed093cb22bb8f5acdc3"),
      "x-amz-checksum-crc32": hexToBase64("0d4a1185"),
    });
    expect(await decodeAll(good, await verified(good))).toMatchObject({ text: "hello world" });

    const badMd5 = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-md5": hexToBase64("00".repeat(16)) });
    expect((await decodeAll(badMd5, await verified(badMd5))).code).toBe("BadDigest");
    const invalidMd5 = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-md5": "nope" });
    expect((await decodeAll(invalidMd5, await verified(invalidMd5))).code).toBe("InvalidDigest");
    const badCrc = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-checksum-crc32": "AAAAAA==" });
    expect((await decodeAll(badCrc, await verified(badCrc))).code).toBe("BadDigest");
    const invalidCrc = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-checksum-crc32": "AAAA" });
    expect((await decodeAll(invalidCrc, await verified(invalidCrc))).code).toBe("InvalidRequest");
  });

  it("a hex payload hash over a multi-read body", async () => {
    const data = randomBytes(100_000);
    const signed = await client.sign("http://127.0.0.1:8787/bucket/k", {
      method: "PUT",
      headers: { "x-amz-content-sha256": await sha256(data) },
      aws: { datetime: DATETIME },
    });
    const pieces = [data.subarray(0, 1), data.subarray(1, 50_000), data.subarray(50_000)];
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => (i < pieces.length ? c.enqueue(pieces[i++]!) : c.close()),
    });
    const request = new Request(signed.url, { method: "PUT", headers: signed.headers, body });
    const decoded = decodeBody(request, await verified(request));
    expect(new Uint8Array(await new Response(decoded.body).arrayBuffer())).toEqual(data);
    await expect(decoded.done).resolves.toMatchObject({ length: 100_000 });
  });

  it("readBody buffers small bodies and refuses big ones", async () => {
    const small = await put({ "x-amz-content-sha256": await sha256("hello world") });
    const { bytes, result } = await readBody(small, await verified(small));
    expect(new TextDecoder().decode(bytes)).toBe("hello world");
    expect(result.length).toBe(11);
    const big = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, "y".repeat(2000));
    await expect(readBody(big, await verified(big), { maxBytes: 1000 })).rejects.toMatchObject({
      code: "MaxMessageLengthExceeded",
    });
  });

  it("a consumer that cancels the body makes done reject", async () => {
    const request = await put({ "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, "z".repeat(1000));
    const decoded = decodeBody(request, await verified(request));
    await decoded.body.cancel(new Error("client went away"));
    await expect(decoded.done).rejects.toThrow("client went away");
  });
});
