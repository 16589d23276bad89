/** Checksums (CRC32, CRC32C, CRC64NVME, MD5, SHA-1, SHA-256) and the small helpers of the core. */
import { describe, expect, it } from "vitest";
import {
  canonicalQueries,
  checksum,
  Crc32,
  crc32,
  Crc32c,
  crc32c,
  Crc64Nvme,
  createChecksumStream,
  decodeS3Path,
  encodeRfc3986,
  formatAmzDate,
  fromBase64,
  genericCanonicalUris,
  MultiHasher,
  parseAmzDate,
  s3CanonicalUris,
  splitRawQuery,
  type ChecksumAlgorithm,
} from "../../src/core/sigv4";

const enc = new TextEncoder();
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Bit-at-a-time reference CRCs, written independently of the table code. */
function referenceCrc32(bytes: Uint8Array, poly: number): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
function referenceCrc64Nvme(bytes: Uint8Array): bigint {
  const poly = 0x9a6c9329ac4bc9b5n;
  const mask = 0xffffffffffffffffn;
  let c = mask;
  for (const b of bytes) {
    c ^= BigInt(b);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
  }
  return c ^ mask;
}

function random(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

describe("CRC tables", () => {
  it("match the catalogue check values of '123456789'", () => {
    const check = enc.encode("123456789");
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32c(check)).toBe(0xe3069283);
    expect(hex(new Crc64Nvme().update(check).digest())).toBe("ae8b14860a799888");
  });

  it("match the known values of 'hello world' and of the wire capture", async () => {
    expect(crc32(enc.encode("hello world"))).toBe(0x0d4a1185);
    expect(crc32c(enc.encode("hello world"))).toBe(0xc99465aa);
    expect((await checksum("CRC32", enc.encode("hello, aws-chunked world\n"))).base64).toBe("gq27EQ==");
    // The CRC32 of an empty body, baked into JS presigned PUT URLs.
    expect((await checksum("CRC32", new Uint8Array(0))).base64).toBe("AAAAAA==");
  });

  it("equal the bitwise reference on random data fed in random pieces", () => {
    for (let round = 0; round < 20; round++) {
      const data = random(1 + Math.floor(Math.random() * 5000));
      const a = new Crc32();
      const b = new Crc32c();
      const c = new Crc64Nvme();
      let i = 0;
      while (i < data.length) {
        const n = Math.floor(Math.random() * 40);
        a.update(data.subarray(i, i + n));
        b.update(data.subarray(i, i + n));
        c.update(data.subarray(i, i + n));
        i += n;
      }
      expect(a.value).toBe(referenceCrc32(data, 0xedb88320));
      expect(b.value).toBe(referenceCrc32(data, 0x82f63b78));
      expect(BigInt("0x" + hex(c.digest()))).toBe(referenceCrc64Nvme(data));
    }
  });
});

describe("native digests and MultiHasher", () => {
  it("MD5, SHA-1 and SHA-256 of 'hello world', incrementally", async () => {
    const hasher = new MultiHasher(["MD5", "SHA1", "SHA256", "CRC32"]);
    await hasher.update(enc.encode("hello"));
    await hasher.update(enc.encode(" "));
    await hasher.update(enc.encode("world"));
    const d = await hasher.digest();
    expect(hasher.length).toBe(11);
    expect(d.MD5?.hex).toBe("5eb63bbbe01eeed093cb22bb8f5acdc3");
    expect(d.MD5?.base64).toBe("XrY7u+Ae7tCTyyK7j1rNww==");
    expect(d.SHA1?.hex).toBe("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed");
    expect(d.SHA256?.hex).toBe("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    expect(d.CRC32?.hex).toBe("0d4a1185");
  });

  it("agree with crypto.subtle.digest on a large random buffer", async () => {
    const data = random(300_000);
    for (const [algorithm, name] of [
      ["SHA256", "SHA-256"],
      ["SHA1", "SHA-1"],
    ] as Array<[ChecksumAlgorithm, string]>) {
      const expected = hex(new Uint8Array(await crypto.subtle.digest(name, data)));
      expect((await checksum(algorithm, data)).hex).toBe(expected);
    }
  });
});

describe("createChecksumStream", () => {
  it("passes the bytes through unchanged and resolves every digest at the end", async () => {
    const data = random(200_000);
    const pieces = [data.subarray(0, 7), data.subarray(7, 100_000), data.subarray(100_000)];
    let i = 0;
    const source = new ReadableStream<Uint8Array>({ pull: (c) => (i < pieces.length ? c.enqueue(pieces[i++]!) : c.close()) });
    const cs = createChecksumStream(["CRC32", "CRC32C", "MD5", "SHA256"]);
    const out = new Uint8Array(await new Response(source.pipeThrough(cs)).arrayBuffer());
    expect(out).toEqual(data);
    const digests = await cs.digests;
    expect(digests.CRC32?.hex).toBe(referenceCrc32(data, 0xedb88320).toString(16).padStart(8, "0"));
    expect(digests.CRC32C?.hex).toBe(referenceCrc32(data, 0x82f63b78).toString(16).padStart(8, "0"));
    expect(digests.SHA256?.hex).toBe(hex(new Uint8Array(await crypto.subtle.digest("SHA-256", data))));
    expect(digests.MD5?.hex).toMatch(/^[0-9a-f]{32}$/);
  });

  it("rejects its digests when the source fails", async () => {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode("part"));
        c.error(new Error("upstream broke"));
      },
    });
    const cs = createChecksumStream(["SHA256"]);
    await expect(new Response(source.pipeThrough(cs)).arrayBuffer()).rejects.toThrow("upstream broke");
    await expect(cs.digests).rejects.toThrow("upstream broke");
  });
});

