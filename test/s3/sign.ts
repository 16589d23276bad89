// Hand-signed requests for what the SDK does not send in this runtime: presigned URLs, SigV2,
// aws-chunked bodies (signed chunks and unsigned with a trailer), and deliberately broken ones.
import { AwsV4Signer } from "aws4fetch";
import { exports } from "cloudflare:workers";
import type { Keys } from "./helpers";
import { concat } from "../helpers/bytes";

const enc = new TextEncoder();

const hex = (b: ArrayBuffer | Uint8Array) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
export const sha256Hex = async (data: Uint8Array | string) =>
  hex(await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data));

async function hmac(key: Uint8Array | string, data: string, hash: "SHA-256" | "SHA-1" = "SHA-256"): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", typeof key === "string" ? enc.encode(key) : key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, enc.encode(data)));
}

export const amzDate = (d = new Date()) => d.toISOString().replace(/[:-]|\.\d{3}/g, "");

export interface SignOptions {
  headers?: Record<string, string>;
  body?: BodyInit | null;
  /** x-amz-content-sha256; default: the hex SHA-256 of a string/bytes body. */
  payload?: string;
  datetime?: string;
  region?: string;
}

/** A SigV4 header-signed request (aws4fetch), sent through the Worker. */
export async function signedRequest(keys: Keys, method: string, url: string, o: SignOptions = {}): Promise<Request> {
  const headers = new Headers(o.headers);
  let payload = o.payload;
  if (payload === undefined) {
    const b = o.body;
    payload =
      b === undefined || b === null
        ? await sha256Hex("")
        : typeof b === "string" || b instanceof Uint8Array
          ? await sha256Hex(b)
          : "UNSIGNED-PAYLOAD";
  }
  headers.set("x-amz-content-sha256", payload);
  const signer = new AwsV4Signer({
    method,
    url,
    headers,
    body: o.body ?? null,
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    service: "s3",
    region: o.region ?? "us-east-1",
    ...(o.datetime ? { datetime: o.datetime } : {}),
  });
  const s = await signer.sign();
  return new Request(s.url, { method, headers: s.headers, body: o.body ?? null });
}

export async function signedFetch(keys: Keys, method: string, url: string, o: SignOptions = {}): Promise<Response> {
  return exports.default.fetch(await signedRequest(keys, method, url, o));
}

/** A SigV4 presigned URL (query authentication). */
export async function presign(
  keys: Keys,
  method: string,
  url: string,
  o: { expires?: number; datetime?: string; headers?: Record<string, string> } = {},
): Promise<string> {
  const u = new URL(url);
  u.searchParams.set("X-Amz-Expires", String(o.expires ?? 300));
  const signer = new AwsV4Signer({
    method,
    url: u.toString(),
    headers: o.headers ?? {},
    accessKeyId: keys.accessKeyId,
    secretAccessKey: keys.secretAccessKey,
    service: "s3",
    region: "us-east-1",
    signQuery: true,
    ...(o.datetime ? { datetime: o.datetime } : {}),
  });
  return (await signer.sign()).url.toString();
}

