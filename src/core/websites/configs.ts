import { and, eq, sql } from "drizzle-orm";
import { isoMicro } from "../../lib/time";
import type { StaticWebsiteCreateInput, StaticWebsiteModifyInput, StaticWebsiteView } from "../../schema/website";
import { customDomains, staticWebsites } from "../../schema/website.tables";
import { serviceNetworks } from "../../schema/tables";
import { type Db, db as getDb, isUniqueViolation } from "../../storage/db";
import { conflict, invalid, notFound } from "../errors";
import { assertMutable, findService, serviceDomains } from "../services";
import { insertWhere } from "../../storage/sql";
import { byCreation, type StaticWebsiteRow, staticWebsiteView } from "./views";

const exists = () => conflict("Static website config already exists for this domain.", "Static website config");

async function findConfig(d: Db, uuid: string, domain: string): Promise<StaticWebsiteRow> {
  const row = await d
    .select()
    .from(staticWebsites)
    .where(and(eq(staticWebsites.serviceUuid, uuid), eq(staticWebsites.domainName, domain.toLowerCase())))
    .get();
  if (!row) throw notFound("Static website config");
  return row;
}

export async function listStaticWebsites(env: Env, accountId: string, uuid: string): Promise<StaticWebsiteView[]> {
  const d = getDb(env);
  await findService(d, accountId, uuid);
  const rows = await d.select().from(staticWebsites).where(eq(staticWebsites.serviceUuid, uuid)).all();
  return rows.sort(byCreation).map(staticWebsiteView);
}

export async function getStaticWebsite(env: Env, accountId: string, uuid: string, domain: string): Promise<StaticWebsiteView> {
  const d = getDb(env);
  await findService(d, accountId, uuid);
  return staticWebsiteView(await findConfig(d, uuid, domain));
}

/**
 * Creates a config for the service's primary static domain (domain_name omitted or equal to it) or
 * for one of its static-website custom domains. The domain is re-checked by the insert itself, so a
 * config never outlives a concurrently detached domain.
 */
export async function createStaticWebsite(
  env: Env,
  accountId: string,
  uuid: string,
  input: StaticWebsiteCreateInput,
): Promise<StaticWebsiteView> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const primary = serviceDomains(env, svc).static;
  const domain = input.domain_name ?? primary;
  let condition;
  if (domain === primary) {
    condition = sql`exists (select 1 from ${serviceNetworks} where ${serviceNetworks.serviceUuid} = ${uuid} and ${serviceNetworks.type} = 'public')`;
  } else {
    const cd = await d
      .select()
      .from(customDomains)
      .where(and(eq(customDomains.serviceUuid, uuid), eq(customDomains.domainName, domain)))
      .get();
    if (!cd) throw notFound("Custom domain");
    if (cd.mode !== "static-website")
      throw invalid("domain_name", `custom domain ${domain} is in ${cd.mode} mode; attach it in static-website mode to host a website`);
    condition = sql`exists (select 1 from ${customDomains} where ${customDomains.serviceUuid} = ${uuid} and ${customDomains.domainName} = ${domain} and ${customDomains.mode} = 'static-website')`;
  }
  const now = isoMicro();
  const row: StaticWebsiteRow = {
    serviceUuid: uuid,
    domainName: domain,
    bucketName: input.bucket_name,
    bucketPrefix: input.bucket_prefix ?? "",
    indexDocument: input.index_document ?? "index.html",
    spaMode: input.spa_mode ?? false,
    enabled: input.enabled ?? true,
    errorPages: JSON.stringify(input.error_pages ?? []),
    createdAt: now,
    updatedAt: now,
  };
  let inserted: boolean;
  try {
    inserted = await insertWhere(
      d,
      staticWebsites,
      [
        [staticWebsites.serviceUuid, row.serviceUuid],
        [staticWebsites.domainName, row.domainName],
        [staticWebsites.bucketName, row.bucketName],
        [staticWebsites.bucketPrefix, row.bucketPrefix],
        [staticWebsites.indexDocument, row.indexDocument],
        [staticWebsites.spaMode, row.spaMode],
        [staticWebsites.enabled, row.enabled],
        [staticWebsites.errorPages, row.errorPages],
        [staticWebsites.createdAt, row.createdAt],
        [staticWebsites.updatedAt, row.updatedAt],
      ],
      condition,
    );
  } catch (e) {
    if (isUniqueViolation(e)) throw exists();
    throw e;
  }
  if (!inserted) {
    if (domain === primary) throw invalid("domain_name", "the service has no public network, so it has no primary static domain");
    throw notFound("Custom domain");
  }
  return staticWebsiteView(row);
}

export async function modifyStaticWebsite(
  env: Env,
  accountId: string,
  uuid: string,
  domain: string,
  input: StaticWebsiteModifyInput,
): Promise<StaticWebsiteView> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const cur = await findConfig(d, uuid, domain);
  if (input.domain_name !== undefined && input.domain_name.toLowerCase() !== cur.domainName) {
    throw invalid("domain_name", "is immutable; delete the config and create a new one to serve another domain");
  }
  const set: Partial<StaticWebsiteRow> = { updatedAt: isoMicro() };
  if (input.bucket_name !== undefined) set.bucketName = input.bucket_name;
  if (input.bucket_prefix !== undefined) set.bucketPrefix = input.bucket_prefix;
  if (input.index_document !== undefined) set.indexDocument = input.index_document;
  if (input.spa_mode !== undefined) set.spaMode = input.spa_mode;
  if (input.enabled !== undefined) set.enabled = input.enabled;
  if (input.error_pages !== undefined) set.errorPages = JSON.stringify(input.error_pages);
  const where = and(eq(staticWebsites.serviceUuid, uuid), eq(staticWebsites.domainName, cur.domainName));
  await d.update(staticWebsites).set(set).where(where);
  return staticWebsiteView(await findConfig(d, uuid, cur.domainName));
}

export async function deleteStaticWebsite(env: Env, accountId: string, uuid: string, domain: string): Promise<void> {
  const d = getDb(env);
  const svc = await findService(d, accountId, uuid);
  assertMutable(svc);
  const cur = await findConfig(d, uuid, domain);
  await d.delete(staticWebsites).where(and(eq(staticWebsites.serviceUuid, uuid), eq(staticWebsites.domainName, cur.domainName)));
}
