/**
 * The few S3 calls a job makes, signed with aws4fetch (SigV4, UNSIGNED-PAYLOAD) and sent through a
 * Transport (in-process for this deployment's hosts, fetch otherwise). Path-style addressing, so
 * any S3-compatible endpoint works without DNS for bucket subdomains. Every failure becomes an
 * S3CallError that says whether retrying can help; secrets never appear in one.
 */
import { AwsClient } from "aws4fetch";
import { XMLParser } from "fast-xml-parser";
import type { Transport } from "./transport";

export type Side = "source" | "target";

export interface S3Credentials {
  endpointUrl: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export class S3CallError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string,
    detail: string,
    readonly region: string | null = null,
    readonly side: Side | null = null,
  ) {
    super(`${side ? `${side} ` : ""}${operation}: ${code}${detail ? ` (${detail})` : ""}`);
    this.name = "S3CallError";
  }

  /** Network failures, 5xx, throttling: another attempt may succeed. */
  get transient(): boolean {
    return (
      this.status === 0 || this.status >= 500 || this.status === 429 || ["SlowDown", "RequestTimeout", "IncompleteBody"].includes(this.code)
    );
  }
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
}

export interface ObjectHead {
  size: number;
  etag: string;
  /** The headers a copy keeps: Content-Type and the other content headers, Expires, x-amz-meta-*. */
  metadata: Headers;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === "Contents" || name === "Bucket" || name === "CommonPrefixes",
});

type XmlObj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));
const obj = (v: unknown): XmlObj => (v && typeof v === "object" && !Array.isArray(v) ? (v as XmlObj) : {});
const arr = (v: unknown): XmlObj[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);

