import { AwsClient } from "aws4fetch";
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { newService, unique, type Tenant } from "../helpers/api";
import { deliver } from "../helpers/queue";

/** A service of a tenant, with an S3 user (ECSS3FullAccess) and its keys, reached on its own endpoint. */
export interface Storage {
  tenant: Tenant;
  uuid: string;
  host: string;
  /** http://<label>.localhost:8787 — what a job's endpoint_url names. */
  endpoint: string;
  username: string;
  accessKeyId: string;
  secretAccessKey: string;
  s3: AwsClient;
}

export async function storage(tenant: Tenant, opts: { inline?: Record<string, unknown> } = {}): Promise<Storage> {
  const svc = await newService(tenant);
  const host = svc.endpoints.find((e: { type: string; mode: string }) => e.type === "public" && e.mode === "api")!.domain_name as string;
  const keys = await s3Keys(tenant, svc.uuid, opts.inline);
  return { tenant, uuid: svc.uuid, host, endpoint: `http://${host}:8787`, ...keys };
}

/** An IAM user with ECSS3FullAccess (plus inline policies) and an access key, made through the control plane. */
export async function s3Keys(tenant: Tenant, serviceUuid: string, inline: Record<string, unknown> = {}) {
  const username = unique("mover");
  const u = await tenant.api("POST", `/${serviceUuid}/users`, { username });
  expect(u.status, u.text).toBe(201);
  const p = await tenant.api("POST", `/${serviceUuid}/users/${username}/policies`, { name: "ECSS3FullAccess" });
  expect(p.status, p.text).toBe(204);
  for (const [name, document] of Object.entries(inline)) {
    const r = await tenant.api("POST", `/${serviceUuid}/users/${username}/inline-policies`, { name, document: JSON.stringify(document) });
    expect(r.status, r.text).toBe(201);
  }
  const k = await tenant.api("POST", `/${serviceUuid}/users/${username}/access-keys`);
  expect(k.status, k.text).toBe(201);
  const accessKeyId = k.json.access_key_id as string;
  const secretAccessKey = k.json.secret_access_key as string;
  return {
    username,
    accessKeyId,
    secretAccessKey,
    s3: new AwsClient({ accessKeyId, secretAccessKey, service: "s3", region: "us-east-1", retries: 0 }),
  };
}

/** RFC 3986 path encoding of a key ("/" kept). */
const encodeKey = (key: string) =>
  encodeURIComponent(key)
    .replace(/%2F/g, "/")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A signed S3 request to the storage's own endpoint, served by the Worker (no network). */
async function s3(
  st: Storage,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: BodyInit | null; query?: string } = {},
) {
  const url = `${st.endpoint}${path}${init.query ? `?${init.query}` : ""}`;
  const req = await st.s3.sign(url, { method, headers: init.headers ?? {}, body: init.body ?? null });
  return exports.default.fetch(req);
}

export async function createBucket(st: Storage, bucket: string) {
  const r = await s3(st, "PUT", `/${bucket}`);
  expect(r.status, await r.text()).toBe(200);
}

export async function put(st: Storage, bucket: string, key: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const r = await s3(st, "PUT", `/${bucket}/${encodeKey(key)}`, { body, headers });
  expect(r.status, await r.text()).toBe(200);
  return r.headers.get("etag");
}

/** Uploads in parts of `partSize` bytes, so the source ETag is a multipart one ("…-N"). */
export async function putMultipart(
  st: Storage,
  bucket: string,
  key: string,
  body: Uint8Array,
  partSize: number,
  headers: Record<string, string> = {},
) {
  const path = `/${bucket}/${encodeKey(key)}`;
  const init = await s3(st, "POST", path, { query: "uploads=", headers });
  const xml = await init.text();
  expect(init.status, xml).toBe(200);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)![1]!;
  const parts: string[] = [];
  for (let off = 0, n = 1; off < body.length; off += partSize, n++) {
    const r = await s3(st, "PUT", path, {
      query: `partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`,
      body: body.slice(off, off + partSize),
    });
    expect(r.status, await r.text()).toBe(200);
    parts.push(`<Part><PartNumber>${n}</PartNumber><ETag>${r.headers.get("etag")}</ETag></Part>`);
  }
  const done = await s3(st, "POST", path, {
    query: `uploadId=${encodeURIComponent(uploadId)}`,
    body: `<CompleteMultipartUpload>${parts.join("")}</CompleteMultipartUpload>`,
  });
  const text = await done.text();
  expect(done.status, text).toBe(200);
  return /<ETag>([^<]+)<\/ETag>/.exec(text)![1]!.replace(/&quot;/g, '"');
}

