/**
 * What a job is asked to do, in a dialect-neutral shape. UpCloud jobs fill source and target with
 * endpoint, key id and optional bucket; Lyve Transporter migrations will add region, prefix and
 * options (bandwidth, schedule, sync mode) without a schema change: the spec is stored as JSON.
 * Secrets travel beside the spec, sealed, never inside it.
 */
import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { config } from "../../config";
import { services, serviceNetworks } from "../../schema/tables";
import type { Db } from "../../storage/db";
import { Problems } from "../errors";
import { bucketNameProblem } from "../s3/rules";

export const EndpointSpecSchema = z.object({
  endpoint_url: z.string(),
  access_key_id: z.string(),
  /** Absent: every bucket of the storage. */
  bucket: z.string().optional(),
  /** Signing region; guessed from the host (AWS) or the service, else us-east-1. */
  region: z.string().optional(),
  /** Only keys with this prefix (source only). */
  prefix: z.string().optional(),
});
export type EndpointSpec = z.infer<typeof EndpointSpecSchema>;

export const JobSpecSchema = z.object({
  source: EndpointSpecSchema,
  target: EndpointSpecSchema,
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

export interface EndpointInput {
  endpoint_url: string;
  access_key_id: string;
  secret_access_key: string;
  bucket?: string | undefined;
}

export interface CreateJobInput {
  type: "copy";
  source: EndpointInput;
  target: EndpointInput;
}

/** Parses an endpoint URL: http(s), no credentials, query or fragment. Null (and a problem) when bad. */
function endpointUrl(raw: string, field: string, p: Problems): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    p.add(field, "must be an absolute http:// or https:// URL");
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") p.add(field, "must be an http:// or https:// URL");
  else if (url.username || url.password) p.add(field, "must not contain credentials");
  else if (url.search || url.hash || raw.includes("?") || raw.includes("#")) p.add(field, "must not contain a query or fragment");
  else return url;
  return null;
}

/** The account's service whose endpoint host the URL names (`<label>[-private].<BASE_DOMAIN>`), or null. */
async function targetService(env: Env, d: Db, accountId: string, url: URL): Promise<string | null> {
  const base = `.${config(env).BASE_DOMAIN}`;
  const host = url.hostname.toLowerCase().replace(/\.$/, "");
  if (!host.endsWith(base)) return null;
  const first = host.slice(0, -base.length);
  if (!first || first.includes(".") || first.endsWith("-static")) return null;
  const isPrivate = first.endsWith("-private");
  const label = isPrivate ? first.slice(0, -"-private".length) : first;
  const row = await d
    .select({ uuid: services.uuid, status: services.configuredStatus })
    .from(services)
    .where(and(eq(services.endpointLabel, label), eq(services.accountId, accountId), isNull(services.deletingSince)))
    .get();
  if (!row || row.status === "stopped") return null;
  // An endpoint exists only for a network of its type.
  const net = await d
    .select({ type: serviceNetworks.type })
    .from(serviceNetworks)
    .where(and(eq(serviceNetworks.serviceUuid, row.uuid), eq(serviceNetworks.type, isPrivate ? "private" : "public")))
    .get();
  return net ? row.uuid : null;
}

/**
 * Rules beyond the body schema. Returns the spec to store and the target service.
 * Decisions where the vendor is silent: an empty bucket means "every bucket" as a missing one does;
 * target.bucket needs source.bucket (all buckets into one would merge namespaces); a bucket job
 * without target.bucket copies into a bucket of the source bucket's name.
 */
export async function checkCreate(
  env: Env,
  d: Db,
  accountId: string,
  input: CreateJobInput,
): Promise<{ spec: JobSpec; targetServiceUuid: string }> {
  const p = new Problems();
  const sourceBucket = input.source.bucket || undefined;
  let targetBucket = input.target.bucket || undefined;
  const sourceUrl = endpointUrl(input.source.endpoint_url, "source.endpoint_url", p);
  const targetUrl = endpointUrl(input.target.endpoint_url, "target.endpoint_url", p);
  let targetUuid: string | null = null;
  if (targetUrl) {
    if (targetUrl.pathname !== "/" && targetUrl.pathname !== "")
      p.add("target.endpoint_url", "must be a service endpoint URL without a path");
    else {
      targetUuid = await targetService(env, d, accountId, targetUrl);
      if (!targetUuid)
        p.add(
          "target.endpoint_url",
          `must be the endpoint of one of your running object storage services (http(s)://<label>.${config(env).BASE_DOMAIN})`,
        );
    }
  }
  if (sourceBucket !== undefined && sourceBucket.includes("/")) p.add("source.bucket", "must not contain /");
  if (targetBucket !== undefined) {
    if (sourceBucket === undefined) p.add("target.bucket", "can only be given together with source.bucket");
    const why = bucketNameProblem(targetBucket);
    if (why) p.add("target.bucket", why);
  } else if (sourceBucket !== undefined) {
    if (bucketNameProblem(sourceBucket)) p.add("target.bucket", "is required: the source bucket's name is not a valid bucket name here");
    targetBucket = sourceBucket;
  }
  p.throwIfAny();
  const endpoint = (i: EndpointInput, url: URL, bucket: string | undefined): EndpointSpec => ({
    endpoint_url: url.origin + url.pathname.replace(/\/+$/, ""),
    access_key_id: i.access_key_id,
    ...(bucket !== undefined ? { bucket } : {}),
  });
  return {
    spec: { source: endpoint(input.source, sourceUrl!, sourceBucket), target: endpoint(input.target, targetUrl!, targetBucket) },
    targetServiceUuid: targetUuid!,
  };
}
