// A small synchronous AWS SigV4 signer (node:crypto) for the fuzzer and the soak: header auth,
// presigned URLs and aws-chunked bodies with per-chunk signatures, each with knobs to break it.
// Paths are given already percent-encoded (each segment with rfc3986()), which is also their S3
// canonical form; queries as [name, value] pairs, decoded.
import { createHash, createHmac } from "node:crypto";

export const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const hmac = (key, data) => createHmac("sha256", key).update(data).digest();
export const EMPTY_SHA256 = sha256("");

export const amzDate = (d = new Date()) => d.toISOString().replace(/[:-]|\.\d{3}/g, "");
export const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
export const encodePath = (segments) => "/" + segments.map(rfc3986).join("/");

export function queryString(pairs) {
  return pairs.map(([k, v]) => (v === null || v === undefined ? rfc3986(k) : `${rfc3986(k)}=${rfc3986(v)}`)).join("&");
}

function canonicalQuery(pairs) {
  return pairs
    .map(([k, v]) => [rfc3986(k), rfc3986(v ?? "")])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

export function signingKey(secret, date, region, service) {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), "aws4_request");
}

/**
 * Signs a request in place of its headers (lower-case names). Answers the headers to send
 * (authorization, x-amz-date, x-amz-content-sha256 added) and what aws-chunked bodies need.
 * @param {{ method: string, path: string, query?: [string, string|null][], headers: Record<string,string>,
 *   payloadHash?: string, keys: { accessKeyId: string, secretAccessKey: string }, region?: string,
 *   service?: string, datetime?: string, unsignedHeaders?: string[] }} r
 */
export function signHeaders(r) {
  const region = r.region ?? "europe-1";
  const service = r.service ?? "s3";
  const datetime = r.datetime ?? amzDate();
  const date = datetime.slice(0, 8);
  const headers = { ...r.headers, "x-amz-date": datetime };
  headers["x-amz-content-sha256"] ??= r.payloadHash ?? EMPTY_SHA256;
  const skip = new Set(["authorization", ...(r.unsignedHeaders ?? [])]);
  const names = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .filter((h) => !skip.has(h))
    .sort();
  const canonicalHeaders = names.map((h) => `${h}:${String(headers[h]).trim().replace(/\s+/g, " ")}\n`).join("");
  const signed = names.join(";");
  const canonical = [r.method, r.path, canonicalQuery(r.query ?? []), canonicalHeaders, signed, headers["x-amz-content-sha256"]].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", datetime, scope, sha256(canonical)].join("\n");
  const key = signingKey(r.keys.secretAccessKey, date, region, service);
  const signature = hmac(key, stringToSign).toString("hex");
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${r.keys.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
  return { headers, signature, scope, datetime, key };
}

/** A presigned URL's query (host signed), answered as pairs to append. */
export function presignQuery(r) {
  const region = r.region ?? "europe-1";
  const service = r.service ?? "s3";
  const datetime = r.datetime ?? amzDate();
  const date = datetime.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const query = [
    ...(r.query ?? []),
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${r.keys.accessKeyId}/${scope}`],
    ["X-Amz-Date", datetime],
    ["X-Amz-Expires", String(r.expires ?? 300)],
    ["X-Amz-SignedHeaders", "host"],
  ];
  const canonical = [r.method, r.path, canonicalQuery(query), `host:${r.host}\n`, "host", "UNSIGNED-PAYLOAD"].join("\n");
  const stringToSign = ["AWS4-HMAC-SHA256", datetime, scope, sha256(canonical)].join("\n");
  const signature = hmac(signingKey(r.keys.secretAccessKey, date, region, service), stringToSign).toString("hex");
  return [...query, ["X-Amz-Signature", signature]];
}

/**
 * aws-chunked framing with chunk signatures (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), chained from the
 * request's seed signature. Answers each frame separately so a caller can corrupt, reorder or cut them.
 */
export function signedChunks(chunks, { seedSignature, datetime, scope, key }) {
  let prev = seedSignature;
  const frames = [];
  for (const data of [...chunks, Buffer.alloc(0)]) {
    const sts = ["AWS4-HMAC-SHA256-PAYLOAD", datetime, scope, prev, EMPTY_SHA256, sha256(data)].join("\n");
    const sig = hmac(key, sts).toString("hex");
    frames.push({
      data,
      signature: sig,
      bytes: Buffer.concat([Buffer.from(`${data.length.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from("\r\n")]),
    });
    prev = sig;
  }
  return frames;
}

/** aws-chunked framing without signatures (STREAMING-UNSIGNED-PAYLOAD-TRAILER), with an optional trailer. */
export function unsignedChunks(chunks, trailer = "") {
  const parts = chunks.map((d) => Buffer.concat([Buffer.from(`${d.length.toString(16)}\r\n`), d, Buffer.from("\r\n")]));
  parts.push(Buffer.from(`0\r\n${trailer}\r\n`));
  return parts;
}
