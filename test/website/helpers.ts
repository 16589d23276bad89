import { env, exports } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { expect } from "vitest";
import { buckets } from "../../src/schema/tables";
import { db } from "../../src/storage/db";
import { objectKey } from "../../src/storage/keys";
import { newService, newTenant, type Tenant, unique } from "../helpers/api";

/** A request to the Worker with the given Host. */
export function visit(host: string, path = "/", init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`http://${host}${path}`, init));
}

export const publicReadPolicy = (bucket: string, resource = `arn:aws:s3:::${bucket}/*`) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: resource }],
  });

/** A bucket row written straight to D1 (the S3 API is not needed to test hosting). */
export async function seedBucket(serviceUuid: string, name: string, policy: string | null = publicReadPolicy(name)) {
  await db(env).insert(buckets).values({ serviceUuid, name, createdAt: new Date().toISOString(), policy });
}

export async function setPolicy(serviceUuid: string, name: string, policy: string | null) {
  await db(env)
    .update(buckets)
    .set({ policy })
    .where(and(eq(buckets.serviceUuid, serviceUuid), eq(buckets.name, name)));
}

export async function put(serviceUuid: string, bucket: string, key: string, body: string | Uint8Array, httpMetadata?: R2HTTPMetadata) {
  return env.OBJECTS.put(objectKey(serviceUuid, bucket, key), body, httpMetadata ? { httpMetadata } : {});
}

export interface SiteFixture {
  t: Tenant;
  uuid: string;
  host: string;
  bucket: string;
}

/** A tenant with a service, a public bucket and a static website config on the primary static domain. */
export async function newSite(config: Record<string, unknown> = {}, files: Record<string, string> = {}): Promise<SiteFixture> {
  const t = await newTenant();
  const s = await newService(t);
  const bucket = unique("site").toLowerCase();
  await seedBucket(s.uuid, bucket);
  for (const [key, body] of Object.entries(files))
    await put(s.uuid, bucket, key, body, { contentType: key.endsWith(".html") ? "text/html" : "text/plain" });
  const r = await t.api("POST", `/${s.uuid}/static-websites`, { bucket_name: bucket, ...config });
  expect(r.status, r.text).toBe(201);
  return { t, uuid: s.uuid, host: r.json.domain_name, bucket };
}

export async function expectNotConfigured(res: Response) {
  expect(res.status).toBe(404);
  expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
  expect(await res.text()).toContain("Site Not Configured");
}