/** SigV2 string to sign: METHOD, Content-MD5, Content-Type, Date/Expires, x-amz-* headers, resource. */
function sigv2StringToSign(method: string, resource: string, dateOrExpires: string, headers: Record<string, string>): string {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const amz = Object.keys(h)
    .filter((k) => k.startsWith("x-amz-"))
    .sort()
    .map((k) => `${k}:${h[k]!.trim()}\n`)
    .join("");
  return `${method}\n${h["content-md5"] ?? ""}\n${h["content-type"] ?? ""}\n${dateOrExpires}\n${amz}${resource}`;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** SigV2 header authentication (`Authorization: AWS key:signature`). */
export async function sigv2Request(
  keys: Keys,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body: BodyInit | null = null,
  /** The canonical resource; for virtual-hosted requests "/<bucket><path>". */
  resource?: string,
): Promise<Request> {
  const u = new URL(url);
  const date = new Date().toUTCString();
  const sts = sigv2StringToSign(method, resource ?? u.pathname, date, headers);
  const sig = b64(await hmac(keys.secretAccessKey, sts, "SHA-1"));
  return new Request(url, { method, headers: { ...headers, Date: date, Authorization: `AWS ${keys.accessKeyId}:${sig}` }, body });
}

/** A SigV2 presigned URL (AWSAccessKeyId, Expires, Signature), as boto3 and the AWS CLI v1 make by default. */
export async function sigv2Presign(
  keys: Keys,
  method: string,
  url: string,
  expiresAt: number,
  headers: Record<string, string> = {},
): Promise<string> {
  const u = new URL(url);
  const sts = sigv2StringToSign(method, u.pathname, String(expiresAt), headers);
  const sig = b64(await hmac(keys.secretAccessKey, sts, "SHA-1"));
  u.searchParams.set("AWSAccessKeyId", keys.accessKeyId);
  u.searchParams.set("Expires", String(expiresAt));
  u.searchParams.set("Signature", sig);
  return u.toString();
}

async function signingKey(secret: string, date: string, region: string): Promise<Uint8Array> {
  const kDate = await hmac(`AWS4${secret}`, date);
  const kRegion = await hmac(kDate, region);
  const kService = await hmac(kRegion, "s3");
  return hmac(kService, "aws4_request");
}

/**
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD: every chunk signed, chained from the request signature
 * (minio-go's shape; `contentEncoding: false` leaves out Content-Encoding as minio-go does).
 */
export async function signedChunkedRequest(
  keys: Keys,
  url: string,
  data: Uint8Array,
  o: { chunkSize?: number; contentEncoding?: boolean; tamperChunk?: number; headers?: Record<string, string> } = {},
): Promise<Request> {
  const chunkSize = o.chunkSize ?? 64 * 1024;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.slice(i, i + chunkSize));
  chunks.push(new Uint8Array(0));
  const datetime = amzDate();
  const headers: Record<string, string> = {
    ...o.headers,
    "x-amz-decoded-content-length": String(data.length),
    ...(o.contentEncoding === false ? {} : { "content-encoding": "aws-chunked" }),
  };
  // The encoded length depends only on the chunk sizes (signatures are 64 hex digits).
  const encodedLength = chunks.reduce((n, c) => n + c.length.toString(16).length + ";chunk-signature=".length + 64 + 2 + c.length + 2, 0);
  headers["content-length"] = String(encodedLength);
  const signed = await signedRequest(keys, "PUT", url, { headers, payload: "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", datetime });
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.get("authorization")!)![1]!;
  const scope = `${datetime.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const key = await signingKey(keys.secretAccessKey, datetime.slice(0, 8), "us-east-1");
  const emptyHash = await sha256Hex("");
  let prev = seed;
  const body: Uint8Array[] = [];
  for (const [i, c] of chunks.entries()) {
    const sts = ["AWS4-HMAC-SHA256-PAYLOAD", datetime, scope, prev, emptyHash, await sha256Hex(c)].join("\n");
    let sig = hex(await hmac(key, sts));
    prev = sig;
    if (o.tamperChunk === i) sig = sig.replace(/^./, (ch) => (ch === "0" ? "1" : "0"));
    body.push(enc.encode(`${c.length.toString(16)};chunk-signature=${sig}\r\n`), c, enc.encode("\r\n"));
  }
  return new Request(signed.url, { method: "PUT", headers: signed.headers, body: concat(body) });
}

/** STREAMING-UNSIGNED-PAYLOAD-TRAILER with an x-amz-checksum-* trailer (current SDKs' default). */
export async function trailerChunkedRequest(
  keys: Keys,
  url: string,
  data: Uint8Array,
  trailer: { name: string; value: string },
  o: { chunkSize?: number } = {},
): Promise<Request> {
  const chunkSize = o.chunkSize ?? 16 * 1024;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += chunkSize) {
    const c = data.slice(i, i + chunkSize);
    parts.push(enc.encode(`${c.length.toString(16)}\r\n`), c, enc.encode("\r\n"));
  }
  parts.push(enc.encode(`0\r\n${trailer.name}:${trailer.value}\r\n\r\n`));
  const body = concat(parts);
  const signed = await signedRequest(keys, "PUT", url, {
    payload: "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    headers: {
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": String(data.length),
      "x-amz-trailer": trailer.name,
      "x-amz-sdk-checksum-algorithm": trailer.name.replace("x-amz-checksum-", "").toUpperCase(),
    },
  });
  // Sent as a stream with no Content-Length, as Transfer-Encoding: chunked clients do.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < body.length; i += 5000) c.enqueue(body.slice(i, i + 5000));
      c.close();
    },
  });
  return new Request(signed.url, { method: "PUT", headers: signed.headers, body: stream, duplex: "half" } as RequestInit);
}

export function fetchWorker(req: Request | string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(typeof req === "string" ? new Request(req, init) : req);
}
