/**
 * Which requests are S3 requests (design §4):
 * - by Host: `<label>.<BASE_DOMAIN>`, `<label>-private.<BASE_DOMAIN>` (path-style) and
 *   `<bucket>.<label>[-private].<BASE_DOMAIN>` (virtual-hosted), for a label of a service;
 *   anonymous requests included. Requests signed for another service (iam, sts) are left alone.
 * - on any other host, by authentication: SigV4 with credential scope `s3` (header or presigned),
 *   SigV2 (`AWS ` header or `AWSAccessKeyId` query); path-style, the service found from the key.
 * - a verified `api`-mode custom domain of a service (or `<bucket>.<domain>`): as its endpoint host.
 * Everything else (and `<label>-static` hosts) goes on to the control plane untouched.
 */
import { eq } from "drizzle-orm";
import { config } from "../../config";
import { authKind, AuthError, parseAuth, type ParsedAuth } from "../../core/sigv4";
import { serviceForCustomApiDomain } from "../../core/websites/domains";
import { IsolateCache } from "../../lib/isolate-cache";
import { accounts, services } from "../../schema/tables";
import { db } from "../../storage/db";

export interface ServiceInfo {
  uuid: string;
  accountId: string;
  name: string;
  region: string;
  configuredStatus: "started" | "stopped";
  deleting: boolean;
  accountActive: boolean;
}

export interface S3Target {
  /** The service named by the Host; null on the shared host (found from the access key). */
  service: ServiceInfo | null;
  /** Bucket named by a virtual-hosted Host. */
  hostBucket: string | null;
  /** The request's authentication, parsed once here; null for anonymous. */
  auth: ParsedAuth | AuthError | null;
}

// Services that do not exist are cached too: every request to an unknown host would read D1 otherwise.
const serviceCache = new IsolateCache<ServiceInfo | null>();

async function loadService(env: Env, where: "label" | "uuid", value: string): Promise<ServiceInfo | null> {
  const row = await db(env)
    .select({
      uuid: services.uuid,
      accountId: services.accountId,
      name: services.name,
      region: services.region,
      configuredStatus: services.configuredStatus,
      deletingSince: services.deletingSince,
      accountStatus: accounts.status,
    })
    .from(services)
    .innerJoin(accounts, eq(accounts.id, services.accountId))
    .where(where === "label" ? eq(services.endpointLabel, value) : eq(services.uuid, value))
    .get();
  if (!row) return null;
  return {
    uuid: row.uuid,
    accountId: row.accountId,
    name: row.name,
    region: row.region,
    configuredStatus: row.configuredStatus,
    deleting: row.deletingSince !== null,
    accountActive: row.accountStatus === "active",
  };
}

export const serviceByLabel = (env: Env, label: string) => serviceCache.get(`l:${label}`, () => loadService(env, "label", label));
export const serviceByUuid = (env: Env, uuid: string) => serviceCache.get(`u:${uuid}`, () => loadService(env, "uuid", uuid));

/** Splits an endpoint host into its bucket (virtual-hosted) and service label. */
export function parseEndpointHost(
  hostname: string,
  baseDomain: string,
): { label: string; bucket: string | null; kind: "api" | "static" } | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return null;
  const rest = host.slice(0, -suffix.length);
  if (!rest) return null;
  const dot = rest.lastIndexOf(".");
  const first = dot < 0 ? rest : rest.slice(dot + 1);
  const bucket = dot < 0 ? null : rest.slice(0, dot);
  if (first.endsWith("-static")) return { label: first.slice(0, -"-static".length), bucket, kind: "static" };
  const label = first.endsWith("-private") ? first.slice(0, -"-private".length) : first;
  return label ? { label, bucket, kind: "api" } : null;
}

const S3_SCOPE = /\/s3\/aws4_request/;

/** Hosts that can never be a customer's domain: IP literals and single labels such as localhost. */
const NOT_A_DOMAIN = /^(\d{1,3}(\.\d{1,3}){3}|\[.*\]|[^.]+)$/;
const customCache = new IsolateCache<{ serviceUuid: string; bucket: string | null } | null>();

/** A verified `api`-mode custom domain (or `<bucket>.<domain>`), cached like service lookups. */
async function customApiDomain(env: Env, hostname: string) {
  const host = hostname.toLowerCase();
  if (NOT_A_DOMAIN.test(host)) return null;
  return customCache.get(host, () => serviceForCustomApiDomain(env, host));
}

/** A request on a host that names a service: S3 unless it is signed for IAM/STS or another scheme. */
function hostTarget(request: Request, url: URL, service: ServiceInfo, hostBucket: string | null): S3Target | null {
  const kind = authKind(request, url);
  const auth = kind === "none" ? null : parseAuth(request, url);
  // IAM and STS share the endpoint host; they are signed for their own service.
  if (auth && !(auth instanceof AuthError) && auth.version === 4 && auth.scope.service !== "s3") return null;
  if (kind === "other") return null;
  return { service, hostBucket, auth };
}

/** The S3 target of a request, or null when it belongs to the control plane. */
export async function s3Target(request: Request, env: Env, url: URL): Promise<S3Target | null> {
  const endpoint = parseEndpointHost(url.hostname, config(env).BASE_DOMAIN);
  if (endpoint?.kind === "api") {
    const service = await serviceByLabel(env, endpoint.label);
    if (service) return hostTarget(request, url, service, endpoint.bucket);
  }
  if (endpoint?.kind === "static") return null;
  if (!endpoint) {
    const custom = await customApiDomain(env, url.hostname);
    const service = custom && (await serviceByUuid(env, custom.serviceUuid));
    if (custom && service) return hostTarget(request, url, service, custom.bucket);
  }
  const kind = authKind(request, url);
  if (kind === "sigv2-header") return { service: null, hostBucket: null, auth: parseAuth(request, url) };
  if (kind === "sigv2-query") {
    return url.searchParams.has("AWSAccessKeyId") ? { service: null, hostBucket: null, auth: parseAuth(request, url) } : null;
  }
  if (kind === "sigv4-header" || kind === "sigv4-query") {
    const auth = parseAuth(request, url);
    if (auth instanceof AuthError) {
      const raw = request.headers.get("authorization") ?? url.searchParams.get("X-Amz-Credential") ?? "";
      return S3_SCOPE.test(raw) ? { service: null, hostBucket: null, auth } : null;
    }
    if (auth && auth.version === 4 && auth.scope.service === "s3") return { service: null, hostBucket: null, auth };
  }
  return null;
}