/** ETags compared without quotes and case (S3 quotes them; some stores differ in case). */
export const normEtag = (e: string | null | undefined) => (e ?? "").replace(/^W\//, "").replace(/"/g, "").trim().toLowerCase();

/** RFC 3986 encoding of a key, "/" kept: what S3 path-style URLs and SigV4 canonical URIs use. */
export const encodeKey = (key: string) =>
  encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** S3 orders keys by their UTF-8 bytes (JavaScript compares UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}
const utf8 = new TextEncoder();

/** Keys with "." or ".." segments cannot travel in a URL path: every URL parser folds them away. */
export const addressableKey = (key: string) => !key.split("/").some((s) => s === "." || s === "..");

/** Headers a copy carries from the source object to the target. */
const KEPT = new Set(["content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires"]);

export function keptMetadata(h: Headers): Headers {
  const out = new Headers();
  for (const [k, v] of h) if (KEPT.has(k) || (k.startsWith("x-amz-meta-") && k.length > 11)) out.set(k, v);
  return out;
}

export class S3Client {
  private aws: AwsClient;
  private base: string;

  constructor(
    readonly side: Side,
    private creds: S3Credentials,
    private send: Transport,
  ) {
    this.aws = new AwsClient({
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      service: "s3",
      region: creds.region,
      retries: 0,
    });
    this.base = creds.endpointUrl.replace(/\/+$/, "");
  }

  private url(bucket: string | null, key: string | null, query: Record<string, string> = {}): string {
    let u = this.base + "/";
    if (bucket !== null) u += encodeURIComponent(bucket);
    if (key !== null) u += "/" + encodeKey(key);
    const q = new URLSearchParams(query).toString();
    return q ? `${u}?${q.replace(/\+/g, "%20")}` : u;
  }

  /** Signs and sends; a wrong region named by the store (AuthorizationHeaderMalformed) is retried once with its region. */
  private async call(
    operation: string,
    method: string,
    url: string,
    headers: Headers = new Headers(),
    body: ReadableStream | Uint8Array | null = null,
    retryRegion = true,
  ): Promise<Response> {
    let res: Response;
    try {
      const init: RequestInit & { duplex?: string } = { method, headers, body };
      if (body) init.duplex = "half";
      const req = await this.aws.sign(url, init);
      res = await this.send(req);
    } catch (e) {
      if (e instanceof S3CallError) throw e;
      // Network-level failure; the message may name the host, never a credential.
      throw new S3CallError(operation, 0, "NetworkError", e instanceof Error ? e.message.slice(0, 200) : "request failed", null, this.side);
    }
    if (res.ok || res.status === 304) return res;
    // A body the other end refused is released, so the source read it is piped from stops too.
    if (body instanceof ReadableStream) body.cancel().catch(() => {});
    const err = await errorOf(operation, res, this.side);
    if (retryRegion && err.region && err.region !== this.creds.region && body === null) {
      this.creds = { ...this.creds, region: err.region };
      this.aws = new AwsClient({
        accessKeyId: this.creds.accessKeyId,
        secretAccessKey: this.creds.secretAccessKey,
        service: "s3",
        region: err.region,
        retries: 0,
      });
      return this.call(operation, method, url, headers, body, false);
    }
    throw err;
  }

  async listBuckets(): Promise<string[]> {
    const res = await this.call("ListBuckets", "GET", this.url(null, null));
    const doc = obj(parser.parse(await res.text()).ListAllMyBucketsResult);
    return arr(obj(doc.Buckets).Bucket).map((b) => str(b.Name));
  }

  async headBucket(bucket: string): Promise<boolean> {
    try {
      const res = await this.call("HeadBucket", "HEAD", this.url(bucket, null));
      await res.body?.cancel();
      return true;
    } catch (e) {
      if (e instanceof S3CallError && e.status === 404) return false;
      throw e;
    }
  }

  /** Creates the bucket; one the caller already owns counts as created. */
  async createBucket(bucket: string): Promise<void> {
    try {
      const res = await this.call("CreateBucket", "PUT", this.url(bucket, null));
      await res.body?.cancel();
    } catch (e) {
      if (e instanceof S3CallError && e.code === "BucketAlreadyOwnedByYou") return;
      throw e;
    }
  }

  /** One page of ListObjectsV2 (keys url-encoded on the wire, so any key survives XML). */
  async listObjects(
    bucket: string,
    token: string | null,
    maxKeys = 1000,
    prefix = "",
    startAfter = "",
  ): Promise<{ objects: ListedObject[]; next: string | null }> {
    const q: Record<string, string> = { "list-type": "2", "encoding-type": "url", "max-keys": String(maxKeys) };
    if (prefix) q.prefix = prefix;
    if (startAfter && !token) q["start-after"] = startAfter;
    if (token) q["continuation-token"] = token;
    const res = await this.call("ListObjectsV2", "GET", this.url(bucket, null, q));
    const doc = obj(parser.parse(await res.text()).ListBucketResult);
    const encoded = str(doc.EncodingType).toLowerCase() === "url";
    const decode = (s: string) => (encoded ? decodeURIComponent(s.replace(/\+/g, " ")) : s);
    const objects = arr(doc.Contents).map((c) => ({ key: decode(str(c.Key)), size: Number(str(c.Size)), etag: normEtag(str(c.ETag)) }));
    const truncated = str(doc.IsTruncated).toLowerCase() === "true";
    const next = str(doc.NextContinuationToken);
    if (truncated && !next)
      throw new S3CallError(
        "ListObjectsV2",
        200,
        "MissingContinuationToken",
        "a truncated listing without NextContinuationToken",
        null,
        this.side,
      );
    return { objects, next: truncated ? next : null };
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead | null> {
    try {
      const res = await this.call("HeadObject", "HEAD", this.url(bucket, key));
      await res.body?.cancel();
      return {
        size: Number(res.headers.get("content-length") ?? "0"),
        etag: normEtag(res.headers.get("etag")),
        metadata: keptMetadata(res.headers),
      };
    } catch (e) {
      if (e instanceof S3CallError && e.status === 404) return null;
      throw e;
    }
  }

  /** GET (optionally a byte range, bound to an ETag so a changed object fails instead of mixing). */
  async getObject(
    bucket: string,
    key: string,
    opts: { range?: { offset: number; length: number }; ifMatch?: string } = {},
  ): Promise<Response> {
    const h = new Headers();
    if (opts.range) h.set("range", `bytes=${opts.range.offset}-${opts.range.offset + opts.range.length - 1}`);
    if (opts.ifMatch) h.set("if-match", `"${opts.ifMatch}"`);
    return this.call("GetObject", "GET", this.url(bucket, key), h);
  }

  /** PUT of exactly `length` bytes streamed from `body` (sent with Content-Length); returns the stored ETag. */
  async putObject(bucket: string, key: string, body: ReadableStream | Uint8Array, length: number, metadata: Headers): Promise<string> {
    const h = new Headers(metadata);
    h.set("content-length", String(length));
    const res = await this.call("PutObject", "PUT", this.url(bucket, key), h, body);
    await res.body?.cancel();
    return normEtag(res.headers.get("etag"));
  }

  async createMultipartUpload(bucket: string, key: string, metadata: Headers): Promise<string> {
    const res = await this.call("CreateMultipartUpload", "POST", this.url(bucket, key, { uploads: "" }), new Headers(metadata));
    const id = str(obj(parser.parse(await res.text()).InitiateMultipartUploadResult).UploadId);
    if (!id) throw new S3CallError("CreateMultipartUpload", res.status, "MalformedResponse", "no UploadId", null, this.side);
    return id;
  }

  async uploadPart(bucket: string, key: string, uploadId: string, part: number, body: ReadableStream, length: number): Promise<string> {
    const h = new Headers({ "content-length": String(length) });
    const res = await this.call("UploadPart", "PUT", this.url(bucket, key, { partNumber: String(part), uploadId }), h, body);
    await res.body?.cancel();
    return normEtag(res.headers.get("etag"));
  }

  async completeMultipartUpload(bucket: string, key: string, uploadId: string, etags: string[]): Promise<string> {
    const xml =
      "<CompleteMultipartUpload>" +
      etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${e}"</ETag></Part>`).join("") +
      "</CompleteMultipartUpload>";
    const h = new Headers({ "content-type": "application/xml", "content-length": String(new TextEncoder().encode(xml).length) });
    const res = await this.call("CompleteMultipartUpload", "POST", this.url(bucket, key, { uploadId }), h, streamOf(xml));
    const doc = parser.parse(await res.text());
    // S3 can answer 200 with an <Error> body when completion fails late.
    if (doc.Error) {
      const e = obj(doc.Error);
      throw new S3CallError("CompleteMultipartUpload", 500, str(e.Code) || "InternalError", str(e.Message).slice(0, 300), null, this.side);
    }
    return normEtag(str(obj(doc.CompleteMultipartUploadResult).ETag));
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    try {
      const res = await this.call("AbortMultipartUpload", "DELETE", this.url(bucket, key, { uploadId }));
      await res.body?.cancel();
    } catch {
      // Best effort: an upload left behind is the target's to expire; the object is reported failed anyway.
    }
  }
}

function streamOf(s: string): ReadableStream {
  const bytes = new TextEncoder().encode(s);
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

async function errorOf(operation: string, res: Response, side: Side): Promise<S3CallError> {
  let code = `HTTP${res.status}`;
  let detail = "";
  let region: string | null = res.headers.get("x-amz-bucket-region");
  const text = res.status === 304 || res.headers.get("content-length") === "0" ? "" : await res.text().catch(() => "");
  if (text) {
    try {
      const e = obj(parser.parse(text).Error);
      if (e.Code) code = str(e.Code);
      detail = str(e.Message).slice(0, 300);
      if (e.Region) region = str(e.Region);
    } catch {
      // Not XML: the status code is all there is.
    }
  } else if (res.status === 404) code = operation === "HeadBucket" ? "NoSuchBucket" : "NoSuchKey";
  else if (res.status === 403) code = "AccessDenied";
  if (code !== "AuthorizationHeaderMalformed" && code !== "PermanentRedirect") region = null;
  return new S3CallError(operation, res.status, code, detail, region, side);
}