async function sha256(data: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", data))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function get(st: Storage, bucket: string, key: string) {
  const r = await s3(st, "GET", `/${bucket}/${encodeKey(key)}`);
  const body = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, headers: r.headers, body, sha256: await sha256(body) };
}

export async function head(st: Storage, bucket: string, key: string) {
  const r = await s3(st, "HEAD", `/${bucket}/${encodeKey(key)}`);
  return { status: r.status, headers: r.headers };
}

/** Every key of a bucket (ListObjectsV2, url-encoded keys, all pages). */
export async function listKeys(st: Storage, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | null = null;
  do {
    const q = new URLSearchParams({ "list-type": "2", "encoding-type": "url", ...(token ? { "continuation-token": token } : {}) });
    const r = await s3(st, "GET", `/${bucket}`, { query: q.toString().replace(/\+/g, "%20") });
    const xml = await r.text();
    expect(r.status, xml).toBe(200);
    for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(decodeURIComponent(m[1]!.replace(/\+/g, " ")));
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]+)<\/NextContinuationToken>/.exec(xml)![1]! : null;
  } while (token);
  return keys;
}

export async function listBuckets(st: Storage): Promise<string[]> {
  const r = await s3(st, "GET", "/");
  const xml = await r.text();
  expect(r.status, xml).toBe(200);
  return [...xml.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1]!);
}

export const jobBody = (source: Storage, target: Storage, sourceBucket?: string, targetBucket?: string) => ({
  type: "copy",
  source: {
    access_key_id: source.accessKeyId,
    secret_access_key: source.secretAccessKey,
    endpoint_url: source.endpoint,
    ...(sourceBucket !== undefined ? { bucket: sourceBucket } : {}),
  },
  target: {
    access_key_id: target.accessKeyId,
    secret_access_key: target.secretAccessKey,
    endpoint_url: target.endpoint,
    ...(targetBucket !== undefined ? { bucket: targetBucket } : {}),
  },
});

export interface Queued {
  kind: string;
  job: string;
  task?: string;
  [k: string]: unknown;
}

/**
 * Stands in for the JOBS queue: what the Worker sends is captured (nothing reaches miniflare's
 * queue, so nothing runs behind the test's back), and the test delivers it through the real
 * consumer, one message or everything, in order. Deterministic, no sleeps.
 */
export class JobQueue {
  readonly pending: Queued[] = [];
  /** Every message ever sent, in order. */
  readonly log: Queued[] = [];

  constructor() {
    vi.spyOn(env.JOBS, "send").mockImplementation(async (body: unknown) => {
      this.push(body as Queued);
      return undefined as never;
    });
    vi.spyOn(env.JOBS, "sendBatch").mockImplementation(async (messages: Iterable<MessageSendRequest<unknown>>) => {
      for (const m of messages) this.push(m.body as Queued);
      return undefined as never;
    });
  }

  private push(m: Queued) {
    this.pending.push(m);
    this.log.push(m);
  }

  /** Delivers these message bodies as one batch through the consumer; fails the test on any retry. */
  async deliver(bodies: Queued[]): Promise<void> {
    expect(await deliver(bodies), "no message should need a retry").toEqual([]);
  }

  /** Takes the first pending message matching `pred` (default: any) off the queue and delivers it. */
  async step(pred: (m: Queued) => boolean = () => true): Promise<Queued> {
    const i = this.pending.findIndex(pred);
    if (i < 0) throw new Error(`no pending message matches; pending: ${JSON.stringify(this.pending)}`);
    const [m] = this.pending.splice(i, 1);
    await this.deliver([m!]);
    return m!;
  }

  /** Delivers until nothing is pending, up to 10 messages per batch like the real consumer. */
  async drain(limit = 10_000): Promise<number> {
    let n = 0;
    while (this.pending.length) {
      if (n > limit) throw new Error("queue did not drain");
      const batch = this.pending.splice(0, 10);
      n += batch.length;
      await this.deliver(batch);
    }
    return n;
  }
}

/** Runs a created job to its end through the queue and returns its final body. */
export async function runJob(t: Tenant, q: JobQueue, uuid: string) {
  await q.drain();
  const r = await t.api("GET", `/jobs/${uuid}`);
  expect(r.status, r.text).toBe(200);
  return r.json;
}

export async function jobRow(uuid: string) {
  return env.DB.prepare("SELECT * FROM jobs WHERE uuid = ?").bind(uuid).first<Record<string, unknown>>();
}
