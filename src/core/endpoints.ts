/**
 * What a request's Host names (design §4.1): a service endpoint host (`<label>[-private].<BASE_DOMAIN>`,
 * `<bucket>.<label>[-private].<BASE_DOMAIN>`, or a verified `api`-mode custom domain and
 * `<bucket>.<domain>`), a static website host (`<label>-static.<BASE_DOMAIN>`, or a custom domain
 * that may be one), or the shared API host. Lookups are cached per isolate; services that do not
 * exist are cached too, or every request to an unknown host would read D1.
 */
import { eq } from "drizzle-orm";
import { config } from "../config";
import { IsolateCache } from "../lib/isolate-cache";
import { accounts, services } from "../schema/tables";
import { db } from "../storage/db";
import { serviceForCustomApiDomain } from "./websites/domains";

/** The service facts every request path needs, without loading its configuration. */
export interface ServiceInfo {
  uuid: string;
  accountId: string;
  name: string;
  region: string;
  configuredStatus: "started" | "stopped";
  deleting: boolean;
  accountActive: boolean;
}

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

/** Which static website a Host names. Hosts are compared lower case, without a trailing dot. */
export type WebsiteHost = { kind: "primary"; host: string; label: string } | { kind: "custom"; host: string };

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * `<label>-static.<BASE_DOMAIN>` is a primary static domain; any other host outside BASE_DOMAIN
 * may be a custom domain (looked up in D1). The shared API host, endpoint hosts, IP literals,
 * `localhost` and `*.workers.dev` never are, so they cost no query.
 */
export function classifyHost(env: Env, hostname: string): WebsiteHost | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const base = config(env).BASE_DOMAIN;
  const suffix = `-static.${base}`;
  if (host.endsWith(suffix)) {
    const label = host.slice(0, -suffix.length);
    return /^[a-z0-9]+$/.test(label) ? { kind: "primary", host, label } : null;
  }
  if (!host.includes(".") || host === base || host.endsWith(`.${base}`)) return null;
  if (IPV4.test(host) || host.startsWith("[") || host.endsWith(".localhost") || host.endsWith(".workers.dev")) return null;
  return { kind: "custom", host };
}

/** Hosts that can never be a customer's domain: IP literals and single labels such as localhost. */
const NOT_A_DOMAIN = /^(\d{1,3}(\.\d{1,3}){3}|\[.*\]|[^.]+)$/;
const customCache = new IsolateCache<{ serviceUuid: string; bucket: string | null } | null>();

/** A verified `api`-mode custom domain (or `<bucket>.<domain>`), cached like service lookups. */
async function customApiDomain(env: Env, hostname: string) {
  const host = hostname.toLowerCase();
  if (NOT_A_DOMAIN.test(host)) return null;
  return customCache.get(host, () => serviceForCustomApiDomain(env, host));
}

/**
 * What the Host names once website hosts are ruled out:
 * - `service`: an endpoint host or api-mode custom domain of an existing service (and the bucket of a
 *   virtual-hosted name);
 * - `static`: a `<label>-static` name that no website answered for (only path-mounted routes there);
 * - `shared`: the shared API host, and endpoint-shaped names of no service.
 */
export type EndpointHost = { kind: "service"; service: ServiceInfo; bucket: string | null } | { kind: "static" } | { kind: "shared" };

export async function endpointHost(env: Env, url: URL): Promise<EndpointHost> {
  const endpoint = parseEndpointHost(url.hostname, config(env).BASE_DOMAIN);
  if (endpoint?.kind === "static") return { kind: "static" };
  if (endpoint) {
    const service = await serviceByLabel(env, endpoint.label);
    return service ? { kind: "service", service, bucket: endpoint.bucket } : { kind: "shared" };
  }
  const custom = await customApiDomain(env, url.hostname);
  const service = custom && (await serviceByUuid(env, custom.serviceUuid));
  return custom && service ? { kind: "service", service, bucket: custom.bucket } : { kind: "shared" };
}
