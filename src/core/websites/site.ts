import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import { accounts, buckets, serviceNetworks, services } from "../../schema/tables";
import { customDomains, staticWebsites } from "../../schema/website.tables";
import { db } from "../../storage/db";
import { evaluate, type NamedPolicy, type RequestContext, validatePolicyDocument } from "../policy";
import { parseErrorPages, type StaticWebsiteRow } from "./views";
import type { ErrorPage } from "../../schema/website";
import type { WebsiteHost } from "../endpoints";

export interface Site {
  serviceUuid: string;
  domain: string;
  bucket: string;
  /** Normalized: empty or ending in "/", never starting with "/". */
  prefix: string;
  indexDocument: string;
  spaMode: boolean;
  errorPages: ErrorPage[];
  /** False when the bucket does not exist (or is being deleted). */
  bucketExists: boolean;
  policy: NamedPolicy | null;
}

/** "none": not a website host after all (e.g. an api-mode custom domain); "unconfigured": the Site Not Configured page. */
export type SiteLookup = { kind: "none" } | { kind: "unconfigured" } | { kind: "site"; site: Site };

export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, "");
  return p === "" || p.endsWith("/") ? p : `${p}/`;
}

// Policies are stored as their owner sent them; pages reuse the parsed form.
const policyCache = new Map<string, NamedPolicy | null>();
const POLICY_CACHE_LIMIT = 256;

function parsePolicy(text: string | null): NamedPolicy | null {
  if (!text) return null;
  let p = policyCache.get(text);
  if (p === undefined) {
    const r = validatePolicyDocument(text, { kind: "resource" });
    p = r.ok ? { name: "bucket-policy", source: "bucket-policy", document: r.policy } : null;
    if (policyCache.size >= POLICY_CACHE_LIMIT) policyCache.delete(policyCache.keys().next().value!);
    policyCache.set(text, p);
  }
  return p;
}

/** Whether the bucket policy lets anyone read the object: static hosting serves nothing else. */
export function publiclyReadable(site: Site, key: string, context: RequestContext): boolean {
  if (!site.policy) return false;
  const decision = evaluate({
    principal: { type: "anonymous", arn: "*" },
    action: "s3:GetObject",
    resource: `arn:aws:s3:::${site.bucket}/${key}`,
    context,
    identityPolicies: [],
    resourcePolicy: site.policy,
  });
  return decision.decision === "allowed";
}

/**
 * Hosts found not to be static-website domains, remembered briefly so the shared API host and
 * api-mode custom domains do not cost a query per request. Attaching or renaming a domain forgets
 * the name in this isolate; other isolates notice within NOT_A_SITE_MS.
 */
export const NOT_A_SITE_MS = 5_000;
const notSites = new Map<string, number>();
const NOT_SITES_LIMIT = 1000;

export function forgetHost(host: string): void {
  notSites.delete(host.toLowerCase());
}

function rememberNotSite(host: string): void {
  if (notSites.size >= NOT_SITES_LIMIT) notSites.delete(notSites.keys().next().value!);
  notSites.set(host, Date.now() + NOT_A_SITE_MS);
}

/** One query: the service, its config for the host, and the bucket's policy. */
export async function resolveSite(env: Env, h: WebsiteHost): Promise<SiteLookup> {
  const d = db(env);
  const shape = {
    serviceUuid: services.uuid,
    configuredStatus: services.configuredStatus,
    deletingSince: services.deletingSince,
    accountStatus: accounts.status,
    publicNetwork: sql<number>`exists (select 1 from ${serviceNetworks} where ${serviceNetworks.serviceUuid} = ${services.uuid} and ${serviceNetworks.type} = 'public')`,
    config: staticWebsites,
    bucketName: buckets.name,
    policy: buckets.policy,
  };
  const bucketJoin: SQL = and(
    eq(buckets.serviceUuid, staticWebsites.serviceUuid),
    eq(buckets.name, staticWebsites.bucketName),
    isNull(buckets.deletedAt),
  )!;
  let row:
    | {
        serviceUuid: string;
        configuredStatus: string;
        deletingSince: string | null;
        accountStatus: string;
        publicNetwork: number;
        config: StaticWebsiteRow | null;
        bucketName: string | null;
        policy: string | null;
      }
    | undefined;
  if (h.kind === "primary") {
    row = await d
      .select(shape)
      .from(services)
      .innerJoin(accounts, eq(accounts.id, services.accountId))
      .leftJoin(staticWebsites, and(eq(staticWebsites.serviceUuid, services.uuid), eq(staticWebsites.domainName, h.host)))
      .leftJoin(buckets, bucketJoin)
      .where(eq(services.endpointLabel, h.label))
      .get();
  } else {
    const until = notSites.get(h.host);
    if (until !== undefined && until > Date.now()) return { kind: "none" };
    const r = await d
      .select({ ...shape, mode: customDomains.mode, verification: customDomains.verification })
      .from(customDomains)
      .innerJoin(services, eq(services.uuid, customDomains.serviceUuid))
      .innerJoin(accounts, eq(accounts.id, services.accountId))
      .leftJoin(
        staticWebsites,
        and(eq(staticWebsites.serviceUuid, customDomains.serviceUuid), eq(staticWebsites.domainName, customDomains.domainName)),
      )
      .leftJoin(buckets, bucketJoin)
      .where(eq(customDomains.domainName, h.host))
      .get();
    // Unknown hosts and api-mode domains belong to the other dispatchers.
    if (!r || r.mode !== "static-website") {
      rememberNotSite(h.host);
      return { kind: "none" };
    }
    if (r.verification !== "verified") return { kind: "unconfigured" };
    row = r;
  }
  if (!row) return { kind: "unconfigured" };
  const live =
    row.configuredStatus === "started" && row.deletingSince === null && row.accountStatus === "active" && Boolean(row.publicNetwork);
  const cfg = row.config;
  if (!live || !cfg || !cfg.enabled) return { kind: "unconfigured" };
  return {
    kind: "site",
    site: {
      serviceUuid: row.serviceUuid,
      domain: cfg.domainName,
      bucket: cfg.bucketName,
      prefix: normalizePrefix(cfg.bucketPrefix),
      indexDocument: cfg.indexDocument,
      spaMode: cfg.spaMode,
      errorPages: parseErrorPages(cfg.errorPages),
      bucketExists: row.bucketName !== null,
      policy: parsePolicy(row.policy),
    },
  };
}
