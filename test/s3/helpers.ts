import "./dom-parser";
import { S3Client, S3ServiceException, type S3ClientConfig } from "@aws-sdk/client-s3";
import { HttpResponse, type HttpRequest } from "@smithy/protocol-http";
import { usageSettled } from "../../src/core/s3/usage";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { newService, newTenant, unique, type Tenant } from "../helpers/api";

/** RFC 3986 encoding, as the SDK's own fetch handler builds query strings. */
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function queryString(query: HttpRequest["query"]): string {
  const parts: string[] = [];
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === null || value === undefined) parts.push(escape(key));
    else if (Array.isArray(value)) for (const v of value) parts.push(`${escape(key)}=${escape(v)}`);
    else parts.push(`${escape(key)}=${escape(value)}`);
  }
  return parts.join("&");
}

/**
 * The SDK's aws-chunked web stream (browser build) enqueues its framing as strings; a fetch body
 * must be bytes, so strings are encoded on the way.
 */
function toBody(body: unknown): BodyInit | undefined {
  if (!(body instanceof ReadableStream)) return body as BodyInit | undefined;
  const enc = new TextEncoder();
  return body.pipeThrough(
    new TransformStream<unknown, Uint8Array>({
      transform(chunk, c) {
        c.enqueue(typeof chunk === "string" ? enc.encode(chunk) : (chunk as Uint8Array));
      },
    }),
  );
}

/** Sends the SDK's requests straight into the Worker's fetch handler (no network). */
export class WorkerHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };
  /** Every request the SDK sent, for assertions on the wire shape. */
  readonly sent: { method: string; url: string; headers: Record<string, string> }[] = [];

  async handle(req: HttpRequest): Promise<{ response: HttpResponse }> {
    const qs = queryString(req.query);
    const url = `${req.protocol}//${req.hostname}${req.port ? `:${req.port}` : ""}${req.path}${qs ? `?${qs}` : ""}`;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = v;
    this.sent.push({ method: req.method, url, headers });
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : toBody(req.body);
    const res = await exports.default.fetch(
      new Request(url, { method: req.method, headers, body: body ?? null, duplex: "half" } as RequestInit),
    );
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    return {
      response: new HttpResponse({
        statusCode: res.status,
        reason: res.statusText,
        headers: out,
        body: res.body ?? new ReadableStream({ start: (c) => c.close() }),
      }),
    };
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}

export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Env {
  tenant: Tenant;
  service: { uuid: string; endpoints: { domain_name: string }[] } & Record<string, unknown>;
  /** The service's public endpoint host, e.g. "abcde.localhost". */
  host: string;
}

export async function s3Service(): Promise<S3Env> {
  const tenant = await newTenant();
  const service = await newService(tenant);
  const host = service.endpoints.find((e: { type: string; mode: string }) => e.type === "public" && e.mode === "api")!
    .domain_name as string;
  return { tenant, service, host };
}

/**
 * An IAM user with an access key, made through the UpCloud dialect as a customer would, with the
 * given managed policies attached (system or custom) and inline policies.
 */
export async function s3User(
  e: S3Env,
  opts: { policies?: string[]; inline?: Record<string, unknown>; boundary?: string; username?: string } = {},
): Promise<Keys & { username: string }> {
  const username = opts.username ?? unique("user");
  const base = `/${e.service.uuid}`;
  const u = await e.tenant.api("POST", `${base}/users`, { username });
  expect(u.status, u.text).toBe(201);
  for (const name of opts.policies ?? ["ECSS3FullAccess"]) {
    const a = await e.tenant.api("POST", `${base}/users/${username}/policies`, { name });
    expect(a.status, a.text).toBe(204);
  }
  for (const [name, document] of Object.entries(opts.inline ?? {})) {
    const p = await e.tenant.api("POST", `${base}/users/${username}/inline-policies`, { name, document: JSON.stringify(document) });
    expect(p.status, p.text).toBe(201);
  }
  if (opts.boundary) {
    const b = await e.tenant.api("PUT", `${base}/users/${username}/permissions-boundary`, { policy_name: opts.boundary });
    expect(b.status, b.text).toBe(200);
  }
  const k = await e.tenant.api("POST", `${base}/users/${username}/access-keys`);
  expect(k.status, k.text).toBe(201);
  return { username, accessKeyId: k.json.access_key_id, secretAccessKey: k.json.secret_access_key };
}

/** A custom managed policy of the service. */
export async function customPolicy(e: S3Env, document: unknown, name = unique("pol")): Promise<string> {
  const r = await e.tenant.api("POST", `/${e.service.uuid}/policies`, { name, document: JSON.stringify(document) });
  expect(r.status, r.text).toBe(201);
  return name;
}

export interface ClientOptions {
  /** Path-style on the shared host (default) or virtual-hosted on the service endpoint. */
  style?: "shared" | "endpoint-path" | "virtual";
  config?: Partial<S3ClientConfig>;
}

export function s3Client(e: S3Env, keys: Keys | null, opts: ClientOptions = {}): { client: S3Client; handler: WorkerHandler } {
  const handler = new WorkerHandler();
  const style = opts.style ?? "shared";
  const client = new S3Client({
    region: "us-east-1",
    endpoint: style === "shared" ? "http://api.test" : `http://${e.host}`,
    forcePathStyle: style !== "virtual",
    credentials: keys ?? { accessKeyId: "", secretAccessKey: "" },
    ...(keys ? {} : { signer: { sign: async (r: HttpRequest) => r } }),
    requestHandler: handler,
    maxAttempts: 1,
    ...opts.config,
  } as S3ClientConfig);
  return { client, handler };
}

export const newBucket = () => unique("b").toLowerCase();

export async function bodyText(b: unknown): Promise<string> {
  return await (b as { transformToString(): Promise<string> }).transformToString();
}

export async function md5Hex(data: Uint8Array | string): Promise<string> {
  const buf = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const d = await crypto.subtle.digest("MD5", buf);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function meterOf(serviceUuid: string) {
  return env.USAGE_METER.get(env.USAGE_METER.idFromName(serviceUuid));
}

/** Waits for the meter calls of earlier requests (batched in this isolate, sent after the response). */
export async function settleMeter(): Promise<void> {
  await usageSettled();
}

/** The S3 error a client call fails with (and a test failure when it succeeds or fails otherwise). */
export async function s3Error(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error("expected an S3 error");
}
