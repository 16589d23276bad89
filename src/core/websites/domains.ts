import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { config } from "../../config";
import { isoMicro } from "../../lib/time";
import type { CustomDomainCreateInput, CustomDomainModifyInput, CustomDomainView } from "../../schema/website";
import { customDomains, staticWebsites } from "../../schema/website.tables";
import { serviceNetworks, services } from "../../schema/tables";
import { type Db, db as getDb, isUniqueViolation } from "../../storage/db";
import { conflict, invalid, limitExceeded, notFound, serviceState } from "../errors";
import { assertMutable, findService, getServiceParts, type ServiceRow, serviceDomains } from "../services";
import { domainVerifier, type Verification } from "./dns";
import { forgetHost } from "./site";
import { insertWhere } from "../../storage/sql";
import { byCreation, type CustomDomainRow, customDomainView } from "./views";

/** Vendor limit. */
const MAX_CUSTOM_DOMAINS = 5;

const taken = (name: string) => conflict(`Domain "${name}" is already attached to a service.`, "Custom domain");

/** Names under BASE_DOMAIN are the endpoints of services; a custom domain must not shadow one. */
function checkNotEndpointName(env: Env, name: string, field = "domain_name"): void {
  const base = config(env).BASE_DOMAIN;
  if (name === base || name.endsWith(`.${base}`))
    throw invalid(field, `must not be ${base} or a name under it: those names belong to service endpoints`);
}

function hasPublicNetwork(d: Db, uuid: string) {
  return d
    .select({ one: sql<number>`1` })
    .from(serviceNetworks)
    .where(and(eq(serviceNetworks.serviceUuid, uuid), eq(serviceNetworks.type, "public")))
    .get()
    .then((r) => r !== undefined);
}

const publicNetworkExists = (uuid: string | SQLiteColumn) =>
  sql`exists (select 1 from ${serviceNetworks} where ${serviceNetworks.serviceUuid} = ${uuid} and ${serviceNetworks.type} = 'public')`;

const noPublicNetwork = () => invalid("domain_name", "the service has no public network; custom domains need public access to the service");

/** Checks the domain's DNS records against the service's public endpoint. */
async function verifyDomain(env: Env, row: Pick<ServiceRow, "endpointLabel">, domain: string): Promise<Verification> {
  const target = serviceDomains(env, row).public;
  return domainVerifier(env).verify({ domain, target, acmeTarget: `_acme-challenge.${target}` });
}

const verificationColumns = (v: Verification, now: string) => ({
  verification: v.verified ? ("verified" as const) : ("failed" as const),
  verificationDetail: v.verified ? null : v.reason,
  checkedAt: now,
});

async function findDomain(d: Db, uuid: string, name: string): Promise<CustomDomainRow> {
  const row = await d
    .select()
    .from(customDomains)
    .where(and(eq(customDomains.serviceUuid, uuid), eq(customDomains.domainName, name.toLowerCase())))
    .get();
  if (!row) throw notFound("Custom domain");
  return row;
}

export async function listCustomDomains(env: Env, accountId: string, uuid: string): Promise<CustomDomainView[]> {
  const d = getDb(env);
  await findService(d, accountId, uuid);
  const rows = await d.select().from(customDomains).where(eq(customDomains.serviceUuid, uuid)).all();
  return rows.sort(byCreation).map(customDomainView);
}

export async function getCustomDomain(env: Env, accountId: string, uuid: string, name: string): Promise<CustomDomainView> {
  const d = getDb(env);
  await findService(d, accountId, uuid);
  return customDomainView(await findDomain(d, uuid, name));
}