describe("helpers", () => {
  it("encodeRfc3986 leaves only unreserved characters raw", () => {
    expect(encodeRfc3986("a-z_A.Z~0 9+!*'()/é漢")).toBe("a-z_A.Z~0%209%2B%21%2A%27%28%29%2F%C3%A9%E6%BC%A2");
  });

  it("the S3 canonical URI of the key of wire notes §6 is the path every client sent", () => {
    const key = "k/sp ace+plus~tilde!bang'q(p)*star,comma;semi=eq&amp@at$dollar:colon#hash%%pct^car[b]{c}|pipe`bt\"dq<lt>gt\\bs é漢.txt";
    const sent =
      "/b/k/sp%20ace%2Bplus~tilde%21bang%27q%28p%29%2Astar%2Ccomma%3Bsemi%3Deq%26amp%40at%24dollar%3Acolon%23hash%25%25pct%5Ecar%5Bb%5D%7Bc%7D%7Cpipe%60bt%22dq%3Clt%3Egt%5Cbs%20%C3%A9%E6%BC%A2.txt";
    expect(s3CanonicalUris(sent)).toEqual([sent]);
    expect(decodeS3Path(sent)).toBe("/b/" + key);
  });

  it("S3 reads a raw + in the path as a space and signs it as %20; other services double-encode", () => {
    expect(s3CanonicalUris("/b/a+b")).toEqual(["/b/a%20b", "/b/a+b"]);
    expect(decodeS3Path("/b/a+b%2B")).toBe("/b/a b+");
    expect(s3CanonicalUris("/b/x%7e")).toEqual(["/b/x~", "/b/x%7e"]);
    expect(genericCanonicalUris("/a/./b/../c%20d/")).toEqual(["/a/c%2520d/", "/a/./b/../c%20d/"]);
    expect(genericCanonicalUris("")).toEqual(["/"]);
  });

  it("canonical query: valueless gets '=', sorted by name then value, signature excluded", () => {
    const params = splitRawQuery("?uploads&b=2&a=2&a=1&&X-Amz-Signature=abc&prefix=a+b%2Fc");
    const [normalised, raw] = canonicalQueries(params, (name) => name === "X-Amz-Signature", true);
    expect(normalised).toBe("a=1&a=2&b=2&prefix=a%20b%2Fc&uploads=");
    expect(raw).toBe("a=1&a=2&b=2&prefix=a+b%2Fc&uploads=");
  });

  it("parseAmzDate accepts only real ISO 8601 basic timestamps", () => {
    expect(parseAmzDate("20130524T000000Z")?.toISOString()).toBe("2013-05-24T00:00:00.000Z");
    for (const bad of ["20130231T000000Z", "20130524T246000Z", "2013-05-24T00:00:00Z", "20130524T000000", ""]) {
      expect(parseAmzDate(bad), bad).toBeNull();
    }
    expect(formatAmzDate(new Date("2026-11-21T23:30:20.999Z"))).toBe("20261121T233020Z");
  });

  it("fromBase64 is strict", () => {
    expect(fromBase64("gq27EQ==")).toEqual(new Uint8Array([0x82, 0xad, 0xbb, 0x11]));
    for (const bad of ["gq27EQ=", "gq27EQ", "gq2 7EQ==", "gq27EQ==="]) expect(fromBase64(bad), bad).toBeNull();
  });
});