export async function attachCustomDomain(
  env: Env,
  accountId: string,
  uuid: string,
  input: CustomDomainCreateInput,
): Promise<CustomDomainView> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const name = input.domain_name;
  checkNotEndpointName(env, name);
  const now = isoMicro();
  const row: CustomDomainRow = {
    domainName: name,
    serviceUuid: uuid,
    type: input.type,
    mode: input.mode ?? "api",
    ...verificationColumns(await verifyDomain(env, svc, name), now),
    createdAt: now,
    updatedAt: now,
  };
  let inserted: boolean;
  try {
    inserted = await insertWhere(
      d,
      customDomains,
      [
        [customDomains.domainName, row.domainName],
        [customDomains.serviceUuid, row.serviceUuid],
        [customDomains.type, row.type],
        [customDomains.mode, row.mode],
        [customDomains.verification, row.verification],
        [customDomains.verificationDetail, row.verificationDetail],
        [customDomains.checkedAt, row.checkedAt],
        [customDomains.createdAt, row.createdAt],
        [customDomains.updatedAt, row.updatedAt],
      ],
      sql`(select count(*) from ${customDomains} where ${customDomains.serviceUuid} = ${uuid}) < ${MAX_CUSTOM_DOMAINS}
        and ${publicNetworkExists(uuid)}
        and exists (select 1 from ${services} where ${services.uuid} = ${uuid} and ${services.deletingSince} is null)`,
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw taken(name);
    throw e;
  }
  if (!inserted) {
    // Tell the caller which condition failed (the write itself is decided atomically above).
    if (!(await hasPublicNetwork(d, uuid))) throw noPublicNetwork();
    const held = await d
      .select({ n: sql<number>`count(*)` })
      .from(customDomains)
      .where(eq(customDomains.serviceUuid, uuid))
      .get();
    if ((held?.n ?? 0) >= MAX_CUSTOM_DOMAINS) {
      throw limitExceeded(`A service can have at most ${MAX_CUSTOM_DOMAINS} custom domains.`, MAX_CUSTOM_DOMAINS, [
        { name: "domain_name", reason: `a service can have at most ${MAX_CUSTOM_DOMAINS} custom domains` },
      ]);
    }
    throw serviceState("Service is being deleted.");
  }
  forgetHost(name);
  return customDomainView(row);
}

/**
 * Renames (the static website config of the domain follows it) and re-runs DNS verification:
 * a PATCH, even one that changes nothing, is how a customer asks for a new check.
 */
export async function modifyCustomDomain(
  env: Env,
  accountId: string,
  uuid: string,
  name: string,
  input: CustomDomainModifyInput,
): Promise<CustomDomainView> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const cur = await findDomain(d, uuid, name);
  if (input.mode !== undefined && input.mode !== cur.mode) {
    throw invalid("mode", `is immutable (currently ${cur.mode}); delete the custom domain and attach it again to change it`);
  }
  const next = input.domain_name ?? cur.domainName;
  if (next !== cur.domainName) checkNotEndpointName(env, next);
  if (!(await hasPublicNetwork(d, uuid))) throw noPublicNetwork();
  const now = isoMicro();
  const v = verificationColumns(await verifyDomain(env, svc, next), now);
  const where = and(eq(customDomains.serviceUuid, uuid), eq(customDomains.domainName, cur.domainName));
  try {
    await d.batch([
      d
        .update(customDomains)
        .set({ domainName: next, type: input.type ?? cur.type, ...v, updatedAt: now })
        .where(where),
      d
        .update(staticWebsites)
        .set({ domainName: next })
        .where(and(eq(staticWebsites.serviceUuid, uuid), eq(staticWebsites.domainName, cur.domainName))),
    ]);
  } catch (e) {
    if (isUniqueViolation(e)) throw taken(next);
    throw e;
  }
  forgetHost(next);
  return customDomainView(await findDomain(d, uuid, next));
}

/** Detaches the domain together with its static website config. */
export async function deleteCustomDomain(env: Env, accountId: string, uuid: string, name: string): Promise<void> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const cur = await findDomain(d, uuid, name);
  await d.batch([
    d.delete(staticWebsites).where(and(eq(staticWebsites.serviceUuid, uuid), eq(staticWebsites.domainName, cur.domainName))),
    d.delete(customDomains).where(and(eq(customDomains.serviceUuid, uuid), eq(customDomains.domainName, cur.domainName))),
  ]);
}

/** Checks every custom domain of a service again (for the lifecycle's setup-dns step). */
export async function reverifyCustomDomains(env: Env, uuid: string): Promise<void> {
  const d = getDb(env);
  const svc = await d.select().from(services).where(eq(services.uuid, uuid)).get();
  if (!svc) return;
  const rows = await d.select().from(customDomains).where(eq(customDomains.serviceUuid, uuid)).all();
  for (const r of rows) {
    const v = verificationColumns(await verifyDomain(env, svc, r.domainName), isoMicro());
    await d
      .update(customDomains)
      .set(v)
      .where(and(eq(customDomains.serviceUuid, uuid), eq(customDomains.domainName, r.domainName)));
  }
}

/**
 * For the S3 data plane: the service a verified `api`-mode custom domain routes to. The host may
 * be the domain itself (path-style) or `<bucket>.<domain>` (virtual-hosted, the `*.<domain>`
 * CNAME of the vendor's DNS setup). Null for every other host, for unverified domains and for
 * services that are stopped or being deleted.
 */
export async function serviceForCustomApiDomain(env: Env, host: string): Promise<{ serviceUuid: string; bucket: string | null } | null> {
  const name = host.toLowerCase().replace(/\.$/, "");
  const labels = name.split(".");
  // The host itself and every parent of at least two labels: bucket names may contain dots.
  const candidates = labels.slice(0, -1).map((_, i) => labels.slice(i).join("."));
  if (!candidates.length) return null;
  const rows = await getDb(env)
    .select({ domainName: customDomains.domainName, serviceUuid: customDomains.serviceUuid })
    .from(customDomains)
    .innerJoin(services, eq(services.uuid, customDomains.serviceUuid))
    .where(
      and(
        inArray(customDomains.domainName, candidates),
        eq(customDomains.mode, "api"),
        eq(customDomains.verification, "verified"),
        eq(services.configuredStatus, "started"),
        isNull(services.deletingSince),
        publicNetworkExists(customDomains.serviceUuid),
      ),
    )
    .all();
  // The longest match wins: a.b.example.com over b.example.com.
  const best = rows.sort((a, b) => b.domainName.length - a.domainName.length)[0];
  if (!best) return null;
  return { serviceUuid: best.serviceUuid, bucket: best.domainName === name ? null : name.slice(0, -(best.domainName.length + 1)) };
}

export interface DomainStatus {
  domain: string;
  type: "public" | "private" | "custom";
  active: boolean;
  static_website_configured: boolean;
}

/**
 * Every host name of a service (`GET /{uuid}/domains`): its endpoints, its primary static domain
 * and its custom domains. Active = it receives traffic now (service started, the network it rides
 * on attached, custom domains verified).
 */
export async function listServiceDomains(env: Env, accountId: string, uuid: string): Promise<DomainStatus[]> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  const parts = await getServiceParts(d, uuid);
  const dom = serviceDomains(env, svc);
  const live = svc.configuredStatus === "started" && svc.deletingSince === null;
  const pub = parts.networks.some((n) => n.type === "public");
  const priv = parts.networks.some((n) => n.type === "private");
  const configured = new Set(parts.staticWebsites.map((w) => w.domainName));
  const out: DomainStatus[] = [];
  const add = (domain: string, type: DomainStatus["type"], active: boolean) =>
    out.push({ domain, type, active, static_website_configured: configured.has(domain) });
  if (pub) add(dom.public, "public", live);
  if (priv) add(dom.private, "private", live);
  if (pub) add(dom.static, "public", live);
  for (const cd of [...parts.customDomains].sort(byCreation)) add(cd.domainName, "custom", live && pub && cd.verification === "verified");
  return out;
}
